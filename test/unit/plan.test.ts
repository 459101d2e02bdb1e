import { describe, expect, it } from 'vitest';
import { describePlan, planWorkers, splitEvenly } from '../../src/driver/plan.js';
import { validateScenario } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/run/scenario.js';

function scenario(written: Record<string, unknown>): Scenario {
  const r = validateScenario({ name: 'plan', duration: '10s', ...written }, { cpus: 2 });
  if ('issues' in r) throw new Error(JSON.stringify(r.issues));
  return r.scenario;
}

describe('splitEvenly', () => {
  it.each([
    [10, 3],
    [0, 4],
    [1, 8],
    [20_000, 7],
    [9_999, 64],
  ])('splits %i over %i parts summing to the whole, differing by at most one', (n, parts) => {
    const split = splitEvenly(n, parts);
    expect(split).toHaveLength(parts);
    expect(split.reduce((a, b) => a + b, 0)).toBe(n);
    expect(Math.max(...split) - Math.min(...split)).toBeLessThanOrEqual(1);
  });

  it('does not drop the remainder the way autocannon manager.js does (10 over 3 runs 10, not 9)', () => {
    expect(splitEvenly(10, 3)).toEqual([4, 3, 3]);
  });
});

describe('planWorkers', () => {
  it('gives every socket to exactly one worker and spreads every cohort over the workers', () => {
    const s = scenario({
      connections: 101,
      workers: 3,
      cohorts: [
        { name: 'a', count: 50 },
        { name: 'b', count: 51 },
      ],
    });
    const plans = planWorkers(s);
    const all = plans.flatMap((p) => p.indices).sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 101 }, (_, i) => i));
    for (const p of plans) {
      expect(p.cohortOf.filter((c) => c === 0).length).toBeGreaterThanOrEqual(16);
      expect(p.cohortOf.filter((c) => c === 1).length).toBeGreaterThanOrEqual(16);
    }
    expect(plans.reduce((sum, p) => sum + p.maxPending, 0)).toBe(s.maxPendingHandshakes);
  });

  it('never starts more workers than sockets', () => {
    expect(planWorkers(scenario({ connections: 2, workers: 2 }))).toHaveLength(2);
    expect(planWorkers({ ...scenario({ connections: 2 }), workers: 8 })).toHaveLength(2);
  });
});

describe('describePlan', () => {
  it('states sockets, workers, ramp, hold and publishing in one line', () => {
    const s = scenario({ connections: 2000, connectRate: 1000, workers: 2, duration: '30s', publish: { rate: 10 } });
    expect(describePlan(s, 'http://127.0.0.1:8888/api?id={id}&value={seq}', 2)).toBe(
      '2000 sockets / 2 workers, ramp 1000/s (~2s, ≤200 handshakes in flight), hold 30s, publish 10/s to http://127.0.0.1:8888/api',
    );
  });

  it("names the run tag this run's values carry, so side-by-side runs can be told apart", () => {
    const s = scenario({ connections: 10, workers: 1, duration: '1s', publish: { rate: 1 } });
    expect(describePlan(s, 'http://127.0.0.1:8888/api?id={id}&value={value}', 1, 'k3x9a2bq')).toMatch(/publish 1\/s to http:\/\/127\.0\.0\.1:8888\/api \(values tagged k3x9a2bq\)$/);
  });
});
