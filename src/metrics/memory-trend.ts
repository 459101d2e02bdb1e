/**
 * Whether the client's memory stayed flat over a run: the RSS of the wsload process sampled at
 * every driver tick (a bounded series), judged over the later half of the hold from the slope of
 * block means (memoryTrend, below; the rule itself is metrics/block-trend.ts, which observed gauges
 * share). fitSlope, the per-sample least-squares line with its standard error widened for lag-1
 * autocorrelation, is the rule before issue 27 (the accelerated soak in bench/ fits its many forced-GC samples with it).
 */
import type { MemoryTrend } from '../run/report.js';
import { blockTrend, TREND_BLOCKS, windowText, type BlockTrend } from './block-trend.js';

/** Samples kept at most; when full, every other one is dropped and the spacing doubles (bounded by design). */
export const MAX_RSS_SAMPLES = 1024;

/** RSS (MB) against run time (ms), thinned to stay within MAX_RSS_SAMPLES. */
export class RssSeries {
  private readonly atMs: number[] = [];
  private readonly mb: number[] = [];
  private spacingMs = 0;
  private lastMs = -Infinity;

  constructor(private readonly maxSamples = MAX_RSS_SAMPLES) {}

  sample(atMs: number, rssMb: number): void {
    if (atMs - this.lastMs < this.spacingMs) return;
    this.lastMs = atMs;
    this.atMs.push(atMs);
    this.mb.push(rssMb);
    if (this.atMs.length < this.maxSamples) return;
    // Keep every other sample (the first and, for an even count, not the newest: it is taken again at the new spacing).
    let w = 0;
    for (let r = 0; r < this.atMs.length; r += 2, w++) {
      this.atMs[w] = this.atMs[r];
      this.mb[w] = this.mb[r];
    }
    this.atMs.length = w;
    this.mb.length = w;
    const span = this.atMs[w - 1] - this.atMs[0];
    this.spacingMs = w > 1 ? span / (w - 1) : this.spacingMs * 2;
    this.lastMs = this.atMs[w - 1];
  }

  points(): { atMs: readonly number[]; mb: readonly number[] } {
    return { atMs: this.atMs, mb: this.mb };
  }
}

/** Least-squares line of y on x with the slope's standard error widened for lag-1 autocorrelation. */
export function fitSlope(x: readonly number[], y: readonly number[]): { slope: number; intercept: number; se: number; effective: number } {
  const n = x.length;
  if (n < 3) return { slope: 0, intercept: y[0] ?? 0, se: Infinity, effective: n };
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
  }
  if (sxx === 0) return { slope: 0, intercept: my, se: Infinity, effective: n };
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  let lag = 0;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const r = y[i] - (intercept + slope * x[i]);
    sse += r * r;
    if (i > 0) lag += r * prev;
    prev = r;
  }
  const rho = sse > 0 ? Math.max(0, Math.min(0.99, lag / sse)) : 0;
  const effective = (n * (1 - rho)) / (1 + rho);
  const se = Math.sqrt(sse / (n - 2) / sxx) * Math.sqrt((1 + rho) / (1 - rho));
  return { slope, intercept, se, effective };
}

/** client.memory leaves out the first half of the hold, whatever its length (a run still reaching its working size is past it by then; scale-free). */
export const MEMORY_SKIP_SHARE = 0.5;
/** Equal-time blocks the judged half is cut into (the shared block-means rule, metrics/block-trend.ts). */
export const MEMORY_BLOCKS = TREND_BLOCKS;
/**
 * Shortest judged window (the later half of a hold of twice this): shorter, the slope is given and flat is not. The
 * process settles for tens of minutes (300 sockets without a leak: +12 to +18 MB/h over minutes 3-16), so a half of
 * 10 min still sees the settling (docs/soak.md).
 */
export const MEMORY_MIN_WINDOW_MS = 20 * 60_000;
/** Growth tolerated as flat by default: 10 MB per hour, or 2 % of the median RSS per hour when that is more (docs/soak.md). */
export const MEMORY_TOLERANCE_MB_PER_HOUR = 10;
export const MEMORY_TOLERANCE_SHARE_PER_HOUR = 0.02;

export interface MemoryTrendOptions {
  /** Growth judged flat, MB per hour (default: MEMORY_TOLERANCE_MB_PER_HOUR or the share of the median RSS). */
  toleranceMbPerHour?: number;
  /** Shortest judged window, ms (default MEMORY_MIN_WINDOW_MS). */
  minWindowMs?: number;
}

/**
 * Whether the RSS stayed flat over the later half of a hold from `holdStartMs` to `holdEndMs`
 * (run time), by the block-means rule (metrics/block-trend.ts): flat when the whole 95 % interval
 * lies within ± the tolerance, growing when it lies above it. Null when fewer than 3 samples fall
 * in the half.
 */
export function memoryTrend(series: RssSeries, holdStartMs: number, holdEndMs: number, opts: MemoryTrendOptions = {}): MemoryTrend | null {
  const { atMs, mb } = series.points();
  const minWindowMs = opts.minWindowMs ?? MEMORY_MIN_WINDOW_MS;
  const t = blockTrend({
    atMs,
    values: mb,
    fromMs: holdStartMs + MEMORY_SKIP_SHARE * Math.max(0, holdEndMs - holdStartMs),
    toMs: holdEndMs,
    tolerance: (median) => opts.toleranceMbPerHour ?? Math.max(MEMORY_TOLERANCE_MB_PER_HOUR, MEMORY_TOLERANCE_SHARE_PER_HOUR * median),
    minWindowMs,
  });
  if (!t) return null;
  const ci: [number, number] = Number.isFinite(t.half)
    ? [round2(t.slope - t.half), round2(t.slope + t.half)]
    : [round2(t.slope), round2(t.slope)];
  const out: MemoryTrend = {
    rssSlopeMbPerHour: round2(t.slope),
    ci,
    toleranceMbPerHour: round2(t.tolerance),
    fromS: Math.round(t.fromH * 3600),
    toS: Math.round(t.toH * 3600),
    samples: t.samples,
    startMb: round1(t.start),
    endMb: round1(t.end),
    minWindowS: Math.round(minWindowMs / 1000),
    ...(opts.toleranceMbPerHour !== undefined ? { toleranceSet: true } : {}),
  };
  if (t.flat !== undefined) out.flat = t.flat;
  if (t.reason) {
    out.reason = t.reason;
    out.note = noteOf(t);
  }
  return out;
}

/** The reason in words, with the figures behind it. */
function noteOf(t: BlockTrend): string {
  switch (t.reason) {
    case 'too-short':
      return `too short to judge: ${windowText(t.windowMs)} in the later half of the hold, ${windowText(t.minWindowMs)} needed`;
    case 'too-few-samples':
      return `too few samples to judge: fewer than 2 in one of the ${MEMORY_BLOCKS} blocks`;
    case 'shrinking':
      return `shrinking: the 95 % interval lies below −${round2(t.tolerance)} MB/h`;
    default:
      return `inconclusive: the 95 % interval reaches beyond ± ${round2(t.tolerance)} MB/h`;
  }
}

const round2 = (v: number): number => Math.round(v * 100) / 100;
const round1 = (v: number): number => Math.round(v * 10) / 10;
