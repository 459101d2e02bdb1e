import { describe, expect, it } from 'vitest';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  histogramBuckets,
  recordMs,
  type Histogram,
} from '../../src/metrics/histogram.js';
import { IntervalBlocks, mergeIntervals } from '../../src/metrics/interval-blocks.js';
import { RESAMPLE_RESOLUTION, bootstrapQuantiles, differenceInterval, hashSeed, seededRandom } from '../../src/report/bootstrap.js';
import { mergeReports } from '../../src/report/merge.js';
import { parseReport } from '../../src/report/read.js';
import { fakeReport, latencies } from '../helpers/fake-report.js';

const hist = (values: readonly number[]): Histogram => {
  const h = createHistogram();
  for (const v of values) recordMs(h, v);
  return h;
};
const counts = (blocks: readonly string[]): number[] => blocks.map((e) => (e === '' ? 0 : decodeHistogram(e).totalCount));

describe('IntervalBlocks', () => {
  it('files deltas and completions under the block of the time they arrive', () => {
    let now = 0;
    const b = new IntervalBlocks(1000, () => now);
    b.fanout(hist([1, 2]));
    now = 999;
    b.completion(3000);
    now = 2500;
    b.fanout(hist([5]));
    const r = b.toReport();
    expect(r.blockMs).toBe(1000);
    expect(counts(r.fanout)).toEqual([2, 0, 1]);
    expect(counts(r.completion)).toEqual([1, 0, 0]);
  });

  it('keeps at most the block limit by doubling the block length, losing no sample', () => {
    let now = 0;
    const b = new IntervalBlocks(1000, () => now, 8);
    for (let s = 0; s < 40; s++) {
      now = s * 1000 + 10;
      b.fanout(hist([s + 1]));
      b.completion(1000 * (s + 1));
    }
    const r = b.toReport();
    expect(r.fanout.length).toBeLessThanOrEqual(8);
    expect(r.blockMs).toBe(8000);
    expect(counts(r.fanout)).toEqual([8, 8, 8, 8, 8]);
    expect(counts(r.completion).reduce((a, c) => a + c, 0)).toBe(40);
    // Block 1 (8–16 s) holds exactly the samples of seconds 8 to 15.
    expect(decodeHistogram(r.fanout[1]).minNonZeroValue).toBe(9000);
  });
});

describe('IntervalBlocks: the other families', () => {
  it('keeps publish and staleness blocks only when they have samples, lost deliveries per block, handshakes per ramp block', () => {
    let now = 0;
    const b = new IntervalBlocks(1000, () => now, 600, 100);
    b.fanout(hist([1]));
    b.lost(3);
    b.rampBlock(0, hist([2, 3]));
    b.rampBlock(2, hist([4]));
    b.rampBlock(0, hist([5]));
    now = 1500;
    b.timed('publish', hist([7, 8]));
    b.lost(2);
    const r = b.toReport();
    expect(counts(r.publish ?? [])).toEqual([0, 2]);
    expect(r.streamStaleness).toBeUndefined();
    expect(r.lost).toEqual([3, 2]);
    expect(r.handshake?.blockMs).toBe(100);
    expect(counts(r.handshake?.blocks ?? [])).toEqual([3, 0, 1]);
    // Without lost deliveries or a second family, the report carries neither (older readers see what they knew).
    const plain = new IntervalBlocks(1000, () => 0).toReport();
    expect(Object.keys(plain)).toEqual(['blockMs', 'fanout', 'completion']);
  });

  it('adds lost counts when the block length doubles, and merges every family of side-by-side runs', () => {
    let now = 0;
    const b = new IntervalBlocks(1000, () => now, 4, 100);
    for (let s = 0; s < 8; s++) {
      now = s * 1000 + 1;
      b.fanout(hist([s + 1]));
      b.timed('streamStaleness', hist([10]));
      b.lost(1);
    }
    const r = b.toReport();
    expect(r.blockMs).toBe(2000);
    expect(r.lost).toEqual([2, 2, 2, 2]);
    expect(counts(r.streamStaleness ?? [])).toEqual([2, 2, 2, 2]);
    const m = mergeIntervals([
      { intervals: r, offsetMs: 0 },
      { intervals: { ...r, handshake: { blockMs: 100, blocks: [encodeHistogram(hist([1, 2]))] } }, offsetMs: 0 },
    ]);
    expect(m.lost).toEqual([4, 4, 4, 4]);
    expect(counts(m.streamStaleness ?? [])).toEqual([4, 4, 4, 4]);
    expect(counts(m.handshake?.blocks ?? [])).toEqual([2]);
    expect(m.publish).toBeUndefined();
  });
});

describe('mergeIntervals', () => {
  it('adds the blocks of side-by-side runs by time, at the longer block length', () => {
    const a = {
      blockMs: 1000,
      fanout: [encodeHistogram(hist([1])), encodeHistogram(hist([2])), '', encodeHistogram(hist([4]))],
      completion: ['', '', '', ''],
    };
    const b = {
      blockMs: 2000,
      fanout: [encodeHistogram(hist([10, 10])), encodeHistogram(hist([20]))],
      completion: [encodeHistogram(hist([7])), ''],
    };
    // b started 500 ms after a.
    const m = mergeIntervals([
      { intervals: a, offsetMs: 0 },
      { intervals: b, offsetMs: 500 },
    ]);
    expect(m.blockMs).toBe(2000);
    expect(counts(m.fanout)).toEqual([4, 2]);
    expect(counts(m.completion)).toEqual([1, 0]);
  });

  it('travels through mergeReports, and is left out (with a warning) when a report lacks it', () => {
    const a = fakeReport({ fanoutMs: latencies(2000, { seed: 1 }), blocks: 10, startedAt: '2025-05-01T12:00:00.000Z' });
    const b = fakeReport({ fanoutMs: latencies(2000, { seed: 2 }), blocks: 10, startedAt: '2025-05-01T12:00:00.400Z' });
    const m = mergeReports([a, b]);
    expect(counts(m.intervals?.fanout ?? []).reduce((x, y) => x + y, 0)).toBe(4000);
    expect(parseReport(JSON.parse(JSON.stringify(m)), 'merged.json').intervals).toEqual(m.intervals);
    const { intervals: _gone, ...old } = b;
    const partial = mergeReports([a, old]);
    expect(partial.intervals).toBeUndefined();
    expect(partial.warnings).toContain(
      '1 of 2 reports have no per-interval histograms: compare judges the merged report with per-delivery intervals',
    );
  });
});

describe('bootstrap', () => {
  it('reads a percentile the way the histogram does, to within its 0.5% cells', () => {
    const h = hist(latencies(5000, { seed: 9, tailMs: 300 }));
    const b = histogramBuckets(h);
    expect(b.total).toBe(5000);
    // One block resampled is always that block: every resample reads the histogram's percentile.
    const qs = [0.5, 0.9, 0.99, 0.999];
    bootstrapQuantiles([b], qs, 5, 1).forEach((values, i) => {
      const exact = h.getValueAtPercentile(qs[i] * 100);
      for (const v of values) {
        expect(v).toBeGreaterThanOrEqual(exact);
        expect(v).toBeLessThanOrEqual(exact * (1 + RESAMPLE_RESOLUTION));
      }
    });
  });

  it('is seeded: the same seed draws the same resamples, another seed others', () => {
    const blocks = [1, 2, 3, 4, 5, 6].map((s) => histogramBuckets(hist(latencies(200, { seed: s, baseMs: s }))));
    expect(bootstrapQuantiles(blocks, [0.5], 50, 7)).toEqual(bootstrapQuantiles(blocks, [0.5], 50, 7));
    expect(bootstrapQuantiles(blocks, [0.5], 50, 7)).not.toEqual(bootstrapQuantiles(blocks, [0.5], 50, 8));
    expect(seededRandom(1)()).toBe(seededRandom(1)());
    expect(hashSeed(['a', 'b'])).not.toBe(hashSeed(['ab']));
  });

  it('gives an interval of the difference that negates exactly when the runs swap', () => {
    const x = Float64Array.from({ length: 100 }, (_, i) => i * 3);
    const y = Float64Array.from({ length: 100 }, (_, i) => (i * 7) % 50);
    const d = differenceInterval(x, y);
    expect(differenceInterval(y, x)).toEqual({ low: -d.high, high: -d.low });
  });

  it('resamples 600 blocks 500 times in a fraction of a second', () => {
    const blocks = Array.from({ length: 600 }, (_, i) => histogramBuckets(hist(latencies(2000, { seed: i + 1, tailMs: 200 }))));
    const started = performance.now();
    bootstrapQuantiles(blocks, [0.5, 0.9, 0.99, 0.999], 500, 3);
    // Measured 0.11 s at a load average of 9 on 2 cores; the bound leaves room for a worse one.
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
