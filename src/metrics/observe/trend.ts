/**
 * The slope of an observed gauge after the warm-up, judged growing or flat the way the client's
 * own RSS is (metrics/memory-trend.ts: its bounded series, its least-squares fit widened for
 * correlated neighbours, its warm-up and its shortest judged window), in the series' own unit per
 * hour and against a tolerance that suits the series (bytes: the client's 5 MB/h or 1 %/h floor).
 */
import { FLAT_MB_PER_HOUR, FLAT_SHARE_PER_HOUR, MIN_JUDGED_MS, WARM_UP_MAX_MS, WARM_UP_SHARE, fitSlope, type RssSeries } from '../memory-trend.js';

const Z95 = 1.96;
const MIN_EFFECTIVE = 10;
const MB = 1048576;

export interface TrendOptions {
  /** Left out after the hold starts; default the client's: a quarter of the hold, at most 15 min. */
  warmUpMs?: number;
  /** Shortest fitted window on which growing/flat is called; default the client's 20 min. */
  minWindowMs?: number;
  /** Growth per hour judged flat; default from the unit (see toleranceOf). */
  flatPerHour?: number;
  /** The series counts bytes (its name ends in _bytes). */
  bytes: boolean;
}

export interface SeriesTrend {
  slopePerHour: number;
  ci: [number, number];
  tolerancePerHour: number;
  fromS: number;
  toS: number;
  samples: number;
  flat?: boolean;
  note?: string;
}

/** Growth judged flat: bytes as the client's RSS (5 MB/h or 1 % of the median per hour); anything else 1 % of the median per hour. */
export function toleranceOf(median: number, bytes: boolean): number {
  const share = FLAT_SHARE_PER_HOUR * Math.abs(median);
  return bytes ? Math.max(FLAT_MB_PER_HOUR * MB, share) : share;
}

/** The trend of `series` (values against run time, ms) after the warm-up of the hold; null with fewer than 3 samples there. */
export function seriesTrend(series: RssSeries, holdStartMs: number, holdEndMs: number, opts: TrendOptions): SeriesTrend | null {
  const warmUp = opts.warmUpMs ?? Math.min(WARM_UP_MAX_MS, WARM_UP_SHARE * Math.max(0, holdEndMs - holdStartMs));
  const minWindowMs = opts.minWindowMs ?? MIN_JUDGED_MS;
  const from = holdStartMs + warmUp;
  const { atMs, mb: values } = series.points();
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < atMs.length; i++) {
    if (atMs[i] >= from && atMs[i] <= holdEndMs && Number.isFinite(values[i])) {
      x.push(atMs[i] / 3_600_000);
      y.push(values[i]);
    }
  }
  if (x.length < 3) return null;
  const fit = fitSlope(x, y);
  const sorted = [...y].sort((a, b) => a - b);
  const tolerance = opts.flatPerHour ?? toleranceOf(sorted[sorted.length >> 1], opts.bytes);
  const half = Z95 * fit.se;
  const windowMs = (x[x.length - 1] - x[0]) * 3_600_000;
  const out: SeriesTrend = {
    slopePerHour: round3(fit.slope),
    ci: [round3(fit.slope - half), round3(fit.slope + half)],
    tolerancePerHour: round3(tolerance),
    fromS: Math.round(x[0] * 3600),
    toS: Math.round(x[x.length - 1] * 3600),
    samples: x.length,
  };
  const window = windowMs < 120_000 ? `${Math.round(windowMs / 1000)} s` : `${Math.round(windowMs / 60_000)} min`;
  const needed = minWindowMs < 120_000 ? `${Math.round(minWindowMs / 1000)} s` : `${Math.round(minWindowMs / 60_000)} min`;
  if (windowMs < minWindowMs) out.note = `too short to judge: ${window} after the warm-up, ${needed} needed`;
  else if (!(fit.effective >= MIN_EFFECTIVE) || !Number.isFinite(fit.se)) out.note = 'too few independent samples to judge';
  // A growing call needs the whole interval above the tolerance; flat, the whole interval within ± it.
  else if (fit.slope + half <= tolerance && fit.slope - half >= -tolerance) out.flat = true;
  else if (fit.slope - half > tolerance) out.flat = false;
  else out.note = fit.slope + half <= tolerance ? 'shrinking beyond the tolerance' : 'inconclusive: the 95 % interval reaches both sides of the tolerance';
  return out;
}

/** Three significant decimals, and integers for large values (bytes per hour). */
function round3(v: number): number {
  return Math.abs(v) >= 1000 ? Math.round(v) : Math.round(v * 1000) / 1000;
}
