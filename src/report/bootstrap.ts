/**
 * Block bootstrap of latency percentiles. A run's samples are not independent (every delivery of
 * one publish shares its fate), but blocks of the run's time are nearly so; resampling whole
 * blocks with replacement and reading the percentile of their sum gives the spread a percentile
 * would show if the run were repeated under the same conditions. Seeded, so a verdict never
 * changes between invocations. Pure.
 */
import type { HistogramBuckets } from '../metrics/histogram.js';

/** Resamples per run: enough for stable 2.5% / 97.5% points (measured: ~40 ms per run and family at 600 blocks). */
export const BOOTSTRAP_RESAMPLES = 500;

/** A seeded uniform generator on [0, 1) (mulberry32): reproducible on every platform. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/** FNV-1a hash of strings: a run's seed comes from its own data, so swapping runs swaps streams. */
export function hashSeed(parts: Iterable<string>): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      h ^= part.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0xff;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// HdrHistogram's rank rule (getValueAtPercentile): the smallest value with at least
// ceil(q·n) samples at or below it, and at least the first sample.
function rankOf(q: number, total: number): number {
  const fp = q * total;
  return Math.max(1, Math.ceil(fp - fp * 1e-12));
}

/**
 * Percentiles (µs) of `resamples` block-bootstrap resamples: each resample draws blocks.length
 * blocks with replacement and adds them. Returns, per quantile in `qs`, one value per resample.
 * Empty blocks must be left out by the caller (they would only dilute the draw).
 */
export function bootstrapQuantiles(blocks: readonly HistogramBuckets[], qs: readonly number[], resamples: number, seed: number): Float64Array[] {
  const out = qs.map(() => new Float64Array(resamples));
  if (blocks.length === 0) return out;
  // One shared value grid, so a resample is a dense array of counts added block by block.
  const grid = [...new Set(blocks.flatMap((b) => [...b.valuesUs]))].sort((a, b) => a - b);
  const slot = new Map(grid.map((v, i) => [v, i]));
  const idx = blocks.map((b) => Int32Array.from(b.valuesUs, (v) => slot.get(v) ?? 0));
  const order = qs.map((q, i) => ({ q, i })).sort((a, b) => a.q - b.q);
  const dense = new Float64Array(grid.length);
  const rand = seededRandom(seed);
  for (let r = 0; r < resamples; r++) {
    dense.fill(0);
    let total = 0;
    for (let k = 0; k < blocks.length; k++) {
      const j = Math.floor(rand() * blocks.length);
      const b = blocks[j];
      const ix = idx[j];
      for (let e = 0; e < ix.length; e++) dense[ix[e]] += b.counts[e];
      total += b.total;
    }
    let cum = 0;
    let g = 0;
    for (const { q, i } of order) {
      const rank = rankOf(q, total);
      while (g < grid.length && cum + dense[g] < rank) cum += dense[g++];
      out[i][r] = grid[Math.min(g, grid.length - 1)];
    }
  }
  return out;
}

/**
 * The central `confidence` interval of after − before from paired independent resamples of each
 * run. Trimming the same number of draws from each end makes it exactly antisymmetric: swapping
 * the runs negates the interval.
 */
export function differenceInterval(before: Float64Array, after: Float64Array, confidence = 0.95): { low: number; high: number } {
  const n = Math.min(before.length, after.length);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = after[i] - before[i];
  d.sort();
  const cut = Math.floor(((1 - confidence) / 2) * n);
  return { low: d[cut], high: d[n - 1 - cut] };
}
