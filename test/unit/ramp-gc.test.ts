/**
 * One full GC in each thread when its ramp ends (src/ramp-gc.ts). The collector is checked on V8
 * itself in a fresh `node` started without `--expose-gc`, in a worker thread as the socket workers
 * are; then a real run against the built-in target, traced by V8 (`--trace-gc` names each isolate
 * and the reason of each GC: "testing" is a requested one), collects once in the main thread and once
 * in each socket worker.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WSLOAD_BIN } from '../helpers/cli.js';

const DIST = new URL('../../dist/', import.meta.url).href;

/** In a worker (an ES module, as the probe's --input-type makes it): ~60 MB of objects that reach the old space and die there, then the collector; heap used before and after it, in MB. */
const WORKER = `
import { parentPort } from 'node:worker_threads';
const { collectGarbage } = await import(${JSON.stringify(DIST)} + 'ramp-gc.js');
const outside = collectGarbage();
let kept = [];
for (let i = 0; i < 500000; i++) kept.push({ i, a: [i], s: 'k' + i });
for (let j = 0; j < 4; j++) for (let i = 0; i < 200000; i++) kept[i] = { i, a: [i, j] };
kept = null;
const mb = () => Math.round(process.memoryUsage().heapUsed / 1048576);
const before = mb();
const collected = collectGarbage();
parentPort.postMessage({ before, after: mb(), collected, outside, gcGlobal: typeof globalThis.gc });
`;

const PROBE = `
import { Worker } from 'node:worker_threads';
const { openGcWindow } = await import(${JSON.stringify(DIST)} + 'ramp-gc.js');
const w0 = new Worker(${JSON.stringify(WORKER)}, { eval: true });
await new Promise((resolve) => w0.once('message', (m) => resolve(console.log(JSON.stringify(m)))));
const close = openGcWindow();
const w = new Worker(${JSON.stringify(WORKER)}, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 16 } });
w.on('message', (m) => { console.log(JSON.stringify(m)); close(); });
`;

const dir = mkdtempSync(join(tmpdir(), 'wsload-ramp-gc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('one full GC when the ramp ends', () => {
  it("collects a worker thread's dead old-space objects in a process started without --expose-gc while a run's window is open, and not outside one", () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    type Probe = { before: number; after: number; collected: boolean; outside: boolean; gcGlobal: string };
    const [without, within] = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Probe);
    expect(without.collected, run.stdout).toBe(false);
    expect(without.after, run.stdout).toBeGreaterThan(40);
    expect(within.outside, run.stdout).toBe(true);
    expect(within.collected).toBe(true);
    expect(within.before, run.stdout).toBeGreaterThan(40);
    expect(within.after, run.stdout).toBeLessThan(within.before / 3);
  });

  it('runs once in the main thread and once in each socket worker of a real run', () => {
    const file = join(dir, 'two-workers.json');
    writeFileSync(file, JSON.stringify({ name: 'ramp-gc', connections: 200, workers: 2, duration: '1s', publish: { rate: 2 } }));
    const run = spawnSync(process.execPath, ['--trace-gc', WSLOAD_BIN, 'run', file, '--out', join(dir, 'report.json')], {
      encoding: 'utf8',
      timeout: 60_000,
      cwd: dir,
    });
    expect(run.status, run.stderr).toBe(0);
    // "[pid:isolate] ... Mark-Compact ... testing; GC in old space requested": the embedded target is another pid.
    const requested = new Map<string, number>();
    for (const m of run.stdout.matchAll(/^\[(\d+):(0x[0-9a-f]+)\][^\n]*Mark-Compact[^\n]*testing/gm)) {
      if (Number(m[1]) !== run.pid) continue;
      requested.set(m[2], (requested.get(m[2]) ?? 0) + 1);
    }
    // Two socket workers and the main thread (the scenario's load thread has none). A requested GC
    // that finds V8's own incremental marking under way finishes it first: two lines for one request.
    expect(requested.size, run.stdout.slice(0, 4000)).toBe(3);
    for (const n of requested.values()) expect(n).toBeLessThanOrEqual(2);
  });
});
