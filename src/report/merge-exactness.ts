/**
 * What a merged report's figures are: which are exact (histograms added from their encoded form,
 * counters summed) and which are estimates, and whether the runs overlapped in time at all. Pure.
 */
import type { MergeInfo, Report } from '../run/report.js';

/** Figures of a merged report that are exact whatever the runs were. */
const EXACT: readonly string[] = [
  'histogram percentiles (fanout.latencyMs, handshake.*, publish.*, disconnects.*AtCloseMs): all samples added exactly',
  'summed counters (connections.opened/firstOpened/failed, fanout.published/expected/delivered/lost/duplicated/late, publish.sent/failed/skipped, disconnects, reconnects)',
];

/** The runs' common time window, from startedAt/endedAt. */
export function overlapOf(reports: readonly Report[]): { overlapMs: number; overlapping: boolean } {
  const start = Math.max(...reports.map((r) => Date.parse(r.startedAt)));
  const end = Math.min(...reports.map((r) => Date.parse(r.endedAt)));
  const overlapMs = Math.max(0, end - start);
  return { overlapMs, overlapping: end > start };
}

/** Describes the merge; `cohortSocketsKnown` says whether every run recorded sockets opened per cohort. */
export function mergeInfo(reports: readonly Report[], cohortSocketsKnown: boolean): MergeInfo {
  const { overlapMs, overlapping } = overlapOf(reports);
  const rates = reports.map((r) => r.scenario.publish?.rate ?? 0);
  const estimates: Record<string, string> = {
    'connections.peakOpen': "upper bound: the sum of each run's own peak; the runs may have peaked at different times",
    'fanout.completionMs':
      "each run's completion covers only its own sockets; the merged figure is a lower bound of completion over all sockets",
    'fanout.incomplete': 'each run judged its publishes against its own sockets only',
    'scenario.publish.rate': `the first run's rate; the runs together scheduled ${rates.reduce((a, b) => a + b, 0)} publishes/s (${rates.join(' + ')})`,
    'client.eventLoopLagMs': "the worst run's value, not a percentile over all workers",
    phases: "the longest run's ramp and hold",
    files: 'timelines (.ndjson) and interval logs (.hlog) are per run and are not merged',
  };
  // Older wsload versions left a lost shard's (or an interrupted run's) receipts of publishes it
  // never judged in delivered but not in expected: such a report's books do not add up, nor do their sums.
  const unbalanced = reports.filter((r) => r.fanout.delivered + r.fanout.lost !== r.fanout.expected).length;
  if (unbalanced > 0) {
    estimates['fanout.expected'] =
      `${unbalanced} of ${reports.length} reports have delivered + lost ≠ expected (written by an older wsload: receipts of publishes a lost shard or an interrupted run never judged); ` +
      'the merged expected, delivered and lost add theirs up as they are';
  }
  if (reports.some((r) => (r.fanout.unconfirmed ?? 0) > 0)) {
    estimates['fanout.unconfirmed'] =
      'deliveries lost workers or shards owed after their last snapshot, counted lost: an upper bound (nobody saw whether they arrived)';
  }
  const unevaluated = reports.reduce((n, r) => n + (r.fanout.unevaluated ?? 0), 0);
  if (unevaluated > 0) {
    estimates['fanout.lost'] =
      `${unevaluated} publishes left a worker's ring before it evaluated them (fanout.unevaluated): only their received copies are booked, ` +
      'so expected and lost leave out the sockets that never got them (a lower bound of what was lost)';
  }
  if (!cohortSocketsKnown) {
    estimates['disconnects.idleTimeout'] =
      'estimated with configured cohort sizes standing in for sockets that connected (a run did not record them)';
  }
  if (!overlapping) {
    estimates['*'] = 'the runs did not overlap in time: every summed figure adds up different periods, not one combined load';
  }
  const streams = reports.filter((r) => r.stream !== undefined).length;
  const exact = [...EXACT];
  if (streams > 0) {
    exact.push('a server stream (stream.*): counters summed and staleness histograms added exactly; stream.aheadMaxMs the largest');
    estimates['stream.stalenessMs'] =
      "each run's staleness is against its own machine's clock: runs on machines with different offsets to the service mix them in the merged percentiles";
    if (streams < reports.length)
      estimates.stream = `only ${streams} of ${reports.length} runs measured a server stream; its figures are theirs`;
  }
  return { reports: reports.length, overlapping, overlapMs, exact, estimates };
}
