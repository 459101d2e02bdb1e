/**
 * The verdict banner at the top of the HTML report: how the run went in one word (the same
 * outcome as the run's exit code) and every reason, so a reader needs no further scrolling to know
 * whether to worry.
 */
import { lookupMetric } from '../metrics/names.js';
import { describeFailure } from '../metrics/classify.js';
import {
  deliveredNothing,
  deliveredNothingText,
  lostReasons,
  missedText,
  mostSocketsDropped,
  noSocketConnected,
  noSocketConnectedText,
  runExitCode,
  socketsNeverConnected,
  streamProblems,
} from '../report/verdict.js';
import type { Report, ThresholdResult } from '../run/report.js';
import { fmtCount, fmtCounts, fmtMs, fmtPct } from './format.js';
import { t } from './html-page.js';
import { publishBlame, reportPublishFigures } from '../report/publish-behind.js';

/** A threshold's measured value as the report shows it ("no data" when it had no samples). */
export function thresholdActual(th: ThresholdResult): string {
  if (th.noData === true) return 'no data';
  if (th.expression.includes('%')) return fmtPct(th.actual);
  return lookupMetric(th.metric)?.unit === 'ms' ? fmtMs(th.actual) : fmtCount(th.actual);
}

/** The run's own failures (what makes it exit 1), one sentence each. */
export function failureReasons(r: Report): string[] {
  const out: string[] = [];
  const c = r.connections;
  if (noSocketConnected(r)) out.push(`${noSocketConnectedText(r, fmtCount)}: nothing else was measured, and thresholds were not judged`);
  else if (c.failed > 0) {
    const never = socketsNeverConnected(r) ?? 0;
    const why = Object.entries(c.failures)
      .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
      .map(([reason, k]) => `${fmtCount(k ?? 0)} ${describeFailure(reason)}`)
      .join(', ');
    const sockets = never > 0 ? `, ${fmtCount(never)} of ${fmtCount(c.target)} sockets never connected` : '';
    out.push(`${fmtCount(c.failed)} connection attempt${c.failed === 1 ? '' : 's'} failed${sockets} (connections.failed): ${why}`);
  }
  if (r.fanout.lost > 0) {
    const pct = r.fanout.expected > 0 ? ` (${fmtPct((100 * r.fanout.lost) / r.fanout.expected)})` : '';
    out.push(
      `${fmtCount(r.fanout.lost)} of ${fmtCount(r.fanout.expected)} deliveries lost${pct}: ${lostReasons(r, fmtCount)} (fanout.lost)`,
    );
  }
  if (r.publish.failed > 0)
    out.push(
      `${fmtCount(r.publish.failed)} of ${fmtCount(r.publish.sent)} publishes failed (publish.failed): ${fmtCounts(r.publish.failures)}`,
    );
  if (r.publish.behind === true) {
    out.push(
      `the publish path did not keep the rate (publish.behind): ${fmtCount(r.publish.skipped)} publishes never sent; ${publishBlame(reportPublishFigures(r)).cause}`,
    );
  }
  for (const w of r.client.workers) if (w.crashed !== null) out.push(`worker ${w.worker} crashed: ${w.crashed}`);
  if (mostSocketsDropped(r))
    out.push(
      `most sockets dropped: ${fmtCount(r.disconnects.total)} closes before the end for ${fmtCount(c.target)} sockets (${fmtCounts(r.disconnects.byCause)})`,
    );
  if (deliveredNothing(r)) out.push(deliveredNothingText(r, fmtCount));
  out.push(...streamProblems(r));
  return out;
}

/** The banner: OK, FAILED, THRESHOLDS FAILED or INTERRUPTED, with the reasons. */
export function verdictBanner(r: Report): string {
  const failedThresholds = r.thresholds.filter((th) => !th.pass);
  const failures = failureReasons(r);
  const code = runExitCode(r);
  const none = noSocketConnected(r) && !r.interrupted;
  const [cls, head] = r.interrupted
    ? ['interrupted', `INTERRUPTED (${r.interruptReason ?? 'aborted'})`]
    : none
      ? ['failed', 'NO SOCKET CONNECTED']
      : failedThresholds.length > 0
        ? ['thresholds', `THRESHOLDS FAILED · ${failedThresholds.length} of ${r.thresholds.length}`]
        : failures.length > 0
          ? ['failed', 'FAILED']
          : ['ok', 'OK'];
  const items: string[] = [];
  // With no socket connected every threshold reads "no data": the one reason is the connection.
  for (const th of none ? [] : failedThresholds)
    items.push(`threshold <b>${t(th.metric)} ${t(th.expression)}</b> failed: actual ${t(thresholdActual(th))}`);
  for (const f of failures) items.push(t(f));
  if (r.interrupted) items.push('the run was stopped early: results cover only part of the planned run');
  if (items.length === 0) {
    const n = r.thresholds.length;
    const passed = n === 0 ? 'no thresholds set; ' : n === 1 ? 'the threshold passed; ' : `all ${n} thresholds passed; `;
    // A server stream has no publishes: its loss is missing sequence numbers.
    const clean = r.stream
      ? 'no failed connections or missing stream messages'
      : 'no failed connections, lost deliveries or failed publishes';
    items.push(t(`${passed}${clean}`));
  }
  // Not a failure unless gated (fanout.missed), but an OK must not hide it.
  const missed = missedText(r, fmtCount);
  if (missed !== null) items.push(t(`lost ${fmtCount(r.fanout.lost)}, ${missed} (fanout.missed)`));
  return `<div class="verdict ${cls}" data-exit-code="${code}"><div class="head">${t(head)}</div><ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul></div>`;
}
