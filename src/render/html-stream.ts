/** A server-originated stream (publish.source "server") in the HTML report: its figures where fan-out's would be. */
import { shownPercentilesRow } from './latency-cells.js';
import type { StreamStats } from '../run/report.js';
import { fmtCount, fmtLatency } from './format.js';

/** Summary rows about publishes, meaningless when the server published: replaced by the stream's. */
const PUBLISH_ROW = /^(published|lost \/|fan-out|completion|publish )/;

/** The headline rows with the fan-out and publish rows replaced by the stream's (after the handshake row). */
export function withStreamRows(rows: readonly [string, string][], s: StreamStats): [string, string][] {
  const kept = rows.filter(([k]) => !PUBLISH_ROW.test(k));
  const at = Math.max(0, kept.findIndex(([k]) => k.startsWith('handshake')) + 1);
  const stream: [string, string][] = [
    ['stream messages / unmatched', `${fmtCount(s.messages)} / ${fmtCount(s.unmatched)}`],
    [
      'stream gaps / missing / duplicated / out of order',
      `${fmtCount(s.gaps)} / ${fmtCount(s.missing)} / ${fmtCount(s.duplicated)} / ${fmtCount(s.outOfOrder)}`,
    ],
    shownPercentilesRow('stream staleness', s.stalenessMs),
    [
      'stamped after receipt (clock ahead)',
      `${fmtCount(s.negative)}${s.negative > 0 ? ` (up to ${s.aheadMaxMs} ms${(s.ahead ?? 0) > 0 ? `; ${fmtCount(s.ahead ?? 0)} more than 10 ms ahead: staleness unknown` : ''})` : ''}`,
    ],
    ...((s.staleCapped ?? 0) > 0
      ? [['stamped more than 365 days before receipt (counted as 365 days)', fmtCount(s.staleCapped ?? 0)] as [string, string]]
      : []),
    ['clock caveat', s.clockCaveat],
  ];
  return [...kept.slice(0, at), ...stream, ...kept.slice(at)];
}

/** The two tiles that stand for fan-out (delivered, fan-out p99) in a stream run. */
export function streamTiles(s: StreamStats, tile: (key: string, value: string, sub: string, bad?: boolean) => string): string[] {
  return [
    tile(
      'stream messages',
      fmtCount(s.messages),
      `missing ${fmtCount(s.missing)} in ${fmtCount(s.gaps)} gaps · dup ${fmtCount(s.duplicated)}`,
      s.missing > 0,
    ),
    tile(
      'staleness p99',
      fmtLatency(s.stalenessMs, 'p99'),
      `p50 ${fmtLatency(s.stalenessMs, 'p50')} · clock ahead ${fmtCount(s.negative)}×`,
    ),
  ];
}
