/**
 * Compare rows of trends: the client's RSS slope (client.rss.slope) and every observed gauge's
 * slope both sides carry (observe.<endpoint>.<series>.slope), in bytes or units per hour. Each
 * slope comes with its 95 % interval, so the rule is the one of every interval row: worse when
 * the whole interval of after − before lies above the tolerance (the larger of the two runs'
 * flat tolerances), better when below its negative, the same when within ± it, else
 * inconclusive. Several runs on a side: their mean slope, its standard error from theirs.
 */
import { CLIENT_RSS_SLOPE, observeMetricValue } from '../metrics/observe/metric.js';
import { TREND_REASONS_FOR_LACK_OF_DATA } from '../run/observe-schema.js';
import type { Report, TrendReason } from '../run/report.js';
import { baseRow } from './compare-counters.js';
import type { ComparisonRow, Verdict } from './compare-types.js';

const Z95 = 1.96;
const MB = 1048576;

interface Slope {
  value: number;
  se: number;
  tolerance: number;
}

/**
 * Whether a run's own trend said it had too little to judge (reason too-short or too-few-samples): its
 * interval describes seconds of settling, not a trend, so comparing two of them calls noise (two 20 s runs
 * of one set-up once read "better" on client.rss.slope). Reports before the structured reason say so only
 * in their note, whose wording was fixed then ("too short to judge", "too few … samples").
 */
export function notJudgedForData(trend: { reason?: TrendReason; note?: string } | undefined): boolean {
  if (!trend) return false;
  if (trend.reason !== undefined) return TREND_REASONS_FOR_LACK_OF_DATA.includes(trend.reason);
  return trend.note !== undefined && /^too (short|few)\b/.test(trend.note);
}

function slopeOf(r: Report, metric: string): Slope | null {
  const v = observeMetricValue(r, metric);
  if (!v || v.evidence === 0) return null;
  let tolerance = 0;
  let lackOfData = false;
  if (metric === CLIENT_RSS_SLOPE) {
    tolerance = (r.client.memory?.toleranceMbPerHour ?? 0) * MB;
    lackOfData = notJudgedForData(r.client.memory);
  } else {
    const [, endpoint, series] = metric.split('.');
    const trend = r.observe?.find((e) => e.name === endpoint)?.series.find((s) => s.name === series)?.trend;
    tolerance = trend?.tolerancePerHour ?? 0;
    lackOfData = notJudgedForData(trend);
  }
  if (lackOfData) return null;
  return { value: v.value, se: v.uncertainty / Z95, tolerance };
}

/** A side's mean slope and its standard error; null when any run lacks the slope. */
function side(runs: readonly Report[], metric: string): Slope | null {
  const slopes = runs.map((r) => slopeOf(r, metric));
  if (slopes.some((s) => s === null)) return null;
  const ok = slopes as Slope[];
  const n = ok.length;
  return {
    value: ok.reduce((a, s) => a + s.value, 0) / n,
    se: Math.sqrt(ok.reduce((a, s) => a + s.se * s.se, 0)) / n,
    tolerance: Math.max(...ok.map((s) => s.tolerance)),
  };
}

/** The slope metrics both sides may carry: the client's RSS, then each observed gauge with a trend in the first before run. */
function slopeMetrics(before: readonly Report[], after: readonly Report[]): string[] {
  const out: string[] = [];
  if ([...before, ...after].some((r) => r.client.memory)) out.push(CLIENT_RSS_SLOPE);
  for (const e of before[0]?.observe ?? []) {
    for (const s of e.series) if (s.trend) out.push(`observe.${e.name}.${s.name}.slope`);
  }
  return out;
}

/** The trend rows, informational (outside the gate: a soak's slope is judged by its own verdict and thresholds). */
export function slopeRows(before: readonly Report[], after: readonly Report[]): ComparisonRow[] {
  return slopeMetrics(before, after).map((metric) => {
    const b = side(before, metric);
    const a = side(after, metric);
    const description =
      metric === CLIENT_RSS_SLOPE
        ? "slope of the client's RSS after the warm-up (bytes per hour)"
        : `slope of ${metric.slice('observe.'.length, -'.slope'.length)} after the warm-up (per hour)`;
    if (!b || !a)
      return baseRow(
        metric,
        description,
        'count',
        'lower-is-better',
        b?.value ?? null,
        a?.value ?? null,
        'inconclusive',
        'a side has no slope it could judge (its run too short, or too few samples after the warm-up: see its own trend)',
        'estimate',
      );
    const d = a.value - b.value;
    const half = Z95 * Math.sqrt(a.se * a.se + b.se * b.se);
    const tol = Math.max(a.tolerance, b.tolerance);
    let verdict: Verdict = 'inconclusive';
    if (!Number.isFinite(half)) verdict = 'inconclusive';
    else if (d - half > tol) verdict = 'worse';
    else if (d + half < -tol) verdict = 'better';
    else if (Math.abs(d) + half <= tol) verdict = 'same';
    const note =
      verdict === 'inconclusive'
        ? `the 95 % interval of the change (${Math.round(d - half)} to ${Math.round(d + half)} per hour) reaches beyond ± ${Math.round(tol)}`
        : null;
    return baseRow(metric, description, 'count', 'lower-is-better', Math.round(b.value), Math.round(a.value), verdict, note, 'estimate');
  });
}
