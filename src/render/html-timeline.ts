/**
 * The timeline charts of the HTML pages, from the run's .ndjson lines: fan-out p50–p99 band, open
 * sockets, deliveries/s, closes by cause, reconnects, RSS and event-loop lag, then each observed
 * endpoint's series, on one wall-clock axis with drop events marked. The last interval, cut short by the end of the run, is hatched and its
 * points dashed; rates use its real length, and its open count (read after wsload closed its own
 * sockets) is not drawn, so the run's end does not look like an incident.
 */
import type { DropEvent, Report, TimelineLine } from '../run/report.js';
import { fmtCount, fmtMs } from './format.js';
import { CAUSE_COLORS, COLORS, figure, t, type ChartSize, type LegendEntry } from './html-page.js';
import { clockLabel } from './time-axis.js';
import { timelineChart, type TimeLine, type TimelineChartOptions, type TimeMarker, type TimePoint, type TimeStack } from './timeline-chart.js';

/** One timeline line with its real span on the run's clock (ms since the start). */
export interface Span {
  from: number;
  to: number;
  mid: number;
  durationMs: number;
  partial: boolean;
  line: TimelineLine;
}

/**
 * The lines as spans. A line without `durationMs` (older wsload) spans from the previous line's
 * end; the last one is partial when marked so, or — in older files — when shorter than the interval.
 */
export function timelineSpans(lines: readonly TimelineLine[], intervalMs: number): Span[] {
  return lines.map((line, i) => {
    const prevEnd = i === 0 ? 0 : lines[i - 1].elapsedMs;
    const durationMs = line.durationMs ?? Math.max(0, line.elapsedMs - prevEnd);
    const last = i === lines.length - 1;
    const partial = line.partial === true || (last && line.durationMs === undefined && i > 0 && durationMs < intervalMs - 1);
    const from = line.elapsedMs - durationMs;
    return { from, to: line.elapsedMs, mid: (from + line.elapsedMs) / 2, durationMs, partial, line };
  });
}

/** Deliveries per second over the interval's real length. */
export function deliveriesPerSecond(s: Span): number {
  return s.durationMs > 0 ? (s.line.deliveries * 1000) / s.durationMs : 0;
}

/**
 * Spans whose per-interval figures (rates, percentiles, largest lag) are worth a point: a partial
 * last interval only when it lasted at least a quarter of an interval — a few ms after the hold
 * carry too little to be a rate, and a line diving to 0 there would read as an incident.
 */
export function rateSpans(spans: readonly Span[], intervalMs: number): Span[] {
  return spans.filter((s) => !s.partial || s.durationMs >= intervalMs / 4);
}

/** Index of the first partial span (only the last can be), or undefined. */
function dashFrom(spans: readonly Span[]): number | undefined {
  const i = spans.findIndex((s) => s.partial);
  return i < 0 ? undefined : i;
}

function points(spans: readonly Span[], at: 'mid' | 'to', get: (s: Span) => number): TimePoint[] {
  return spans.map((s) => [s[at], get(s)] as const);
}

const count = (v: number): string => fmtCount(v);
const mb = (v: number): string => `${fmtCount(v)} MB`;
const perSec = (v: number): string => `${fmtCount(v)}/s`;

/** Drop events of a report as marked spans of time. */
export function dropMarkers(r: Report): TimeMarker[] {
  return eventMarkers(r.disconnects.events ?? []);
}

/** Drop events as marked spans of time. */
function eventMarkers(events: readonly DropEvent[]): TimeMarker[] {
  return events.map((e) => ({ from: e.startMs, to: e.endMs, label: `${e.idleTimeoutCut === true ? 'idle timeout' : 'drop'}: ${fmtCount(e.count)} closes` }));
}

/**
 * What the timeline charts need besides the lines: a finished report has all of it, a run still
 * going (the live dashboard) has it so far.
 */
export interface TimelineContext {
  /** report.interval, ms. */
  intervalMs: number;
  /** The run's start, ISO (the wall-clock axis starts there). */
  startedAt: string;
  events: readonly DropEvent[];
  /** The run publishes (or its lines show deliveries): the deliveries chart is drawn. */
  publishes: boolean;
  /** Beside the charts: the peak RSS and the lag p99 over the hold, when known. */
  peakRssMb: number | null;
  lagP99Ms: number | null;
  /**
   * The observed series to chart, per endpoint, in the report's order (`report.observe`); absent
   * (the live dashboard): every series the lines carry, its kind unknown.
   */
  observed?: readonly ObservedEndpointChart[];
}

/** An observed endpoint's series as its charts need them. */
export interface ObservedEndpointChart {
  endpoint: string;
  series: readonly { name: string; kind: 'gauge' | 'counter' | null; bytes: boolean }[];
}

/** A selector (or, without one, a series name) whose metric counts bytes: charted in MB. */
const isBytes = (selectorOrName: string): boolean => /_bytes$/.test(selectorOrName.replace(/\{.*$/, '').trim());

/** The report's observed endpoints and their series, as charted. */
function reportObserved(r: Report): ObservedEndpointChart[] {
  return (r.observe ?? []).map((e) => ({ endpoint: e.name, series: e.series.map((s) => ({ name: s.name, kind: s.kind, bytes: isBytes(s.selector) })) }));
}

/** The endpoints and series the lines carry, in the order they first appear. */
function observedInLines(spans: readonly Span[]): ObservedEndpointChart[] {
  const seen = new Map<string, Set<string>>();
  for (const s of spans) {
    for (const [endpoint, series] of Object.entries(s.line.observe ?? {})) {
      const names = seen.get(endpoint) ?? new Set<string>();
      for (const name of Object.keys(series)) names.add(name);
      seen.set(endpoint, names);
    }
  }
  return [...seen].map(([endpoint, names]) => ({ endpoint, series: [...names].map((name) => ({ name, kind: null, bytes: isBytes(name) })) }));
}

/** A finished report's timeline context. */
export function reportTimelineContext(r: Report): TimelineContext {
  return {
    intervalMs: r.scenario.report.intervalMs,
    startedAt: r.startedAt,
    events: r.disconnects.events ?? [],
    publishes: r.scenario.publish !== null,
    peakRssMb: r.client.peakRssMb,
    lagP99Ms: r.client.eventLoopLagMs.p99,
    observed: reportObserved(r),
  };
}

interface Common {
  startEpochMs: number | null;
  endMs: number;
  markers: TimeMarker[];
  partial: { from: number; to: number } | null;
}

/** What one chart draws besides the shared axis, markers and partial interval. */
type ChartParts = Pick<TimelineChartOptions, 'lines' | 'stacks' | 'bands'>;

/** A chart drawer for figure(): the same chart at either size. */
function chart(c: Common, title: string, yFormat: (v: number) => string, parts: ChartParts): (size: ChartSize) => string {
  return (size: ChartSize): string => timelineChart({ title, ...c, yFormat, ...parts, ...size });
}

const PARTIAL_LEGEND: LegendEntry = { name: 'partial last interval (run ended inside it)', style: 'hatch' };

/** The timeline section of a run report: one chart per metric. */
export function reportTimeline(r: Report, lines: readonly TimelineLine[] | null | undefined): string[] {
  const head = '<h2>Timeline</h2>';
  if (!lines || lines.length === 0) return [head, '<p class="meta">No timeline (.ndjson) beside this report.</p>'];
  return [head, ...timelineCharts(reportTimelineContext(r), lines)];
}

/** What every chart of one timeline shares: the axis and markers, the spans, and the legend entries added to each. */
interface ChartSet {
  r: TimelineContext;
  c: Common;
  spans: Span[];
  /** Spans whose rates are drawn (a short partial last interval left out). */
  rated: Span[];
  /** Where the rated lines turn dashed (the partial interval), or null. */
  dashed: ReturnType<typeof dashFrom>;
  extra: LegendEntry[];
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
  const extra: LegendEntry[] = [...(c.markers.length > 0 ? [{ name: 'drop event (numbered as listed above the charts)', color: '#f0a08a' }] : []), ...(partialSpan ? [PARTIAL_LEGEND] : [])];
  const set: ChartSet = { r, c, spans, rated, dashed, extra };
  return [
    `<p class="meta">One point per ${t(fmtMs(r.intervalMs))} interval (report.interval), on UTC wall-clock time from the run's start (${t(r.startedAt)}); hover a point or bar for its value.` +
      (partialSpan ? ` The last interval lasted ${t(fmtMs(partialSpan.durationMs))}: the run ended inside it; it is hatched, its rates are over its real length and its open count (read after wsload closed its sockets) is not drawn.` : '') +
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

/** Fan-out latency p50 and p99 per interval (none before the first delivery). */
function fanoutFigures({ c, rated, extra }: ChartSet): string[] {
  const out: string[] = [];
  const withFanout = rated.filter((s) => s.line.fanoutMs.count > 0);
  if (withFanout.length > 0) {
    const dash = dashFrom(withFanout);
    out.push(
      figure(
        'Fan-out latency per interval',
        chart(c, 'Fan-out latency per interval', fmtMs, {
          bands: [{ name: 'p50–p99', color: COLORS.p99, lower: points(withFanout, 'mid', (s) => s.line.fanoutMs.p50), upper: points(withFanout, 'mid', (s) => s.line.fanoutMs.p99) }],
          lines: [
            { name: 'p99', color: COLORS.p99, points: points(withFanout, 'mid', (s) => s.line.fanoutMs.p99), dashedFrom: dash },
            { name: 'p50', color: COLORS.p50, points: points(withFanout, 'mid', (s) => s.line.fanoutMs.p50), dashedFrom: dash },
          ],
        }),
        [{ name: 'p99', color: COLORS.p99 }, { name: 'p50', color: COLORS.p50 }, { name: 'p50–p99 band', color: '#f2c4bf' }, ...extra],
        'receipt − scheduled publish time',
      ),
    );
  }
  return out;
}

/** Open sockets and connect failures per interval. */
function connectionFigures({ c, spans, extra }: ChartSet): string[] {
  const out: string[] = [];
  // The open count of a partial last interval is read after wsload closed its own sockets: left out.
  const full = spans.filter((s) => !s.partial);
  out.push(
    figure(
      'Open sockets',
      chart(c, 'Open sockets', count, { lines: [{ name: 'open', color: COLORS.main, points: [[0, 0], ...points(full, 'to', (s) => s.line.open)] }] }),
      [{ name: 'open at the interval’s end', color: COLORS.main }, ...extra],
    ),
  );

  out.push(
    figure(
      'Connect failures per interval',
      chart(c, 'Connect failures per interval', count, countParts(spans, 'connect failures', COLORS.after, (s) => s.line.connectFailures)),
      [{ name: spans.some((s) => s.line.connectFailures > 0) ? 'failed connection attempts (first connects and reconnects)' : 'no connection attempt failed', color: COLORS.after }, ...extra],
    ),
  );
  return out;
}

/** Deliveries per second and lost deliveries per interval, when the run publishes. */
function deliveryFigures({ r, c, spans, rated, dashed, extra }: ChartSet): string[] {
  const out: string[] = [];
  if (r.publishes || spans.some((s) => s.line.deliveries > 0)) {
    out.push(
      figure(
        'Deliveries per second',
        chart(c, 'Deliveries per second', perSec, { lines: [{ name: 'deliveries/s', color: COLORS.main, points: points(rated, 'mid', deliveriesPerSecond), dashedFrom: dashed }] }),
        [{ name: 'deliveries/s over each interval', color: COLORS.main }, ...extra],
      ),
      figure(
        'Lost deliveries per interval',
        chart(c, 'Lost deliveries per interval', count, countParts(spans, 'lost', COLORS.p99, (s) => s.line.lost)),
        [{ name: spans.some((s) => s.line.lost > 0) ? 'deliveries due in the interval that never arrived in time' : 'no delivery lost', color: COLORS.p99 }, ...extra],
        'by the publish’s scheduled time; missed while reconnecting is not lost',
      ),
    );
  }
  return out;
}

/** Closes per interval by cause, and reconnects (not in timelines of older wsload versions). */
function closeFigures({ c, spans, extra }: ChartSet): string[] {
  const out: string[] = [];
  const causes = Object.keys(CAUSE_COLORS).filter((cause) => spans.some((s) => (s.line.closesByCause[cause as keyof typeof s.line.closesByCause] ?? 0) > 0));
  const stacks: TimeStack[] = causes.map((cause) => ({
    name: cause,
    color: CAUSE_COLORS[cause],
    bars: spans.map((s) => ({ from: s.from, to: s.to, value: s.line.closesByCause[cause as keyof typeof s.line.closesByCause] ?? 0, partial: s.partial })),
  }));
  out.push(
    figure(
      'Closes per interval, by cause',
      chart(c, 'Closes per interval, by cause', count, { stacks }),
      [...(causes.length > 0 ? causes.map((cause) => ({ name: cause, color: CAUSE_COLORS[cause] })) : [{ name: 'no socket closed before the end', color: '#ddd' }]), ...extra],
      'wsload’s own closes at the end are not counted',
    ),
  );

  if (spans.some((s) => s.line.reconnects !== undefined)) {
    out.push(
      figure(
        'Reconnects per interval',
        chart(c, 'Reconnects per interval', count, {
          stacks: [{ name: 'reconnects', color: COLORS.reconnect, bars: spans.map((s) => ({ from: s.from, to: s.to, value: s.line.reconnects ?? 0, partial: s.partial })) }],
        }),
        [{ name: 'reconnect handshakes that succeeded', color: COLORS.reconnect }, ...extra],
      ),
    );
  } else {
    out.push('<p class="meta">Reconnects per interval: not in this timeline (written by an older wsload).</p>');
  }
  return out;
}

/** wsload's own RSS and the workers' event-loop lag. */
function clientFigures({ r, c, spans, rated, dashed, extra }: ChartSet): string[] {
  const out: string[] = [];
  out.push(
    figure('Memory (RSS) of wsload', chart(c, 'Memory (RSS) of wsload', mb, { lines: [{ name: 'RSS', color: COLORS.rss, points: points(spans, 'to', (s) => s.line.rssMb), dashedFrom: dashFrom(spans) }] }), [
      { name: 'resident set size at the interval’s end', color: COLORS.rss },
      ...extra,
    ], r.peakRssMb === null ? '' : `peak ${fmtCount(r.peakRssMb)} MB`),
    figure(
      'Event-loop lag of the workers',
      chart(c, 'Event-loop lag of the workers', fmtMs, { lines: [{ name: 'lag', color: COLORS.lag, points: points(rated, 'mid', (s) => s.line.eventLoopLagMs), dashedFrom: dashed }] }),
      [{ name: 'largest worker lag in the interval', color: COLORS.lag }, ...extra],
      r.lagP99Ms === null ? '' : `p99 over the hold ${fmtMs(r.lagP99Ms)}`,
    ),
  );
  return out;
}

const MB = 1048576;
const number = (v: number): string => (Number.isInteger(v) || Math.abs(v) >= 100 ? fmtCount(v) : String(Number(v.toPrecision(3))));

/**
 * Each observed series of each endpoint, under the client's charts on the same axis, drop events
 * marked: the latest scraped value at each interval's end (a counter's rate per second), bytes
 * in MB. A scrape that matched nothing or failed leaves a gap in the points, not a 0.
 */
function observedFigures({ r, c, spans, extra }: ChartSet): string[] {
  const endpoints = r.observed ?? observedInLines(spans);
  const out: string[] = [];
  for (const e of endpoints) {
    for (const s of e.series) {
      const valueOf = (sp: Span): number | null => sp.line.observe?.[e.endpoint]?.[s.name] ?? null;
      const kept = spans.filter((sp) => valueOf(sp) !== null);
      const title = `${e.endpoint}: ${s.name}`;
      if (kept.length === 0) {
        out.push(`<p class="meta">${t(title)}: no value in the timeline (every scrape failed or matched nothing).</p>`);
        continue;
      }
      const scale = s.bytes ? 1 / MB : 1;
      const unit = s.bytes ? mb : (v: number): string => (s.kind === 'counter' ? `${number(v)}/s` : number(v));
      const what = s.kind === 'counter' ? 'rate per second between the scrapes (a counter)' : s.kind === 'gauge' ? 'value scraped at the interval’s end' : 'value at the interval’s end (a counter’s rate per second)';
      out.push(
        figure(title, chart(c, title, unit, { lines: [{ name: s.name, color: COLORS.second, points: points(kept, 'to', (sp) => (valueOf(sp) ?? 0) * scale), dashedFrom: dashFrom(kept) }] }), [
          { name: what, color: COLORS.second },
          ...extra,
        ], `observed endpoint ${e.endpoint}`),
      );
    }
  }
  if (out.length === 0) return [];
  return ['<h3>Observed endpoints</h3>', '<p class="meta">The series scraped from the observed Prometheus endpoints (scenario <code>observe</code>), on the same time axis as the charts above.</p>', ...out];
}

/**
 * A per-interval count as bars; none in any interval is drawn as a line along 0 (bars of 0 draw
 * nothing, and an empty plot reads as "no data" rather than "none").
 */
function countParts(spans: readonly Span[], name: string, color: string, get: (s: Span) => number): ChartParts {
  if (spans.every((s) => get(s) <= 0)) return { lines: [{ name, color, points: [[0, 0], ...points(spans, 'to', () => 0)] }] };
  return { stacks: [{ name, color, bars: spans.map((s) => ({ from: s.from, to: s.to, value: get(s), partial: s.partial })) }] };
}

/**
 * The drop events as a numbered list: the charts mark each with its number only, so that labels
 * never overlap however close the events came.
 */
function dropList(c: Common): string[] {
  if (c.markers.length === 0) return [];
  const at = (ms: number): string => (c.startEpochMs === null ? `${Math.round(ms / 1000)} s` : clockLabel(c.startEpochMs + ms, true));
  const items = c.markers.map((m) => `<li>${t(`${at(m.from)} ${m.label}`)}</li>`).join('');
  const head = `${c.markers.length} drop event${c.markers.length === 1 ? '' : 's'}, numbered on every timeline`;
  // A soak's many events fold away; a few are shown as they are.
  return [c.markers.length > 8 ? `<details class="drop-list"><summary>${t(head)}</summary><ol>${items}</ol></details>` : `<div class="drop-list"><span class="meta">${t(head)}:</span><ol>${items}</ol></div>`];
}

/** A metric compare can overlay for two runs. */
export type OverlayMetric = 'fanout' | 'open' | 'deliveries' | 'closes' | 'reconnects' | 'rss' | 'lag';

/** What a metric's overlay draws per run. */
const OVERLAY: Record<OverlayMetric, { title: string; y: (v: number) => string; series: { name: string; at: 'mid' | 'to'; get: (s: Span) => number | null; dashed?: boolean }[] }> = {
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
  reconnects: { title: 'Reconnects per interval', y: count, series: [{ name: 'reconnects', at: 'mid', get: (s) => s.line.reconnects ?? null }] },
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
        lines.push({ name, color: run.color, points: kept.map((s) => [s[sr.at], sr.get(s) ?? 0] as const), dashedFrom: sr.dashed ? 0 : dashFrom(kept) });
        legend.push({ name: sr.dashed ? `${name} (dashed)` : name, color: run.color });
      }
    }
    if (lines.length === 0) continue;
    const draw = (size: ChartSize): string => timelineChart({ title: `${def.title}: before vs after`, startEpochMs: null, endMs, markers: [], partial: null, yFormat: def.y, lines, ...size });
    out.push(figure(`${def.title}: before vs after`, draw, legend, 'x: time since each run’s start'));
  }
  return out;
}
