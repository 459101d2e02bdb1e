/**
 * The ramp's heap growing factor (src/driver/ramp-heap.ts): set when the ramp starts, V8's default
 * put back for the hold, a caller's own flag left alone. Checked on V8 itself in a fresh `node`
 * (the flag is the whole process's): a worker thread made before the ramp, as the socket workers
 * are, churns objects that outlive its young generation and die in the old one; its old space
 * stays near the live size while the factor is held, and grows past it again once it is put back.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RAMP_HEAP_GROWING_PERCENT, tightenHeapGrowth } from '../../src/driver/ramp-heap.js';

const DIST = new URL('../../dist/', import.meta.url).href;

/** In a worker (an ES module, as the probe's --input-type makes it): ~20 MB kept, then 1.5 million objects through a window of 100,000 (each outlives two scavenges). */
const CHURN = `
import { parentPort } from 'node:worker_threads';
import { getHeapSpaceStatistics } from 'node:v8';
const kept = [];
for (let i = 0; i < 200000; i++) kept.push({ i, a: [i], s: 'k' + i });
const oldMb = () => getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size / 1048576;
parentPort.on('message', () => {
  const win = new Array(100000);
  let max = 0;
  for (let i = 0; i < 1500000; i++) {
    win[i % win.length] = { i, a: [i, i], s: 'w' + i };
    if (i % 10000 === 0) max = Math.max(max, oldMb());
  }
  parentPort.postMessage({ max: Math.round(max), kept: kept.length });
});
`;

const PROBE = `
import { Worker } from 'node:worker_threads';
const { tightenHeapGrowth } = await import(${JSON.stringify(DIST)} + 'driver/ramp-heap.js');
const w = new Worker(${JSON.stringify(CHURN)}, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 16 } });
const churn = () => new Promise((resolve) => { w.once('message', (m) => resolve(m.max)); w.postMessage('go'); });
const restore = tightenHeapGrowth();
const ramp = await churn();
restore();
const hold = await churn();
console.log(JSON.stringify({ ramp, hold }));
await w.terminate();
`;

describe('the ramp heap growing factor', () => {
  it('is set for the ramp and put back once, and left alone when the process was given its own', () => {
    const calls: string[] = [];
    const restore = tightenHeapGrowth([], (f) => calls.push(f));
    expect(calls).toEqual([`--heap-growing-percent=${RAMP_HEAP_GROWING_PERCENT}`]);
    restore();
    restore();
    expect(calls).toEqual([`--heap-growing-percent=${RAMP_HEAP_GROWING_PERCENT}`, '--heap-growing-percent=0']);
    const own: string[] = [];
    tightenHeapGrowth(['--heap-growing-percent=50'], (f) => own.push(f))();
    expect(own).toEqual([]);
  });

  it("holds a worker thread's old space near its live size during the ramp, and not after", () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const { ramp, hold } = JSON.parse(run.stdout) as { ramp: number; hold: number };
    // ~45 MB live at most: held to 1.2× it stayed at 60–61 MB, without it 132–143 MB; put back, V8 lets it grow to 140–164 MB.
    expect(ramp, run.stdout).toBeLessThan(90);
    expect(hold, run.stdout).toBeGreaterThan(ramp * 1.5);
  });
});
