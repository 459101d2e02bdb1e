/**
 * Fan-out latency over every expected delivery, not only the received ones. A delivery lost (or
 * received after the deadline) took at least the deadline; a publish due but never sent had waited
 * at least its wait so far for each of its would-be receivers. Leaving them out lets a target that
 * gets slower past the deadline read faster (its slowest deliveries leave the percentiles), so
 * they are put in, censored: recorded at the value they are known to exceed. A percentile at or
 * above the deadline is then a lower bound. Pure: a report in, histograms out.
 */
import { addInto, createHistogram, decodeHistogram, histogramBuckets, percentiles, type Histogram } from '../metrics/histogram.js';
import type { CensoredFanout, Report } from '../run/report.js';
import { reportHistogram } from './read.js';

/** Deliveries each never-sent publish would have owed: expected per published publish, or the sockets open at the end. */
export function deliveriesPerPublish(r: Report): number {
  if (r.fanout.published > 0) return Math.max(0, Math.round(r.fanout.expected / r.fanout.published));
  return r.connections.openAtEnd;
}

/** The deadline lost deliveries are censored at, ms; null without publishing. */
export function censorDeadlineMs(r: Report): number | null {
  return r.scenario.publish ? r.scenario.publish.deadlineMs : null;
}

/** Never-sent publishes with their waits (µs), from the report's "unsent" histogram; empty in older reports. */
function unsentWaits(r: Report): Histogram | null {
  return reportHistogram(r, 'unsent');
}

/**
 * The received fan-out histogram plus lost deliveries at the deadline and each never-sent
 * publish's wait × its would-be deliveries; null without publishing. Equal to the received one
 * when nothing was lost or left unsent.
 */
export function censoredFanoutHistogram(r: Report): Histogram | null {
  const deadline = censorDeadlineMs(r);
  if (deadline === null) return null;
  const h = createHistogram();
  const received = reportHistogram(r, 'fanout');
  if (received) addInto(h, received);
  if (r.fanout.lost > 0) h.recordValueWithCount(Math.round(deadline * 1000), r.fanout.lost);
  const unsent = unsentWaits(r);
  const per = deliveriesPerPublish(r);
  if (unsent && per > 0) {
    const b = histogramBuckets(unsent);
    for (let i = 0; i < b.valuesUs.length; i++) h.recordValueWithCount(b.valuesUs[i], b.counts[i] * per);
  }
  return h;
}

/** Publish completion with never-sent publishes added at their wait (incomplete ones are already at the deadline). */
export function censoredCompletionHistogram(r: Report): Histogram | null {
  const completion = reportHistogram(r, 'completion');
  const unsent = unsentWaits(r);
  if (!completion && !unsent) return null;
  const h = createHistogram();
  if (completion) addInto(h, completion);
  if (unsent) addInto(h, unsent);
  return h;
}

/** The report's fanout.censored: what was censored, and the percentiles over every expected delivery. */
export function censoredFanout(r: Report): CensoredFanout | null {
  const deadline = censorDeadlineMs(r);
  const h = censoredFanoutHistogram(r);
  if (deadline === null || h === null) return null;
  const unsent = r.histograms.unsent ? decodeHistogram(r.histograms.unsent).totalCount : 0;
  const per = deliveriesPerPublish(r);
  return {
    deadlineMs: deadline,
    lost: r.fanout.lost,
    unsentPublishes: unsent,
    unsentDeliveries: unsent * per,
    latencyMs: percentiles(h),
  };
}

/** Whether a run's censored percentiles differ from its received-only ones (anything lost or left unsent). */
export function hasCensored(r: Report): boolean {
  return r.fanout.lost > 0 || (r.histograms.unsent !== undefined && decodeHistogram(r.histograms.unsent).totalCount > 0);
}
