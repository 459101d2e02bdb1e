/**
 * Compares two finished runs metric by metric, deciding latency verdicts from how sure the change
 * is (a block bootstrap over each run's blocks of time) so that noise is not reported as a change.
 * Pure: reports in, a Comparison out.
 */
import { describeStages } from '../run/load-stages.js';
import { InternalError, ReportFormatError } from '../errors.js';
import { decodeHistogram, histogramBuckets, type Histogram, type HistogramBuckets } from '../metrics/histogram.js';
import type { IntervalFamily } from '../metrics/interval-blocks.js';
import { lookupMetric, type MetricDirection } from '../metrics/names.js';
import { BOOTSTRAP_RESAMPLES, bootstrapQuantiles, differenceInterval, hashSeed } from './bootstrap.js';
import { reportHistogram } from './read.js';
import type { CloseCause, PercentileSet, Report } from '../run/report.js';
import { histogramOfFamily, setLocation, type HistogramDef } from '../run/registry.js';

/** Note of a latency row with no samples in either run (renderers may leave such rows out). */
export const NO_SAMPLES_NOTE = 'no samples';

/** A family's set absent from an older report reads as no samples. */
const EMPTY: PercentileSet = { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };

/**
 * "better" / "worse": the change is shown to exceed the tolerance; "same": shown to stay within
 * it; "inconclusive": neither (too few publishes or blocks, the interval crosses the tolerance, a
 * saturated client).
 */
export type Verdict = 'better' | 'worse' | 'same' | 'inconclusive';

/**
 * How a latency verdict was reached: "blocks" (block bootstrap), "per-delivery" (a report without
 * blocks: every delivery taken as independent, too narrow), "per-sample" (handshakes, each its own
 * connection), "summary" (no histogram).
 */
export type LatencyMethod = 'blocks' | 'per-delivery' | 'per-sample' | 'summary';

/** A 95% interval, ms (µs inside the histogram helpers). */
export interface Interval {
  low: number;
  high: number;
}

interface Judgement {
  verdict: Verdict;
  note: string | null;
  method: LatencyMethod | null;
  interval: Interval | null;
  tolerance: number | null;
}

/** One compared metric. Values are ms for latencies, counts otherwise; null when a run has none. */
export interface ComparisonRow {
  /** Metric path ("fanout.p99", "disconnects.byCause.connection-lost", "disconnects.idleTimeout"). */
  metric: string;
  description: string;
  unit: 'ms' | 'count';
  direction: MetricDirection;
  before: number | null;
  after: number | null;
  /** after − before. */
  change: number | null;
  /** 100 × (after − before) / before; null when before is 0 or missing. */
  changePct: number | null;
  verdict: Verdict;
  /** Why the verdict is what it is when that is not obvious ("too few publishes", "max is one sample"). */
  note: string | null;
  /** Latency rows: how the verdict was reached; null on counters. */
  method: LatencyMethod | null;
  /** Latency rows: the 95% interval of after − before (ms) the verdict was decided on, when there is one. */
  interval: Interval | null;
  /** Latency rows: the change (ms) within which the runs count as the same, when judged. */
  tolerance: number | null;
}

/** What identifies a run in the comparison's header. */
export interface RunRef {
  name: string;
  startedAt: string;
  host: string;
  target: string;
}

/** The result of compare(). */
export interface Comparison {
  before: RunRef;
  after: RunRef;
  rows: ComparisonRow[];
  /** Reasons the two runs may not be comparable (different target, size, duration…). */
  warnings: string[];
  /** Metrics whose verdict is "worse", in row order. */
  regressions: string[];
  /** How the latency verdicts were reached, when a reader should know (old reports, merged runs). */
  notes: string[];
}

/** Relative tolerance of latency verdicts: 5% of the smaller value. */
export const LATENCY_TOLERANCE_RATIO = 0.05;
/** Absolute tolerance of latency verdicts: 1 ms. */
export const LATENCY_TOLERANCE_MS = 1;
/** Samples a percentile needs above it when samples are taken as independent (handshakes, old reports). */
export const SAMPLES_ABOVE_PERCENTILE = 100;
/** Publishes a fan-out or completion percentile needs above it (p99: 1,000 publishes, p99.9: 10,000). */
export const PUBLISHES_ABOVE_PERCENTILE = 10;
/** Blocks of time with samples each run needs before its blocks are resampled. */
export const MIN_BLOCKS = 10;
/** z of the two-sided 95% confidence interval of a percentile's rank. */
const Z95 = 1.96;
/** Event-loop lag has no histogram in the report: it is judged on a coarser tolerance. */
const LAG_TOLERANCE_RATIO = 0.1;
const LAG_TOLERANCE_MS = 5;
/** Idle-timeout estimates closer than this (or than their spreads) are the same gateway setting. */
const IDLE_TIMEOUT_TOLERANCE_MS = 1000;

type Aggregation = 'p50' | 'p90' | 'p99' | 'p999' | 'max';
const QUANTILE: Record<Exclude<Aggregation, 'max'>, number> = { p50: 0.5, p90: 0.9, p99: 0.99, p999: 0.999 };
const QUANTILES: readonly number[] = Object.values(QUANTILE);
const LABEL: Record<Aggregation, string> = { p50: 'p50', p90: 'p90', p99: 'p99', p999: 'p99.9', max: 'max' };

/** Latency families compare shows (src/run/registry.ts says which histogram backs each). */
type Family = 'fanout' | 'completion' | 'handshake' | 'stream.staleness';

/** The registered histogram behind a latency family. */
function familyDef(family: Family): HistogramDef {
  const def = histogramOfFamily(family);
  if (!def) throw new InternalError(`compare: latency family ${family} is not registered in src/run/registry.ts`);
  return def;
}

/**
 * Rows in the order they are shown; latency rows name a family and aggregation; "?counter": only
 * when either run counted any (counters most runs never see).
 */
const LAYOUT: readonly (string | { family: Family; agg: Aggregation })[] = [
  'connections.firstOpened',
  'connections.failed',
  { family: 'handshake', agg: 'p99' },
  { family: 'fanout', agg: 'p50' },
  { family: 'fanout', agg: 'p90' },
  { family: 'fanout', agg: 'p99' },
  { family: 'fanout', agg: 'p999' },
  { family: 'fanout', agg: 'max' },
  { family: 'completion', agg: 'p99' },
  'fanout.delivered',
  'fanout.lost',
  'fanout.duplicated',
  'fanout.outOfOrder',
  '?fanout.foreign',
  '?fanout.idMismatch',
  '?fanout.misrouted',
  'disconnects.total',
  '@byCause',
  '@idleTimeout',
  'reconnects.total',
  'publish.failed',
  'publish.skipped',
  '?publish.queued',
  '@stream',
  '@lag',
];

/** A server stream's rows (publish.source "server"), shown only when either run measured one. */
const STREAM_LAYOUT: readonly (string | { family: Family; agg: Aggregation })[] = [
  { family: 'stream.staleness', agg: 'p50' },
  { family: 'stream.staleness', agg: 'p99' },
  'stream.messages',
  'stream.missing',
  'stream.duplicated',
  'stream.outOfOrder',
];

const CAUSES: readonly { cause: CloseCause; direction: MetricDirection; text: string }[] = [
  { cause: 'connection-lost', direction: 'lower-is-better', text: 'closed with no close frame (1006): idle timeout, reset' },
  { cause: 'server-close', direction: 'lower-is-better', text: 'closed by the server (close frame)' },
  { cause: 'protocol-error', direction: 'lower-is-better', text: 'closed on a protocol error' },
  { cause: 'client-close', direction: 'neutral', text: 'closed by wsload itself' },
];

function row(
  metric: string,
  description: string,
  unit: 'ms' | 'count',
  direction: MetricDirection,
  before: number | null,
  after: number | null,
  verdict: Verdict,
  note: string | null,
): ComparisonRow {
  const change = before === null || after === null ? null : after - before;
  const changePct = change === null || before === null || before === 0 ? null : (100 * change) / before;
  return { metric, description, unit, direction, before, after, change, changePct, verdict, note, method: null, interval: null, tolerance: null };
}

/** Verdict of a difference given the direction: positive `delta` means after is larger. */
function directed(delta: number, direction: MetricDirection): Verdict {
  if (delta === 0 || direction === 'neutral') return 'same';
  const up = delta > 0;
  return up === (direction === 'higher-is-better') ? 'better' : 'worse';
}

/** Width of the histogram bucket holding `us` (HdrHistogram's value resolution there), in µs. */
export function resolutionUs(h: Histogram, us: number): number {
  const subBucketCount = 2 ** Math.ceil(Math.log2(2 * 10 ** h.numberOfSignificantValueDigits));
  if (us < subBucketCount) return 1;
  return 2 ** (Math.floor(Math.log2(us)) - (Math.log2(subBucketCount) - 1));
}

/** Value (µs) of the sample at 1-based `rank` (clamped) in a histogram of n samples. */
function valueAtRank(h: Histogram, rank: number): number {
  const n = h.totalCount;
  const r = Math.min(n, Math.max(1, rank));
  return h.getValueAtPercentile((100 * r) / n);
}

/**
 * The 95% interval (µs) of the q-quantile if every sample were independent: the values at ranks
 * n·q ± 1.96·√(n·q·(1−q)) (the order-statistic interval).
 */
export function perSampleInterval(h: Histogram, q: number): Interval {
  const n = h.totalCount;
  const half = Z95 * Math.sqrt(n * q * (1 - q));
  return { low: valueAtRank(h, Math.floor(n * q - half)), high: valueAtRank(h, Math.ceil(n * q + half)) };
}

// Relative tolerances are taken of the smaller value so that swapping the runs flips the verdict
// exactly (5% of the before value would not be symmetric).
function latencyTolerance(aMs: number, bMs: number): number {
  return Math.max(LATENCY_TOLERANCE_RATIO * Math.min(aMs, bMs), LATENCY_TOLERANCE_MS);
}

/** The tolerance (ms) of a latency verdict between exact values aUs and bUs: 5%, 1 ms, bucket width. */
export function toleranceMs(before: Histogram, after: Histogram, bUs: number, aUs: number): number {
  return Math.max(latencyTolerance(aUs / 1000, bUs / 1000), resolutionUs(before, bUs) / 1000, resolutionUs(after, aUs) / 1000);
}

const signed = (v: number): string => `${v < 0 ? '−' : '+'}${Math.abs(v) < 10 ? Math.abs(v).toFixed(2) : Math.abs(v).toFixed(1)}`;
const plain = (v: number): string => (v < 10 ? v.toFixed(2) : v.toFixed(1));

/**
 * The verdict on a latency change from the 95% interval of after − before (ms) and the tolerance:
 * "worse" when the whole interval lies above +tolerance, "better" when it lies below −tolerance,
 * "same" when it lies within ±tolerance, "inconclusive" when it crosses a tolerance bound.
 * Negating the interval (swapping the runs) flips worse and better and keeps the rest.
 */
export function judgeChange(interval: Interval, tolerance: number): { verdict: Verdict; note: string | null } {
  if (interval.low > tolerance) return { verdict: 'worse', note: null };
  if (interval.high < -tolerance) return { verdict: 'better', note: null };
  if (interval.low >= -tolerance && interval.high <= tolerance) return { verdict: 'same', note: null };
  return {
    verdict: 'inconclusive',
    note: `95% interval of the change ${signed(interval.low)} to ${signed(interval.high)} ms crosses the tolerance ±${plain(tolerance)} ms`,
  };
}

/** Blocks with samples, as bucket lists; null when the report carries no intervals. */
function reportBlocks(report: Report, family: IntervalFamily): HistogramBuckets[] | null {
  const encoded = report.intervals?.[family];
  if (!encoded) return null;
  return encoded.flatMap((e, i) => {
    if (e === '') return [];
    try {
      const b = histogramBuckets(decodeHistogram(e));
      return b.total > 0 ? [b] : [];
    } catch (err) {
      throw new ReportFormatError(`intervals.${family}[${i}]: not a valid encoded HdrHistogram (${(err as Error).message})`);
    }
  });
}

/** Per run and family: its blocks and, once asked for, its bootstrap percentiles (µs) per QUANTILES entry. */
class BlockCache {
  private readonly cache = new Map<Report, Map<IntervalFamily, { blocks: HistogramBuckets[] | null; resampled?: Float64Array[] }>>();

  blocks(report: Report, family: IntervalFamily): HistogramBuckets[] | null {
    return this.entry(report, family).blocks;
  }

  resampled(report: Report, family: IntervalFamily): Float64Array[] {
    const e = this.entry(report, family);
    // The seed is the run's own data, so each run draws the same resamples in either position.
    e.resampled ??= bootstrapQuantiles(e.blocks ?? [], QUANTILES, BOOTSTRAP_RESAMPLES, hashSeed([family, ...(report.intervals?.[family] ?? [])]));
    return e.resampled;
  }

  private entry(report: Report, family: IntervalFamily): { blocks: HistogramBuckets[] | null; resampled?: Float64Array[] } {
    let m = this.cache.get(report);
    if (!m) this.cache.set(report, (m = new Map()));
    let e = m.get(family);
    if (!e) m.set(family, (e = { blocks: reportBlocks(report, family) }));
    return e;
  }
}

const fmtInt = (n: number): string => n.toLocaleString('en-US');
// 10 / (1 − 0.9) is 100.00000000000001 in floating point; the intent is 100.
const atLeast = (x: number): number => Math.ceil(x - 1e-9);

/**
 * Verdict on one latency percentile; see README "Compare verdicts". In short: the tail needs
 * enough publishes (10 above the percentile) and each run at least 10 blocks with samples; then
 * the 95% interval of the change comes from a block bootstrap of both runs (or, for handshakes
 * and reports without blocks, from the per-sample order-statistic interval), widened by the change
 * in the publisher's own lateness, and judgeChange() decides. The values themselves stay the exact
 * histograms'.
 */
function judgeLatency(before: Report, after: Report, family: Family, agg: Exclude<Aggregation, 'max'>, bh: Histogram, ah: Histogram, cache: BlockCache): Judgement {
  const q = QUANTILE[agg];
  const bUs = bh.getValueAtPercentile(q * 100);
  const aUs = ah.getValueAtPercentile(q * 100);
  const blockFamily: IntervalFamily | null = familyDef(family).intervals;
  // The client's own delay is inside every latency: fan-out and completion run from the scheduled
  // publish time, so how late the publisher left is in them, and a busy worker loop stamps receipts
  // (and handshakes) late. A change in either between the runs (the client's machine got busier)
  // is not the target's: the interval is widened by it.
  const publisherShift = blockFamily ? Math.abs(after.publish.scheduleLagMs[agg] - before.publish.scheduleLagMs[agg]) : 0;
  const workerShift = Math.abs(after.client.eventLoopLagMs.p99 - before.client.eventLoopLagMs.p99);
  const clientShift = publisherShift + workerShift;
  const tolerance = toleranceMs(bh, ah, bUs, aUs);
  // The target's change lies within the measured change ± the change in the client's lateness.
  const widen = (i: Interval): Interval => ({ low: i.low - clientShift, high: i.high + clientShift });
  const withShift = (j: { verdict: Verdict; note: string | null }): { verdict: Verdict; note: string | null } =>
    j.note !== null && clientShift >= 0.5 ? { ...j, note: `${j.note} (widened by ±${plain(clientShift)} ms: the change in the client's own delay)` } : j;
  const inconclusive = (note: string, method: LatencyMethod): Judgement => ({ verdict: 'inconclusive', note, method, interval: null, tolerance });
  if (blockFamily) {
    const bb = cache.blocks(before, blockFamily);
    const ab = cache.blocks(after, blockFamily);
    const needed = atLeast(PUBLISHES_ABOVE_PERCENTILE / (1 - q));
    const fewest = Math.min(before.fanout.published, after.fanout.published);
    if (fewest < needed) return inconclusive(`too few publishes for ${LABEL[agg]} (${fmtInt(fewest)} < ${fmtInt(needed)})`, bb && ab ? 'blocks' : 'per-delivery');
    if (bb && ab) {
      const fewestBlocks = Math.min(bb.length, ab.length);
      if (fewestBlocks < MIN_BLOCKS) return inconclusive(`too few blocks of time with samples (${fewestBlocks} < ${MIN_BLOCKS}): run longer`, 'blocks');
      const k = QUANTILES.indexOf(q);
      const d = differenceInterval(cache.resampled(before, blockFamily)[k], cache.resampled(after, blockFamily)[k]);
      const interval = widen({ low: d.low / 1000, high: d.high / 1000 });
      return { ...withShift(judgeChange(interval, tolerance)), method: 'blocks', interval, tolerance };
    }
  }
  const needed = atLeast(SAMPLES_ABOVE_PERCENTILE / (1 - q));
  const fewest = Math.min(bh.totalCount, ah.totalCount);
  const method: LatencyMethod = blockFamily ? 'per-delivery' : 'per-sample';
  if (fewest < needed) return inconclusive(`too few samples (${fmtInt(fewest)} < ${fmtInt(needed)})`, method);
  const bi = perSampleInterval(bh, q);
  const ai = perSampleInterval(ah, q);
  const interval = widen({ low: (ai.low - bi.high) / 1000, high: (ai.high - bi.low) / 1000 });
  const j = withShift(judgeChange(interval, tolerance));
  const old = blockFamily ? 'old per-delivery interval (see notes)' : null;
  return { verdict: j.verdict, note: [j.note, old].filter((x) => x !== null).join('; ') || null, method, interval, tolerance };
}

/**
 * A saturated client's latencies include its own delay, which changes with whatever else the
 * machine runs: a change measured there is not the target's, so it is not called better or worse.
 */
function unlessSaturated(before: Report, after: Report, j: Judgement): Judgement {
  if (j.verdict !== 'better' && j.verdict !== 'worse') return j;
  const busy = [before.client.saturated ? 'before' : null, after.client.saturated ? 'after' : null].filter((x) => x !== null);
  if (busy.length === 0) return j;
  return { ...j, verdict: 'inconclusive', note: `the ${busy.join(' and ')} run's client was saturated: its latencies include wsload's own delay` };
}

function latencyRow(before: Report, after: Report, family: Family, agg: Aggregation, cache: BlockCache): ComparisonRow {
  const f = familyDef(family);
  const at = setLocation(f);
  const metric = `${family}.${agg}`;
  const description = `${f.label} ${LABEL[agg]}`;
  const bs = at.get(before) ?? EMPTY;
  const as = at.get(after) ?? EMPTY;
  const bv = bs.count === 0 ? null : bs[agg];
  const av = as.count === 0 ? null : as[agg];
  const make = (j: Judgement): ComparisonRow => ({ ...row(metric, description, 'ms', 'lower-is-better', bv, av, j.verdict, j.note), method: j.method, interval: j.interval, tolerance: j.tolerance });
  const none = (note: string, method: LatencyMethod | null): ComparisonRow => make({ verdict: 'inconclusive', note, method, interval: null, tolerance: null });
  if (bv === null || av === null) return none(bv === av ? NO_SAMPLES_NOTE : `no samples ${bv === null ? 'before' : 'after'}`, null);
  if (agg === 'max') return none('one sample: not judged', null);
  const bh = reportHistogram(before, f.key);
  const ah = reportHistogram(after, f.key);
  if (bh && ah && bh.totalCount > 0 && ah.totalCount > 0) return make(unlessSaturated(before, after, judgeLatency(before, after, family, agg, bh, ah, cache)));
  return none('no histogram: the change cannot be told from noise', 'summary');
}

function counterRow(before: Report, after: Report, name: string): ComparisonRow {
  const def = lookupMetric(name);
  if (!def) throw new InternalError(`compare: metric ${name} is not declared in src/metrics/names.ts`);
  const b = def.get(before);
  const a = def.get(after);
  return row(name, def.description, def.unit, def.direction, b, a, directed(a - b, def.direction), null);
}

/**
 * A counter shown only when either run has some. Another run's pushes (fanout.foreign) say the
 * target was shared during the run, not that it changed: shown, never a regression.
 */
function rareCounterRows(before: Report, after: Report, name: string): ComparisonRow[] {
  const r = counterRow(before, after, name);
  if (r.before === 0 && r.after === 0) return [];
  if (name !== 'fanout.foreign') return [r];
  return [{ ...r, direction: 'neutral', verdict: 'same', note: r.change === 0 ? null : "another run's messages: the target was shared, not changed" }];
}

function causeRows(before: Report, after: Report): ComparisonRow[] {
  return CAUSES.filter(({ cause }) => (before.disconnects.byCause[cause] ?? 0) + (after.disconnects.byCause[cause] ?? 0) > 0).map(({ cause, direction, text }) => {
    const b = before.disconnects.byCause[cause] ?? 0;
    const a = after.disconnects.byCause[cause] ?? 0;
    return row(`disconnects.byCause.${cause}`, text, 'count', direction, b, a, directed(a - b, direction), null);
  });
}

function idleTimeoutRow(before: Report, after: Report): ComparisonRow {
  const b = before.disconnects.idleTimeout;
  const a = after.disconnects.idleTimeout;
  const metric = 'disconnects.idleTimeout';
  const description = 'estimated gateway idle timeout';
  const make = (verdict: Verdict, note: string | null): ComparisonRow =>
    row(metric, description, 'ms', 'higher-is-better', b?.estimateMs ?? null, a?.estimateMs ?? null, verdict, note);
  if (!b && !a) return make('same', 'no idle-timeout disconnects in either run');
  if (!b) return make('worse', 'idle-timeout disconnects appeared');
  if (!a) return make('better', 'no idle-timeout disconnects after');
  const tolerance = Math.max(b.spreadMs, a.spreadMs, LATENCY_TOLERANCE_RATIO * Math.min(a.estimateMs, b.estimateMs), IDLE_TIMEOUT_TOLERANCE_MS);
  const delta = a.estimateMs - b.estimateMs;
  return make(Math.abs(delta) > tolerance ? directed(delta, 'higher-is-better') : 'same', a.cohort !== b.cohort ? `cohort ${b.cohort} → ${a.cohort}` : null);
}

function lagRow(before: Report, after: Report): ComparisonRow {
  const b = before.client.eventLoopLagMs.p99;
  const a = after.client.eventLoopLagMs.p99;
  const delta = a - b;
  const tolerance = Math.max(LAG_TOLERANCE_RATIO * Math.min(a, b), LAG_TOLERANCE_MS);
  // One number per run with no interval: a larger change cannot be told from the machine's noise
  // (the saturation warning says when the client itself limited a run).
  const [verdict, note]: [Verdict, string | null] = Math.abs(delta) > tolerance ? ['inconclusive', 'one number per run: no interval to judge it by'] : ['same', null];
  return row('client.eventLoopLag.p99', 'event-loop lag of the wsload workers (p99)', 'ms', 'lower-is-better', b, a, verdict, note);
}

function ref(r: Report): RunRef {
  return { name: r.scenario.name, startedAt: r.startedAt, host: r.environment.host, target: r.target.url };
}

function targetText(r: Report): string {
  return r.scenario.target.kind === 'embedded' ? 'the embedded target' : r.scenario.target.url;
}

function comparabilityWarnings(before: Report, after: Report): string[] {
  const w: string[] = [];
  if (before.formatVersion !== after.formatVersion) {
    w.push(`report formats differ (${before.formatVersion} vs ${after.formatVersion}): some metrics may not mean the same thing`);
  }
  if (targetText(before) !== targetText(after)) w.push(`targets differ: ${targetText(before)} vs ${targetText(after)}`);
  if (before.scenario.connections !== after.scenario.connections) {
    w.push(`connection counts differ: ${before.scenario.connections} vs ${after.scenario.connections}; counters are not comparable one to one`);
  }
  if (before.scenario.durationMs !== after.scenario.durationMs) {
    w.push(`hold durations differ: ${before.scenario.durationMs} ms vs ${after.scenario.durationMs} ms; counters are not comparable one to one`);
  }
  const rate = (r: Report): number => r.scenario.publish?.rate ?? 0;
  if (rate(before) !== rate(after)) w.push(`publish rates differ: ${rate(before)}/s vs ${rate(after)}/s`);
  // Load shapes: the same peak and length can still open, close and publish at other times.
  const shape = (r: Report): string => (r.scenario.stages ? describeStages(r.scenario.stages) : 'none');
  if (shape(before) !== shape(after)) w.push(`connection stages differ: ${shape(before)} vs ${shape(after)}; counters are not comparable one to one`);
  const publishShape = (r: Report): string => (r.scenario.publish?.stages ? describeStages(r.scenario.publish.stages, r.scenario.publish.rate, '/s') : 'none');
  if (publishShape(before) !== publishShape(after)) w.push(`publish stages differ: ${publishShape(before)} vs ${publishShape(after)}`);
  // Definitions that changed within formatVersion 1: the new fields mark reports made after the change.
  if ((before.client.turnMs === undefined) !== (after.client.turnMs === undefined)) {
    w.push('event-loop lag was measured differently in the two runs (one over the whole run with a ~10 ms floor, one during the hold net of the sampler): the lag row is not comparable');
  }
  if ((before.handshake.queueMs === undefined) !== (after.handshake.queueMs === undefined)) {
    w.push('handshake latency was measured differently in the two runs (one from the attempt, one from when the socket was due on the ramp): handshake rows are not comparable');
  }
  for (const [label, r] of [['before', before], ['after', after]] as const) {
    if (r.interrupted) w.push(`the ${label} run was interrupted (${r.interruptReason ?? 'no reason recorded'}): it covers only part of its plan`);
    if (r.client.saturated) w.push(`the ${label} run's client was saturated: its latencies include wsload's own delay`);
  }
  return w;
}

function methodNotes(before: Report, after: Report): string[] {
  return (
    [
      ['before', before],
      ['after', after],
    ] as const
  )
    .filter(([, r]) => r.intervals === undefined && r.fanout.latencyMs.count > 0)
    .map(
      ([label, r]) =>
        `the ${label} report (${r.startedAt}) has no per-interval histograms (written before wsload kept them): fan-out and completion verdicts used the old per-delivery intervals, which take the deliveries of one publish as independent and are too narrow`,
    );
}

/**
 * Compares two runs: one row per metric that matters, with before, after, change and a
 * direction-aware verdict. Latency verdicts follow judgeLatency() (README "Compare verdicts");
 * counters are "worse" on any change in the wrong direction (a single lost message is a
 * regression); event-loop lag (no histogram, so no interval) is "same" within 10% of the smaller
 * value or 5 ms and "inconclusive" beyond; the idle-timeout estimate is "worse" when it appears or
 * drops by more than the larger spread (and 5%, and 1 s), "better" when it disappears or rises as
 * much. Rows of neutral metrics (closes by wsload itself) are always "same". Swapping the runs
 * flips every verdict (worse ↔ better; same and inconclusive stay).
 */
export function compare(before: Report, after: Report): Comparison {
  const rows: ComparisonRow[] = [];
  const cache = new BlockCache();
  for (const item of LAYOUT) {
    if (typeof item !== 'string') rows.push(latencyRow(before, after, item.family, item.agg, cache));
    else if (item === '@byCause') rows.push(...causeRows(before, after));
    else if (item === '@idleTimeout') rows.push(idleTimeoutRow(before, after));
    else if (item === '@lag') rows.push(lagRow(before, after));
    else if (item === '@stream') {
      if (!before.stream && !after.stream) continue;
      for (const s of STREAM_LAYOUT) rows.push(typeof s === 'string' ? counterRow(before, after, s) : latencyRow(before, after, s.family, s.agg, cache));
    }
    else if (item.startsWith('?')) rows.push(...rareCounterRows(before, after, item.slice(1)));
    else rows.push(counterRow(before, after, item));
  }
  return {
    before: ref(before),
    after: ref(after),
    rows,
    warnings: comparabilityWarnings(before, after),
    regressions: rows.filter((r) => r.verdict === 'worse').map((r) => r.metric),
    notes: methodNotes(before, after),
  };
}
