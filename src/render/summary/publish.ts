/** The summary's publish block: requests, failures, the rate kept or not and who held it back. */
import { PUBLISH_METHODS, publishMethodOf } from '../../run/publish-methods/table.js';
import type { Report } from '../../run/report.js';
import { fmtCount, fmtCounts, fmtLatency, newTable } from '../format.js';

export function publish(r: Report, color: boolean): string[] {
  const p = r.publish;
  if (r.scenario.publish === null && p.sent + p.failed + p.skipped === 0) return [];
  const t = newTable(['sent', 'failed', 'queued', 'skipped', 'latency p50', 'latency p99', 'latency max', 'schedule lag p99'], color);
  t.push([
    fmtCount(p.sent),
    fmtCount(p.failed),
    fmtCount(p.queued ?? 0),
    fmtCount(p.skipped),
    fmtLatency(p.latencyMs, 'p50'),
    fmtLatency(p.latencyMs, 'p99'),
    fmtLatency(p.latencyMs, 'max'),
    fmtLatency(p.scheduleLagMs, 'p99'),
  ]);
  // A publisher socket's "latency" is its write (or ack), not an HTTP response: the method's heading says which.
  const out = [publishMethodOf(r.scenario)?.reportTitle ?? PUBLISH_METHODS.http.reportTitle, t.toString()];
  // Latency is net of wsload's own delay; say so where that delay was worth taking out.
  const m = p.measuredLatencyMs;
  if (m && m.count > 0 && m.p99 - p.latencyMs.p99 >= Math.max(1, 0.1 * m.p99)) {
    out.push(
      `  latency: net of wsload's own delay in sending and in handling the answers; as the main thread measured it p99 ${fmtLatency(m, 'p99')}, max ${fmtLatency(m, 'max')}`,
    );
  }
  if (p.failed > 0) out.push(`  failed by reason: ${fmtCounts(p.failures)}`);
  // Without this line "published × sockets" would not add up to expected after an interrupt.
  const aborted = p.aborted ?? 0;
  if (aborted > 0) {
    out.push(
      `  aborted: ${fmtCount(aborted)} still unanswered when the run stopped (not in published); copies of them that arrived count as expected and delivered, none as lost`,
    );
  }
  return out;
}
