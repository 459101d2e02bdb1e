/**
 * Compares two finished runs metric by metric, deciding latency verdicts from the histograms so
 * that noise is not reported as a change. Pure: reports in, a Comparison out.
 */
import { InternalError } from '../errors.js';
import type { Histogram } from '../metrics/histogram.js';
import { lookupMetric, type MetricDirection } from '../metrics/names.js';
import { reportHistogram } from './read.js';
import type { CloseCause, PercentileSet, Report } from './types.js';

export type Verdict = 'better' | 'worse' | 'same';

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
  /** Why the verdict is what it is when that is not obvious ("too few samples", "max is one sample"). */
  note: string | null;
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
}

/** Relative tolerance of latency verdicts: a change under 5% of the before value is "same". */
export const LATENCY_TOLERANCE_RATIO = 0.05;
/** Absolute tolerance of latency verdicts: a change of 1 ms or less is "same". */
export const LATENCY_TOLERANCE_MS = 1;
/** Samples a percentile needs above it before its verdict is trusted. */
export const SAMPLES_ABOVE_PERCENTILE = 100;
/** z of the two-sided 95% confidence interval of a percentile's rank. */
const Z95 = 1.96;
/** Event-loop lag has no histogram in the report: it is judged on a coarser tolerance. */
const LAG_TOLERANCE_RATIO = 0.1;
const LAG_TOLERANCE_MS = 5;
/** Idle-timeout estimates closer than this (or than their spreads) are the same gateway setting. */
const IDLE_TIMEOUT_TOLERANCE_MS = 1000;

type Aggregation = 'p50' | 'p90' | 'p99' | 'p999' | 'max';
const QUANTILE: Record<Exclude<Aggregation, 'max'>, number> = { p50: 0.5, p90: 0.9, p99: 0.99, p999: 0.999 };
const LABEL: Record<Aggregation, string> = { p50: 'p50', p90: 'p90', p99: 'p99', p999: 'p99.9', max: 'max' };

/** Latency families compare reads, with the histogram that backs each. */
const FAMILIES: Record<string, { histogram: string; set: (r: Report) => PercentileSet; description: string }> = {
  fanout: { histogram: 'fanout', set: (r) => r.fanout.latencyMs, description: 'fan-out latency' },
  completion: { histogram: 'completion', set: (r) => r.fanout.completionMs, description: 'publish completion (last socket)' },
  handshake: { histogram: 'handshake', set: (r) => r.handshake.latencyMs, description: 'handshake latency' },
};

/** Rows in the order they are shown; latency rows name a family and aggregation. */
const LAYOUT: readonly (string | { family: keyof typeof FAMILIES; agg: Aggregation })[] = [
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
  'disconnects.total',
  '@byCause',
  '@idleTimeout',
  'reconnects.total',
  'publish.failed',
  'publish.skipped',
  '@lag',
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
  return { metric, description, unit, direction, before, after, change, changePct, verdict, note };
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

/** The 95% confidence interval (µs) of the q-quantile, from the ranks of its order statistic. */
function quantileInterval(h: Histogram, q: number): { low: number; high: number } {
  const n = h.totalCount;
  const half = Z95 * Math.sqrt(n * q * (1 - q));
  return { low: valueAtRank(h, Math.floor(n * q - half)), high: valueAtRank(h, Math.ceil(n * q + half)) };
}

// Relative tolerances are taken of the smaller value so that swapping the runs flips the verdict
// exactly (5% of the before value would not be symmetric).
function latencyTolerance(aMs: number, bMs: number): number {
  return Math.max(LATENCY_TOLERANCE_RATIO * Math.min(aMs, bMs), LATENCY_TOLERANCE_MS);
}

/**
 * Verdict on one latency percentile. The rule, applied to fan-out, completion and handshake
 * latency:
 *
 * 1. Each run must have at least 100 / (1 − p) samples (p50: 200, p90: 1,000, p99: 10,000,
 *    p99.9: 100,000), so the percentile has at least 100 samples above it. Otherwise the verdict is
 *    "same" with the note "too few samples".
 * 2. The change must exceed the tolerance: more than 5% of the smaller value, more than 1 ms, and
 *    more than the histogram's resolution (bucket width) at either value.
 * 3. The runs' 95% confidence intervals of the percentile must not overlap. The interval comes
 *    from the histogram itself: the values at ranks n·p ± 1.96·√(n·p·(1−p)) (the order-statistic
 *    interval), so a percentile resting on a sparse tail is not called a change.
 *
 * Only when all three hold is the verdict "worse" (after is slower) or "better" (after is
 * faster). `max` is always "same": it is one sample, shown for information. Without histograms
 * (a hand-made report) only rule 2 applies, on the report's numbers, and the note says so.
 */
export function latencyVerdict(before: Histogram, after: Histogram, q: number): { verdict: Verdict; note: string | null } {
  const needed = Math.ceil(SAMPLES_ABOVE_PERCENTILE / (1 - q));
  const fewest = Math.min(before.totalCount, after.totalCount);
  if (fewest < needed) {
    return { verdict: 'same', note: `too few samples (${fewest.toLocaleString('en-US')} < ${needed.toLocaleString('en-US')})` };
  }
  const b = before.getValueAtPercentile(q * 100);
  const a = after.getValueAtPercentile(q * 100);
  const toleranceUs = Math.max(latencyTolerance(a / 1000, b / 1000) * 1000, resolutionUs(before, b), resolutionUs(after, a));
  if (Math.abs(a - b) <= toleranceUs) return { verdict: 'same', note: null };
  const bi = quantileInterval(before, q);
  const ai = quantileInterval(after, q);
  if (a > b) return ai.low > bi.high ? { verdict: 'worse', note: null } : { verdict: 'same', note: 'within the 95% interval of the percentile' };
  return ai.high < bi.low ? { verdict: 'better', note: null } : { verdict: 'same', note: 'within the 95% interval of the percentile' };
}

function latencyRow(before: Report, after: Report, family: keyof typeof FAMILIES, agg: Aggregation): ComparisonRow {
  const f = FAMILIES[family];
  const metric = `${family}.${agg}`;
  const description = `${f.description} ${LABEL[agg]}`;
  const bs = f.set(before);
  const as = f.set(after);
  const bv = bs.count === 0 ? null : bs[agg];
  const av = as.count === 0 ? null : as[agg];
  const make = (verdict: Verdict, note: string | null): ComparisonRow => row(metric, description, 'ms', 'lower-is-better', bv, av, verdict, note);
  if (bv === null || av === null) return make('same', bv === av ? 'no samples' : `no samples ${bv === null ? 'before' : 'after'}`);
  if (agg === 'max') return make('same', 'one sample: not judged');
  const bh = reportHistogram(before, f.histogram);
  const ah = reportHistogram(after, f.histogram);
  if (bh && ah && bh.totalCount > 0 && ah.totalCount > 0) {
    const v = latencyVerdict(bh, ah, QUANTILE[agg]);
    return make(v.verdict, v.note);
  }
  const needed = Math.ceil(SAMPLES_ABOVE_PERCENTILE / (1 - QUANTILE[agg]));
  if (Math.min(bs.count, as.count) < needed) return make('same', 'too few samples');
  const delta = av - bv;
  return make(Math.abs(delta) > latencyTolerance(av, bv) ? directed(delta, 'lower-is-better') : 'same', 'no histogram: judged on the summary value');
}

function counterRow(before: Report, after: Report, name: string): ComparisonRow {
  const def = lookupMetric(name);
  if (!def) throw new InternalError(`compare: metric ${name} is not declared in src/metrics/names.ts`);
  const b = def.get(before);
  const a = def.get(after);
  return row(name, def.description, def.unit, def.direction, b, a, directed(a - b, def.direction), null);
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
  const verdict = Math.abs(delta) > tolerance ? directed(delta, 'lower-is-better') : 'same';
  return row('client.eventLoopLag.p99', 'event-loop lag of the wsload workers (p99)', 'ms', 'lower-is-better', b, a, verdict, null);
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

/**
 * Compares two runs: one row per metric that matters, with before, after, change and a
 * direction-aware verdict. Latency verdicts follow latencyVerdict(); counters are "worse" on any
 * change in the wrong direction (a single lost message is a regression); event-loop lag (no
 * histogram) needs a change above 10% of the smaller value and 5 ms; the idle-timeout estimate is
 * "worse" when it appears or drops by more than the larger spread (and 5%, and 1 s), "better" when
 * it disappears or rises as much. Rows of neutral metrics (closes by wsload itself) are always
 * "same". Swapping the runs flips every verdict.
 */
export function compare(before: Report, after: Report): Comparison {
  const rows: ComparisonRow[] = [];
  for (const item of LAYOUT) {
    if (typeof item !== 'string') rows.push(latencyRow(before, after, item.family, item.agg));
    else if (item === '@byCause') rows.push(...causeRows(before, after));
    else if (item === '@idleTimeout') rows.push(idleTimeoutRow(before, after));
    else if (item === '@lag') rows.push(lagRow(before, after));
    else rows.push(counterRow(before, after, item));
  }
  return {
    before: ref(before),
    after: ref(after),
    rows,
    warnings: comparabilityWarnings(before, after),
    regressions: rows.filter((r) => r.verdict === 'worse').map((r) => r.metric),
  };
}
