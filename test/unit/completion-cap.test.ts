/**
 * Completion is recorded at the deadline for a publish that did not reach every socket in time, and
 * no completion can exceed the deadline: its percentile set is capped there, so "at the deadline"
 * reads as the deadline (10,000 ms), not as the top of the HdrHistogram bucket holding it (10,002).
 */
import { describe, expect, it } from 'vitest';
import { createHistogram, percentiles, recordMs } from '../../src/metrics/histogram.js';
import { percentileCapMs } from '../../src/run/registry.js';

describe('completion capped at the deadline', () => {
  it('reads a sample at the 10 s deadline as 10,000 ms, not its bucket top', () => {
    const h = createHistogram();
    for (let i = 0; i < 5; i++) recordMs(h, 10_000);
    recordMs(h, 20);
    expect(percentiles(h).max).toBeCloseTo(10_002.431, 3);
    expect(percentiles(h, 10_000)).toMatchObject({ count: 6, p50: 10_000, p99: 10_000, max: 10_000 });
    expect(percentiles(h, 10_000).mean).toBeLessThanOrEqual(10_000);
    // Values below the cap are untouched.
    expect(percentiles(h, 10_000).min).toBe(percentiles(h).min);
  });

  it("caps the run's and each topic's completion, nothing else", () => {
    expect(percentileCapMs('completion', 10_000)).toBe(10_000);
    expect(percentileCapMs('completion:news', 10_000)).toBe(10_000);
    expect(percentileCapMs('fanout', 10_000)).toBeUndefined();
    expect(percentileCapMs('fanout:news', 10_000)).toBeUndefined();
    expect(percentileCapMs('idleAtClose:default', 10_000)).toBeUndefined();
    expect(percentileCapMs('completion', undefined)).toBeUndefined();
  });
});
