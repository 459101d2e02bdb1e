/** The summary's first blocks: the headline (verdict, target, phases, shapes) and the connections table. */
import { extensionsLine } from '../extensions-text.js';
import { plural } from '../../text/plural.js';
import { describeStages } from '../../run/load-stages.js';
import { formatDuration } from '../../duration.js';
import type { PercentileSet, Report } from '../../run/report.js';
import { fmtCount, fmtCounts, fmtLatency, fmtMs, newTable, type Paint } from '../format.js';
import { noSocketConnected, noSocketConnectedDetail } from '../../report/verdict.js';
import { publishBlame, reportPublishFigures } from '../../report/publish-behind.js';

export function durationText(ms: number): string {
  return ms === 0 ? '0s' : formatDuration(ms);
}

/** The load shapes in words, or null without stages. */
function shapeLine(r: Report): string | null {
  const parts: string[] = [];
  if (r.scenario.stages) parts.push(`stages: ${describeStages(r.scenario.stages)}`);
  const p = r.scenario.publish;
  if (p?.stages) parts.push(`publish stages: ${describeStages(p.stages, p.rate, '/s')}`);
  if (r.connections.rampDownCloses) parts.push(`${fmtCount(r.connections.rampDownCloses)} ramp-down closes by wsload (not disconnects)`);
  return parts.length > 0 ? parts.join(' · ') : null;
}

export function header(r: Report, paint: Paint): string[] {
  const kind = r.target.embedded ? 'embedded target' : 'target';
  const lines = [
    `${paint(`wsload · ${r.scenario.name}`, 'bold')} · ${kind} ${r.target.url}`,
    `${r.startedAt} → ${r.endedAt} · ramp ${durationText(r.phases.rampMs)}, hold ${durationText(r.phases.holdMs)} · ` +
      `${plural(r.scenario.workers, 'worker')} · host ${r.environment.host}`,
  ];
  const shape = shapeLine(r);
  if (shape) lines.push(shape);
  const loud: string[] = [];
  // First: the rest of the summary is empty for this reason, and no threshold or saturation line
  // should be read as the cause.
  if (noSocketConnected(r)) loud.push(`!! NO SOCKET CONNECTED ${noSocketConnectedDetail(r, fmtCount)}; nothing else was measured`);
  if (r.interrupted)
    loud.push(`!! INTERRUPTED${r.interruptReason ? ` (${r.interruptReason})` : ''}: results cover only part of the planned run`);
  if (r.client.saturated) {
    const reasons = r.client.saturationReasons ?? [];
    const why =
      reasons.length > 0
        ? reasons.join('; ')
        : `event-loop lag p99 ${fmtMs(r.client.eventLoopLagMs.p99)}, ${plural(r.publish.skipped, 'publish', 'publishes', fmtCount(r.publish.skipped))} skipped`;
    const cause =
      r.client.saturationCause === 'machine'
        ? ' — this machine was busy (other processes)'
        : r.client.saturationCause === 'wsload'
          ? ' — wsload itself was the bottleneck'
          : '';
    loud.push(`!! CLIENT SATURATED during the hold${cause} (${why}): latencies include the client's own delay`);
  }
  if (r.publish.behind === true) {
    const blame = publishBlame(reportPublishFigures(r));
    loud.push(
      `!! PUBLISH PATH BEHIND: ${fmtCount(r.publish.queued ?? 0)} publishes waited for a request slot (up to ${fmtMs(r.publish.maxQueueMs ?? 0)}), ` +
        `${fmtCount(r.publish.skipped)} never sent; fan-out latency includes that wait. ${blame.wsload ? "wsload's own main thread held the slots, not the publish API" : 'The publish API held the slots'}: ${blame.remedy}`,
    );
  }
  if (r.merged && !r.merged.overlapping)
    loud.push(`!! MERGED RUNS DID NOT OVERLAP IN TIME: the ${r.merged.reports} runs' sums describe different periods`);
  if (r.target.tlsInsecure) loud.push('!! TLS VERIFICATION DISABLED (tls.insecure): certificates were not checked');
  const crashed = r.client.workers.filter((w) => w.crashed !== null);
  for (const w of crashed) loud.push(`!! WORKER ${w.worker} CRASHED (${plural(w.sockets, 'socket')}): ${w.crashed}`);
  return [...lines, ...loud.map((l) => paint(l, 'red'))];
}

export function connections(r: Report, color: boolean): string[] {
  const c = r.connections;
  const first = c.firstOpened ?? Math.max(0, c.opened - r.reconnects.total);
  const t = newTable(['target', 'opened', 'failed', 'peak open', 'open at end', 'handshake p50', 'handshake p99'], color);
  t.push([
    fmtCount(c.target),
    fmtCount(c.opened),
    fmtCount(c.failed),
    fmtCount(c.peakOpen),
    fmtCount(c.openAtEnd),
    fmtLatency(r.handshake.latencyMs, 'p50'),
    fmtLatency(r.handshake.latencyMs, 'p99'),
  ]);
  const out = ['Connections (handshake: first connects, from when each socket was due on the ramp)', t.toString()];
  const reopened = c.reopened ?? 0;
  if (c.opened > first)
    out.push(
      `  opened: ${fmtCount(first)} first connects + ${fmtCount(c.opened - first - reopened)} reconnects${reopened > 0 ? ` + ${fmtCount(reopened)} re-opened by the stages` : ''}`,
    );
  const hs = r.handshake;
  if (hs.queueMs && hs.queueMs.count > 0) {
    const part = (name: string, p: PercentileSet | undefined): string | null =>
      p && p.count > 0 ? `${name} ${fmtLatency(p, 'p99')}` : null;
    const parts = [
      part('queue', hs.queueMs),
      part('dns', hs.dnsMs),
      part('tcp', hs.tcpMs),
      part('tls', hs.tlsMs),
      part('upgrade', hs.upgradeMs),
    ].filter((x): x is string => x !== null);
    out.push(`  handshake p99 by part: ${parts.join(', ')}`);
  }
  if (hs.reconnectMs && hs.reconnectMs.count > 0) {
    out.push(
      `  reconnect handshakes (from when due): p50 ${fmtLatency(hs.reconnectMs, 'p50')}, p99 ${fmtLatency(hs.reconnectMs, 'p99')}, ${fmtCount(hs.reconnectMs.count)} samples`,
    );
  }
  if (c.failed > 0) out.push(`  failed by reason: ${fmtCounts(c.failures)}`);
  const negotiated = extensionsLine(r);
  if (negotiated !== null) out.push(`  ${negotiated}`);
  return out;
}
