/** Two runs' timelines overlaid on shared axes (the compare page): the metrics compare found changed. */
import type { Report, TimelineLine } from '../../run/report.js';
import { fmtMs } from '../format.js';
import { figure, type ChartSize, type LegendEntry } from '../html-page.js';
import { timelineChart, type TimeLine } from '../timeline-chart.js';
import { dashFrom, rateSpans, type Span, timelineSpans, deliveriesPerSecond } from './spans.js';
import { perSec, mb, count } from './chart.js';

/** A metric compare can overlay for two runs. */
export type OverlayMetric = 'fanout' | 'open' | 'deliveries' | 'closes' | 'reconnects' | 'rss' | 'lag';

/** What a metric's overlay draws per run. */
const OVERLAY: Record<
  OverlayMetric,
  {
    title: string;
    y: (v: number) => string;
    series: { name: string; at: 'mid' | 'to'; get: (s: Span) => number | null; dashed?: boolean }[];
  }
> = {
  fanout: {
    title: 'Fan-out latency per interval',
    y: fmtMs,
    series: [
      { name: 'p99', at: 'mid', get: (s) => (s.line.fanoutMs.count > 0 ? s.line.fanoutMs.p99 : null) },
      { name: 'p50', at: 'mid', get: (s) => (s.line.fanoutMs.count > 0 ? s.line.fanoutMs.p50 : null), dashed: true },
    ],
  },
  open: { title: 'Open sockets', y: count, series: [{ name: 'open', at: 'to', get: (s) => (s.partial ? null : s.line.open) }] },
  deliveries: { title: 'Deliveries per second', y: perSec, series: [{ name: 'deliveries/s', at: 'mid', get: deliveriesPerSecond }] },
  closes: { title: 'Closes per interval', y: count, series: [{ name: 'closes', at: 'mid', get: (s) => s.line.closes }] },
  reconnects: {
    title: 'Reconnects per interval',
    y: count,
    series: [{ name: 'reconnects', at: 'mid', get: (s) => s.line.reconnects ?? null }],
  },
  rss: { title: 'Memory (RSS) of wsload', y: mb, series: [{ name: 'RSS', at: 'to', get: (s) => s.line.rssMb }] },
  lag: { title: 'Event-loop lag of the workers', y: fmtMs, series: [{ name: 'lag', at: 'mid', get: (s) => s.line.eventLoopLagMs }] },
};

/** One run as compare overlays it. */
export interface OverlayRun {
  label: string;
  color: string;
  report: Report;
  lines: readonly TimelineLine[];
}

/** Both runs' curves on the same axes (time since each run's start) for each metric asked for. */
export function overlayTimeline(runs: readonly OverlayRun[], metrics: readonly OverlayMetric[]): string[] {
  const prepared = runs.map((run) => {
    const all = timelineSpans(run.lines, run.report.scenario.report.intervalMs);
    return { run, all, spans: rateSpans(all, run.report.scenario.report.intervalMs) };
  });
  const endMs = Math.max(1, ...prepared.map((p) => p.all[p.all.length - 1]?.to ?? 0));
  const out: string[] = [];
  for (const m of metrics) {
    const def = OVERLAY[m];
    const lines: TimeLine[] = [];
    const legend: LegendEntry[] = [];
    for (const { run, spans } of prepared) {
      for (const sr of def.series) {
        const kept = spans.filter((s) => sr.get(s) !== null);
        if (kept.length === 0) continue;
        const name = `${run.label} ${sr.name}`;
        lines.push({
          name,
          color: run.color,
          points: kept.map((s) => [s[sr.at], sr.get(s) ?? 0] as const),
          dashedFrom: sr.dashed ? 0 : dashFrom(kept),
        });
        legend.push({ name: sr.dashed ? `${name} (dashed)` : name, color: run.color });
      }
    }
    if (lines.length === 0) continue;
    const draw = (size: ChartSize): string =>
      timelineChart({
        title: `${def.title}: before vs after`,
        startEpochMs: null,
        endMs,
        markers: [],
        partial: null,
        yFormat: def.y,
        lines,
        ...size,
      });
    out.push(figure(`${def.title}: before vs after`, draw, legend, 'x: time since each run’s start'));
  }
  return out;
}
