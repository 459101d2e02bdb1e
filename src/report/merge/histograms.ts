/** report.histograms added exactly and the percentile sets behind them recomputed; per-interval histograms added by time. */
import { encodeHistogram, mergeEncoded, percentiles } from '../../metrics/histogram.js';
import { mergeIntervals } from '../../metrics/interval-blocks.js';
import type { PercentileSet, Report } from '../../run/report.js';
import {
  HISTOGRAMS,
  breakdownKey,
  breakdownsOf,
  histogramDef,
  idleSamplesKey,
  locateHistogram,
  parseBreakdownKey,
  percentileCapMs,
} from '../../run/registry.js';
import { approximateSet, unique } from './sums.js';

/**
 * Report.histograms of the merged report: every key any run had, added exactly, and the percentile
 * set behind it (whole-run or per value of a breakdown) recomputed from the sum; a set no run kept
 * a histogram for is combined as well as numbers allow. Says in `warnings` what is missing.
 */
export function mergeHistograms(merged: Report, reports: readonly Report[], cohorts: readonly string[], warnings: string[]): void {
  const n = reports.length;
  const deadlines = reports.flatMap((r) => (r.scenario.publish ? [r.scenario.publish.deadlineMs] : []));
  const deadlineMs = deadlines.length > 0 ? Math.max(...deadlines) : undefined;
  const keys = unique(reports.flatMap((r) => Object.keys(r.histograms)));
  for (const key of keys) {
    const encoded = reports.map((r) => r.histograms[key]).filter((e): e is string => e !== undefined);
    const h = mergeEncoded(encoded);
    merged.histograms[key] = encodeHistogram(h);
    const accessor = locateHistogram(key);
    // Completion is capped at the longest deadline of the runs (no sample of any run passed its own).
    accessor?.set(merged, percentiles(h, percentileCapMs(key, deadlineMs)));
    // A cohort with no idle-timeout samples has no such histogram: not missing.
    const optional = key.startsWith(idleSamplesKey(''));
    // A percentile set absent from older reports (optional in the registry) had no samples there.
    // So is a value of an optional breakdown (a topic, a cohort's fan-out) in a run without it.
    const absent = histogramDef(key)?.optional === true || parseBreakdownKey(key)?.b.optional === true ? 0 : 1;
    const missing = optional ? 0 : reports.filter((r) => r.histograms[key] === undefined && (accessor?.get(r)?.count ?? absent) > 0).length;
    if (missing > 0)
      warnings.push(`histogram "${key}" is missing from ${missing} of ${n} reports: its merged percentiles leave those runs out`);
  }
  // Percentile sets with no histogram in any report are combined as well as numbers allow.
  const cohortKeys = cohorts.flatMap((c) => breakdownsOf('cohort').flatMap((b) => (b.optional ? [] : [breakdownKey(b, c)])));
  for (const key of [...HISTOGRAMS.map((h) => h.key), ...cohortKeys]) {
    if (keys.includes(key)) continue;
    const accessor = locateHistogram(key);
    if (!accessor) continue;
    const sets = reports.map((r) => accessor.get(r)).filter((s): s is PercentileSet => s !== undefined);
    accessor.set(merged, approximateSet(sets));
    if (sets.some((s) => s.count > 0))
      warnings.push(`no histogram "${key}" in the merged reports: its percentiles are upper bounds (the largest of the runs')`);
  }
}

/** Per-block histograms combine by time, so compare judges the merged run by its blocks too. */
export function mergeIntervalSection(merged: Report, reports: readonly Report[], warnings: string[]): void {
  const n = reports.length;
  const time = (s: string): number => Date.parse(s);
  const timed = reports.flatMap((r) =>
    r.intervals ? [{ intervals: r.intervals, offsetMs: time(r.startedAt) - time(merged.startedAt) }] : [],
  );
  if (timed.length === n) merged.intervals = mergeIntervals(timed);
  else if (timed.length > 0)
    warnings.push(
      `${n - timed.length} of ${n} reports have no per-interval histograms: compare judges the merged report with per-delivery intervals`,
    );
}
