/**
 * Counter rows of a comparison. A count means nothing without what it is out of: 3 → 4
 * disconnects over 200 socket-hours is noise, 0 → 40 lost of 10,000 expected is not. So each
 * counter is a rate over its exposure (lost per expected delivery, failed per attempt, drops per
 * socket-hour) and two rates are judged with the exact conditional test of two Poisson rates
 * (README "Compare verdicts"), against a 10% tolerance on their ratio. Rows where any occurrence
 * fails (a lost message, a misrouted copy) are policies, labelled as such. The idle-timeout
 * estimate is compared with its spread; event-loop lag is shown, not judged.
 */
import { InternalError } from '../errors.js';
import { lookupMetric, type MetricDirection } from '../metrics/names.js';
import type { CloseCause, Report } from '../run/report.js';
import type { ComparisonRow, RateFigures, RowBasis, Verdict } from './compare-types.js';
import { ALPHA, LATENCY_TOLERANCE_RATIO } from './compare-latency.js';
import { binomialUpperTail, rateRatioPValue } from './stats.js';
import { CAUSES, POLICIES, RATE_TOLERANCE, socketHours, type RateSpec } from './compare-rates.js';

export { CAUSES, POLICIES, RATE_TOLERANCE, RATES, type RateSpec } from './compare-rates.js';

/** Event-loop lag has no histogram in the report: it is judged on a coarser tolerance. */
const LAG_TOLERANCE_RATIO = 0.1;
const LAG_TOLERANCE_MS = 5;

/** Idle-timeout estimates closer than this (or than their spreads) are the same gateway setting. */
const IDLE_TIMEOUT_TOLERANCE_MS = 1000;

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

const fmt = (x: number): string => (x === 0 ? '0' : x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(2));

/** A plain row; counters' fields that do not apply are null. */
export function baseRow(
  metric: string,
  description: string,
  unit: 'ms' | 'count',
  direction: MetricDirection,
  before: number | null,
  after: number | null,
  verdict: Verdict,
  note: string | null,
  basis: RowBasis,
  runs: { before: (number | null)[]; after: (number | null)[] } | null = null,
): ComparisonRow {
  const change = before === null || after === null ? null : after - before;
  const changePct = change === null || before === null || before === 0 ? null : (100 * change) / before;
  return {
    metric,
    description,
    unit,
    direction,
    before,
    after,
    change,
    changePct,
    verdict,
    note,
    basis,
    gated: false,
    method: null,
    interval: null,
    tolerance: null,
    pValue: null,
    adjustedP: null,
    rate: null,
    runs,
    receivedOnly: null,
  };
}

/** A counter row's result before Holm's control: the row and its one-sided p-values. */
export interface CounterResult {
  row: ComparisonRow;
  pWorse: number | null;
  pBetter: number | null;
}

function runsOf(
  before: readonly Report[],
  after: readonly Report[],
  get: (r: Report) => number,
): { before: number[]; after: number[] } | null {
  return before.length > 1 || after.length > 1 ? { before: before.map(get), after: after.map(get) } : null;
}

/**
 * A counter as a rate over its exposure, both sides' runs pooled. Worse: the after rate exceeds
 * (1 + tolerance) × the before rate at 95% (the conditional test, one-sided 2.5%); better: the
 * reverse; same: both the ratio's upper and lower bound within the tolerance; inconclusive
 * otherwise. None on either side is the same: nothing happened to compare.
 */
export function rateRow(before: readonly Report[], after: readonly Report[], spec: RateSpec): CounterResult {
  const def = lookupMetric(spec.metric);
  if (!def) throw new InternalError(`compare: metric ${spec.metric} is not declared in src/metrics/names.ts`);
  const eb = sum(before.map(spec.events));
  const ea = sum(after.map(spec.events));
  const xb = sum(before.map(spec.exposure));
  const xa = sum(after.map(spec.exposure));
  const bv = mean(before.map(def.get));
  const av = mean(after.map(def.get));
  const rate: RateFigures = {
    before: xb > 0 ? (eb / xb) * spec.scale : null,
    after: xa > 0 ? (ea / xa) * spec.scale : null,
    per: spec.per,
    events: { before: eb, after: ea },
    exposure: { before: xb, after: xa },
    tolerance: RATE_TOLERANCE,
  };
  const row = {
    ...baseRow(spec.metric, def.description, def.unit, def.direction, bv, av, 'same', null, 'statistical', runsOf(before, after, def.get)),
    rate,
  };
  if (def.direction === 'neutral') return { row, pWorse: null, pBetter: null };
  if (eb === 0 && ea === 0)
    return { row: { ...row, note: xb === 0 && xa === 0 ? null : 'none in either run' }, pWorse: null, pBetter: null };
  if (xb <= 0 || xa <= 0)
    return {
      row: { ...row, verdict: 'inconclusive', note: `nothing to count it over ${xb <= 0 ? 'before' : 'after'}` },
      pWorse: null,
      pBetter: null,
    };
  const r = 1 + RATE_TOLERANCE;
  const pWorse = rateRatioPValue(ea, xa, eb, xb, r);
  const pBetter = rateRatioPValue(eb, xb, ea, xa, r);
  // Equivalence: the ratio is shown below r (after not above r × before) and above 1/r.
  const belowUpper = 1 - binomialUpperTail(ea + 1, ea + eb, (r * xa) / (r * xa + xb)) <= ALPHA / 2;
  const aboveLower = 1 - binomialUpperTail(eb + 1, ea + eb, (r * xb) / (r * xb + xa)) <= ALPHA / 2;
  const pValue = Math.min(1, 2 * Math.min(pWorse, pBetter));
  const rates = `${fmt(rate.before ?? 0)} → ${fmt(rate.after ?? 0)} ${spec.per}`;
  let verdict: Verdict;
  let note: string;
  if (pWorse <= ALPHA / 2) {
    verdict = 'worse';
    note = `${rates}, beyond ±${Math.round(RATE_TOLERANCE * 100)}% (p = ${fmtP(pValue)})`;
  } else if (pBetter <= ALPHA / 2) {
    verdict = 'better';
    note = `${rates}, beyond ±${Math.round(RATE_TOLERANCE * 100)}% (p = ${fmtP(pValue)})`;
  } else if (belowUpper && aboveLower) {
    verdict = 'same';
    note = rates;
  } else {
    verdict = 'inconclusive';
    note = `${rates}: not told from chance (p = ${fmtP(pValue)})`;
  }
  // Higher-is-better counters are judged by their misses: fewer misses is better, as it reads.
  return { row: { ...row, verdict, note, pValue }, pWorse, pBetter };
}

export const fmtP = (p: number): string => (p < 0.0001 ? '< 0.0001' : p.toPrecision(2));

/** A policy row: any occurrence after none before is worse; none after some before is better. */
export function policyRow(before: readonly Report[], after: readonly Report[], policy: (typeof POLICIES)[number]): ComparisonRow {
  const def = lookupMetric(policy.counter);
  if (!def) throw new InternalError(`compare: metric ${policy.counter} is not declared in src/metrics/names.ts`);
  const b = sum(before.map(def.get));
  const a = sum(after.map(def.get));
  const verdict: Verdict = b === 0 && a > 0 ? 'worse' : b > 0 && a === 0 ? 'better' : 'same';
  const note = verdict === 'same' && a > 0 ? 'some on both sides: the policy fails on both' : null;
  return baseRow(
    policy.metric,
    policy.text,
    'count',
    'lower-is-better',
    mean(before.map(def.get)),
    mean(after.map(def.get)),
    verdict,
    note,
    'policy',
    runsOf(before, after, def.get),
  );
}

/** A counter shown, never judged (the run's size; another run's messages, which say the target was shared). */
export function infoRow(before: readonly Report[], after: readonly Report[], metric: string, note: string | null = null): ComparisonRow {
  const def = lookupMetric(metric);
  if (!def) throw new InternalError(`compare: metric ${metric} is not declared in src/metrics/names.ts`);
  const bv = mean(before.map(def.get));
  const av = mean(after.map(def.get));
  return baseRow(
    metric,
    def.description,
    def.unit,
    'neutral',
    bv,
    av,
    'same',
    bv === av ? null : note,
    'informational',
    runsOf(before, after, def.get),
  );
}

/** Closes by cause, as rates per socket-hour; closes by wsload itself are shown, not judged. */
export function causeRows(before: readonly Report[], after: readonly Report[]): { result: CounterResult; gate: boolean }[] {
  const count =
    (cause: CloseCause) =>
    (r: Report): number =>
      r.disconnects.byCause[cause] ?? 0;
  return CAUSES.filter(({ cause }) => [...before, ...after].some((r) => count(cause)(r) > 0))
    .map(({ cause, direction, text }) => {
      const metric = `disconnects.byCause.${cause}`;
      if (direction === 'neutral') {
        const bv = mean(before.map(count(cause)));
        const av = mean(after.map(count(cause)));
        return {
          result: {
            row: baseRow(metric, text, 'count', 'neutral', bv, av, 'same', null, 'informational', runsOf(before, after, count(cause))),
            pWorse: null,
            pBetter: null,
          },
          gate: false,
        };
      }
      const spec: RateSpec = {
        metric: 'disconnects.total',
        events: count(cause),
        exposure: socketHours,
        per: 'per socket-hour',
        scale: 1,
        gate: true,
      };
      const result = rateRow(before, after, spec);
      return {
        result: {
          ...result,
          row: {
            ...result.row,
            metric,
            description: text,
            before: mean(before.map(count(cause))),
            after: mean(after.map(count(cause))),
            runs: runsOf(before, after, count(cause)),
          },
        },
        gate: true,
      };
    })
    .map(({ result, gate }) => {
      const row = result.row;
      const change = row.before === null || row.after === null ? null : row.after - row.before;
      return {
        result: { ...result, row: { ...row, change, changePct: change === null || !row.before ? null : (100 * change) / row.before } },
        gate,
      };
    });
}

/**
 * The idle-timeout estimate: worse when it appears or drops by more than the larger spread (and
 * 5%, and 1 s), better when it disappears or rises as much. With several runs per side, a side's
 * estimate is the mean of its runs' estimates, and it "appears" only where no run of the other side had one.
 */
export function idleTimeoutRow(before: readonly Report[], after: readonly Report[]): ComparisonRow {
  const est = (rs: readonly Report[]) => rs.map((r) => r.disconnects.idleTimeout).filter((e) => e !== null);
  const bs = est(before);
  const as = est(after);
  const value = (es: ReturnType<typeof est>): number | null => (es.length === 0 ? null : mean(es.map((e) => e.estimateMs)));
  const spread = (es: ReturnType<typeof est>): number => Math.max(0, ...es.map((e) => e.spreadMs));
  const runs = runsOf(before, after, (r) => r.disconnects.idleTimeout?.estimateMs ?? NaN);
  const nullRuns = runs
    ? { before: runs.before.map((v) => (Number.isNaN(v) ? null : v)), after: runs.after.map((v) => (Number.isNaN(v) ? null : v)) }
    : null;
  const make = (verdict: Verdict, note: string | null): ComparisonRow =>
    baseRow(
      'disconnects.idleTimeout',
      'estimated gateway idle timeout',
      'ms',
      'higher-is-better',
      value(bs),
      value(as),
      verdict,
      note,
      'estimate',
      nullRuns,
    );
  if (bs.length === 0 && as.length === 0) return make('same', 'no idle-timeout disconnects in either run');
  if (bs.length === 0) return make('worse', 'idle-timeout disconnects appeared');
  if (as.length === 0) return make('better', 'no idle-timeout disconnects after');
  const b = value(bs) as number;
  const a = value(as) as number;
  const tolerance = Math.max(spread(bs), spread(as), LATENCY_TOLERANCE_RATIO * Math.min(a, b), IDLE_TIMEOUT_TOLERANCE_MS);
  const delta = a - b;
  const cohorts = (es: ReturnType<typeof est>): string => [...new Set(es.map((e) => e.cohort))].join('/');
  const verdict: Verdict = Math.abs(delta) <= tolerance ? 'same' : delta > 0 ? 'better' : 'worse';
  return make(verdict, cohorts(bs) !== cohorts(as) ? `cohort ${cohorts(bs)} → ${cohorts(as)}` : null);
}

/** Event-loop lag p99: one number per run with no interval, shown; beyond its tolerance it cannot be told from the machine's noise. */
export function lagRow(before: readonly Report[], after: readonly Report[]): ComparisonRow {
  const get = (r: Report): number => r.client.eventLoopLagMs.p99;
  const b = mean(before.map(get));
  const a = mean(after.map(get));
  const tolerance = Math.max(LAG_TOLERANCE_RATIO * Math.min(a, b), LAG_TOLERANCE_MS);
  const [verdict, note]: [Verdict, string | null] =
    Math.abs(a - b) > tolerance ? ['inconclusive', 'one number per run: no interval to judge it by'] : ['same', null];
  return baseRow(
    'client.eventLoopLag.p99',
    'event-loop lag of the wsload workers (p99)',
    'ms',
    'lower-is-better',
    b,
    a,
    verdict,
    note,
    'informational',
    runsOf(before, after, get),
  );
}
