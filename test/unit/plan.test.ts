import { describe, expect, it } from 'vitest';
import { deliveryDeadlineMs, describePlan, planWorkers, splitEvenly, workerSlices, type SliceContext } from '../../src/driver/plan.js';
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
    expect(describePlan(s, 'http://127.0.0.1:8888/api?id={id}&value={value}', 1, 'k3x9a2bq')).toMatch(
      /publish 1\/s to http:\/\/127\.0\.0\.1:8888\/api \(values tagged k3x9a2bq\)$/,
    );
  });
});

describe('workerSlices', () => {
  const ctx = (url: string): SliceContext => ({
    url,
    runTag: 'k3x9a2bq',
    checkIds: true,
    ring: new SharedArrayBuffer(64),
    ringSize: 8,
    tickMs: 200,
    timeline: { startMs: 1000, intervalMs: 500 },
  });

  it('is plain data: structuredClone round-trips it, and it holds no Scenario', () => {
    const s = scenario({
      target: { url: 'wss://example.test/ws?c={conn}', headers: { 'x-a': '1' }, subprotocols: ['chat'] },
      connections: 10,
      workers: 2,
      publish: { url: 'https://example.test/api?id={id}&value={value}', rate: 2, ids: ['a', 'b'], deadline: '3s' },
      tls: { insecure: true },
      resolve: { 'example.test': '127.0.0.1' },
      cohorts: [
        { name: 'pingers', count: 4, pingInterval: '5s' },
        { name: 'quiet', count: 6, reconnect: { policy: 'backoff' } },
      ],
    });
    const slices = workerSlices(s, planWorkers(s), ctx('wss://example.test/ws?c={conn}'));
    expect(slices).toHaveLength(2);
    for (const slice of slices) {
      const { ring, ...rest } = slice;
      expect(ring).toBeInstanceOf(SharedArrayBuffer);
      // Only plain objects, arrays, strings, numbers, booleans and null: nothing with a prototype or a function.
      expect(JSON.parse(JSON.stringify(rest))).toEqual(rest);
      expect(structuredClone(rest)).toEqual(rest);
      expect(structuredClone(slice).ring.byteLength).toBe(64);
      expect(Object.keys(slice)).not.toContain('scenario');
      expect(JSON.stringify(rest)).not.toContain('"thresholds"');
      expect(JSON.stringify(rest)).not.toContain('"connectRate"');
    }
    const [first] = slices;
    expect(first.perSocketMs).toBe(1000 / s.connectRate);
    expect(first.cohorts.map((c) => c.name)).toEqual(['pingers', 'quiet']);
    expect(first.connect).toMatchObject({
      urlTemplate: 'wss://example.test/ws?c={conn}',
      handshakeTimeoutMs: s.handshakeTimeoutMs,
      headers: { 'x-a': '1' },
      subprotocols: ['chat'],
      resolve: { 'example.test': '127.0.0.1' },
    });
    expect(first.connect.tls?.insecure).toBe(true);
    expect(first.delivery).toEqual({
      match: 'value',
      matchBy: 'field',
      binary: 'utf8-json',
      runTag: 'k3x9a2bq',
      ids: ['a', 'b'],
      deadlineMs: 3000,
    });
    // Slices own their data: changing one changes neither the scenario nor another slice.
    first.cohorts[0].reconnect.policy = 'immediate';
    expect(s.cohorts[0].reconnect.policy).not.toBe('immediate');
    expect(slices[1].cohorts[0].reconnect.policy).not.toBe('immediate');
  });

  it('decides the delivery deadline once: the publish deadline, 0 without publishing, as the driver drains', () => {
    const without = scenario({ connections: 2, workers: 1 });
    expect(deliveryDeadlineMs(without)).toBe(0);
    const slice = workerSlices(without, planWorkers(without), { ...ctx('ws://127.0.0.1:1/ws'), runTag: null, checkIds: false })[0];
    expect(slice.delivery).toEqual({ match: 'value', matchBy: 'field', binary: 'utf8-json', runTag: null, ids: null, deadlineMs: 0 });
    // Without TLS in the URL, no TLS settings travel.
    expect(slice.connect.tls).toBeNull();
    const withPublish = scenario({ connections: 2, workers: 1, publish: { rate: 1, deadline: '2s' } });
    expect(workerSlices(withPublish, planWorkers(withPublish), ctx('ws://127.0.0.1:1/ws'))[0].delivery.deadlineMs).toBe(
      deliveryDeadlineMs(withPublish),
    );
    expect(deliveryDeadlineMs(withPublish)).toBe(2000);
  });
});
