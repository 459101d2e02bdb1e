/** The summary's blocks of spread and merged runs: the shards' books, which merged figures are exact. */
import type { Report } from '../../run/report.js';
import { fmtCount, fmtMs } from '../format.js';
import { durationText } from './header.js';

/** On runs spread over processes: each shard, and how much clock uncertainty bounds the latencies. */
export function shards(r: Report): string[] {
  const list = r.shards;
  if (!list || list.length === 0) return [];
  const lines = [
    `Shards (${list.length} processes; peak open ${r.connections.peakOpenUpperBound === true ? 'is an upper bound: the sum of their own peaks' : 'exact, merged by time'})`,
  ];
  for (const s of list) {
    const drift = (s.clockDriftMs ?? 0) > 0 ? `, drift ${fmtMs(s.clockDriftMs ?? 0)}` : '';
    const clock =
      s.clockUncertaintyMs === 0
        ? 'same clock'
        : s.clockUncertaintyMs < 0
          ? 'clock unknown'
          : `clock ${fmtMs(s.clockOffsetMs)} ± ${fmtMs(s.clockUncertaintyMs)}${drift}`;
    lines.push(
      `  ${s.index} ${s.name} (${s.host} pid ${s.pid}): ${fmtCount(s.sockets)} sockets, ${fmtCount(s.opened)} opened, ${fmtCount(s.failed)} failed${shardBooks(s)} · ` +
        `RSS ${fmtCount(Math.round(s.peakRssMb))} MB · lag max ${fmtMs(s.eventLoopLagMs)}${s.saturated ? ' (saturated)' : ''} · ${clock}${s.lost ? ` · LOST${s.lostReason ? ` (${s.lostReason})` : ''}` : ''}`,
    );
  }
  const worst = list.reduce<(typeof list)[number] | null>((w, s) => (s.clockUncertaintyMs > (w?.clockUncertaintyMs ?? 0) ? s : w), null);
  if (worst) lines.push(`  fan-out latency ±${fmtMs(worst.clockUncertaintyMs)} (clock offset uncertainty of ${worst.name})`);
  else lines.push("  fan-out latency exact: every shard shares the coordinator's clock (same host)");
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
export function mergedFigures(r: Report): string[] {
  const m = r.merged;
  if (!m) return [];
  return [
    `Merged from ${m.reports} reports (common window ${durationText(Math.round(m.overlapMs))})`,
    ...m.exact.map((e) => `  exact: ${e}`),
    ...Object.entries(m.estimates).map(([field, why]) => `  estimate: ${field === '*' ? 'every figure' : field} — ${why}`),
  ];
}
