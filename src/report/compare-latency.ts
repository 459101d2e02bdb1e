/**
 * Latency rows of a comparison: one percentile of one family (fan-out, completion, handshake,
 * publish, stream staleness) across two sides of one or more runs each. See README "Compare
 * verdicts" and docs/compare.md. In short: each run's percentile comes with its own variance from a
 * bootstrap of its blocks (blocks of time; for handshakes, blocks of the ramp); a side's value is
 * the mean of its runs' percentiles, whose variance is the spread between its runs (or, when that is
 * smaller, the runs' own noise); the change gets a Student t interval with the degrees of freedom
 * the blocks or runs give, widened by the change in the client's own delay, and is judged against
 * the tolerance. The minimum data follow from that test: two blocks per run (a spread needs two),
 * and enough independent units for the percentile's interval to exist at all.
 *
 * Long because one row's test is one chain (its figures, each run's estimate or why there is none,
 * the judged change) over private helpers (bootstrap of blocks, tolerance, client shift) that would
 * otherwise be exported only to be read by this chain.
 */
import { atLeast, type ShownPercentile } from '../run/percentiles.js';
import { decodeHistogram, type Histogram } from '../metrics/histogram.js';
import { setLocation, type SetLocation } from '../run/registry.js';
import type { PercentileSet, Report } from '../run/report.js';
import { hasCensored } from './censored.js';
import { familyDef, QUANTILE, QUANTILES, RunData, type Family } from './compare-run-data.js';
import type { ComparisonRow, Interval, LatencyMethod, Verdict } from './compare-types.js';
import { studentTCdf, studentTQuantile } from './stats.js';

export { RunData, type Family } from './compare-run-data.js';

/** Relative tolerance of latency verdicts: 5% of the smaller value. */
export const LATENCY_TOLERANCE_RATIO = 0.05;
/** Absolute tolerance of latency verdicts: 1 ms. */
export const LATENCY_TOLERANCE_MS = 1;
/** Confidence of every interval and level of every test: 95%, two-sided. */
export const ALPHA = 0.05;
/** z of the two-sided 95% interval of a percentile's rank (the per-sample interval of old reports). */
const Z95 = 1.96;
/** Blocks with samples a run needs: one block has no spread to measure. */
export const MIN_BLOCKS = 2;

/** The shown percentiles (src/run/percentiles.ts) and max: what compare has rows for. */
export type Aggregation = ShownPercentile | 'max';
export const LABEL: Record<Aggregation, string> = { p50: 'p50', p75: 'p75', p90: 'p90', p95: 'p95', p99: 'p99', p999: 'p99.9', max: 'max' };

/** Note of a latency row with no samples in either run (renderers may leave such rows out). */
export const NO_SAMPLES_NOTE = 'no samples';

/** A family's set absent from an older report reads as no samples. */
const EMPTY: PercentileSet = { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };

/** Families whose latency runs from the scheduled publish time: the publisher's lateness is inside them. */
const FROM_SCHEDULE: ReadonlySet<Family> = new Set(['fanout', 'completion']);
/** Families whose receipts are read on a clock converted from another process's (agents) or another machine's (the service's stamp). */
const CLOCKED: ReadonlySet<Family> = new Set(['fanout', 'completion', 'stream.staleness']);

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

/** The 95% interval (µs) of the q-quantile if every sample were independent (the order-statistic interval). */
export function perSampleInterval(h: Histogram, q: number): Interval {
  const n = h.totalCount;
  const half = Z95 * Math.sqrt(n * q * (1 - q));
  return { low: valueAtRank(h, Math.floor(n * q - half)), high: valueAtRank(h, Math.ceil(n * q + half)) };
}

/**
 * Independent units a q-quantile's 95% interval needs: the rank n·q + 1.96·√(n·q·(1−q)) of its
 * upper end must exist, so n ≥ 1.96²·q / (1 − q) (p50: 4, p90: 35, p99: 381, p99.9: 3,838).
 */
export function unitsNeeded(q: number): number {
  return Math.ceil(Z95 * Z95 * (q / (1 - q)) - 1e-9);
}

// Relative tolerances are taken of the smaller value so that swapping the runs flips the verdict exactly.
function latencyTolerance(aMs: number, bMs: number): number {
  return Math.max(LATENCY_TOLERANCE_RATIO * Math.min(aMs, bMs), LATENCY_TOLERANCE_MS);
}

/** The tolerance (ms) of a latency verdict between exact values aUs and bUs: 5%, 1 ms, bucket width. */
export function toleranceMs(before: Histogram, after: Histogram, bUs: number, aUs: number): number {
  return Math.max(latencyTolerance(aUs / 1000, bUs / 1000), resolutionUs(before, bUs) / 1000, resolutionUs(after, aUs) / 1000);
}

const signed = (v: number): string => `${v < 0 ? '−' : '+'}${Math.abs(v) < 10 ? Math.abs(v).toFixed(2) : Math.abs(v).toFixed(1)}`;
export const plain = (v: number): string => (v < 10 ? v.toFixed(2) : v.toFixed(1));
const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

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

/** One run's percentile and how sure it is. */
interface RunEstimate {
  valueUs: number;
  /** Variance of valueUs (µs²) as the run's own noise would move it. */
  varianceUs2: number;
  /** Degrees of freedom of that variance (blocks − 1; ∞ for the per-sample interval). */
  df: number;
  method: Exclude<LatencyMethod, 'runs' | 'summary'>;
}

/** Independent units behind a family's percentile in one run: publishes, handshakes, server messages. */
function unitsOf(r: Report, family: Family): number {
  const unsent = r.histograms.unsent ? decodeHistogram(r.histograms.unsent).totalCount : 0;
  switch (family) {
    case 'fanout':
    case 'completion':
      return r.fanout.published + unsent;
    case 'handshake':
      return r.handshake.latencyMs.count;
    case 'publish':
      return r.publish.sent;
    case 'stream.staleness':
      // Every socket gets each server message: the units are the messages, not their copies.
      return r.stream ? r.stream.messages / Math.max(1, r.connections.peakOpen) : 0;
  }
}

const unitName: Record<Family, string> = {
  fanout: 'publishes',
  completion: 'publishes',
  handshake: 'handshakes',
  publish: 'publishes',
  'stream.staleness': 'server messages',
};

function variance(xs: Float64Array): number {
  const n = xs.length;
  if (n < 2) return 0;
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= n;
  let s = 0;
  for (const x of xs) s += (x - mean) ** 2;
  return s / (n - 1);
}

/** One run's estimate of the q-quantile, or why there is none. */
function runEstimate(r: Report, family: Family, q: number, data: RunData): RunEstimate | string {
  const h = data.histogram(r, family);
  if (!h || h.totalCount === 0) return 'no samples';
  const valueUs = h.getValueAtPercentile(q * 100);
  const blocks = data.blocks(r, family);
  if (blocks !== null) {
    if (blocks.length < MIN_BLOCKS)
      return `${blocks.length} block${blocks.length === 1 ? '' : 's'} with samples (a spread needs ${MIN_BLOCKS}): run longer`;
    const k = QUANTILES.indexOf(q);
    const n = blocks.length;
    // The bootstrap's variance of a mean-like statistic is (n − 1)/n of the unbiased one.
    return { valueUs, varianceUs2: (variance(data.resampled(r, family)[k]) * n) / (n - 1), df: n - 1, method: 'blocks' };
  }
  // Reports without blocks: every sample taken as independent (too narrow for fan-out; said in the notes).
  const i = perSampleInterval(h, q);
  const se = (i.high - i.low) / (2 * Z95);
  return { valueUs, varianceUs2: se * se, df: Infinity, method: FROM_SCHEDULE.has(family) ? 'per-delivery' : 'per-sample' };
}

/** A side's mean estimate, its variance and degrees of freedom (see the file comment). */
function sideEstimate(runs: readonly RunEstimate[]): { valueUs: number; varianceUs2: number; df: number } {
  const n = runs.length;
  const mean = runs.reduce((s, e) => s + e.valueUs, 0) / n;
  const within = runs.reduce((s, e) => s + e.varianceUs2, 0) / n;
  const withinDf = runs.reduce((s, e) => s + e.df, 0);
  if (n === 1) return { valueUs: mean, varianceUs2: within, df: withinDf };
  const between = runs.reduce((s, e) => s + (e.valueUs - mean) ** 2, 0) / (n - 1);
  // The spread between runs holds their own noise too; when it is smaller, the noise is the floor.
  return between >= within
    ? { valueUs: mean, varianceUs2: between / n, df: n - 1 }
    : { valueUs: mean, varianceUs2: within / n, df: withinDf };
}

/** Welch–Satterthwaite degrees of freedom of a difference of two independent estimates. */
export function welchDf(va: number, dfa: number, vb: number, dfb: number): number {
  const num = (va + vb) ** 2;
  const den = (dfa > 0 && Number.isFinite(dfa) ? (va * va) / dfa : 0) + (dfb > 0 && Number.isFinite(dfb) ? (vb * vb) / dfb : 0);
  return den === 0 ? Infinity : num / den;
}

/** P(T > z) with the convention that a certain change (SE 0) has p 0 beyond and 1 otherwise. */
function upperTail(z: number, df: number): number {
  if (Number.isNaN(z)) return 1;
  return 1 - studentTCdf(z, df);
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/**
 * The workers' loop lag a delivery at percentile `agg` meets (the worst worker): at the median the
 * loop's typical lag (its mean, above its median), at p75 and p90 its p90, further out its p99.
 * Reports that kept no p90 give the p99 there (wider, on the safe side).
 */
function loopLagAt(r: Report, agg: Exclude<Aggregation, 'max'>): number {
  const worst = (get: (w: Report['client']['workers'][number]) => number): number =>
    Math.max(0, ...r.client.workers.filter((w) => w.crashed === null).map(get));
  if (agg === 'p50') return worst((w) => w.eventLoopLagMs.mean);
  if (agg === 'p75' || agg === 'p90') return worst((w) => w.eventLoopLagMs.p90 ?? w.eventLoopLagMs.p99);
  return r.client.eventLoopLagMs.p99;
}

/** The largest clock uncertainty a run's receipts carry (remote agents' offsets), ms. */
function clockUncertaintyMs(r: Report): number {
  return Math.max(0, ...(r.shards ?? []).map((s) => s.clockUncertaintyMs));
}

/**
 * How much the client's own delay changed between the sides (ms), which a change in the target
 * cannot be told from: the publisher's lateness at the percentile (families timed from the
 * schedule), the workers' loop lag at the same point (loopLagAt) and, when a run's
 * client was saturated, its handling time per loop turn at the same point; plus the clocks'
 * uncertainty where receipts are read on another clock.
 */
function clientShift(
  before: readonly Report[],
  after: readonly Report[],
  family: Family,
  agg: Exclude<Aggregation, 'max'>,
): { ms: number; parts: string[] } {
  const parts: string[] = [];
  const delta = (f: (r: Report) => number): number => Math.abs(mean(after.map(f)) - mean(before.map(f)));
  let ms = 0;
  // An older report without p75 or p95 gives the next percentile it kept (on the safe side).
  if (FROM_SCHEDULE.has(family)) ms += delta((r) => atLeast(r.publish.scheduleLagMs, agg));
  ms += delta((r) => loopLagAt(r, agg));
  if (ms >= 0.005) parts.push("the change in the client's own delay");
  const saturated = [...before, ...after].some((r) => r.client.saturated);
  if (saturated) {
    const turn = delta((r) => (r.client.turnMs ? atLeast(r.client.turnMs, agg === 'p999' ? 'p99' : agg) : 0));
    ms += turn;
    parts.push("a saturated client's handling time");
  }
  if (CLOCKED.has(family)) {
    let clock = mean(before.map(clockUncertaintyMs)) + mean(after.map(clockUncertaintyMs));
    if (family === 'stream.staleness') clock += Math.max(0, ...[...before, ...after].map((r) => r.stream?.aheadMaxMs ?? 0));
    if (clock > 0) parts.push("the clocks' uncertainty");
    ms += clock;
  }
  return { ms, parts };
}

/** A latency row's verdict and figures, before Holm's control (compare.ts applies it to gated rows). */
export interface LatencyResult {
  row: ComparisonRow;
  /** One-sided p-values of "worse beyond the tolerance" and "better beyond it"; null when untested. */
  pWorse: number | null;
  pBetter: number | null;
}

const quantileOf = (agg: Aggregation): number | null => (agg === 'max' ? null : QUANTILE[agg]);

/** What one latency row is read from: the two sides, the family's set and histograms, the quantile. */
interface RowInput {
  before: readonly Report[];
  after: readonly Report[];
  family: Family;
  agg: Aggregation;
  data: RunData;
  at: SetLocation;
  /** Fan-out with lost and never-sent deliveries counted (as the slowest). */
  censored: boolean;
  /** null for max: one sample, not judged. */
  q: number | null;
  multi: boolean;
}

/** A run's value of the row: the exact (censored, where it applies) histogram's, or the report's set. */
function runValue(c: RowInput, r: Report): number | null {
  const set = c.at.get(r) ?? EMPTY;
  if (set.count === 0 && !(c.censored && hasCensored(r))) return null;
  // A set of an older report lacks p75 and p95: those are read off its histogram below.
  const fromSet = set[c.agg];
  if (!c.censored && c.family !== 'completion' && fromSet !== undefined) return fromSet;
  const h = c.data.histogram(r, c.family);
  return h && h.totalCount > 0 ? h.getValueAtPercentile((c.q ?? 1) * 100) / 1000 : null;
}

/** The row with both sides' figures and no verdict yet ("inconclusive", untested). */
function figuresRow(c: RowInput): ComparisonRow {
  const f = familyDef(c.family);
  const bRuns = c.before.map((r) => runValue(c, r));
  const aRuns = c.after.map((r) => runValue(c, r));
  const sideValue = (vs: (number | null)[]): number | null =>
    vs.every((v) => v === null) ? null : mean(vs.filter((v): v is number => v !== null));
  const bv = sideValue(bRuns);
  const av = sideValue(aRuns);
  const change = bv === null || av === null ? null : av - bv;
  const received = (rs: readonly Report[]): number | null => {
    const vs = rs.map((r) => c.at.get(r) ?? EMPTY).filter((s) => s.count > 0);
    return vs.length === 0 ? null : mean(vs.map((s) => (c.agg === 'max' ? s.max : atLeast(s, c.agg))));
  };
  return {
    metric: `${c.family}.${c.agg}`,
    description: `${f.label} ${LABEL[c.agg]}${c.censored ? ', lost and never-sent counted' : ''}`,
    unit: 'ms',
    direction: 'lower-is-better',
    before: bv,
    after: av,
    change,
    changePct: change === null || bv === null || bv === 0 ? null : (100 * change) / bv,
    verdict: 'inconclusive',
    note: null,
    basis: 'statistical',
    gated: false,
    method: null,
    interval: null,
    tolerance: null,
    pValue: null,
    adjustedP: null,
    rate: null,
    runs: c.multi ? { before: bRuns, after: aRuns } : null,
    receivedOnly: c.censored ? { before: received(c.before), after: received(c.after) } : null,
  };
}

/** Why a row cannot be tested (with the method it got as far as), in the order the test needs its data. */
interface NotTested {
  note: string;
  method: LatencyMethod | null;
}

/** Every run's estimate of the percentile and its variance, or why the row cannot be tested. */
function estimatesOf(c: RowInput, q: number): { hists: Histogram[]; be: RunEstimate[]; ae: RunEstimate[] } | NotTested {
  const { before, after, family } = c;
  const hists = [...before, ...after].map((r) => c.data.histogram(r, family));
  if (hists.some((h) => !h || h.totalCount === 0)) {
    const note = hists.every((h) => !h) ? 'no histogram: the change cannot be told from noise' : 'a run has no samples of it';
    return { note, method: 'summary' };
  }
  // The test's own minimum: enough independent units on each side for the percentile's interval to exist.
  const needed = unitsNeeded(q);
  for (const [label, runs] of [
    ['before', before],
    ['after', after],
  ] as const) {
    const units = runs.reduce((s, r) => s + unitsOf(r, family), 0);
    if (units < needed) {
      return { note: `too few ${unitName[family]} ${label} for ${LABEL[c.agg]} (${fmtInt(units)} < ${fmtInt(needed)})`, method: null };
    }
  }
  const estimates = (runs: readonly Report[], label: string): RunEstimate[] | string => {
    const out: RunEstimate[] = [];
    for (const [i, r] of runs.entries()) {
      const e = runEstimate(r, family, q, c.data);
      if (typeof e === 'string') return `${runs.length > 1 ? `${label} run ${i + 1}` : `the ${label} run`}: ${e}`;
      out.push(e);
    }
    return out;
  };
  const be = estimates(before, 'before');
  const ae = estimates(after, 'after');
  if (typeof be === 'string') return { note: be, method: 'blocks' };
  if (typeof ae === 'string') return { note: ae, method: 'blocks' };
  return { hists: hists as Histogram[], be, ae };
}

/** The tested row: the change's interval (widened by the client's own shift), its verdict and p-values. */
function judgedRow(c: RowInput, row: ComparisonRow, est: { hists: Histogram[]; be: RunEstimate[]; ae: RunEstimate[] }): LatencyResult {
  const { before, after, family, agg } = c;
  const { hists, be, ae } = est;
  const runMethods = new Set([...be, ...ae].map((e) => e.method));
  const method: LatencyMethod = c.multi
    ? 'runs'
    : runMethods.has('per-delivery')
      ? 'per-delivery'
      : runMethods.has('per-sample')
        ? 'per-sample'
        : 'blocks';
  const bs = sideEstimate(be);
  const as = sideEstimate(ae);
  const d = (as.valueUs - bs.valueUs) / 1000;
  const se = Math.sqrt(as.varianceUs2 + bs.varianceUs2) / 1000;
  const df = welchDf(as.varianceUs2, as.df, bs.varianceUs2, bs.df);
  const t = se > 0 ? studentTQuantile(1 - ALPHA / 2, df) : 0;
  // Every histogram has the same precision: the first of each side gives the bucket width at its value.
  const tolerance = toleranceMs(hists[0], hists[before.length], bs.valueUs, as.valueUs);
  const shift = clientShift(before, after, family, agg as Exclude<Aggregation, 'max'>);
  const interval: Interval = { low: d - t * se - shift.ms, high: d + t * se + shift.ms };
  const j = judgeChange(interval, tolerance);
  const pWorse = se > 0 ? upperTail((d - shift.ms - tolerance) / se, df) : d - shift.ms > tolerance ? 0 : 1;
  const pBetter = se > 0 ? upperTail((-d - shift.ms - tolerance) / se, df) : -d - shift.ms > tolerance ? 0 : 1;
  const notes: string[] = [];
  const widened = shift.ms >= 0.5 && shift.parts.length > 0 ? `widened by ±${plain(shift.ms)} ms: ${shift.parts.join(', ')}` : null;
  // A decided verdict says what it was widened by too: a saturated client is shown, not silenced.
  if (j.note !== null) notes.push(widened ? `${j.note} (${widened})` : j.note);
  else if (widened && j.verdict !== 'same') notes.push(`interval ${widened}`);
  if (method === 'per-delivery') notes.push('old per-delivery interval (see notes)');
  return {
    row: {
      ...row,
      verdict: j.verdict,
      note: notes.length > 0 ? notes.join('; ') : null,
      method,
      interval,
      tolerance,
      pValue: Math.min(1, 2 * Math.min(pWorse, pBetter)),
    },
    pWorse,
    pBetter,
  };
}

/** Builds one latency row. */
export function latencyRow(
  before: readonly Report[],
  after: readonly Report[],
  family: Family,
  agg: Aggregation,
  data: RunData,
): LatencyResult {
  const c: RowInput = {
    before,
    after,
    family,
    agg,
    data,
    at: setLocation(familyDef(family)),
    censored: family === 'fanout' && data.censorFanout,
    q: quantileOf(agg),
    multi: before.length > 1 || after.length > 1,
  };
  const row = figuresRow(c);
  const none = (why: NotTested): LatencyResult => ({ row: { ...row, note: why.note, method: why.method }, pWorse: null, pBetter: null });
  const bv = row.before;
  const av = row.after;
  if (bv === null || av === null)
    return none({ note: bv === av ? NO_SAMPLES_NOTE : `no samples ${bv === null ? 'before' : 'after'}`, method: null });
  if (c.q === null) return none({ note: 'one sample: not judged', method: null });
  const est = estimatesOf(c, c.q);
  return 'note' in est ? none(est) : judgedRow(c, row, est);
}
