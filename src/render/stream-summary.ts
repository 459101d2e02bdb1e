/** The summary's section of a server-originated stream (publish.source "server"). */
import type { Report } from '../run/report.js';
import { AHEAD_TOLERANCE_MS } from '../run/stream-counters.js';
import { STREAM_JUDGED_FLOOR, streamJudged, streamJudgedEnough } from '../report/stream-caveat.js';
import { fmtCount, fmtMs, newTable, type Paint } from './format.js';
import { latencyCells, latencyHead } from './latency-cells.js';

/** Lines of the stream section; empty when the run measured no server stream. */
export function streamSection(r: Report, color: boolean, paint: Paint): string[] {
  const s = r.stream;
  if (!s) return [];
  const stream = r.scenario.stream;
  const red = (n: number): string => (n > 0 ? paint(fmtCount(n), 'red') : '0');
  const counts = newTable(['messages', 'gaps', 'missing', 'duplicated', 'out of order', 'unmatched', 'clock ahead'], color);
  counts.push([
    fmtCount(s.messages),
    red(s.gaps),
    red(s.missing),
    red(s.duplicated),
    red(s.outOfOrder),
    fmtCount(s.unmatched),
    fmtCount(s.negative),
  ]);
  const out = ['Server stream (the service publishes; per socket, by its own sequence and timestamp)', counts.toString()];
  const l = s.stalenessMs;
  if (l.count > 0) {
    const lat = newTable(latencyHead('staleness'), color);
    lat.push(['received − stamped', ...latencyCells(l)]);
    out.push(lat.toString());
  }
  if (stream && stream.sequence === null) out.push('  no publish.sequence: gaps, duplicates and order not judged');
  if (stream && stream.timestamp === null) out.push('  no publish.timestamp: staleness not measured');
  const ahead = s.ahead ?? 0;
  // Older reports counted every message stamped ahead as staleness 0.
  const nearlyFresh = s.ahead === undefined ? s.negative : s.negative - ahead;
  if (nearlyFresh > 0)
    out.push(
      paint(
        `  ${fmtCount(nearlyFresh)} messages were stamped after they arrived (counted as staleness 0): the service's clock runs ahead`,
        'yellow',
      ),
    );
  if (ahead > 0) {
    out.push(
      paint(
        `  ${fmtCount(ahead)} messages were stamped more than ${AHEAD_TOLERANCE_MS} ms after they arrived (up to ${fmtMs(s.aheadMaxMs)}): ` +
          "their staleness is unknown and not in the figures: the service's clock runs ahead",
        'yellow',
      ),
    );
  }
  if ((s.staleCapped ?? 0) > 0)
    out.push(
      paint(
        `  ${fmtCount(s.staleCapped ?? 0)} messages were stamped more than 365 days before they arrived (counted as 365 days)`,
        'yellow',
      ),
    );
  if (!streamJudgedEnough(s)) {
    const { judged, received } = streamJudged(s);
    out.push(
      paint(
        `  only ${fmtCount(judged)} of ${fmtCount(received)} messages could be judged (below ${STREAM_JUDGED_FLOOR * 100}%): the figures say little about the stream`,
        'red',
      ),
    );
  }
  out.push(`  clock caveat: ${s.clockCaveat}`);
  if (s.messages === 0 && s.unmatched > 0)
    out.push(paint('  no message had a readable timestamp/sequence: check publish.timestamp and publish.sequence', 'yellow'));
  return out;
}
