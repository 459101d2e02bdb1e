/**
 * Stages spread over local shards: every worker of every process computes its own sockets'
 * opens and ramp-down closes from the same stages on the shared ramp clock.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, wsload } from '../helpers/cli.js';
import type { Report } from '../../src/run/report.js';
import { expectDeliveredExactly } from '../helpers/books.js';

let dir: string;

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'wsload-stages-shards-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wsload run --shards 2 with stages', () => {
  it('ramps up and down across both processes into one exact report', async () => {
    const file = join(dir, 'stages.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'stages-shards',
        stages: [
          { duration: '1s', target: 60 },
          { duration: '1s', target: 60 },
          { duration: '1s', target: 20 },
          { duration: '500ms', target: 20 },
        ],
        workers: 2,
        publish: { rate: 10 },
      }),
    );
    const out = join(dir, 'report.json');
    const r = await wsload(['run', file, '--shards', '2', '--out', out], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr.slice(-800)).toBe(0);
    expect(r.stderr).toContain('60 sockets at the peak / 2 workers');
    expect(r.stderr).toContain('stages: 0→60 in 1s, hold 1s, 60→20 in 1s, hold 500ms');
    // The summary wraps long lines.
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(
      'stages: 0→60 in 1s, hold 1s, 60→20 in 1s, hold 500ms · 40 ramp-down closes by wsload (not disconnects)',
    );
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(report.shards).toHaveLength(2);
    expect(report.shards!.reduce((s, x) => s + x.sockets, 0)).toBe(60);
    expect(report.connections.target).toBe(60);
    expect(report.connections.firstOpened).toBe(60);
    // Exact over both processes, from every worker's open/close log merged by time.
    expect(report.connections.peakOpen).toBe(60);
    expect(report.connections.peakOpenUpperBound).toBeUndefined();
    expect(report.connections.rampDownCloses).toBe(40);
    expect(report.connections.openAtEnd).toBe(20);
    expect(report.disconnects.total).toBe(0);
    expect(report.fanout.published).toBe(35);
    expectDeliveredExactly(report);
  }, 90_000);
});
