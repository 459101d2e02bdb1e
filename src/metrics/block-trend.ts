/**
 * The block-means rule shared by every trend verdict (issues 26 and 27): the client's RSS
 * (client.memory, metrics/memory-trend.ts) and every observed gauge (metrics/observe/trend.ts).
 * The judged window is cut into 8 equal-time blocks and a least-squares line is fitted through the
 * blocks' means, its 95 % interval from Student's t with 6 degrees of freedom. Block means over
 * minutes are nearly independent where samples seconds apart are not (a GC sawtooth, a slow wave),
 * so a slowly curving series still gets a call where a per-sample fit ran out of independent
 * samples; a curve that bends inside the window widens the interval instead of fooling the slope.
 * Flat: the whole interval within ± the tolerance; growing: the whole interval above it;
 * shrinking (no call: memory given back): the whole interval below −tolerance.
 */
import type { TrendReason } from '../run/report.js';

/** Equal-time blocks the judged window is cut into; the line is fitted through their means. */
export const TREND_BLOCKS = 8;
/** Student's t, two-sided 95 %, TREND_BLOCKS − 2 = 6 degrees of freedom. */
const T95_6DF = 2.447;

/** What blockTrend found; the caller words the note and rounds in its own unit. */
export interface BlockTrend {
  /** Slope per hour (the value's unit). */
  slope: number;
  /** 95 % half-width of the slope; Infinity when a block held fewer than 2 samples. */
  half: number;
  tolerance: number;
  /** First and last sample time in the window, hours of run time. */
  fromH: number;
  toH: number;
  samples: number;
  /** The fitted line at the window's ends. */
  start: number;
  end: number;
  windowMs: number;
  minWindowMs: number;
  /** Present when a call was made. */
  flat?: boolean;
  /** Present when none was: why (TREND_REASONS). */
  reason?: TrendReason;
}

export interface BlockTrendInput {
  /** Sample times, ms of run time, ascending; values in the series' unit. */
  atMs: readonly number[];
  values: readonly number[];
  /** The judged window, ms of run time. */
  fromMs: number;
  toMs: number;
  /** Growth per hour judged flat, from the window's median value. */
  tolerance: (median: number) => number;
  /** Shortest window that gets a call. */
  minWindowMs: number;
}

/** The block-means trend over [fromMs, toMs]; null when fewer than 3 (finite) samples fall in it. */
export function blockTrend(input: BlockTrendInput): BlockTrend | null {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < input.atMs.length; i++) {
    const t = input.atMs[i];
    if (t >= input.fromMs && t <= input.toMs && Number.isFinite(input.values[i])) {
      x.push(t / 3_600_000);
      y.push(input.values[i]);
    }
  }
  if (x.length < 3) return null;
  const blocks = blockMeans(x, y, TREND_BLOCKS);
  const fit = blocks ? lineOf(blocks.x, blocks.y) : null;
  const slope = fit?.slope ?? lineOf(x, y).slope;
  // Plain least squares through 8 means (no widening for correlation: the blocks are the independent units).
  const se = fit && blocks ? plainSe(blocks.x, blocks.y, fit.slope, fit.intercept) : Infinity;
  const half = T95_6DF * se;
  const sorted = [...y].sort((a, b) => a - b);
  const tolerance = input.tolerance(sorted[sorted.length >> 1]);
  const windowMs = (x[x.length - 1] - x[0]) * 3_600_000;
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const out: BlockTrend = {
    slope,
    half,
    tolerance,
    fromH: x[0],
    toH: x[x.length - 1],
    samples: x.length,
    start: mean + slope * (x[0] - mx),
    end: mean + slope * (x[x.length - 1] - mx),
    windowMs,
    minWindowMs: input.minWindowMs,
  };
  if (windowMs < input.minWindowMs) out.reason = 'too-short';
  else if (!Number.isFinite(half)) out.reason = 'too-few-samples';
  else if (slope - half > tolerance) out.flat = false;
  else if (slope + half <= tolerance && slope - half >= -tolerance) out.flat = true;
  // Shrinking only when the whole interval lies below −tolerance; one that also holds 0 is undecided.
  else if (slope + half < -tolerance) out.reason = 'shrinking';
  else out.reason = 'inconclusive';
  return out;
}

/** "20 min", "45 s": a window length in a note. */
export function windowText(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

/** Means of `y` and of `x` in `k` equal spans of x; null when a span holds fewer than 2 points. */
function blockMeans(x: readonly number[], y: readonly number[], k: number): { x: number[]; y: number[] } | null {
  const lo = x[0];
  const span = x[x.length - 1] - lo;
  if (!(span > 0)) return null;
  const sx = new Array<number>(k).fill(0);
  const sy = new Array<number>(k).fill(0);
  const n = new Array<number>(k).fill(0);
  for (let i = 0; i < x.length; i++) {
    const b = Math.min(k - 1, Math.floor(((x[i] - lo) / span) * k));
    sx[b] += x[i];
    sy[b] += y[i];
    n[b]++;
  }
  if (n.some((c) => c < 2)) return null;
  return { x: sx.map((v, b) => v / n[b]), y: sy.map((v, b) => v / n[b]) };
}

/** Ordinary least-squares line of y on x (slope 0 when x does not vary). */
function lineOf(x: readonly number[], y: readonly number[]): { slope: number; intercept: number } {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { slope, intercept: my - slope * mx };
}

/** The slope's ordinary least-squares standard error. */
function plainSe(x: readonly number[], y: readonly number[], slope: number, intercept: number): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  let sxx = 0;
  let sse = 0;
  for (let i = 0; i < x.length; i++) {
    sxx += (x[i] - mx) ** 2;
    sse += (y[i] - (intercept + slope * x[i])) ** 2;
  }
  return sxx > 0 ? Math.sqrt(sse / (x.length - 2) / sxx) : Infinity;
}
