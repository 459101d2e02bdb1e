/** The HTML report's per-topic table (fanout.byTopic): every topic, worst first, with its loss and latency; and per cohort (fanout.byCohort) its fan-out latency. */
import type { Report } from '../run/report.js';
import { fmtCount, fmtLatency, fmtPct } from './format.js';
import { t, table } from './html-page.js';

/** The "Fan-out by topic" section, empty for a run without topics or of a server stream. */
export function topicsSection(r: Report): string[] {
  // A server stream publishes nothing through wsload: its topics' fan-out rows would be all zeros.
  if (r.stream) return [];
  const topics = Object.entries(r.fanout.byTopic ?? {});
  if (topics.length === 0) return [];
  // Worst first: a few broken rooms among hundreds must be at the top, not found by scrolling.
  const sorted = [...topics].sort((a, b) => b[1].lost - a[1].lost || b[1].latencyMs.p99 - a[1].latencyMs.p99);
  // Lost and p99 right after the name: on a phone the table scrolls sideways, and they are what a reader came for.
  const rows = sorted.map(([name, s]) => [
    t(name),
    s.lost > 0 ? `<span class="fail">${t(`${fmtCount(s.lost)} (${fmtPct((100 * s.lost) / Math.max(1, s.expected))})`)}</span>` : '0',
    t(fmtLatency(s.latencyMs, 'p99')),
    t(fmtLatency(s.latencyMs, 'p50')),
    t(fmtCount(s.delivered)),
    t(fmtCount(s.expected)),
    t(fmtCount(s.published)),
    t(fmtCount(s.sockets)),
    t(fmtCount(s.late)),
    t(fmtCount(s.duplicated)),
    t(s.completionMs ? fmtLatency(s.completionMs, 'p99') : '-'),
  ]);
  const misrouted = r.fanout.misrouted ?? 0;
  return [
    '<h2>Fan-out by topic</h2>',
    `<p class="meta">Each publish goes to one topic; only that topic's sockets are expected to receive it. Most lost first, then highest p99.${
      misrouted > 0 ? ` <span class="fail">${t(fmtCount(misrouted))} messages reached sockets of another topic (misrouted).</span>` : ''
    }</p>`,
    table(
      ['topic', 'lost', 'p99', 'p50', 'delivered', 'expected', 'published', 'sockets', 'late', 'duplicated', 'completion p99'],
      rows,
      'nums',
    ),
  ];
}

/** The "Fan-out by cohort" section (fanout.byCohort: two cohorts or more), empty otherwise. */
export function cohortFanoutSection(r: Report): string[] {
  const cohorts = Object.entries(r.fanout.byCohort ?? {});
  // Nothing published (or a server stream's run): no fan-out to split.
  if (r.stream || cohorts.every(([, s]) => s.latencyMs.count === 0)) return [];
  const rows = cohorts.map(([name, s]) => {
    const sockets = r.connections.openedByCohort?.[name];
    return [
      t(name),
      t(fmtLatency(s.latencyMs, 'p99')),
      t(fmtLatency(s.latencyMs, 'p50')),
      t(fmtLatency(s.latencyMs, 'p90')),
      t(fmtLatency(s.latencyMs, 'max')),
      t(fmtCount(s.latencyMs.count)),
      t(sockets === undefined ? '-' : fmtCount(sockets)),
    ];
  });
  return [
    '<h2>Fan-out by cohort</h2>',
    '<p class="meta">Fan-out latency of the deliveries to each cohort\'s sockets: a cohort that pings, or sends heartbeats, against one that stays quiet.</p>',
    table(['cohort', 'p99', 'p50', 'p90', 'max', 'deliveries', 'sockets'], rows, 'nums'),
  ];
}
