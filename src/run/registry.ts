/**
 * The histogram and counter registry: every histogram a run records and every counter a report
 * carries, declared once with where it sits in the Report, its unit, which way is better and how
 * reports merge it. report/build, report/merge, report/compare, metrics/names, render/html and
 * render/hgrm read these tables instead of restating them; test/unit/registry.test.ts checks each
 * entry against a real built report. This module gathers the tables: histograms in
 * registry-histograms.ts, their per-cohort and per-topic breakdowns in registry-breakdowns.ts, where
 * their sets sit in registry-locations.ts, counters in counters-delivery.ts and counters-churn-stream.ts
 * (their shape in counter-def.ts). Adding a counter is one entry in its section's counters file plus
 * the place it is counted.
 */
import type { Report } from './report.js';
import type { CounterDef } from './counter-def.js';
import { CONNECTION_FANOUT_PUBLISH_COUNTERS } from './counters-delivery.js';
import { CHURN_STREAM_LATER_COUNTERS } from './counters-churn-stream.js';

export type { Axis, MetricDirection } from './metric-kinds.js';
export { AXIS_COUNTERS, axisCountersOf, type AxisCounterDef, type TopicCounterKey } from './axis-counters.js';
export {
  HISTOGRAMS,
  type HistogramDef,
  type SectionSets,
  type SetSection,
  WORKER_HISTOGRAMS,
  type WorkerHistogramKey,
} from './registry-histograms.js';
export {
  AXES,
  BREAKDOWNS,
  type BreakdownDef,
  breakdownKey,
  breakdownOf,
  breakdownsOf,
  COHORT_HISTOGRAMS,
  type CohortHistogramKind,
  cohortHistogramKey,
  idleSamplesKey,
  parseBreakdownKey,
  TOPIC_HISTOGRAMS,
  type TopicHistogramKind,
  topicHistogramKey,
} from './registry-breakdowns.js';
export {
  breakdownLocation,
  histogramDef,
  histogramOfFamily,
  locateHistogram,
  percentileCapMs,
  sectionSets,
  type SetLocation,
  setLocation,
} from './registry-locations.js';
export { clockUncertaintyOf, type CounterDef, type CounterMerge } from './counter-def.js';

/** Every counter, in the order thresholds and compare list metric counters. */
export const COUNTERS: readonly CounterDef[] = [...CONNECTION_FANOUT_PUBLISH_COUNTERS, ...CHURN_STREAM_LATER_COUNTERS];

/** The registered counter at `path`, or undefined. */
export function counterDef(path: string): CounterDef | undefined {
  return COUNTERS.find((c) => c.path === path);
}

/** Writes a stored counter's value at its report path (two levels: "section.field"). */
export function setCounter(r: Report, def: CounterDef, value: number): void {
  const [section, field] = def.path.split('.');
  // An optional section (stream) absent from the report stays absent.
  const into = r[section as keyof Report] as unknown as Record<string, number> | undefined;
  if (!into) return;
  if (def.onlyWhenAny === true && value === 0) delete into[field];
  else into[field] = value;
}

/** The merged value of a stored counter over reports, by its merge rule. */
export function mergeCounter(def: CounterDef, reports: readonly Report[]): number {
  const values = reports.map(def.get);
  return def.merge === 'max' ? Math.max(0, ...values) : values.reduce((a, b) => a + b, 0);
}
