/** A threshold's observed value as people read it, shared by the summary table and the JUnit output. */
import { lookupMetric } from '../metrics/names.js';
import type { ThresholdResult } from '../run/report.js';
import { fmtCount, fmtMs, fmtPct } from './format.js';
import { thresholdValueText } from '../report/thresholds.js';
import { isObserveMetric } from '../metrics/observe/metric.js';

/**
 * "312 ms", "0.25%", "47" or "no data" (a metric with no samples fails its threshold). `precise`:
 * in the threshold's own unit with the digits that tell it from its limit ("380.9 ms" where the
 * table's "381 ms" would read equal to a limit of 381 ms), as the verdict line and JUnit say it.
 */
export function thresholdActualText(th: ThresholdResult, opts: { precise?: boolean } = {}): string {
  if (th.noData === true) return 'no data';
  // Observed series and slopes: in the expression's unit (bytes, per hour), a slope with its 95 % half-width.
  if (isObserveMetric(th.metric)) {
    const u = th.slopeUncertainty !== undefined ? ` ± ${thresholdValueText(th, th.slopeUncertainty)}` : '';
    return `${thresholdValueText(th)}${u}${th.uncertain === true ? ' (interval reaches the limit)' : ''}`;
  }
  if (opts.precise === true) {
    const bound =
      th.clockUncertaintyMs !== undefined && lookupMetric(th.metric)?.unit === 'ms'
        ? ` ± ${thresholdValueText(th, th.clockUncertaintyMs)}`
        : '';
    const why =
      th.clockWrong === true ? ' (wrong clock offset)' : th.uncertain === true ? ' (within the clock uncertainty of the limit)' : '';
    return `${thresholdValueText(th)}${bound}${why}`;
  }
  // A "%" expression compared a percentage of the metric's base, not the metric itself.
  if (th.expression.includes('%')) return fmtPct(th.actual);
  if (lookupMetric(th.metric)?.unit !== 'ms') return fmtCount(th.actual);
  // Timed on another machine's clock: the value is known within ± the clock's bound.
  const bound = th.clockUncertaintyMs !== undefined ? ` ± ${fmtMs(th.clockUncertaintyMs)}` : '';
  const why =
    th.clockWrong === true ? ' (wrong clock offset)' : th.uncertain === true ? ' (within the clock uncertainty of the limit)' : '';
  return `${fmtMs(th.actual)}${bound}${why}`;
}
