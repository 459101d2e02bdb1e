/**
 * Whether the client's memory stayed flat over a run: the RSS of the wsload process sampled at
 * every driver tick (a bounded series), and after the warm-up a least-squares slope in MB per
 * hour with a 95 % interval, judged against a tolerance. RSS samples a few seconds apart are
 * correlated (the heap grows and is collected in waves), so the slope's standard error is
 * widened by the residuals' lag-1 autocorrelation, as for an AR(1) series: a sawtooth is not read
 * as evidence.
 */
import type { MemoryTrend } from '../run/report.js';

/** Samples kept at most; when full, every other one is dropped and the spacing doubles (bounded by design). */
export const MAX_RSS_SAMPLES = 1024;
/** The warm-up left out after the hold starts: heaps and buffers grow to their working size first. */
export const WARM_UP_MAX_MS = 15 * 60_000;
export const WARM_UP_SHARE = 0.25;
/** Shortest window after the warm-up on which flat is judged (shorter: the slope is given, flat is not). */
export const MIN_JUDGED_MS = 20 * 60_000;
/** Growth tolerated as flat: 5 MB per hour, or 1 % of the median RSS per hour when that is more. */
export const FLAT_MB_PER_HOUR = 5;
export const FLAT_SHARE_PER_HOUR = 0.01;
/** Two-sided 95 % normal quantile (the effective sample size is required to be ≥ MIN_EFFECTIVE). */
const Z95 = 1.96;
const MIN_EFFECTIVE = 10;

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

/**
 * The slope after the warm-up of a run whose hold went from `holdStartMs` to `holdEndMs` (run
 * time), or null when fewer than 3 samples fall after the warm-up.
 */
export function memoryTrend(series: RssSeries, holdStartMs: number, holdEndMs: number): MemoryTrend | null {
  const warmUp = Math.min(WARM_UP_MAX_MS, WARM_UP_SHARE * Math.max(0, holdEndMs - holdStartMs));
  const from = holdStartMs + warmUp;
  const { atMs, mb } = series.points();
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < atMs.length; i++) {
    if (atMs[i] >= from && atMs[i] <= holdEndMs) {
      x.push(atMs[i] / 3_600_000);
      y.push(mb[i]);
    }
  }
  if (x.length < 3) return null;
  const fit = fitSlope(x, y);
  const sorted = [...y].sort((a, b) => a - b);
  const tolerance = Math.max(FLAT_MB_PER_HOUR, FLAT_SHARE_PER_HOUR * sorted[sorted.length >> 1]);
  const half = Z95 * fit.se;
  const ci: [number, number] = [round2(fit.slope - half), round2(fit.slope + half)];
  const windowMs = (x[x.length - 1] - x[0]) * 3_600_000;
  const out: MemoryTrend = {
    rssSlopeMbPerHour: round2(fit.slope),
    ci,
    toleranceMbPerHour: round2(tolerance),
    fromS: Math.round(x[0] * 3600),
    toS: Math.round(x[x.length - 1] * 3600),
    samples: x.length,
    startMb: round1(fit.intercept + fit.slope * x[0]),
    endMb: round1(fit.intercept + fit.slope * x[x.length - 1]),
  };
  const window = windowMs < 120_000 ? `${Math.round(windowMs / 1000)} s` : `${Math.round(windowMs / 60_000)} min`;
  if (windowMs < MIN_JUDGED_MS) out.note = `too short to judge: ${window} after the warm-up, ${MIN_JUDGED_MS / 60_000} min needed`;
  else if (!(fit.effective >= MIN_EFFECTIVE) || !Number.isFinite(fit.se)) out.note = 'too few independent samples to judge';
  else if (fit.slope + half <= tolerance) out.flat = true;
  else if (fit.slope - half > tolerance) out.flat = false;
  else out.note = `inconclusive: the 95 % interval reaches both sides of ${round2(tolerance)} MB/h`;
  return out;
}

const round2 = (v: number): number => Math.round(v * 100) / 100;
const round1 = (v: number): number => Math.round(v * 10) / 10;
