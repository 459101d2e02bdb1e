/** The fan-out block's breakdown tables: latency per cohort, books and latency per topic. */
import type { Report } from '../../run/report.js';
import { fmtCount, fmtLatency, newTable, type Paint } from '../format.js';

/** Fan-out latency per cohort (fanout.byCohort, runs of two cohorts or more): is one cohort slower? */
export function cohortFanoutTable(r: Report, color: boolean): string[] {
  const cohorts = Object.entries(r.fanout.byCohort ?? {});
  // Nothing published (or a server stream's run): no fan-out to split.
  if (r.stream || cohorts.every(([, s]) => s.latencyMs.count === 0)) return [];
  const t = newTable(['cohort', 'sockets', 'deliveries', 'p50', 'p90', 'p99', 'max'], color);
  for (const [name, s] of cohorts) {
    const shown = name.length > 24 ? `${name.slice(0, 23)}…` : name;
    const sockets = r.connections.openedByCohort?.[name];
    t.push([
      shown,
      sockets === undefined ? '-' : fmtCount(sockets),
      fmtCount(s.latencyMs.count),
      fmtLatency(s.latencyMs, 'p50'),
      fmtLatency(s.latencyMs, 'p90'),
      fmtLatency(s.latencyMs, 'p99'),
      fmtLatency(s.latencyMs, 'max'),
    ]);
  }
  return ['  fan-out by cohort', t.toString()];
}

/** Topics shown in the summary at most; the rest are counted, worst (most lost, then slowest p99) first. */
export const SUMMARY_TOPICS_MAX = 10;

/** The per-topic table: every topic when few, else the worst SUMMARY_TOPICS_MAX by loss then p99. */
export function topicTable(f: Report['fanout'], color: boolean, paint: Paint): string[] {
  const topics = Object.entries(f.byTopic ?? {});
  if (topics.length === 0) return [];
  const shown =
    topics.length <= SUMMARY_TOPICS_MAX
      ? topics
      : [...topics].sort((a, b) => b[1].lost - a[1].lost || b[1].latencyMs.p99 - a[1].latencyMs.p99).slice(0, SUMMARY_TOPICS_MAX);
  // Late and duplicated copies are in the report; the table keeps to 100 columns.
  const t = newTable(['topic', 'sockets', 'publ.', 'expected', 'delivered', 'lost', 'p50', 'p99', 'compl. p99'], color);
  for (const [name, s] of shown) {
    const lost = s.lost > 0 ? paint(fmtCount(s.lost), 'red') : '0';
    const cp = s.completionMs;
    t.push([
      name.length > 16 ? `${name.slice(0, 15)}…` : name,
      fmtCount(s.sockets),
      fmtCount(s.published),
      fmtCount(s.expected),
      fmtCount(s.delivered),
      lost,
      fmtLatency(s.latencyMs, 'p50'),
      fmtLatency(s.latencyMs, 'p99'),
      cp ? fmtLatency(cp, 'p99') : '-',
    ]);
  }
  const hidden = topics.length - shown.length;
  const title =
    hidden > 0
      ? `  by topic: the ${shown.length} worst of ${topics.length} (most lost, then highest p99); ${hidden} more in the report (fanout.byTopic)`
      : '  by topic';
  return [title, t.toString()];
}
