/**
 * percentiles() walks the buckets once for every figure of a set (issue 22: the library's walk per
 * percentile and its iterator for the mean were most of the main thread's tick). Its figures must
 * be the library's own, to the microsecond, for every shape a run produces.
 */
import { describe, expect, it } from 'vitest';
import { createHistogram, histogramBuckets, percentiles, recordMs, takeNewSince, type Histogram } from '../../src/metrics/histogram.js';

/** The set as the library computes it (what percentiles() returned before the single walk). */
function librarySet(h: Histogram, capMs?: number): ReturnType<typeof percentiles> {
  if (h.totalCount === 0) return { count: 0, min: 0, mean: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  const capUs = capMs === undefined ? Infinity : capMs * 1000;
  const r = (us: number): number => Math.round(Math.min(capUs, us)) / 1000;
  const at = (p: number): number => r(h.getValueAtPercentile(p));
  return {
    count: h.totalCount,
    min: at(0),
    mean: r(h.mean),
    p50: at(50),
    p75: at(75),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: at(100),
  };
}

/** A seeded generator, so a failure names a shape that can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('percentiles', () => {
  it('equals the library on empty, single-value, wide and heavy-tailed histograms', () => {
    const shapes: Array<[string, (h: Histogram, rand: () => number) => void]> = [
      ['empty', () => {}],
      ['one value', (h) => recordMs(h, 12.345)],
      [
        'zeros',
        (h) => {
          for (let i = 0; i < 10; i++) recordMs(h, 0);
        },
      ],
      [
        'uniform 0-100 ms',
        (h, rand) => {
          for (let i = 0; i < 5000; i++) recordMs(h, rand() * 100);
        },
      ],
      [
        'exponential tail to seconds',
        (h, rand) => {
          for (let i = 0; i < 20000; i++) recordMs(h, -Math.log(1 - rand()) * 40);
        },
      ],
      [
        'two modes, µs and minutes',
        (h, rand) => {
          for (let i = 0; i < 3000; i++) recordMs(h, rand() < 0.99 ? rand() * 0.05 : 60_000 + rand() * 1000);
        },
      ],
      [
        'exactly 1000 values (rank edges of p99.9)',
        (h) => {
          for (let i = 1; i <= 1000; i++) recordMs(h, i);
        },
      ],
    ];
    for (const [name, fill] of shapes) {
      for (const seed of [1, 2, 3]) {
        const h = createHistogram();
        fill(h, rng(seed));
        expect(percentiles(h), `${name}, seed ${seed}`).toEqual(librarySet(h));
        expect(percentiles(h, 50), `${name}, seed ${seed}, capped at 50 ms`).toEqual(librarySet(h, 50));
      }
    }
  });

  it('equals the library after merges and large counts', () => {
    const total = createHistogram();
    const rand = rng(7);
    for (let part = 0; part < 20; part++) {
      const h = createHistogram();
      for (let i = 0; i < 2000; i++) h.recordValueWithCount(Math.round(rand() * 2_000_000), 1 + Math.floor(rand() * 50));
      total.add(h);
    }
    expect(percentiles(total)).toEqual(librarySet(total));
  });
});

describe('takeNewSince', () => {
  it('moves exactly what a growing histogram recorded since the last take, bucket by bucket', () => {
    const cumulative = createHistogram();
    const seen = createHistogram();
    const blocks = createHistogram();
    const rand = rng(11);
    for (let tick = 0; tick < 12; tick++) {
      const before = createHistogram();
      before.add(cumulative);
      for (let i = 0; i < 200 + tick * 50; i++) recordMs(cumulative, tick === 5 ? 0 : -Math.log(1 - rand()) * (tick + 1) * 3);
      const expected = createHistogram();
      expected.add(cumulative);
      expected.subtract(before);
      const delta = createHistogram();
      takeNewSince(delta, cumulative, seen);
      blocks.add(delta);
      expect(histogramBuckets(delta), `tick ${tick}`).toEqual(histogramBuckets(expected));
      expect(delta.totalCount).toBe(expected.totalCount);
    }
    expect(histogramBuckets(seen)).toEqual(histogramBuckets(cumulative));
    expect(percentiles(blocks)).toEqual(percentiles(cumulative));
    // Nothing new: nothing moved.
    const none = createHistogram();
    takeNewSince(none, cumulative, seen);
    expect(none.totalCount).toBe(0);
  });
});
