/**
 * Percentile distribution charts the way HdrHistogram's plotter draws them: x is 1/(1−p) on a log
 * scale (so 90%, 99%, 99.9% are evenly spaced and the tail gets the room), y is latency.
 */
import type { Histogram } from '../metrics/histogram.js';
import { fmtMs } from './format.js';
import { lineChart, niceTicks, type Series, type Tick } from './svg-chart.js';

/** Label of tick k on the percentile axis: 0 → "0%", 1 → "90%", 3 → "99.9%". */
export function percentileTickLabel(k: number): string {
  if (k === 0) return '0%';
  return `${(100 - 100 / 10 ** k).toFixed(Math.max(0, k - 2))}%`;
}

/** Highest x (log10 of 1/(1−p)) worth drawing for n samples: beyond it every percentile is the max. */
export function percentileAxisMax(count: number): number {
  return Math.max(2, Math.ceil(Math.log10(Math.max(count, 1))));
}

/** Points [log10(1/(1−p)), value ms] of a histogram's percentile curve, ending at its max. */
export function percentileCurve(h: Histogram, step = 0.02): [number, number][] {
  const n = h.totalCount;
  if (n === 0) return [];
  const end = Math.log10(n);
  const points: [number, number][] = [];
  for (let i = 0; i * step < end; i++) {
    const x = i * step;
    const p = 1 - 10 ** -x;
    points.push([x, h.getValueAtPercentile(p * 100) / 1000]);
  }
  points.push([end, h.maxValue / 1000]);
  return points;
}

/** Ticks of the percentile axis up to `max` (an integer number of nines). */
export function percentileTicks(max: number): Tick[] {
  return Array.from({ length: max + 1 }, (_, k) => ({ at: k, label: percentileTickLabel(k) }));
}

/** An SVG percentile-distribution chart of one or more histograms on shared axes. */
export function percentileChart(
  title: string,
  curves: readonly { name: string; color: string; histogram: Histogram }[],
  size: { width: number; height: number } = { width: 720, height: 300 },
): string {
  const maxX = percentileAxisMax(Math.max(...curves.map((c) => c.histogram.totalCount), 1));
  const series: Series[] = curves.map((c) => ({
    name: `${c.name} (${c.histogram.totalCount.toLocaleString('en-US')} samples)`,
    color: c.color,
    points: percentileCurve(c.histogram),
  }));
  const maxY = Math.max(0, ...curves.map((c) => c.histogram.maxValue / 1000));
  const y = niceTicks(maxY, fmtMs);
  return lineChart({
    title,
    x: { label: 'percentile (log scale of 1/(1−p))', min: 0, max: maxX, ticks: percentileTicks(maxX) },
    y: { label: '', min: 0, max: y.max, ticks: y.ticks },
    series,
    width: size.width,
    height: size.height,
    margin: { left: 64, right: 36, top: 12, bottom: 40 },
    drawTitle: false,
  });
}

/**
 * The histogram's samples as (value ms, weight) pairs: the exact order statistics when there are
 * at most `maxPoints` samples, else `maxPoints` evenly spaced quantiles each standing for n/maxPoints.
 */
export function histogramSamples(h: Histogram, maxPoints = 2000): { value: number; weight: number }[] {
  const n = h.totalCount;
  if (n === 0) return [];
  const k = Math.min(n, maxPoints);
  const out: { value: number; weight: number }[] = [];
  for (let i = 1; i <= k; i++) out.push({ value: h.getValueAtPercentile((100 * i) / k) / 1000, weight: n / k });
  return out;
}
