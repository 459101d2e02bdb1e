import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { decodeCompressedBase64, encodeCompressedBase64 } from '../../src/metrics/hdr-codec.js';
import { createHistogram, createHlogWriter, type Histogram } from '../../src/metrics/histogram.js';

/** Every bucket's count, as the library's own walk reads them. */
function buckets(h: Histogram): string {
  const out: string[] = [];
  for (const v of (
    h as unknown as { recordedValues(): Iterable<{ valueIteratedTo: number; countAtValueIteratedTo: number }> }
  ).recordedValues?.() ?? []) {
    out.push(`${v.valueIteratedTo}:${v.countAtValueIteratedTo}`);
  }
  return out.join(',');
}

function samples(): Record<string, Histogram> {
  const empty = createHistogram();
  const one = createHistogram();
  one.recordValue(1234);
  const wide = createHistogram();
  // A seeded spread from 0 µs to a day, runs of empty buckets between, and counts past 2^16.
  let x = 42;
  for (let i = 0; i < 20_000; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    wide.recordValue(Math.floor((x / 2 ** 31) ** 6 * 86_400_000_000));
  }
  wide.recordValueWithCount(5000, 3_000_000_000 / 2);
  const resized = createHistogram();
  resized.recordValue(3 * 86_400_000_000);
  return { empty, one, wide, resized };
}

describe('HdrHistogram V2 compressed codec without the library index', () => {
  for (const [name, h] of Object.entries(samples())) {
    it(`writes the library's bytes and reads them back exactly (${name})`, () => {
      const mine = encodeCompressedBase64(h);
      expect(mine).toBe(hdr.encodeIntoCompressedBase64(h));
      const back = decodeCompressedBase64(mine);
      const theirs = hdr.decodeFromCompressedBase64(mine, 32, false);
      expect(back.totalCount).toBe(h.totalCount);
      expect(back.maxValue).toBe(theirs.maxValue);
      expect(back.minNonZeroValue).toBe(theirs.minNonZeroValue);
      expect(buckets(back)).toBe(buckets(theirs));
      expect(back.getValueAtPercentile(99)).toBe(h.getValueAtPercentile(99));
    });
  }

  it('refuses what is not a V2 histogram, as the library does', () => {
    expect(() => decodeCompressedBase64('aGVsbG8gd29ybGQ=')).toThrow(/only V2/);
  });
});

describe('the .hlog without the library index', () => {
  it("writes the lines the library's HistogramLogWriter writes", () => {
    const { wide, one } = samples();
    const mine: string[] = [];
    const w = createHlogWriter((t) => mine.push(t), 1_765_000_000_123);
    w.interval(wide, 0, 1.5);
    w.interval(one, 1.5, 2.25);
    const theirs: string[] = [];
    const lib = new hdr.HistogramLogWriter((t) => theirs.push(t));
    lib.outputLogFormatVersion();
    lib.outputStartTime(1_765_000_000_123);
    lib.outputComment('wsload fan-out latency, values in microseconds (max column in ms)');
    lib.outputLegend();
    lib.outputIntervalHistogram(wide, 0, 1.5, 1000);
    lib.outputIntervalHistogram(one, 1.5, 2.25, 1000);
    expect(mine.join('')).toBe(theirs.join(''));
  });
});
