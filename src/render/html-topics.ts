/** The HTML report's per-topic table (fanout.byTopic): every topic, worst first, with its loss and latency. */
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
  const rows = sorted.map(([name, s]) => [
    t(name),
    t(fmtCount(s.sockets)),
    t(fmtCount(s.published)),
    t(fmtCount(s.expected)),
    t(fmtCount(s.delivered)),
    s.lost > 0 ? `<span class="fail">${t(`${fmtCount(s.lost)} (${fmtPct((100 * s.lost) / Math.max(1, s.expected))})`)}</span>` : '0',
    t(fmtCount(s.late)),
    t(fmtCount(s.duplicated)),
    t(fmtLatency(s.latencyMs, 'p50')),
    t(fmtLatency(s.latencyMs, 'p99')),
    t(s.completionMs ? fmtLatency(s.completionMs, 'p99') : '-'),
  ]);
  const misrouted = r.fanout.misrouted ?? 0;
  return [
    '<h2>Fan-out by topic</h2>',
    `<p class="meta">Each publish goes to one topic; only that topic's sockets are expected to receive it. Most lost first, then highest p99.${
      misrouted > 0 ? ` <span class="fail">${t(fmtCount(misrouted))} messages reached sockets of another topic (misrouted).</span>` : ''
    }</p>`,
    table(['topic', 'sockets', 'published', 'expected', 'delivered', 'lost', 'late', 'duplicated', 'p50', 'p99', 'completion p99'], rows, 'nums'),
  ];
}
