/**
 * The only module that imports hdr-histogram-js. Every histogram is a JS (not WASM) 32-bit
 * histogram recording integer microseconds, so any two can be added: the library cannot add a
 * JS histogram to a WASM one, and mixing bucket sizes loses the exactness merges rely on.
 */
import * as hdr from 'hdr-histogram-js';
import type { PercentileSet } from '../run/report.js';

export type Histogram = hdr.Histogram;

/** Highest trackable value: one day in microseconds; autoResize extends it if ever needed. */
const HIGHEST_US = 86_400_000_000;

/** A new empty histogram (µs, 3 significant digits). */
export function createHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    useWebAssembly: false,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
  });
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
  return hdr.encodeIntoCompressedBase64(h);
}

/** Decodes what encodeHistogram wrote. Throws on malformed input. */
export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
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

/** The delta `name` of a tick's histogram record: decoded already by decodeDeltas, else now. */
export function deltaOf(histograms: Readonly<Record<string, string>>, name: string): Histogram {
  return decodedDeltas.get(histograms)?.get(name) ?? decodeHistogram(histograms[name]);
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

/**
 * Percentile set in milliseconds, as the report prints it. `capMs`: no sample exceeded it (the
 * delivery deadline of completion times), so no figure may read above it either.
 */
export function percentiles(h: Histogram, capMs?: number): PercentileSet {
  if (h.totalCount === 0) return { count: 0, min: 0, mean: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  // Percentiles are the top of their bucket; so is max here, as HdrHistogram's getMaxValue and
  // .hgrm footer report it, so a set never reads p99 > max. A bucket that holds the cap reaches
  // past it (10,002.4 ms for a 10 s deadline at 3 significant digits): its samples are at most the cap.
  const capUs = capMs === undefined ? Infinity : capMs * 1000;
  const at = (p: number): number => round3(Math.min(capUs, h.getValueAtPercentile(p)));
  return {
    count: h.totalCount,
    min: at(0),
    mean: round3(Math.min(capUs, h.mean)),
    p50: at(50),
    p75: at(75),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: at(100),
  };
}

/**
 * HdrHistogram's percentile-distribution text (.hgrm) with values in milliseconds, the format
 * HdrHistogram's plotter reads.
 */
export function percentileDistribution(h: Histogram, ticksPerHalfDistance = 5): string {
  return h.outputPercentileDistribution(ticksPerHalfDistance, 1000);
}

export { hdr as hdrLibrary };

/** Writes an HdrHistogram interval log (.hlog, format 1.3 as hdr-histogram-js writes it), values in µs, the max column in ms. */
export interface HlogWriter {
  interval(h: Histogram, startSec: number, endSec: number): void;
}

/** Starts an .hlog: version, start time and legend lines, then one line per interval. */
export function createHlogWriter(write: (text: string) => void, startEpochMs: number): HlogWriter {
  const writer = new hdr.HistogramLogWriter(write);
  writer.outputLogFormatVersion();
  writer.outputStartTime(startEpochMs);
  writer.outputComment('wsload fan-out latency, values in microseconds (max column in ms)');
  writer.outputLegend();
  return {
    interval(h, startSec, endSec) {
      writer.outputIntervalHistogram(h, startSec, endSec, 1000);
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
