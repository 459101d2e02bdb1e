/**
 * The slope of an observed gauge, judged growing or flat by the same block-means rule as the
 * client's own RSS (metrics/block-trend.ts, shared with client.memory): over the later half of the
 * hold (or after the endpoint's `warmUp`), at least the endpoint's `minWindow` (default 20 min),
 * in the series' own unit per hour and against a tolerance that suits the series (the series'
 * `flat`; bytes: the client's 10 MB/h or 2 %/h floor).
 */
import { blockTrend, type BlockTrend, windowText } from '../block-trend.js';
import {
  MEMORY_MIN_WINDOW_MS,
  MEMORY_SKIP_SHARE,
  MEMORY_TOLERANCE_MB_PER_HOUR,
  MEMORY_TOLERANCE_SHARE_PER_HOUR,
  type RssSeries,
} from '../memory-trend.js';
import type { TrendReason } from '../../run/report.js';

const MB = 1048576;

export interface TrendOptions {
  /** Left out after the hold starts; default the client's: the first half of the hold. */
  warmUpMs?: number;
  /** Shortest judged window on which growing/flat is called; default the client's 20 min. */
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
  reason?: TrendReason;
  note?: string;
}

/** Growth judged flat: bytes as the client's RSS (10 MB/h or 2 % of the median per hour); anything else 2 % of the median per hour. */
export function toleranceOf(median: number, bytes: boolean): number {
  const share = MEMORY_TOLERANCE_SHARE_PER_HOUR * Math.abs(median);
  return bytes ? Math.max(MEMORY_TOLERANCE_MB_PER_HOUR * MB, share) : share;
}

/** The trend of `series` (values against run time, ms) over the judged window of the hold; null with fewer than 3 samples there. */
export function seriesTrend(series: RssSeries, holdStartMs: number, holdEndMs: number, opts: TrendOptions): SeriesTrend | null {
  const skip = opts.warmUpMs ?? MEMORY_SKIP_SHARE * Math.max(0, holdEndMs - holdStartMs);
  const { atMs, mb: values } = series.points();
  const t = blockTrend({
    atMs,
    values,
    fromMs: holdStartMs + skip,
    toMs: holdEndMs,
    tolerance: (median) => opts.flatPerHour ?? toleranceOf(median, opts.bytes),
    minWindowMs: opts.minWindowMs ?? MEMORY_MIN_WINDOW_MS,
  });
  if (!t) return null;
  const half = Number.isFinite(t.half) ? t.half : 0;
  const out: SeriesTrend = {
    slopePerHour: round3(t.slope),
    ci: [round3(t.slope - half), round3(t.slope + half)],
    tolerancePerHour: round3(t.tolerance),
    fromS: Math.round(t.fromH * 3600),
    toS: Math.round(t.toH * 3600),
    samples: t.samples,
  };
  if (t.flat !== undefined) out.flat = t.flat;
  if (t.reason) {
    out.reason = t.reason;
    out.note = noteOf(t, opts.warmUpMs !== undefined);
  }
  return out;
}

/** The reason in words, with the figures behind it. */
function noteOf(t: BlockTrend, warmUpSet: boolean): string {
  switch (t.reason) {
    case 'too-short':
      return `too short to judge: ${windowText(t.windowMs)} ${warmUpSet ? 'after the warm-up' : 'in the later half of the hold'}, ${windowText(t.minWindowMs)} needed`;
    case 'too-few-samples':
      return 'too few samples to judge: fewer than 2 in one of the 8 blocks';
    case 'shrinking':
      return 'shrinking beyond the tolerance';
    default:
      return 'inconclusive: the 95 % interval reaches beyond ± the tolerance';
  }
}

/** Three significant decimals, and integers for large values (bytes per hour). */
function round3(v: number): number {
  return Math.abs(v) >= 1000 ? Math.round(v) : Math.round(v * 1000) / 1000;
}
