/**
 * The verdict on a finished run: its exit code and the one line saying why. A run is "ok" only
 * when its data show it: sockets that stayed up, deliveries that arrived, thresholds measured.
 * Pure: a Report in, a number or a sentence out.
 */
import { plural } from '../text/plural.js';
import { thresholdValueText } from './thresholds.js';
import { EXIT } from '../errors.js';
import { formatDuration } from '../duration.js';
import { publishBlame, reportPublishFigures } from './publish-behind.js';
import { describeFailure } from '../metrics/classify.js';
import { describePublishFailure } from '../metrics/publish-failure.js';
import type { Report, ThresholdResult } from '../run/report.js';
import { clockUncertaintyOf, earlyBeyondBound, earlyText } from './clock-bound.js';
import { AHEAD_TOLERANCE_MS } from '../run/stream-counters.js';
import { STREAM_JUDGED_FLOOR, streamJudged, streamJudgedEnough } from './stream-caveat.js';

const SIGNAL_EXIT: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * Closes before the end outnumber half the sockets the run was to hold (a socket dropped twice
 * counts twice: reconnects do not make a drop harmless). wsload's own closes at the end are not
 * disconnects; every other close, whoever made it, cost the run a socket.
 */
export function mostSocketsDropped(report: Report): boolean {
  return report.connections.opened > 0 && report.disconnects.total * 2 > report.connections.target;
}

/**
 * Not one socket ever connected: every attempt failed (target down, every upgrade answered 503).
 * Nothing else was measured (no hold, no publish), so this outranks thresholds, which would only
 * say "no data": a run of its own kind, with its own exit code (EXIT.noConnection).
 */
export function noSocketConnected(report: Report): boolean {
  const c = report.connections;
  return c.target > 0 && c.opened === 0 && c.failed > 0;
}

/** "1,234": counts in the verdict line grouped as the summary prints them. */
const group = (n: number): string => n.toLocaleString('en-US');

/** Failure reasons, most frequent first: "200 connection refused (nothing listening)". */
function failureReasonsText(report: Report, count: (n: number) => string): string {
  return Object.entries(report.connections.failures)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
    .map(([reason, n]) => `${count(n ?? 0)} ${describeFailure(reason)}`)
    .join(', ');
}

/** "to ws://… after 200 attempts: 200 connection refused (nothing listening)": reasons most frequent first. */
export function noSocketConnectedDetail(report: Report, count: (n: number) => string = group): string {
  const n = report.connections.failed;
  return `to ${report.target.url} after ${n === 1 ? 'one attempt' : `${count(n)} attempts`}: ${failureReasonsText(report, count)}`;
}

/** "no socket connected to ws://… after 200 attempts: 200 connection refused (nothing listening)". */
export function noSocketConnectedText(report: Report, count: (n: number) => string = group): string {
  return `no socket connected ${noSocketConnectedDetail(report, count)}`;
}

/**
 * Sockets whose first connection never succeeded while others did, when the report can tell:
 * null under load stages (not every socket is due) or when interrupted (some were never tried).
 */
export function socketsNeverConnected(report: Report): number | null {
  if (report.interrupted || report.scenario.stages) return null;
  const c = report.connections;
  const first = c.firstOpened ?? Math.max(0, c.opened - report.reconnects.total);
  return Math.max(0, c.target - first);
}

/**
 * Deliveries missed while sockets were down reconnecting (in neither expected nor lost), with the
 * drops behind them: "missed while reconnecting 5,103 (closes before the end: 45% of sockets)"
 * (closes per socket, a socket dropped twice counted twice, so at most 100% is said). Null when
 * nothing was missed.
 */
export function missedText(report: Report, count: (n: number) => string = group): string | null {
  const missed = report.reconnects.missedPublishes;
  if (missed <= 0) return null;
  const target = report.connections.target;
  const share =
    target > 0 ? ` (closes before the end: ${Math.min(100, Math.round((100 * report.disconnects.total) / target))}% of sockets)` : '';
  return `missed while reconnecting ${count(missed)}${share}`;
}

/** Publishes succeeded and sockets opened, yet not one delivery arrived. */
export function deliveredNothing(report: Report): boolean {
  // `sent` counts failed requests too.
  return succeededPublishes(report) > 0 && report.connections.opened > 0 && report.fanout.delivered === 0;
}

function succeededPublishes(report: Report): number {
  return Math.max(0, report.publish.sent - report.publish.failed - (report.publish.aborted ?? 0));
}

/**
 * Why deliveries were lost, in words, the reasons that apply only: "1450 owed by sockets that
 * closed without them, 12 never arrived on open sockets, 3 arrived late". Reports from before the
 * reasons were counted had every loss that was not late on an open socket.
 */
export function lostReasons(report: Report, count: (n: number) => string = String): string {
  const f = report.fanout;
  const beforeClose = f.lostBeforeClose ?? 0;
  const open = f.lostOpen ?? Math.max(0, f.lost - f.late);
  const parts: string[] = [];
  if (beforeClose > 0) parts.push(`${count(beforeClose)} owed by sockets that closed without them`);
  if (open > 0) parts.push(`${count(open)} never arrived on open sockets`);
  if (f.late > 0) parts.push(`${count(f.late)} arrived late`);
  return parts.join(', ');
}

/**
 * What deliveredNothing means in this run: nothing arrived at all, or everything that arrived came
 * after the deadline (a slow target is not a silent one).
 */
export function deliveredNothingText(report: Report, count: (n: number) => string = String): string {
  const ok = succeededPublishes(report);
  const publishes = `${plural(ok, 'publish', 'publishes', count(ok))} succeeded`;
  const late = report.fanout.late;
  if (late === 0) return `no delivery arrived although ${publishes}`;
  const deadline = report.scenario.publish?.deadlineMs;
  const after =
    deadline !== undefined
      ? `more than ${formatDuration(deadline)} after their scheduled time (publish.deadline)`
      : 'after the deadline (publish.deadline)';
  return `no delivery arrived in time although ${publishes}: ${count(late)} arrived late, ${after}, and count as lost`;
}

/**
 * Exit code of a finished run. When several apply, the first wins: interrupted by a signal
 * (128 + signal), then no socket connected (5), then a failed threshold (3), then failures (1).
 */
export function runExitCode(report: Report): number {
  if (report.interrupted) return SIGNAL_EXIT[report.interruptReason ?? ''] ?? EXIT.failures;
  if (noSocketConnected(report)) return EXIT.noConnection;
  if (report.thresholds.some((t) => !t.pass)) return EXIT.thresholds;
  return runFailed(report) ? EXIT.failures : EXIT.ok;
}

/** The run's own failures (exit code 1 when nothing outranks them), thresholds aside. */
export function runFailed(report: Report): boolean {
  return (
    report.connections.failed > 0 ||
    report.fanout.lost > 0 ||
    misrouted(report) > 0 ||
    report.publish.failed > 0 ||
    report.publish.behind === true ||
    report.client.workers.some((w) => w.crashed !== null) ||
    (report.shards ?? []).some((s) => s.lost) ||
    mostSocketsDropped(report) ||
    deliveredNothing(report) ||
    streamProblems(report).length > 0 ||
    earlyBeyondBound(report).length > 0
  );
}

/**
 * Copies of a topic's publish that reached a socket of another topic. A failure of the run, unlike
 * foreign or idMismatch copies (which leave a delivery lost, and fail the run that way): a
 * misrouted copy leaves every other count intact, so a service leaking rooms would pass silently.
 */
function misrouted(report: Report): number {
  return report.fanout.misrouted ?? 0;
}

/**
 * A server stream's own failures: sockets open yet no message judged, or sequence numbers that
 * never arrived (the stream's loss). Duplicates and order are for thresholds to judge.
 */
export function streamProblems(report: Report): string[] {
  const s = report.stream;
  if (!s) return [];
  const out: string[] = [];
  const { judged, received } = streamJudged(s);
  const why = [
    ...(s.unmatched > 0 ? [`${s.unmatched} unmatched: check publish.timestamp and publish.sequence`] : []),
    ...((s.ahead ?? 0) > 0
      ? [`${s.ahead} stamped more than ${AHEAD_TOLERANCE_MS} ms after they arrived: the service's clock runs ahead`]
      : []),
  ].join('; ');
  if (judged === 0 && report.connections.opened > 0 && report.phases.holdMs > 0) {
    out.push(`no stream message was judged${why ? ` (${why})` : ''}`);
  } else if (!streamJudgedEnough(s)) {
    out.push(`only ${judged} of ${received} stream messages could be judged, below ${STREAM_JUDGED_FLOOR * 100}% (${why})`);
  }
  if (s.missing > 0) out.push(`${s.missing} stream messages missing in ${s.gaps} sequence gaps (stream.missing)`);
  return out;
}

/** One phrase per failure of the run itself (thresholds aside), empty exactly when runFailed is false. */
export function runProblems(report: Report): string[] {
  const problems: string[] = [];
  const c = report.connections;
  if (noSocketConnected(report)) problems.push(noSocketConnectedText(report));
  else if (c.failed > 0) {
    const never = socketsNeverConnected(report) ?? 0;
    const sockets = never > 0 ? `, ${group(never)} of ${group(c.target)} sockets never connected` : '';
    problems.push(`${plural(c.failed, 'connection attempt')} failed${sockets}: ${failureReasonsText(report, String)}`);
  }
  if (mostSocketsDropped(report)) {
    const byCause = Object.entries(report.disconnects.byCause)
      .map(([cause, n]) => `${n} ${cause}`)
      .join(', ');
    problems.push(
      `most sockets dropped: ${plural(report.disconnects.total, 'close')} before the end for ${plural(c.target, 'socket')} (${byCause})`,
    );
  }
  if (deliveredNothing(report)) problems.push(deliveredNothingText(report));
  if (report.fanout.lost > 0) problems.push(lostText(report));
  for (const e of earlyBeyondBound(report)) problems.push(earlyText(e, clockUncertaintyOf(report)));
  if (misrouted(report) > 0)
    problems.push(`${plural(misrouted(report), 'message')} of a topic reached sockets not in that topic (fanout.misrouted)`);
  problems.push(...streamProblems(report));
  if (report.publish.failed > 0) {
    const why = Object.entries(report.publish.failures)
      .map(([reason, n]) => `${n} × ${describePublishFailure(reason)}`)
      .join(', ');
    problems.push(
      `${report.publish.failed} of ${plural(report.publish.sent, 'publish', 'publishes')} to ${report.target.publishUrl ?? '?'} failed: ${why}`,
    );
  }
  if (report.publish.behind === true) {
    problems.push(
      `the publish path did not keep the rate: ${plural(report.publish.queued ?? 0, 'publish', 'publishes')} waited for a request slot (up to ${report.publish.maxQueueMs ?? 0} ms), ` +
        `${report.publish.skipped} never sent; ${publishBlame(reportPublishFigures(report)).cause}`,
    );
  }
  const lost = (report.shards ?? []).filter((s) => s.lost);
  for (const s of lost) {
    const owed = s.fanout?.unconfirmed ?? 0;
    const books =
      owed > 0
        ? `, and the ${owed} ${owed === 1 ? 'delivery' : 'deliveries'} it owed after it ${owed === 1 ? 'is' : 'are'} booked lost, unconfirmed`
        : '';
    problems.push(`shard ${s.name} (${s.host}) lost mid-run (${s.lostReason ?? 'lost'}): its last snapshot is kept${books}`);
  }
  for (const w of report.client.workers) {
    // A lost shard's workers are named once, by the shard.
    if (w.crashed && !(lost.length > 0 && w.crashed.startsWith('agent '))) problems.push(`worker ${w.worker} crashed (${w.crashed})`);
  }
  return problems;
}

/** "2,000 of 6,000 deliveries lost", naming the part a lost worker or shard owed (unconfirmed). */
function lostText(report: Report): string {
  const f = report.fanout;
  const owed = f.unconfirmed ?? 0;
  const parts = [
    owed > 0 ? `${owed} of them unconfirmed: owed by a lost worker or shard after its last snapshot` : '',
    lostReasons(report),
  ].filter((p) => p !== '');
  return `${f.lost} of ${f.expected} deliveries lost${parts.length > 0 ? ` (${parts.join('; ')})` : ''}`;
}

/** Why a threshold failed, in a few words: no data, the clock, or the value. */
function thresholdWhy(t: ThresholdResult): string {
  if (t.noData === true) return 'no data';
  const got = `got ${thresholdValueText(t)}`;
  if (t.clockWrong === true) return `${got}, timed with a wrong clock offset`;
  if (t.slopeUncertainty !== undefined)
    return `${got} ± ${thresholdValueText(t, t.slopeUncertainty)} (95 %)${t.uncertain === true ? ', an interval that reaches the limit' : ''}`;
  if (t.uncertain === true)
    return `${got} ± ${thresholdValueText(t, t.clockUncertaintyMs ?? 0)}, within the clock uncertainty of the limit`;
  return got;
}

/**
 * One line saying how the run went, naming what failed (printed to stderr after every run). A run
 * where no socket connected says only that: its thresholds had nothing to judge.
 */
export function verdictLine(report: Report): string {
  if (noSocketConnected(report) && !report.interrupted)
    return `${noSocketConnectedText(report)}${report.thresholds.length > 0 ? '; thresholds not judged' : ''}`;
  const problems = runProblems(report);
  const failedThresholds = report.thresholds.filter((t) => !t.pass);
  if (failedThresholds.length > 0) {
    const each = failedThresholds.map((t) => `${t.metric} ${t.expression} (${thresholdWhy(t)})`);
    problems.push(`threshold${failedThresholds.length === 1 ? '' : 's'} failed: ${each.join(', ')}`);
  }
  const head = report.interrupted ? `interrupted (${report.interruptReason ?? 'aborted'})` : problems.length > 0 ? 'FAILED' : 'ok';
  // Missed deliveries are no failure of their own (a gate on fanout.missed makes them one), but
  // "ok" beside 45% of sockets dropped must not read as "every subscriber got every message".
  const missed = missedText(report);
  const tail = missed === null ? '' : ` (lost ${group(report.fanout.lost)}, ${missed})`;
  if (problems.length === 0) return `${head}${tail}`;
  // A loss already has its phrase among the problems.
  const missedPart = missed === null ? '' : `; ${report.fanout.lost === 0 ? 'lost 0, ' : ''}${missed}`;
  return `${head}: ${problems.join('; ')}${missedPart}`;
}
