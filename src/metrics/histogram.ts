/**
 * The only module (with its codec, hdr-codec.ts) that imports hdr-histogram-js. Every histogram
 * is a JS (not WASM) 32-bit histogram recording integer microseconds, so any two can be added:
 * the library cannot add a JS histogram to a WASM one, and mixing bucket sizes loses the
 * exactness merges rely on. Only the library's JavaScript classes are loaded, never its index
 * (its WebAssembly build and `pako`: ~10 MB of RSS per thread, issue 22): encoding is
 * hdr-codec.ts's, the .hlog lines are written here as the library's writer writes them.
 */
import { createRequire } from 'node:module';
import type * as hdrTypes from 'hdr-histogram-js';
import type { PercentileSet } from '../run/report.js';
import { decodeCompressedBase64, encodeCompressedBase64, Int32Histogram } from './hdr-codec.js';

export type Histogram = hdrTypes.Histogram;

/** The .hlog's number format (the library's formatters.js, loaded with its histogram classes). */
const hlogTime = (
  createRequire(import.meta.url)('hdr-histogram-js/dist/formatters.js') as {
    floatFormatter(size: number, fractionDigits: number): (n: number) => string;
  }
).floatFormatter(5, 3);

/** Highest trackable value: one day in microseconds; autoResize extends it if ever needed. */
const HIGHEST_US = 86_400_000_000;

/** A new empty histogram (µs, 3 significant digits). */
export function createHistogram(): Histogram {
  const h = new Int32Histogram(1, HIGHEST_US, 3);
  h.autoResize = true;
  return h;
}

/** Records a duration given in (fractional) milliseconds; negative values clamp to 0. */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(ms <= 0 ? 0 : Math.round(ms * 1000));
}

/**
 * Records a delay seen by a sampler that expected a sample every `intervalMs`, back-filling the
 * samples a stall swallowed (HdrHistogram's expected-interval correction): a 40 ms stall seen by
 * a 10 ms sampler records 40, 30, 20 and 10 ms, not one sample among many idle ones.
 */
export function recordMsWithExpectedInterval(h: Histogram, ms: number, intervalMs: number): void {
  h.recordValueWithExpectedInterval(ms <= 0 ? 0 : Math.round(ms * 1000), Math.max(1, Math.round(intervalMs * 1000)));
}

/** Records a duration given in nanoseconds (a process.hrtime.bigint() difference). */
export function recordNs(h: Histogram, ns: bigint): void {
  h.recordValue(ns <= 0n ? 0 : Number(ns / 1000n));
}

/** HdrHistogram V2 compressed base64: readable by other HdrHistogram implementations. */
export function encodeHistogram(h: Histogram): string {
  return encodeCompressedBase64(h);
}

/** Decodes what encodeHistogram wrote. Throws on malformed input. */
export function decodeHistogram(encoded: string): Histogram {
  return decodeCompressedBase64(encoded);
}

/**
 * A tick's histograms decoded where they arrived from another process (the coordinator decodes an
 * agent's to refuse one that cannot be), by the record they came in, so the readers of the same
 * tick do not decode them again. Read-only: nobody adds into a delta.
 */
const decodedDeltas = new WeakMap<Readonly<Record<string, string>>, Map<string, Histogram>>();

/** Decodes every histogram of a tick's record once and keeps them for deltaOf; throws naming the one that cannot be decoded. */
export function decodeDeltas(histograms: Readonly<Record<string, string>>): void {
  const out = new Map<string, Histogram>();
  for (const [name, encoded] of Object.entries(histograms)) {
    try {
      out.set(name, decodeHistogram(encoded));
    } catch (err) {
      throw new Error(`histogram "${name.slice(0, 60)}" cannot be decoded (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  decodedDeltas.set(histograms, out);
}

/**
 * The delta `name` of a tick's histogram record: decoded already (by decodeDeltas or an earlier
 * reader of the same tick), else now, and kept for the next reader (the aggregate and the timeline
 * both read a tick's fan-out: one decode, not two). It lives as long as the record does.
 */
export function deltaOf(histograms: Readonly<Record<string, string>>, name: string): Histogram {
  let decoded = decodedDeltas.get(histograms);
  const known = decoded?.get(name);
  if (known) return known;
  const h = decodeHistogram(histograms[name]);
  if (!decoded) {
    decoded = new Map();
    decodedDeltas.set(histograms, decoded);
  }
  decoded.set(name, h);
  return h;
}

// What takeNewSince() reads of a JsHistogram (every histogram here is one, see top).
interface CountsView {
  _counts?: ArrayLike<number>;
  countsArrayLength: number;
  maxValue: number;
  countsArrayIndex(value: number): number;
  valueFromIndex(index: number): number;
}

/**
 * Adds to `into` and to `seen` what `cumulative` recorded beyond `seen` (a histogram that only
 * grows, and `seen` the part of it already taken): the counts walked once, directly, up to the
 * highest recorded value. The library's way (a copy, subtract, add) built a ~100 KB histogram and
 * walked every bucket through method calls three times on every driver tick (issue 22).
 */
export function takeNewSince(into: Histogram, cumulative: Histogram, seen: Histogram): void {
  const c = cumulative as unknown as CountsView;
  const s = seen as unknown as CountsView;
  if (!c._counts || !s._counts || c.countsArrayLength !== s.countsArrayLength) {
    // Layouts differ (a histogram resized past a day): the library's exact way.
    const delta = createHistogram();
    delta.add(cumulative);
    delta.subtract(seen);
    into.add(delta);
    seen.add(delta);
    return;
  }
  const cc = c._counts;
  const sc = s._counts;
  const top = Math.min(c.countsArrayLength - 1, c.countsArrayIndex(c.maxValue));
  for (let i = 0; i <= top; i++) {
    const d = cc[i] - sc[i];
    if (d <= 0) continue;
    // A bucket's lowest value lands in that same bucket: the counts are moved exactly.
    const value = c.valueFromIndex(i);
    into.recordValueWithCount(value, d);
    seen.recordValueWithCount(value, d);
  }
}

/** Adds `from` into `into` exactly. */
export function addInto(into: Histogram, from: Histogram): void {
  into.add(from);
}

/** Decodes each encoded histogram and adds them into one new histogram. */
export function mergeEncoded(encoded: Iterable<string>): Histogram {
  const total = createHistogram();
  for (const e of encoded) {
    if (e) total.add(decodeHistogram(e));
  }
  return total;
}

const round3 = (us: number): number => Math.round(us) / 1000;

/** The percentiles of a PercentileSet, ascending (0 is min, 100 is max). */
const SET_PERCENTILES = [0, 50, 75, 90, 95, 99, 99.9, 100] as const;

// What percentiles() reads of a JsHistogram (every histogram here is one, see top).
interface PercentileWalk {
  /** TypedArrayHistogram's counts, read directly: a method call per bucket was 10× slower. */
  _counts?: ArrayLike<number>;
  countsArrayLength: number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
  lowestEquivalentValue(value: number): number;
  highestEquivalentValue(value: number): number;
  medianEquivalentValue(value: number): number;
}

/** hdr-histogram-js's ulp (dist/ulp.js), so the rank of a percentile is the library's to the count. */
function ulp(x: number): number {
  return 2 ** (Math.floor(Math.log2(x)) - 52);
}

/** The count a percentile must reach, exactly as JsHistogram.getValueAtPercentile computes it. */
function countAtPercentile(percentile: number, total: number): number {
  const fp = (Math.min(percentile, 100) / 100) * total;
  return Math.max(Math.ceil(fp - ulp(fp)), 1);
}

/**
 * Percentile set in milliseconds, as the report prints it. `capMs`: no sample exceeded it (the
 * delivery deadline of completion times), so no figure may read above it either.
 *
 * One walk over the buckets for every figure: the library walks them once per percentile through
 * a method call per bucket, and its mean through an iterator object per bucket, which was most of
 * the main thread's work at every tick (issue 22). The values equal the library's
 * (getValueAtPercentile, mean), checked by test/unit/histogram-percentiles.test.ts.
 */
export function percentiles(h: Histogram, capMs?: number): PercentileSet {
  const total = h.totalCount;
  if (total === 0) return { count: 0, min: 0, mean: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  // Percentiles are the top of their bucket; so is max here, as HdrHistogram's getMaxValue and
  // .hgrm footer report it, so a set never reads p99 > max. A bucket that holds the cap reaches
  // past it (10,002.4 ms for a 10 s deadline at 3 significant digits): its samples are at most the cap.
  const capUs = capMs === undefined ? Infinity : capMs * 1000;
  const walk = h as unknown as PercentileWalk;
  const raw = walk._counts;
  const values = [0, 0, 0, 0, 0, 0, 0, 0];
  let next = 0;
  let want = countAtPercentile(SET_PERCENTILES[0], total);
  let seen = 0;
  let sum = 0;
  for (let i = 0; i < walk.countsArrayLength && seen < total; i++) {
    const c = raw ? raw[i] : walk.getCountAtIndex(i);
    if (c === 0) continue;
    seen += c;
    const value = walk.valueFromIndex(i);
    sum += walk.medianEquivalentValue(value) * c;
    while (next < SET_PERCENTILES.length && seen >= want) {
      values[next] = SET_PERCENTILES[next] === 0 ? walk.lowestEquivalentValue(value) : walk.highestEquivalentValue(value);
      next++;
      if (next < SET_PERCENTILES.length) want = countAtPercentile(SET_PERCENTILES[next], total);
    }
  }
  const at = (us: number): number => round3(Math.min(capUs, us));
  return {
    count: total,
    min: at(values[0]),
    mean: at(sum / total),
    p50: at(values[1]),
    p75: at(values[2]),
    p90: at(values[3]),
    p95: at(values[4]),
    p99: at(values[5]),
    p999: at(values[6]),
    max: at(values[7]),
  };
}

/**
 * HdrHistogram's percentile-distribution text (.hgrm) with values in milliseconds, the format
 * HdrHistogram's plotter reads.
 */
export function percentileDistribution(h: Histogram, ticksPerHalfDistance = 5): string {
  return h.outputPercentileDistribution(ticksPerHalfDistance, 1000);
}

/** Writes an HdrHistogram interval log (.hlog, format 1.3 as hdr-histogram-js writes it), values in µs, the max column in ms. */
export interface HlogWriter {
  interval(h: Histogram, startSec: number, endSec: number): void;
}

/** Starts an .hlog: version, start time and legend lines, then one line per interval. */
export function createHlogWriter(write: (text: string) => void, startEpochMs: number): HlogWriter {
  // The lines of the library's HistogramLogWriter, which would load its index (see top).
  write(`#[Histogram log format version 1.3]\n`);
  write(`#[StartTime: ${hlogTime(startEpochMs / 1000)} (seconds since epoch), ${new Date(startEpochMs)}]\n\n`);
  write('#wsload fan-out latency, values in microseconds (max column in ms)\n');
  write('"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"\n');
  return {
    interval(h, startSec, endSec) {
      write(`${hlogTime(startSec)},${hlogTime(endSec - startSec)},${hlogTime(h.maxValue / 1000)},${encodeCompressedBase64(h)}\n`);
    },
  };
}

/** A histogram's non-empty buckets, ascending: each bucket's top value (µs), lowest value (µs) and count. */
export interface HistogramBuckets {
  valuesUs: Float64Array;
  /** The lowest value each bucket holds: a value recorded exactly at a bound B lies in the bucket whose lowest value is ≤ B. */
  lowestUs: Float64Array;
  counts: Float64Array;
  total: number;
}

// The Histogram interface hides the bucket walk; every histogram here is a JsHistogram (see top).
interface BucketWalk {
  /** TypedArrayHistogram's counts, read directly: a method call per bucket was 10× slower. */
  _counts?: ArrayLike<number>;
  countsArrayLength: number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
  highestEquivalentValue(value: number): number;
}

/**
 * The non-empty buckets of `h`, each valued at the top of its bucket as getValueAtPercentile
 * reports it, so a percentile read from these buckets equals the histogram's own.
 */
export function histogramBuckets(h: Histogram): HistogramBuckets {
  const walk = h as unknown as BucketWalk;
  const values: number[] = [];
  const lowest: number[] = [];
  const counts: number[] = [];
  let total = 0;
  const raw = walk._counts;
  for (let i = 0; i < walk.countsArrayLength && total < h.totalCount; i++) {
    const c = raw ? raw[i] : walk.getCountAtIndex(i);
    if (c === 0) continue;
    // valueFromIndex is the bucket's lowest value.
    const low = walk.valueFromIndex(i);
    lowest.push(low);
    values.push(walk.highestEquivalentValue(low));
    counts.push(c);
    total += c;
  }
  return { valuesUs: Float64Array.from(values), lowestUs: Float64Array.from(lowest), counts: Float64Array.from(counts), total };
}
