/** The plan of a staged run: every worker gets the same stages, the plan line names the shapes. */
import { describe, expect, it } from 'vitest';
import { describePlan, planWorkers, workerSlices, type SliceContext } from '../../src/driver/plan.js';
import { validateScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/run/scenario.js';
import { socketEvents } from '../../src/run/load-stages.js';

function scenario(written: Record<string, unknown>): Scenario {
  const r = validateScenario({ name: 'plan', ...written }, { cpus: 2 });
  if ('issues' in r) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return r.scenario;
}

const ctx: SliceContext = {
  url: 'ws://127.0.0.1:1/ws',
  runTag: null,
  checkIds: false,
  ring: new SharedArrayBuffer(64),
  ringSize: 8,
  tickMs: 200,
  timeline: null,
};

describe('plan with stages', () => {
  const s = scenario({
    stages: [
      { duration: '1s', target: 10 },
      { duration: '1s', target: 4 },
    ],
    workers: 3,
    publish: { rate: 2, stages: [{ duration: '1s', target: 20 }] },
  });

  it('hands every worker the same stages; together their events are the whole shape', () => {
    const plans = planWorkers(s);
    const slices = workerSlices(s, plans, ctx);
    expect(slices.map((x) => x.stages)).toEqual(slices.map(() => s.stages));
    expect(structuredClone(slices[0].stages)).toEqual(s.stages);
    const opens: number[] = [];
    const closes: [number, number][] = [];
    for (const slice of slices) {
      const e = socketEvents(slice.stages ?? [], slice.indices);
      e.socket.forEach((k, n) => {
        if (k >= 0) opens.push(slice.indices[k]);
        else closes.push([e.atMs[n], slice.indices[~k]]);
      });
    }
    expect(opens.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Highest index first, one every 1000 / 6 ms from the start of the ramp down.
    expect(closes.sort((a, b) => a[0] - b[0]).map((c) => c[1])).toEqual([9, 8, 7, 6, 5, 4]);
  });

  it('names the shapes in the plan line; a run without stages keeps its line', () => {
    expect(describePlan(s, 'http://127.0.0.1:1/api?id={id}&value={value}', 3)).toBe(
      '10 sockets at the peak / 3 workers, stages: 0→10 in 1s, 10→4 in 1s (2s, ≤200 handshakes in flight), publish 2/s, then 2→20/s in 1s to http://127.0.0.1:1/api',
    );
    const plain = scenario({ connections: 10, duration: '2s', workers: 3, connectRate: 10 });
    expect(describePlan(plain, null, 3)).toBe('10 sockets / 3 workers, ramp 10/s (~1s, ≤200 handshakes in flight), hold 2s, no publishing');
    expect('stages' in workerSlices(plain, planWorkers(plain), ctx)[0]).toBe(false);
  });
});
