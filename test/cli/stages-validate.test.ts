/** Stages on the command line: validate names the shape; conflicting keys and flags are one line each, exit 2. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, wsload } from '../helpers/cli.js';

let dir: string;

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'wsload-stages-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, value: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

const stages = [
  { duration: '10s', target: 20 },
  { duration: '0s', target: 5 },
];

describe('wsload validate with stages', () => {
  it('names the shape', async () => {
    const file = write('ok.json', { name: 'ok', stages, workers: 1, publish: { rate: 2, stages: [{ duration: '5s', target: 10 }] } });
    const r = await wsload(['validate', file], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${file}: ok (20 sockets / 1 worker, stages 0→20 in 10s, step to 5, publish 2/s, then 2→10/s in 5s)\n`);
  });

  it('duration with stages: one line at its path naming stages, exit 2', async () => {
    const file = write('dur.json', { name: 'dur', stages, duration: '1m' });
    const r = await wsload(['validate', file], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `wsload: ${file}: duration: not allowed with stages: the run lasts the sum of the stage durations; remove duration (or stages)\n`,
    );
  });

  it('--rate with publish.stages: one line naming both, exit 2, before anything runs', async () => {
    const file = write('rate.json', { name: 'rate', stages, publish: { stages: [{ duration: '5s', target: 10 }] } });
    const r = await wsload(['run', file, '--rate', '10'], { cwd: dir, timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `wsload: ${file}: --rate: cannot replace publish.rate while publish.stages shapes the rate; remove --rate or publish.stages\n`,
    );
  });
});
