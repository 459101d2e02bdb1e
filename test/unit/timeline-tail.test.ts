import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { TimelineTail } from '../../src/api/timeline-tail.js';

const dir = mkdtempSync(join(tmpdir(), 'wsload-tail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('hands out each complete line once, holding back a line still being written', () => {
  const file = join(dir, 'run.ndjson');
  const tail = new TimelineTail(file);
  expect(tail.read()).toEqual([]); // not created yet
  appendFileSync(file, '{"elapsedMs":1000}\n{"elapsedMs":2');
  expect(tail.read()).toEqual([{ elapsedMs: 1000 }]);
  expect(tail.read()).toEqual([]);
  appendFileSync(file, '000}\n');
  expect(tail.read()).toEqual([{ elapsedMs: 2000 }]);
  // A multi-byte character split between two reads comes out whole.
  const line = Buffer.from('{"closesByCause":{"é":1}}\n');
  appendFileSync(file, line.subarray(0, 20));
  expect(tail.read()).toEqual([]);
  appendFileSync(file, line.subarray(20));
  expect(tail.read()).toEqual([{ closesByCause: { é: 1 } }]);
  tail.close();
  appendFileSync(file, '{"elapsedMs":3000}\n');
  expect(tail.read()).toEqual([]);
});
