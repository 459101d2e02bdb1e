/** What the timeline charts need of a report (or of a live run): drop events as markers, the observed endpoints' series. */
import type { DropEvent, Report } from '../../run/report.js';
import { fmtCount } from '../format.js';
import type { TimeMarker } from '../timeline-chart.js';
import type { Span } from './spans.js';

/** Drop events of a report as marked spans of time. */
export function dropMarkers(r: Report): TimeMarker[] {
  return eventMarkers(r.disconnects.events ?? []);
}

/** Drop events as marked spans of time. */
export function eventMarkers(events: readonly DropEvent[]): TimeMarker[] {
  return events.map((e) => ({
    from: e.startMs,
    to: e.endMs,
    label: `${e.idleTimeoutCut === true ? 'idle timeout' : 'drop'}: ${fmtCount(e.count)} closes`,
  }));
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
  return (r.observe ?? []).map((e) => ({
    endpoint: e.name,
    series: e.series.map((s) => ({ name: s.name, kind: s.kind, bytes: isBytes(s.selector) })),
  }));
}

/** The endpoints and series the lines carry, in the order they first appear. */
export function observedInLines(spans: readonly Span[]): ObservedEndpointChart[] {
  const seen = new Map<string, Set<string>>();
  for (const s of spans) {
    for (const [endpoint, series] of Object.entries(s.line.observe ?? {})) {
      const names = seen.get(endpoint) ?? new Set<string>();
      for (const name of Object.keys(series)) names.add(name);
      seen.set(endpoint, names);
    }
  }
  return [...seen].map(([endpoint, names]) => ({
    endpoint,
    series: [...names].map((name) => ({ name, kind: null, bytes: isBytes(name) })),
  }));
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
