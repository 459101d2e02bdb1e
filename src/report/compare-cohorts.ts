/**
 * Compare rows for the per-cohort breakdowns (src/run/registry.ts BREAKDOWNS, axis cohort) that
 * carry latency: fan-out p50 and p99 of each cohort both sides ran ("is the ping cohort slower?").
 * Shown, not judged: a run keeps no per-block histograms per cohort, so the block bootstrap that
 * judges the whole run's fan-out has nothing to resample, and a verdict would be a call on noise.
 */
import type { Report } from '../run/report.js';
import { breakdownLocation, breakdownsOf, histogramDef } from '../run/registry.js';
import { baseRow } from './compare-counters.js';
import type { ComparisonRow } from './compare-types.js';

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Cohorts every report of both sides has the breakdown's set for, in the first before report's order. */
function sharedCohorts(reports: readonly Report[], get: (r: Report, cohort: string) => unknown): string[] {
  const names = reports[0]?.scenario.cohorts.map((c) => c.name) ?? [];
  return names.filter((c) => reports.every((r) => get(r, c) !== undefined));
}

/** p50 and p99 rows of every latency breakdown by cohort, for the cohorts both sides kept it for (none with one cohort). */
export function cohortLatencyRows(before: readonly Report[], after: readonly Report[]): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  for (const b of breakdownsOf('cohort')) {
    const def = histogramDef(b.key);
    // Only breakdowns of a latency family (fan-out); the disconnect timings describe closes, not speed.
    if (!def || def.direction !== 'lower-is-better' || def.family === null) continue;
    const get = (r: Report, cohort: string) => breakdownLocation(b, cohort).get(r);
    for (const cohort of sharedCohorts([...before, ...after], get)) {
      for (const agg of ['p50', 'p99'] as const) {
        const value = (r: Report): number => get(r, cohort)?.[agg] ?? 0;
        const runs = before.length > 1 || after.length > 1 ? { before: before.map(value), after: after.map(value) } : null;
        const note = 'per cohort: shown, not judged (no per-block histograms per cohort)';
        rows.push(
          baseRow(
            `${def.family}.byCohort.${cohort}.${agg}`,
            `${def.label} of cohort "${cohort}"`,
            'ms',
            def.direction,
            mean(before.map(value)),
            mean(after.map(value)),
            'inconclusive',
            note,
            'informational',
            runs,
          ),
        );
      }
    }
  }
  return rows;
}
