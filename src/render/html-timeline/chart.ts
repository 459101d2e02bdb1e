/** What every timeline chart shares: one time axis, drop markers, the hatched partial interval, value formats. */
import { fmtCount } from '../format.js';
import { t, type ChartSize, type LegendEntry } from '../html-page.js';
import { clockLabel } from '../time-axis.js';
import { timelineChart, type TimelineChartOptions, type TimeMarker } from '../timeline-chart.js';
import { dashFrom, type Span } from './spans.js';
import type { TimelineContext } from './context.js';

export const count = (v: number): string => fmtCount(v);

export const mb = (v: number): string => `${fmtCount(v)} MB`;

export const perSec = (v: number): string => `${fmtCount(v)}/s`;

export const MB = 1048576;

export const number = (v: number): string => (Number.isInteger(v) || Math.abs(v) >= 100 ? fmtCount(v) : String(Number(v.toPrecision(3))));

export interface Common {
  startEpochMs: number | null;
  endMs: number;
  markers: TimeMarker[];
  partial: { from: number; to: number } | null;
}

/** What one chart draws besides the shared axis, markers and partial interval. */
export type ChartParts = Pick<TimelineChartOptions, 'lines' | 'stacks' | 'bands'>;

/** A chart drawer for figure(): the same chart at either size. */
export function chart(c: Common, title: string, yFormat: (v: number) => string, parts: ChartParts): (size: ChartSize) => string {
  return (size: ChartSize): string => timelineChart({ title, ...c, yFormat, ...parts, ...size });
}

export const PARTIAL_LEGEND: LegendEntry = { name: 'partial last interval (run ended inside it)', style: 'hatch' };

/** What every chart of one timeline shares: the axis and markers, the spans, and the legend entries added to each. */
export interface ChartSet {
  r: TimelineContext;
  c: Common;
  spans: Span[];
  /** Spans whose rates are drawn (a short partial last interval left out). */
  rated: Span[];
  /** Where the rated lines turn dashed (the partial interval), or null. */
  dashed: ReturnType<typeof dashFrom>;
  extra: LegendEntry[];
}

/** A per-interval count as bars (none in any interval: the chart draws a line along 0, `zeroLines`). */
export function countParts(spans: readonly Span[], name: string, color: string, get: (s: Span) => number): ChartParts {
  return { stacks: [{ name, color, bars: spans.map((s) => ({ from: s.from, to: s.to, value: get(s), partial: s.partial })) }] };
}

/**
 * The drop events as a numbered list: the charts mark each with its number only, so that labels
 * never overlap however close the events came.
 */
export function dropList(c: Common): string[] {
  if (c.markers.length === 0) return [];
  const at = (ms: number): string => (c.startEpochMs === null ? `${Math.round(ms / 1000)} s` : clockLabel(c.startEpochMs + ms, true));
  const items = c.markers.map((m) => `<li>${t(`${at(m.from)} ${m.label}`)}</li>`).join('');
  const head = `${c.markers.length} drop event${c.markers.length === 1 ? '' : 's'}, numbered on every timeline`;
  // A soak's many events fold away; a few are shown as they are.
  return [
    c.markers.length > 8
      ? `<details class="drop-list"><summary>${t(head)}</summary><ol>${items}</ol></details>`
      : `<div class="drop-list"><span class="meta">${t(head)}:</span><ol>${items}</ol></div>`,
  ];
}
