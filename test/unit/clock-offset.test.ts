import { describe, expect, it } from 'vitest';
import { ClockOffsetEstimator, sampleOffset, type ProbeSample } from '../../src/coordinator/clock-offset.js';
import { seededRandom } from '../helpers/fake-report.js';

/**
 * A simulated agent whose clock runs `skewMs` ahead of the coordinator's; the two legs of a round
 * trip take different, random times (queueing on one side), as on a loaded network.
 */
function probe(at: number, skewMs: number, outMs: number, backMs: number, turnMs = 0.05): ProbeSample {
  const t0 = at;
  const t1 = t0 + outMs + skewMs;
  const t2 = t1 + turnMs;
  const t3 = t2 - skewMs + backMs;
  return { t0, t1, t2, t3 };
}

describe('clock offset estimator', () => {
  it('recovers the offset exactly when both legs take the same time', () => {
    const s = sampleOffset(probe(100, 37.5, 2, 2));
    expect(s.offsetMs).toBeCloseTo(37.5, 9);
    expect(s.rttMs).toBeCloseTo(4, 9);
  });

  it('keeps the error within the stated uncertainty under asymmetric delay, whatever the skew', () => {
    for (const skew of [-5000, -12.3, 0, 0.7, 86_400_000]) {
      const est = new ClockOffsetEstimator(16);
      // Outbound leg 1 ms, return leg 9 ms: the worst case for a symmetric assumption.
      est.add(probe(0, skew, 1, 9));
      const e = est.estimate()!;
      expect(Math.abs(e.offsetMs - skew)).toBeLessThanOrEqual(e.uncertaintyMs + 1e-9);
      expect(e.uncertaintyMs).toBeCloseTo(5, 9);
    }
  });

  it('picks the minimum-RTT sample, which beats the mean of the window', () => {
    const rand = seededRandom(7);
    const skew = 123.456;
    const est = new ClockOffsetEstimator(16);
    const offsets: number[] = [];
    for (let i = 0; i < 16; i++) {
      // Queueing delay only ever adds, and mostly on the way back (a busy coordinator).
      const out = 0.2 + rand() * 2;
      const back = 0.2 + rand() * 30;
      const s = probe(i * 1000, skew, out, back);
      est.add(s);
      offsets.push(sampleOffset(s).offsetMs);
    }
    const e = est.estimate()!;
    const mean = offsets.reduce((a, b) => a + b, 0) / offsets.length;
    expect(Math.abs(e.offsetMs - skew)).toBeLessThanOrEqual(e.uncertaintyMs + 1e-9);
    expect(Math.abs(e.offsetMs - skew)).toBeLessThan(Math.abs(mean - skew));
  });

  it('forgets samples older than its window (clocks drift over a long run)', () => {
    const est = new ClockOffsetEstimator(4);
    est.add(probe(0, 10, 0.1, 0.1));
    for (let i = 1; i <= 4; i++) est.add(probe(i, 20, 1, 1));
    expect(est.count).toBe(4);
    expect(est.estimate()!.offsetMs).toBeCloseTo(20, 9);
    expect(new ClockOffsetEstimator().estimate()).toBeNull();
  });
});
