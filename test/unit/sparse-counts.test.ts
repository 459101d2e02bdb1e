import { describe, expect, it } from 'vitest';
import { createHistogram, encodeHistogram, type Histogram } from '../../src/metrics/histogram.js';
import { IntervalBlocks, MAX_BLOCKS } from '../../src/metrics/interval-blocks.js';
import { addCounts, addCountsInto, countOf, packCounts } from '../../src/metrics/sparse-counts.js';
import { seededRandom } from '../../src/report/bootstrap.js';

const random = seededRandom(27);
/** Latencies (µs) spread like a fan-out's: most near `centreUs`, a tail up to a few seconds, a zero now and then. */
function sample(n: number, centreUs: number): Histogram {
  const h = createHistogram();
  for (let i = 0; i < n; i++) {
    const r = random();
    h.recordValue(r < 0.01 ? 0 : r > 0.99 ? Math.round(centreUs * 100 * random()) : Math.round(centreUs * (0.5 + random())));
  }
  return h;
}
const unpack = (c: Uint8Array): Histogram => {
  const h = createHistogram();
  addCountsInto(h, c);
  return h;
};

describe('packed histogram counts', () => {
  it('give back the same histogram, encoded byte for byte as the original', () => {
    for (const [n, centre] of [
      [1, 5_000],
      [40, 300],
      [5_000, 20_000],
      [20_000, 2_000_000],
    ] as const) {
      const h = sample(n, centre);
      const c = packCounts(h);
      expect(countOf(c)).toBe(n);
      expect(encodeHistogram(unpack(c))).toBe(encodeHistogram(h));
    }
    // Counts above 2^31 and in the last buckets survive the varints.
    const big = createHistogram();
    big.recordValueWithCount(80_000_000_000, 3_000_000_000);
    big.recordValueWithCount(7, 1);
    expect(encodeHistogram(unpack(packCounts(big)))).toBe(encodeHistogram(big));
    expect(packCounts(createHistogram()).length).toBe(0);
  });

  it('add without decoding, exactly as histograms add', () => {
    const a = sample(3_000, 10_000);
    const b = sample(2_000, 40_000);
    const sum = createHistogram();
    sum.add(a);
    sum.add(b);
    const packed = addCounts(packCounts(a), packCounts(b));
    expect(encodeHistogram(unpack(packed))).toBe(encodeHistogram(sum));
    expect(addCounts(packCounts(a), new Uint8Array(0))).toEqual(packCounts(a));
  });
});

describe('IntervalBlocks memory', () => {
  it('stays within the documented bound (docs/soak.md) through repeated coarsening', () => {
    // A 4,000-delivery fan-out block and two completions each second, three hours of 1 s ticks:
    // four coarsenings. The bound: ≤ MAX_BLOCKS blocks per family, each a few bytes per non-empty bucket.
    let now = 0;
    const b = new IntervalBlocks(1000, () => now);
    const delta = sample(4_000, 20_000);
    for (let s = 0; s < 3 * 3600; s++) {
      now = s * 1000 + 10;
      b.fanout(delta);
      b.completion(30_000 + (s % 500) * 10);
    }
    const bytes = b.storedBytes();
    const r = b.toReport();
    expect(r.fanout.length).toBeLessThanOrEqual(MAX_BLOCKS);
    expect(r.blockMs).toBe(32_000);
    // docs/soak.md: at most 6 KB per block of a family at 3 significant digits between 1 ms and 10 s.
    expect(bytes).toBeLessThan(2 * MAX_BLOCKS * 6_000);
    expect(bytes).toBeGreaterThan(0);
  });
});
