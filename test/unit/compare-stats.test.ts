import { describe, expect, it } from 'vitest';
import {
  binomialUpperTail,
  holm,
  incompleteBeta,
  logGamma,
  normalCdf,
  rateRatioPValue,
  studentTCdf,
  studentTQuantile,
} from '../../src/report/stats.js';

describe('the distributions compare decides with', () => {
  it('gives Student t quantiles as tables do', () => {
    // Two-sided 95%: 12.706 (1 df), 4.303 (2), 2.776 (4), 2.228 (10), 2.042 (30), 1.960 (∞).
    for (const [df, t] of [
      [1, 12.706],
      [2, 4.303],
      [4, 2.776],
      [10, 2.228],
      [30, 2.042],
      [Infinity, 1.96],
    ] as const) {
      expect(studentTQuantile(0.975, df), `df ${df}`).toBeCloseTo(t, 2);
      expect(studentTCdf(t, df), `df ${df}`).toBeCloseTo(0.975, 3);
    }
    expect(studentTCdf(0, 5)).toBeCloseTo(0.5, 12);
    expect(studentTCdf(-2.776, 4)).toBeCloseTo(0.025, 3);
    expect(normalCdf(1.6449)).toBeCloseTo(0.95, 4);
  });

  it('gives exact binomial tails (sums of the probabilities)', () => {
    const direct = (k: number, n: number, p: number): number => {
      let s = 0;
      for (let i = k; i <= n; i++)
        s += Math.exp(logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1) + i * Math.log(p) + (n - i) * Math.log(1 - p));
      return s;
    };
    for (const [k, n, p] of [
      [3, 10, 0.2],
      [7, 7, 0.5],
      [40, 100, 0.3],
      [1, 1, 0.524],
    ] as const) {
      expect(binomialUpperTail(k, n, p)).toBeCloseTo(direct(k, n, p), 10);
    }
    expect(binomialUpperTail(0, 5, 0.3)).toBe(1);
    expect(binomialUpperTail(6, 5, 0.3)).toBe(0);
    expect(incompleteBeta(2, 3, 0.4)).toBeCloseTo(0.5248, 4);
  });

  it('tests two rates over their exposures: 3 → 4 events is chance, 0 → 40 is not', () => {
    // Equal exposures, 10% tolerance: the after share under the null is 1.1 / 2.1.
    expect(rateRatioPValue(4, 100, 3, 100, 1.1)).toBeGreaterThan(0.3);
    expect(rateRatioPValue(40, 100, 0, 100, 1.1)).toBeLessThan(1e-10);
    // Exposure matters: 40 events over 10× the exposure is the same rate as 4.
    expect(rateRatioPValue(40, 1000, 4, 100, 1.1)).toBeGreaterThan(0.3);
    expect(rateRatioPValue(0, 100, 5, 100, 1.1)).toBe(1);
  });

  it("controls a family with Holm's step-down: the smallest p against α/m, the next against α/(m − 1), and stops at the first kept", () => {
    const { rejected, adjusted } = holm([0.01, 0.04, 0.03, 0.005], 0.05);
    // Sorted: 0.005 ≤ 0.0125 ✓, 0.01 ≤ 0.0167 ✓, 0.03 > 0.025 ✗ (and so 0.04 too).
    expect(rejected).toEqual([true, false, false, true]);
    expect(adjusted[3]).toBeCloseTo(0.02, 12);
    expect(adjusted[0]).toBeCloseTo(0.03, 12);
    expect(adjusted[2]).toBeCloseTo(0.06, 12);
    expect(adjusted[1]).toBeCloseTo(0.06, 12);
    expect(holm([], 0.05)).toEqual({ rejected: [], adjusted: [] });
  });
});
