/**
 * Timeline charts on a wall-clock axis: per-interval lines, a band between two lines (fan-out
 * p50–p99), stacked bars (closes by cause; none above 0 drawn as a line along 0), drop events marked
 * as shaded spans, and a partial last interval hatched and drawn dashed, so the end of a run is not
 * read as an incident.
 */
import { axes, escapeXml, frame, n, niceTicks, open, type Axis, type Frame, type Margin } from './svg-chart.js';
import { clockLabel, clockTicks } from './time-axis.js';

/** A point: [ms since the run started, value]. */
export type TimePoint = readonly [number, number];

/** A line; points from index `dashedFrom` on are drawn dashed (the partial last interval). */
export interface TimeLine {
  name: string;
  color: string;
  points: readonly TimePoint[];
  dashedFrom?: number;
}

/** A shaded band between two lines of the same x (e.g. p50 below, p99 above). */
export interface TimeBand {
  name: string;
  color: string;
  lower: readonly TimePoint[];
  upper: readonly TimePoint[];
}

/**
 * Bars over [from, to) per interval; several stacks are drawn one on top of the other. When no bar
 * of any stack is above 0 in the plotted range, each stack is drawn as a line along 0 instead.
 */
export interface TimeStack {
  name: string;
  color: string;
  bars: readonly { from: number; to: number; value: number; partial?: boolean }[];
}

/** A span of time to mark on every timeline (a drop event), numbered in the order given. */
export interface TimeMarker {
  from: number;
  to: number;
  label: string;
}

/** Options of timelineChart. */
export interface TimelineChartOptions {
  title: string;
  /** Wall-clock time of x = 0 (the run's start), ms since the epoch; null: x is labelled as time since the start. */
  startEpochMs: number | null;
  /** Right end of the x axis, ms since the start. */
  endMs: number;
  yFormat: (v: number) => string;
  yLabel?: string;
  lines?: readonly TimeLine[];
  bands?: readonly TimeBand[];
  stacks?: readonly TimeStack[];
  markers?: readonly TimeMarker[];
  /** The partial last interval, hatched. */
  partial?: { from: number; to: number } | null;
  width: number;
  height: number;
  /** About this many ticks on the time axis. */
  xTicks: number;
}

const MARGIN: Margin = { left: 64, right: 24, top: 22, bottom: 30 };

/**
 * Half the width of a tick or marker label, in SVG units, at most: a digit or colon of the 14 px
 * narrow font is under 8.4 units wide. Used to keep labels inside the drawing and apart.
 */
const halfWidth = (label: string): number => label.length * 4.2;

/** Hover points and bars per series at most: a title each, enough to read any interval of a chart's width. */
const HOVER_MAX = 600;

/** An id unique within the page (chart titles are, and each is drawn once per width) and stable across renders. */
function hatchId(title: string, width: number): string {
  return `hatch-${width}-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

function elapsedLabel(ms: number): string {
  if (ms === 0) return '0s';
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 120 ? `${m}m${s % 60 ? `${s % 60}s` : ''}` : `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ''}`;
}

function elapsedTicks(endMs: number, target: number): { at: number; label: string }[] {
  return niceTicks(endMs, elapsedLabel, target).ticks.filter((t) => t.at <= endMs);
}

function pathOf(f: Frame, pts: readonly TimePoint[], clampY: (v: number) => number): string {
  return pts.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${n(f.sx(x))},${n(f.sy(clampY(y)))}`).join('');
}

/**
 * At most about `buckets` × 2 points: per bucket of x its lowest and highest point, in x order, so
 * a spike survives while an 8 h soak's 2,880 intervals do not cost 2,880 points in a 300-unit-wide
 * plot. Fewer points than that are returned as they are.
 */
export function decimate(points: readonly TimePoint[], buckets: number): readonly TimePoint[] {
  if (points.length <= buckets * 2 || buckets < 1) return points;
  const x0 = points[0][0];
  const span = points[points.length - 1][0] - x0 || 1;
  const out: TimePoint[] = [];
  let bucket = -1;
  let lo: TimePoint = points[0];
  let hi: TimePoint = points[0];
  const flush = (): void => {
    if (bucket < 0) return;
    if (lo === hi) out.push(lo);
    else out.push(...(lo[0] <= hi[0] ? [lo, hi] : [hi, lo]));
  };
  for (const p of points) {
    const b = Math.min(buckets - 1, Math.floor(((p[0] - x0) / span) * buckets));
    if (b !== bucket) {
      flush();
      bucket = b;
      lo = p;
      hi = p;
    } else {
      if (p[1] < lo[1]) lo = p;
      if (p[1] > hi[1]) hi = p;
    }
  }
  flush();
  return out;
}

/** What every part of one chart draws with: its frame, clamp, time words and plot edges. */
interface Plot {
  o: TimelineChartOptions;
  f: Frame;
  endMs: number;
  clampY: (v: number) => number;
  /** A time on the x axis in words: the wall clock, or time since the start. */
  when: (ms: number) => string;
  top: number;
  bottom: number;
  plotWidth: number;
  /** Points per series at most: about one per unit of the plot's width. */
  buckets: number;
}

/** The chart's axes and frame: y holds the highest line, band or stack; x ticks whose label fits. */
function plotOf(o: TimelineChartOptions): { plot: Plot; x: Axis; y: Axis } {
  const lines = o.lines ?? [];
  const bands = o.bands ?? [];
  const stacks = o.stacks ?? [];
  // Stacked bars add up per interval; the y axis must hold the highest stack.
  const stackTotals = new Map<number, number>();
  for (const s of stacks) for (const b of s.bars) stackTotals.set(b.from, (stackTotals.get(b.from) ?? 0) + b.value);
  const maxY = Math.max(
    0,
    ...lines.flatMap((l) => l.points.map((p) => p[1])),
    ...bands.flatMap((b) => b.upper.map((p) => p[1])),
    ...stackTotals.values(),
  );
  const yt = niceTicks(maxY, o.yFormat, 4);
  const endMs = Math.max(o.endMs, 1);
  const allTicks = o.startEpochMs === null ? elapsedTicks(endMs, o.xTicks) : clockTicks(o.startEpochMs, endMs, o.xTicks);
  const plotWidth = o.width - MARGIN.left - MARGIN.right;
  // A tick whose centred label would run past the drawing's right edge is left out, not clipped ("15:30:5").
  const xTicks = allTicks.filter((tk) => MARGIN.left + (tk.at / endMs) * plotWidth + halfWidth(tk.label) <= o.width);
  const x = { label: '', min: 0, max: endMs, ticks: xTicks };
  const y = { label: o.yLabel ?? '', min: 0, max: yt.max, ticks: yt.ticks };
  const plot: Plot = {
    o,
    f: frame(x, y, o.width, o.height, MARGIN),
    endMs,
    clampY: (v) => Math.min(y.max, Math.max(0, v)),
    when: (ms) => (o.startEpochMs === null ? elapsedLabel(Math.max(0, ms)) : clockLabel(o.startEpochMs + ms, true)),
    top: MARGIN.top,
    bottom: o.height - MARGIN.bottom,
    plotWidth,
    buckets: Math.round(o.width - MARGIN.left - MARGIN.right),
  };
  return { plot, x, y };
}

/** The hatch pattern, and the partial last interval filled with it. */
function partialParts(p: Plot, hatch: string): string[] {
  const parts = [
    `<defs><pattern id="${hatch}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#bbb" stroke-width="3"/></pattern></defs>`,
  ];
  const partial = p.o.partial;
  if (partial && partial.to > partial.from) {
    const x0 = p.f.sx(partial.from);
    const x1 = p.f.sx(partial.to);
    parts.push(
      `<rect class="partial" x="${n(x0)}" y="${p.top}" width="${n(Math.max(1, x1 - x0))}" height="${n(p.bottom - p.top)}" fill="url(#${hatch})" opacity="0.6"><title>partial last interval: the run ended ${Math.round(partial.to - partial.from)} ms into it</title></rect>`,
    );
  }
  return parts;
}

/** Each band as one closed path: along its upper line, back along its lower one. */
function bandParts(p: Plot, bands: readonly TimeBand[]): string[] {
  const { f, clampY } = p;
  const parts: string[] = [];
  for (const band of bands) {
    const b = { ...band, upper: decimate(band.upper, p.buckets), lower: decimate(band.lower, p.buckets) };
    if (b.upper.length < 2) continue;
    const d = `${pathOf(f, b.upper, clampY)}${[...b.lower]
      .reverse()
      .map(([xx, yy]) => `L${n(f.sx(xx))},${n(f.sy(clampY(yy)))}`)
      .join('')}Z`;
    parts.push(`<path class="band" d="${d}" fill="${escapeXml(b.color)}" opacity="0.22"><title>${escapeXml(b.name)}</title></path>`);
  }
  return parts;
}

/** The stacks, each on top of the ones before: solid bars, hover boxes, hatched partial bars. */
function stackParts(p: Plot, stacks: readonly TimeStack[]): string[] {
  const { f, clampY, o, when } = p;
  const parts: string[] = [];
  const base = new Map<number, number>();
  for (const s of stacks) {
    const solid: string[] = [];
    const hatched: string[] = [];
    // Each bar's value on hover: an invisible box over exactly its part of the stack.
    const hovers: string[] = [];
    for (const b of s.bars) {
      if (b.value <= 0) continue;
      const below = base.get(b.from) ?? 0;
      base.set(b.from, below + b.value);
      const x0 = f.sx(b.from);
      const x1 = Math.max(f.sx(b.to) - 1, x0 + 1);
      const y0 = f.sy(clampY(below));
      const y1 = f.sy(clampY(below + b.value));
      (b.partial ? hatched : solid).push(`M${n(x0)},${n(y0)}V${n(y1)}H${n(x1)}V${n(y0)}Z`);
      const text = `${s.name} ${when(b.from)}–${when(b.to)}: ${o.yFormat(b.value)}${b.partial ? ' (partial interval)' : ''}`;
      hovers.push(
        `<rect class="hover" x="${n(x0)}" y="${n(y1)}" width="${n(x1 - x0)}" height="${n(Math.max(1, y0 - y1))}" fill="transparent"><title>${escapeXml(text)}</title></rect>`,
      );
    }
    if (solid.length > 0)
      parts.push(`<path class="bars" d="${solid.join('')}" fill="${escapeXml(s.color)}"><title>${escapeXml(s.name)}</title></path>`);
    if (hovers.length <= HOVER_MAX) parts.push(...hovers);
    if (hatched.length > 0) {
      parts.push(
        `<path class="bars partial-bars" d="${hatched.join('')}" fill="${escapeXml(s.color)}" opacity="0.45" stroke="${escapeXml(s.color)}" stroke-dasharray="3 2"><title>${escapeXml(s.name)} (partial interval)</title></path>`,
      );
    }
  }
  return parts;
}

/**
 * Stacks with no bar above 0 in the plotted range as lines along 0, one point per bar's end with its
 * value on hover: bars of 0 draw nothing, and an empty plot reads as "no data" rather than "none".
 * Only when every stack of the chart is all zero: bars of another stack already fill the plot. The
 * line turns dashed at the first partial bar, as every line does over the partial interval.
 */
function zeroLines(stacks: readonly TimeStack[], endMs: number): TimeLine[] {
  const plotted = stacks.map((s) => ({ s, bars: s.bars.filter((b) => b.to > 0 && b.from < endMs) }));
  if (plotted.some(({ bars }) => bars.some((b) => b.value > 0))) return [];
  return plotted
    .filter(({ bars }) => bars.length > 0)
    .map(({ s, bars }) => {
      const partial = bars.findIndex((b) => b.partial === true);
      const points: TimePoint[] = [[Math.max(0, bars[0].from), 0], ...bars.map((b) => [Math.min(endMs, b.to), 0] as const)];
      return { name: s.name, color: s.color, points, ...(partial < 0 ? {} : { dashedFrom: partial + 1 }) };
    });
}

/** One line: solid up to its partial interval, dashed from there, and its values on hover. */
function lineParts(p: Plot, l: TimeLine): string[] {
  const { f, clampY, o, when } = p;
  const parts: string[] = [];
  const cut = l.dashedFrom ?? l.points.length;
  const solid = decimate(l.points.slice(0, cut), p.buckets);
  // The dashed part starts at the last solid point so the line stays connected.
  const dashed = cut < l.points.length ? l.points.slice(Math.max(0, cut - 1)) : [];
  if (solid.length > 1)
    parts.push(
      `<path class="series" d="${pathOf(f, solid, clampY)}" fill="none" stroke="${escapeXml(l.color)}" stroke-width="2" stroke-linejoin="round"><title>${escapeXml(l.name)}</title></path>`,
    );
  if (dashed.length > 1) {
    parts.push(
      `<path class="series partial-series" d="${pathOf(f, dashed, clampY)}" fill="none" stroke="${escapeXml(l.color)}" stroke-width="2" stroke-dasharray="5 4"><title>${escapeXml(l.name)} (partial interval)</title></path>`,
    );
  }
  const hover = (xx: number, yy: number): string => `<title>${escapeXml(`${l.name} at ${when(xx)}: ${o.yFormat(yy)}`)}</title>`;
  if (l.points.length > 0 && l.points.length <= 40) {
    for (const [xx, yy] of l.points)
      parts.push(`<circle cx="${n(f.sx(xx))}" cy="${n(f.sy(clampY(yy)))}" r="2.5" fill="${escapeXml(l.color)}">${hover(xx, yy)}</circle>`);
  } else if (l.points.length > 40) {
    // Too many points for dots: an invisible column per (decimated) point carries its value.
    const shown = decimate(l.points, Math.min(p.buckets, HOVER_MAX / 2));
    const w = Math.max(1, p.plotWidth / Math.max(1, shown.length));
    for (const [xx, yy] of shown)
      parts.push(
        `<rect class="hover" x="${n(f.sx(xx) - w / 2)}" y="${p.top}" width="${n(w)}" height="${n(p.bottom - p.top)}" fill="transparent">${hover(xx, yy)}</rect>`,
      );
  }
  return parts;
}

/**
 * Drop events: a shaded span each, numbered above the plot (where it hides no data); the number's
 * text is in the span's hover title and in the list the page prints. Numbers that would touch the
 * previous one are left out rather than drawn over it: the span still shows.
 */
function markerParts(p: Plot, markers: readonly TimeMarker[]): string[] {
  const { f, o, endMs, top, bottom, when } = p;
  const parts: string[] = [];
  let labelEnd = -Infinity;
  markers.forEach((m, i) => {
    const x0 = f.sx(Math.max(0, Math.min(endMs, m.from)));
    const x1 = Math.max(f.sx(Math.max(0, Math.min(endMs, m.to))), x0 + 2);
    const number = String(i + 1);
    parts.push(
      `<rect class="drop-event" x="${n(x0)}" y="${top}" width="${n(x1 - x0)}" height="${n(bottom - top)}" fill="#e4572e" opacity="0.35"><title>${escapeXml(`${number}: ${m.label} at ${when(m.from)}`)}</title></rect>`,
    );
    const at = Math.min(Math.max(x0, MARGIN.left), o.width - 2 * halfWidth(number) - 2);
    if (at < labelEnd + 4) return;
    labelEnd = at + 2 * halfWidth(number);
    parts.push(
      `<text class="drop-label" x="${n(at)}" y="${top - 6}">${number}<title>${escapeXml(`${m.label} at ${when(m.from)}`)}</title></text>`,
    );
  });
  return parts;
}

/** A timeline chart (SVG), sized `width` × `height` units, scaled to its container by CSS. */
export function timelineChart(o: TimelineChartOptions): string {
  const { plot, x, y } = plotOf(o);
  return [
    open(o.width, o.height, o.title, 'line-chart timeline'),
    axes(plot.f, x, y, o.title, false),
    ...partialParts(plot, hatchId(o.title, o.width)),
    ...bandParts(plot, o.bands ?? []),
    ...stackParts(plot, o.stacks ?? []),
    ...[...zeroLines(o.stacks ?? [], plot.endMs), ...(o.lines ?? [])].flatMap((l) => lineParts(plot, l)),
    ...markerParts(plot, o.markers ?? []),
    '</svg>',
  ].join('');
}
