/**
 * The timeline charts of the HTML pages, from the run's .ndjson lines: fan-out p50–p99 band, open
 * sockets, deliveries/s, closes by cause, reconnects, RSS and event-loop lag, then each observed
 * endpoint's series, on one wall-clock axis with drop events marked. The last interval, cut short by the end of the run, is hatched and its
 * points dashed; rates use its real length, and its open count (read after wsload closed its own
 * sockets) is not drawn, so the run's end does not look like an incident. One module per chart
 * group in src/render/html-timeline/; this module lays them out.
 */
import type { Report, TimelineLine } from '../run/report.js';
import { fmtMs } from './format.js';
import { t, type LegendEntry } from './html-page.js';
import { dashFrom, rateSpans, timelineSpans } from './html-timeline/spans.js';
import { connectionFigures, fanoutFigures, deliveryFigures } from './html-timeline/delivery-figures.js';
import { closeFigures, clientFigures } from './html-timeline/client-figures.js';
import { PARTIAL_LEGEND, type Common, type ChartSet, dropList } from './html-timeline/chart.js';
import { reportTimelineContext, eventMarkers, type TimelineContext } from './html-timeline/context.js';
import { observedFigures } from './html-timeline/observed-figures.js';
export { deliveriesPerSecond, rateSpans, timelineSpans, type Span } from './html-timeline/spans.js';
export { dropMarkers, reportTimelineContext, type ObservedEndpointChart, type TimelineContext } from './html-timeline/context.js';
export { overlayTimeline, type OverlayMetric, type OverlayRun } from './html-timeline/overlay.js';

/** The timeline section of a run report: one chart per metric. */
export function reportTimeline(r: Report, lines: readonly TimelineLine[] | null | undefined): string[] {
  const head = '<h2>Timeline</h2>';
  if (!lines || lines.length === 0) return [head, '<p class="meta">No timeline (.ndjson) beside this report.</p>'];
  return [head, ...timelineCharts(reportTimelineContext(r), lines)];
}

/** The timeline charts of at least one line: the report's, and the live dashboard's as the run goes. */
export function timelineCharts(r: TimelineContext, lines: readonly TimelineLine[]): string[] {
  const spans = timelineSpans(lines, r.intervalMs);
  const last = spans[spans.length - 1];
  const partialSpan = spans.find((s) => s.partial) ?? null;
  const c: Common = {
    startEpochMs: Date.parse(r.startedAt),
    endMs: last.to,
    markers: eventMarkers(r.events),
    partial: partialSpan ? { from: partialSpan.from, to: partialSpan.to } : null,
  };
  const rated = rateSpans(spans, r.intervalMs);
  const dashed = dashFrom(rated);
  const extra: LegendEntry[] = [
    ...(c.markers.length > 0 ? [{ name: 'drop event (numbered as listed above the charts)', color: '#f0a08a' }] : []),
    ...(partialSpan ? [PARTIAL_LEGEND] : []),
  ];
  const set: ChartSet = { r, c, spans, rated, dashed, extra };
  return [
    `<p class="meta">One point per ${t(fmtMs(r.intervalMs))} interval (report.interval), on UTC wall-clock time from the run's start (${t(r.startedAt)}); hover a point or bar for its value.` +
      (partialSpan
        ? ` The last interval lasted ${t(fmtMs(partialSpan.durationMs))}: the run ended inside it; it is hatched, its rates are over its real length and its open count (read after wsload closed its sockets) is not drawn.`
        : '') +
      '</p>',
    ...dropList(c),
    ...fanoutFigures(set),
    ...connectionFigures(set),
    ...deliveryFigures(set),
    ...closeFigures(set),
    ...clientFigures(set),
    ...observedFigures(set),
  ];
}
