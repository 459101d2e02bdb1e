/**
 * The run's heap growing factor (src/heap-growth.ts): 1.2 through a run's ramp, 2.0 through its hold,
 * the tightest phase among concurrent runs, V8's default put back when the last run ends, a caller's
 * own flag left alone. Its effect is checked on
 * V8 itself in a fresh `node` (the flag is the whole process's): a worker thread made before it is
 * held, as the socket workers are, churns objects that outlive its young generation and die in the
 * old one; its old space stays near the live size while the factor is held, and grows past it once
 * it is let go.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heldHeapGrowth, holdHeapGrowth } from '../../dist/heap-growth.js';
import { startPublishTarget } from '../helpers/servers.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';

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
const { holdHeapGrowth } = await import(${JSON.stringify(DIST)} + 'heap-growth.js');
const w = new Worker(${JSON.stringify(CHURN)}, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 16 } });
const churn = () => new Promise((resolve) => { w.once('message', (m) => resolve(m.max)); w.postMessage('go'); });
const hold = holdHeapGrowth();
const held = await churn();
hold.release();
const after = await churn();
console.log(JSON.stringify({ held, after }));
await w.terminate();
`;

describe('the run heap growing factor', () => {
  const track = closeAfterEach();

  it('sets the ramp factor for the first holder, the tightest phase among holders, and V8 default after the last, once each', () => {
    const calls: string[] = [];
    const set = (f: string): number => calls.push(f);
    const flag = (p: number): string => `--heap-growing-percent=${p}`;
    expect(HEAP_GROWING_PERCENT).toEqual({ ramp: 20, hold: 100 });
    const first = holdHeapGrowth([], set);
    expect(calls).toEqual([flag(20)]);
    expect(heldHeapGrowth()).toBe(20);
    const second = holdHeapGrowth([], set);
    first.toHold();
    // The second run still ramps: its factor, the tighter one, stays.
    expect(calls).toEqual([flag(20)]);
    second.toHold();
    expect(calls).toEqual([flag(20), flag(100)]);
    expect(heldHeapGrowth()).toBe(100);
    first.release();
    first.release();
    first.toHold();
    expect(calls).toHaveLength(2);
    second.release();
    expect(calls).toEqual([flag(20), flag(100), flag(0)]);
    expect(heldHeapGrowth()).toBeNull();
    const own: string[] = [];
    const theirs = holdHeapGrowth(['--heap-growing-percent=50'], (f) => own.push(f));
    theirs.toHold();
    theirs.release();
    expect(own).toEqual([]);
  });

  it("holds a worker thread's old space near its live size while held, and not after", () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const { held, after } = JSON.parse(run.stdout) as { held: number; after: number };
    // ~45 MB live at most: held to 1.2× it stayed at 60–61 MB, without it 132–143 MB.
    expect(held, run.stdout).toBeLessThan(90);
    expect(after, run.stdout).toBeGreaterThan(held * 1.5);
  });

  it("is held by a run at the ramp's factor while its sockets connect, at the hold's through the hold, and let go when the run ends", async () => {
    const target = track(await startPublishTarget());
    const scenario = scenarioFrom({ target: { url: target.wsUrl }, connections: 20, duration: '1s', publish: { rate: 2 } });
    let whileStarting: number | null = null;
    const byPhase = new Map<string, number | null>();
    const report = await runQuietly(scenario, {
      onWorkersStarted: () => (whileStarting = heldHeapGrowth()),
      onProgress: (p) => byPhase.set(p.phase, heldHeapGrowth()),
    });
    expect(report.connections.opened).toBe(20);
    expect(whileStarting).toBe(HEAP_GROWING_PERCENT.ramp);
    expect(byPhase.get('hold')).toBe(HEAP_GROWING_PERCENT.hold);
    expect(heldHeapGrowth()).toBeNull();
  });
});
