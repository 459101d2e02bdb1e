/** HdrHistogram percentile-distribution text (.hgrm, values in ms) of one histogram in a report. */
import { UsageError } from '../errors.js';
import { createHistogram, percentileDistribution, type Histogram } from '../metrics/histogram.js';
import { reportHistogram } from '../report/read.js';
import type { Report } from '../run/report.js';
import { HISTOGRAMS } from '../run/registry.js';

/** Names every report accepts, even when it holds no such histogram (it then renders empty). */
export const STANDARD_HGRM_NAMES: readonly string[] = HISTOGRAMS.filter((h) => h.hgrm).map((h) => h.key);

/** The names `--hgrm` accepts for this report: the standard ones, then every histogram key. */
export function hgrmNames(report: Report): string[] {
  const extra = Object.keys(report.histograms)
    .filter((k) => !STANDARD_HGRM_NAMES.includes(k))
    .sort();
  return [...STANDARD_HGRM_NAMES, ...extra];
}

/** Decodes histogram `name`; an unknown name throws a UsageError listing the valid ones. */
export function hgrmHistogram(report: Report, name: string): Histogram {
  const h = reportHistogram(report, name);
  if (h !== null) return h;
  if (STANDARD_HGRM_NAMES.includes(name)) return createHistogram();
  throw new UsageError(`unknown histogram "${name}"; valid names: ${hgrmNames(report).join(', ')}`);
}

/** The .hgrm text of histogram `name`, as HdrHistogram's plotter reads it. */
export function renderHgrm(report: Report, name: string): string {
  return percentileDistribution(hgrmHistogram(report, name));
}
