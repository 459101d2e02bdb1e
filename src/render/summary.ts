/** The terminal summary of a finished run (printed after `wsload run` and by `wsload report`). */
import { latencyCells, latencyHead } from './latency-cells.js';
import { plural } from '../text/plural.js';
import { describeStages } from '../run/load-stages.js';
import { PUBLISH_METHODS, publishMethodOf } from '../run/publish-methods/table.js';
import { formatDuration } from '../duration.js';
import type { CloseCause, DisconnectStats, DropEvent, PercentileSet, Report } from '../run/report.js';
import { fmtCount, fmtCounts, fmtLatency, fmtMs, fmtPct, newTable, painter, wrap, type Paint } from './format.js';
import { thresholdActualText } from './threshold-text.js';
import { memoryTrendText } from './memory-text.js';
import { observeSummary } from './observe-text.js';
import { streamSection } from './stream-summary.js';
import { earlyBeyondBound } from '../report/clock-bound.js';
import { lostReasons, noSocketConnected, noSocketConnectedDetail } from '../report/verdict.js';
import { publishBlame, reportPublishFigures } from '../report/publish-behind.js';

/** Options of renderSummary. */
export interface SummaryOptions {
  /** ANSI colour; off by default so the output is plain text unless a TTY asks for it. */
  color?: boolean;
}

const CAUSES: readonly CloseCause[] = ['connection-lost', 'server-close', 'protocol-error', 'client-close'];

function durationText(ms: number): string {
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

function header(r: Report, paint: Paint): string[] {
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
  if (r.interrupted) loud.push(`!! INTERRUPTED${r.interruptReason ? ` (${r.interruptReason})` : ''}: results cover only part of the planned run`);
  if (r.client.saturated) {
    const reasons = r.client.saturationReasons ?? [];
    const why = reasons.length > 0 ? reasons.join('; ') : `event-loop lag p99 ${fmtMs(r.client.eventLoopLagMs.p99)}, ${plural(r.publish.skipped, 'publish', 'publishes', fmtCount(r.publish.skipped))} skipped`;
    const cause = r.client.saturationCause === 'machine' ? ' — this machine was busy (other processes)' : r.client.saturationCause === 'wsload' ? ' — wsload itself was the bottleneck' : '';
    loud.push(`!! CLIENT SATURATED during the hold${cause} (${why}): latencies include the client's own delay`);
  }
  if (r.publish.behind === true) {
    const blame = publishBlame(reportPublishFigures(r));
    loud.push(
      `!! PUBLISH PATH BEHIND: ${fmtCount(r.publish.queued ?? 0)} publishes waited for a request slot (up to ${fmtMs(r.publish.maxQueueMs ?? 0)}), ` +
        `${fmtCount(r.publish.skipped)} never sent; fan-out latency includes that wait. ${blame.wsload ? "wsload's own main thread held the slots, not the publish API" : 'The publish API held the slots'}: ${blame.remedy}`,
    );
  }
  if (r.merged && !r.merged.overlapping) loud.push(`!! MERGED RUNS DID NOT OVERLAP IN TIME: the ${r.merged.reports} runs' sums describe different periods`);
  if (r.target.tlsInsecure) loud.push('!! TLS VERIFICATION DISABLED (tls.insecure): certificates were not checked');
  const crashed = r.client.workers.filter((w) => w.crashed !== null);
  for (const w of crashed) loud.push(`!! WORKER ${w.worker} CRASHED (${plural(w.sockets, 'socket')}): ${w.crashed}`);
  return [...lines, ...loud.map((l) => paint(l, 'red'))];
}

function connections(r: Report, color: boolean): string[] {
  const c = r.connections;
  const first = c.firstOpened ?? Math.max(0, c.opened - r.reconnects.total);
  const t = newTable(['target', 'opened', 'failed', 'peak open', 'open at end', 'handshake p50', 'handshake p99'], color);
  t.push([fmtCount(c.target), fmtCount(c.opened), fmtCount(c.failed), fmtCount(c.peakOpen), fmtCount(c.openAtEnd), fmtLatency(r.handshake.latencyMs, 'p50'), fmtLatency(r.handshake.latencyMs, 'p99')]);
  const out = ['Connections (handshake: first connects, from when each socket was due on the ramp)', t.toString()];
  const reopened = c.reopened ?? 0;
  if (c.opened > first) out.push(`  opened: ${fmtCount(first)} first connects + ${fmtCount(c.opened - first - reopened)} reconnects${reopened > 0 ? ` + ${fmtCount(reopened)} re-opened by the stages` : ''}`);
  const hs = r.handshake;
  if (hs.queueMs && hs.queueMs.count > 0) {
    const part = (name: string, p: PercentileSet | undefined): string | null => (p && p.count > 0 ? `${name} ${fmtLatency(p, 'p99')}` : null);
    const parts = [part('queue', hs.queueMs), part('dns', hs.dnsMs), part('tcp', hs.tcpMs), part('tls', hs.tlsMs), part('upgrade', hs.upgradeMs)].filter((x): x is string => x !== null);
    out.push(`  handshake p99 by part: ${parts.join(', ')}`);
  }
  if (hs.reconnectMs && hs.reconnectMs.count > 0) {
    out.push(`  reconnect handshakes (from when due): p50 ${fmtLatency(hs.reconnectMs, 'p50')}, p99 ${fmtLatency(hs.reconnectMs, 'p99')}, ${fmtCount(hs.reconnectMs.count)} samples`);
  }
  if (c.failed > 0) out.push(`  failed by reason: ${fmtCounts(c.failures)}`);
  return out;
}

function fanout(r: Report, color: boolean, paint: Paint): string[] {
  const f = r.fanout;
  // Another run's pushes arrive whether or not this one publishes: an idle run on a shared target sees them too.
  if (r.scenario.publish === null && f.published === 0) {
    // The server's own stream has no publishes to fan out: its section says what arrived.
    if (r.stream) return [];
    return ['Fan-out', '  no publishing in this scenario (publish is not set)', ...strayMessages(f)];
  }
  const lostPct = f.expected === 0 ? 0 : (100 * f.lost) / f.expected;
  const lost = f.lost > 0 ? paint(`${fmtCount(f.lost)} (${fmtPct(lostPct)})`, 'red') : '0';
  const counts = newTable(['published', 'expected', 'delivered', 'lost', 'duplicated', 'out of order', 'late', 'incomplete'], color);
  counts.push([fmtCount(f.published), fmtCount(f.expected), fmtCount(f.delivered), lost, fmtCount(f.duplicated), fmtCount(f.outOfOrder), fmtCount(f.late), fmtCount(f.incomplete)]);
  const l = f.latencyMs;
  const lat = newTable(latencyHead('latency'), color);
  lat.push(['fan-out', ...latencyCells(l)]);
  const turn = r.client.turnMs;
  // Beside fan-out: the part of it that is wsload handling one burst, not network or target.
  if (turn && turn.count > 0) lat.push(['client turn', ...latencyCells(turn)]);
  // Beside the received-only figures: every expected delivery, lost and never-sent ones counted (a lower bound at the deadline).
  const cen = f.censored;
  const censored = cen && (cen.lost > 0 || cen.unsentDeliveries > 0) ? cen : null;
  if (censored) {
    lat.push(['all expected', ...latencyCells(censored.latencyMs, censored.deadlineMs)]);
  }
  const cp = f.completionMs;
  lat.push(['completion', ...latencyCells(cp)]);
  const out = ['Fan-out (publish scheduled → message received)', counts.toString(), lat.toString()];
  if (censored) {
    const unsent = censored.unsentPublishes > 0 ? ` and ${fmtCount(censored.unsentDeliveries)} of ${fmtCount(censored.unsentPublishes)} publishes never sent (at their wait)` : '';
    out.push(`  all expected: received deliveries with ${fmtCount(censored.lost)} lost (at the ${fmtMs(censored.deadlineMs)} deadline)${unsent}; ≥ marks a lower bound`);
  }
  if (turn && turn.count > 0) out.push('  client turn: time a worker spent handling one burst of messages (one event-loop turn); the rest of fan-out is network and target');
  if (f.lost > 0) out.push(`  lost: ${lostReasons(r, fmtCount)}`);
  if (f.incomplete > 0) {
    const deadline = r.scenario.publish?.deadlineMs;
    out.push(`  completion: ${fmtCount(cp.count)} publishes, ${fmtCount(f.incomplete)} incomplete counted at the deadline (${deadline !== undefined ? `${fmtMs(deadline)}, ` : ''}publish.deadline)`);
  }
  if (f.unmatched > 0) out.push(`  ${fmtCount(f.unmatched)} messages carried no recognisable sequence number (${matchRuleText(r)})`);
  out.push(...strayMessages(f));
  if ((f.misrouted ?? 0) > 0) out.push(paint(`  ${fmtCount(f.misrouted ?? 0)} messages of a topic reached sockets not in that topic (misrouted: not delivered, not lost)`, 'red'));
  out.push(...bookLines(r, paint));
  out.push(...topicTable(f, color, paint));
  out.push(...cohortFanoutTable(r, color));
  return out;
}

/** Fan-out latency per cohort (fanout.byCohort, runs of two cohorts or more): is one cohort slower? */
function cohortFanoutTable(r: Report, color: boolean): string[] {
  const cohorts = Object.entries(r.fanout.byCohort ?? {});
  // Nothing published (or a server stream's run): no fan-out to split.
  if (r.stream || cohorts.every(([, s]) => s.latencyMs.count === 0)) return [];
  const t = newTable(['cohort', 'sockets', 'deliveries', 'p50', 'p90', 'p99', 'max'], color);
  for (const [name, s] of cohorts) {
    const shown = name.length > 24 ? `${name.slice(0, 23)}…` : name;
    const sockets = r.connections.openedByCohort?.[name];
    t.push([shown, sockets === undefined ? '-' : fmtCount(sockets), fmtCount(s.latencyMs.count), fmtLatency(s.latencyMs, 'p50'), fmtLatency(s.latencyMs, 'p90'), fmtLatency(s.latencyMs, 'p99'), fmtLatency(s.latencyMs, 'max')]);
  }
  return ['  fan-out by cohort', t.toString()];
}

/** What the books hold that is not exact or not a measurement: unconfirmed losses, early receipts, the clock's bound. */
function bookLines(r: Report, paint: Paint): string[] {
  const f = r.fanout;
  const out: string[] = [];
  const unconfirmed = f.unconfirmed ?? 0;
  if (unconfirmed > 0) {
    out.push(paint(`  lost includes ${fmtCount(unconfirmed)} unconfirmed: owed by a lost worker or shard after its last snapshot (nobody saw whether they arrived; an upper bound)`, 'red'));
  }
  const early = f.early ?? 0;
  if (early > 0) {
    const beyond = earlyBeyondBound(r).length > 0;
    const what = beyond ? 'the clock offset in use was wrong: latency is not a measurement' : 'within the clock uncertainty, recorded at 0 ms';
    out.push(paint(`  ${fmtCount(early)} deliveries came before their scheduled time, up to ${fmtMs(f.earlyMaxMs ?? 0)} early (${what})`, beyond ? 'red' : 'yellow'));
  }
  return out;
}

/** Topics shown in the summary at most; the rest are counted, worst (most lost, then slowest p99) first. */
export const SUMMARY_TOPICS_MAX = 10;

/** The per-topic table: every topic when few, else the worst SUMMARY_TOPICS_MAX by loss then p99. */
function topicTable(f: Report['fanout'], color: boolean, paint: Paint): string[] {
  const topics = Object.entries(f.byTopic ?? {});
  if (topics.length === 0) return [];
  const shown = topics.length <= SUMMARY_TOPICS_MAX ? topics : [...topics].sort((a, b) => b[1].lost - a[1].lost || b[1].latencyMs.p99 - a[1].latencyMs.p99).slice(0, SUMMARY_TOPICS_MAX);
  // Late and duplicated copies are in the report; the table keeps to 100 columns.
  const t = newTable(['topic', 'sockets', 'publ.', 'expected', 'delivered', 'lost', 'p50', 'p99', 'compl. p99'], color);
  for (const [name, s] of shown) {
    const lost = s.lost > 0 ? paint(fmtCount(s.lost), 'red') : '0';
    const cp = s.completionMs;
    t.push([name.length > 16 ? `${name.slice(0, 15)}…` : name, fmtCount(s.sockets), fmtCount(s.published), fmtCount(s.expected), fmtCount(s.delivered), lost, fmtLatency(s.latencyMs, 'p50'), fmtLatency(s.latencyMs, 'p99'), cp ? fmtLatency(cp, 'p99') : '-']);
  }
  const hidden = topics.length - shown.length;
  const title = hidden > 0 ? `  by topic: the ${shown.length} worst of ${topics.length} (most lost, then highest p99); ${hidden} more in the report (fanout.byTopic)` : '  by topic';
  return [title, t.toString()];
}

/** Where the run looked for the sequence number, so an unmatched count points at the rule to fix. */
function matchRuleText(r: Report): string {
  const p = r.scenario.publish;
  if (p === null) return 'publish.match';
  const by = p.matchBy === 'pointer' ? 'JSON pointer ' : p.matchBy === 'regex' ? 'regex ' : 'top-level field ';
  const binary = p.binary === 'unmatched' ? '; binary frames unread (publish.binary)' : '';
  return `publish.match: ${by}${JSON.stringify(p.match)}${binary}`;
}

/** Messages that were not this run's deliveries: another run's, or this run's with the wrong id. */
function strayMessages(f: Report['fanout']): string[] {
  const out: string[] = [];
  if ((f.foreign ?? 0) > 0) out.push(`  ${fmtCount(f.foreign ?? 0)} messages of another run against the same target (another run tag), counted apart`);
  if ((f.idMismatch ?? 0) > 0) out.push(`  ${fmtCount(f.idMismatch ?? 0)} messages carried another id than their publish sent (not counted delivered)`);
  return out;
}

function publish(r: Report, color: boolean): string[] {
  const p = r.publish;
  if (r.scenario.publish === null && p.sent + p.failed + p.skipped === 0) return [];
  const t = newTable(['sent', 'failed', 'queued', 'skipped', 'latency p50', 'latency p99', 'latency max', 'schedule lag p99'], color);
  t.push([fmtCount(p.sent), fmtCount(p.failed), fmtCount(p.queued ?? 0), fmtCount(p.skipped), fmtLatency(p.latencyMs, 'p50'), fmtLatency(p.latencyMs, 'p99'), fmtLatency(p.latencyMs, 'max'), fmtLatency(p.scheduleLagMs, 'p99')]);
  // A publisher socket's "latency" is its write (or ack), not an HTTP response: the method's heading says which.
  const out = [publishMethodOf(r.scenario)?.reportTitle ?? PUBLISH_METHODS.http.reportTitle, t.toString()];
  // Latency is net of wsload's own delay; say so where that delay was worth taking out.
  const m = p.measuredLatencyMs;
  if (m && m.count > 0 && m.p99 - p.latencyMs.p99 >= Math.max(1, 0.1 * m.p99)) {
    out.push(`  latency: net of wsload's own delay in sending and in handling the answers; as the main thread measured it p99 ${fmtLatency(m, 'p99')}, max ${fmtLatency(m, 'max')}`);
  }
  if (p.failed > 0) out.push(`  failed by reason: ${fmtCounts(p.failures)}`);
  return out;
}

function disconnectRow(name: string, d: DisconnectStats): string[] {
  // Cohort names are user-chosen; a long one must not push the table past 100 columns.
  const shown = name.length > 24 ? `${name.slice(0, 23)}…` : name;
  return [shown, fmtCount(d.total), ...CAUSES.map((c) => fmtCount(d.byCause[c] ?? 0)), fmtLatency(d.idleAtCloseMs, 'p50'), fmtLatency(d.ageAtCloseMs, 'p50')];
}

function disconnects(r: Report, color: boolean, paint: Paint): string[] {
  const d = r.disconnects;
  const out = ['Closes and disconnects (idle: since the last frame received; age: since open; both at close)', `  closes by code: ${fmtCounts(r.closes.byCode)}`];
  const t = newTable(['cohort', 'closes', 'conn. lost', 'server', 'protocol', 'client', 'idle p50', 'age p50'], color);
  const cohorts = Object.entries(d.byCohort);
  for (const [name, stats] of cohorts) t.push(disconnectRow(name, stats));
  if (cohorts.length !== 1) t.push(disconnectRow('all', d));
  out.push(t.toString());
  if (Object.keys(d.byError).length > 0) out.push(`  errors at close: ${fmtCounts(d.byError)}`);
  out.push(...dropEvents(d.events, color));
  if (d.idleTimeout) {
    const e = d.idleTimeout;
    out.push(
      paint(
        `  idle timeout estimate: ${fmtMs(e.estimateMs)} ± ${fmtMs(e.spreadMs / 2)} (cohort ${e.cohort}, ${fmtCount(e.samples)} connection-lost closes)`,
        'yellow',
      ),
    );
  } else if (d.idleTimeoutNote) {
    out.push(`  idle timeout estimate: none (${d.idleTimeoutNote})`);
  }
  if (d.survivingCohorts.length > 0 && cohorts.length > 1) out.push(`  cohorts with no connection-lost closes: ${d.survivingCohorts.join(', ')}`);
  if (d.recommendation) out.push(paint(`  recommendation: ${d.recommendation}`, 'yellow'));
  const rc = r.reconnects;
  out.push(`  reconnects: ${fmtCount(rc.total)}` + (rc.total > 0 ? ` (down ${fmtMs(rc.downMs)} in total, ${fmtCount(rc.missedPublishes)} publishes missed while down)` : ''));
  return out;
}

/** Rows shown in the terminal; the report lists every event. */
const EVENT_ROWS = 10;

function dropEvents(events: readonly DropEvent[] | undefined, color: boolean): string[] {
  if (events === undefined || events.length === 0) return [];
  const t = newTable(['start (UTC)', 'lasted', 'closes', 'conn. lost', 'server', 'client', 'open → lowest', 'back after'], color);
  for (const e of events.slice(0, EVENT_ROWS)) {
    const clientSide = (e.byCause['client-close'] ?? 0) + (e.byCause['protocol-error'] ?? 0);
    t.push([
      e.startedAt.slice(11, 23) + (e.idleTimeoutCut === true ? '*' : ''),
      fmtMs(e.endMs - e.startMs),
      fmtCount(e.count),
      fmtCount(e.byCause['connection-lost'] ?? 0),
      fmtCount(e.byCause['server-close'] ?? 0),
      fmtCount(clientSide),
      `${fmtCount(e.openBefore)} → ${fmtCount(e.lowestOpen)}`,
      e.recoveryMs === null ? 'not back' : fmtMs(e.recoveryMs),
    ]);
  }
  const out = [`  drop events (closes together: a restart, a rollout, a mass drop, an idle-timeout cut): ${fmtCount(events.length)}`, t.toString()];
  if (events.length > EVENT_ROWS) out.push(`  … and ${fmtCount(events.length - EVENT_ROWS)} more in disconnects.events`);
  if (events.slice(0, EVENT_ROWS).some((e) => e.idleTimeoutCut === true)) {
    out.push('  * an idle-timeout cut: only idle sockets closed; sockets active within the timeout stayed open');
  }
  return out;
}

function client(r: Report): string[] {
  const c = r.client;
  const env = r.environment;
  const limits = [
    env.openFilesLimit !== null ? `open files limit ${fmtCount(env.openFilesLimit)}` : null,
    env.ephemeralPorts !== null ? `ephemeral ports ${fmtCount(env.ephemeralPorts)}` : null,
  ].filter((x): x is string => x !== null);
  const busy = c.workers.map((w) => w.utilization).filter((u): u is number => u !== undefined);
  const main = c.mainThreadLagMs ? ` · main thread p99 ${fmtMs(c.mainThreadLagMs.p99)}, max ${fmtMs(c.mainThreadLagMs.max)}` : '';
  // A share of a hold that never took place (no socket connected) is no figure.
  const load = busy.length > 0 && r.phases.holdMs > 0 ? ` · workers busy up to ${Math.round(Math.max(...busy) * 100)}% of the hold` : '';
  return [
    'Client (during the hold)',
    `  worker event-loop lag p99 ${fmtMs(c.eventLoopLagMs.p99)}, max ${fmtMs(c.eventLoopLagMs.max)}${main}${load} · ` +
      `publish schedule lag p99 ${fmtLatency(r.publish.scheduleLagMs, 'p99')}`,
    `  peak RSS ${fmtCount(c.peakRssMb)} MB · ${plural(c.workers.length, 'worker')}${limits.length > 0 ? ` · ${limits.join(', ')}` : ''}`,
    ...(c.memory ? [`  memory ${memoryTrendText(c.memory)}`] : []),
  ];
}

function thresholds(r: Report, color: boolean, paint: Paint): string[] {
  if (r.thresholds.length === 0) return [];
  const t = newTable(['threshold', 'expression', 'actual', 'result'], color);
  if (noSocketConnected(r) && !r.interrupted) {
    // Every one would read "no data" or count the failed attempts: the run's failure is the connection.
    for (const th of r.thresholds) t.push([th.metric, th.expression, '–', paint('not judged', 'red')]);
    return ['Thresholds', t.toString(), `  ${paint('not judged: no socket connected', 'red')}`];
  }
  for (const th of r.thresholds) {
    t.push([th.metric, th.expression, thresholdActualText(th), th.pass ? paint('pass', 'green') : paint('FAIL', 'red')]);
  }
  const failed = r.thresholds.filter((th) => !th.pass).length;
  const verdict = failed === 0 ? paint('all thresholds passed', 'green') : paint(`${failed} of ${r.thresholds.length} thresholds FAILED`, 'red');
  return ['Thresholds', t.toString(), `  ${verdict}`];
}

/** On runs spread over processes: each shard, and how much clock uncertainty bounds the latencies. */
function shards(r: Report): string[] {
  const list = r.shards;
  if (!list || list.length === 0) return [];
  const lines = [`Shards (${list.length} processes; peak open ${r.connections.peakOpenUpperBound === true ? 'is an upper bound: the sum of their own peaks' : 'exact, merged by time'})`];
  for (const s of list) {
    const drift = (s.clockDriftMs ?? 0) > 0 ? `, drift ${fmtMs(s.clockDriftMs ?? 0)}` : '';
    const clock = s.clockUncertaintyMs === 0 ? 'same clock' : s.clockUncertaintyMs < 0 ? 'clock unknown' : `clock ${fmtMs(s.clockOffsetMs)} ± ${fmtMs(s.clockUncertaintyMs)}${drift}`;
    lines.push(
      `  ${s.index} ${s.name} (${s.host} pid ${s.pid}): ${fmtCount(s.sockets)} sockets, ${fmtCount(s.opened)} opened, ${fmtCount(s.failed)} failed${shardBooks(s)} · ` +
        `RSS ${fmtCount(Math.round(s.peakRssMb))} MB · lag max ${fmtMs(s.eventLoopLagMs)}${s.saturated ? ' (saturated)' : ''} · ${clock}${s.lost ? ` · LOST${s.lostReason ? ` (${s.lostReason})` : ''}` : ''}`,
    );
  }
  const worst = list.reduce<(typeof list)[number] | null>((w, s) => (s.clockUncertaintyMs > (w?.clockUncertaintyMs ?? 0) ? s : w), null);
  if (worst) lines.push(`  fan-out latency ±${fmtMs(worst.clockUncertaintyMs)} (clock offset uncertainty of ${worst.name})`);
  else lines.push('  fan-out latency exact: every shard shares the coordinator\'s clock (same host)');
  return lines;
}

/** A shard's delivery books, when it has any: ", 2,000 of 2,500 delivered, 500 lost (480 unconfirmed), 3 early". */
function shardBooks(s: NonNullable<Report['shards']>[number]): string {
  const f = s.fanout;
  if (!f || f.expected + f.delivered === 0) return '';
  const unconfirmed = f.unconfirmed > 0 ? ` (${fmtCount(f.unconfirmed)} unconfirmed)` : '';
  const early = f.early > 0 ? `, ${fmtCount(f.early)} early` : '';
  return `, ${fmtCount(f.delivered)} of ${fmtCount(f.expected)} delivered, ${fmtCount(f.lost)} lost${unconfirmed}${early}`;
}

/** On merged reports: which figures are exact and which are estimates, field by field. */
function mergedFigures(r: Report): string[] {
  const m = r.merged;
  if (!m) return [];
  return [
    `Merged from ${m.reports} reports (common window ${durationText(Math.round(m.overlapMs))})`,
    ...m.exact.map((e) => `  exact: ${e}`),
    ...Object.entries(m.estimates).map(([field, why]) => `  estimate: ${field === '*' ? 'every figure' : field} — ${why}`),
  ];
}

function warnings(r: Report, paint: Paint): string[] {
  if (r.warnings.length === 0) return [];
  return ['Warnings', ...r.warnings.map((w) => paint(`  - ${w}`, 'yellow'))];
}

/** The run summary as text: headline, tables per area, thresholds, warnings. Fits 100 columns. */
export function renderSummary(report: Report, opts: SummaryOptions = {}): string {
  const color = opts.color ?? false;
  const paint = painter(color);
  const sections = [
    header(report, paint),
    connections(report, color),
    fanout(report, color, paint),
    streamSection(report, color, paint),
    publish(report, color),
    disconnects(report, color, paint),
    client(report),
    observeSummary(report),
    thresholds(report, color, paint),
    shards(report),
    mergedFigures(report),
    warnings(report, paint),
  ].filter((s) => s.length > 0);
  // Tables are laid out by cli-table3; free text is wrapped so the whole fits 100 columns.
  const text = (line: string): string => (line.includes('\n') ? line : wrap(line));
  return sections.map((s) => s.map(text).join('\n')).join('\n\n') + '\n';
}
