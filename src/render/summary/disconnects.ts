/** The summary's disconnect block: closes by cause and cohort, the idle-timeout estimate, drop events. */
import type { CloseCause, DisconnectStats, DropEvent, Report } from '../../run/report.js';
import { fmtCount, fmtCounts, fmtLatency, fmtMs, newTable, type Paint } from '../format.js';

const CAUSES: readonly CloseCause[] = ['connection-lost', 'server-close', 'protocol-error', 'client-close'];

function disconnectRow(name: string, d: DisconnectStats): string[] {
  // Cohort names are user-chosen; a long one must not push the table past 100 columns.
  const shown = name.length > 24 ? `${name.slice(0, 23)}…` : name;
  return [
    shown,
    fmtCount(d.total),
    ...CAUSES.map((c) => fmtCount(d.byCause[c] ?? 0)),
    fmtLatency(d.idleAtCloseMs, 'p50'),
    fmtLatency(d.ageAtCloseMs, 'p50'),
  ];
}

export function disconnects(r: Report, color: boolean, paint: Paint): string[] {
  const d = r.disconnects;
  const out = [
    'Closes and disconnects (idle: since the last frame received; age: since open; both at close)',
    `  closes by code: ${fmtCounts(r.closes.byCode)}`,
  ];
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
  if (d.survivingCohorts.length > 0 && cohorts.length > 1)
    out.push(`  cohorts with no connection-lost closes: ${d.survivingCohorts.join(', ')}`);
  if (d.recommendation) out.push(paint(`  recommendation: ${d.recommendation}`, 'yellow'));
  const rc = r.reconnects;
  out.push(
    `  reconnects: ${fmtCount(rc.total)}` +
      (rc.total > 0 ? ` (down ${fmtMs(rc.downMs)} in total, ${fmtCount(rc.missedPublishes)} publishes missed while down)` : ''),
  );
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
  const out = [
    `  drop events (closes together: a restart, a rollout, a mass drop, an idle-timeout cut): ${fmtCount(events.length)}`,
    t.toString(),
  ];
  if (events.length > EVENT_ROWS) out.push(`  … and ${fmtCount(events.length - EVENT_ROWS)} more in disconnects.events`);
  if (events.slice(0, EVENT_ROWS).some((e) => e.idleTimeoutCut === true)) {
    out.push('  * an idle-timeout cut: only idle sockets closed; sockets active within the timeout stayed open');
  }
  return out;
}
