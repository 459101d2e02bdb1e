/** The timeline's .ndjson lines as spans of time: rates over each span's real length, the partial last one dashed. */
import type { TimelineLine } from '../../run/report.js';
import type { TimePoint } from '../timeline-chart.js';

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
export function dashFrom(spans: readonly Span[]): number | undefined {
  const i = spans.findIndex((s) => s.partial);
  return i < 0 ? undefined : i;
}

export function points(spans: readonly Span[], at: 'mid' | 'to', get: (s: Span) => number): TimePoint[] {
  return spans.map((s) => [s[at], get(s)] as const);
}
