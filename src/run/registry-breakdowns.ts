/** Histograms kept per value of an axis (cohort, topic): the breakdowns and their keys in Report.histograms. */
import type { Report } from './report.js';
import type { Axis } from './metric-kinds.js';
import type { Registered } from './registry-histograms.js';

/**
 * A breakdown axis: the values a run's histograms can be kept per. Per-value percentile sets sit in
 * the family's section under the axis's field: `${section}.${field}[value][family field]`
 * (disconnects.byCohort.<c>.idleAtCloseMs, fanout.byTopic.<t>.latencyMs, fanout.byCohort.<c>.latencyMs).
 * Shards are not an axis of histograms: a shard's books are in shards[] and its histograms are added
 * into the run's as they arrive (the coordinator keeps none per shard).
 */
export const AXES = {
  cohort: { field: 'byCohort', values: (r: Report): string[] => r.scenario.cohorts.map((c) => c.name) },
  topic: { field: 'byTopic', values: (r: Report): string[] => r.scenario.topics?.names ?? [] },
} as const satisfies Record<Axis, { field: string; values: (r: Report) => string[] }>;

/** One family kept per value of an axis: histograms "<prefix>:<value>" in Report.histograms. */
export interface BreakdownDef {
  /** The family's registered (whole-run) histogram: its section, field, unit and cap. */
  readonly key: Registered['key'];
  readonly axis: Axis;
  /** Report.histograms key before ":<value>"; the family's own key for the breakdowns older reports carry. */
  readonly prefix: string;
  /** Kept only when the axis has at least this many values (one cohort's fan-out is the run's). */
  readonly minValues: number;
  /**
   * 'sets': the per-value entry holds only percentile sets and is made where one is set (merge);
   * 'built': a section builder makes the entry with its counters, a set is written into it.
   */
  readonly entry: 'sets' | 'built';
  /** Absent from reports written before it existed, or from runs without that value: not "missing" in merge. */
  readonly optional: boolean;
}

const breakdown = (d: Pick<BreakdownDef, 'key' | 'axis'> & Partial<BreakdownDef>): BreakdownDef => ({
  prefix: d.key,
  minValues: 1,
  entry: 'built',
  optional: false,
  ...d,
});

/**
 * Every breakdown, declared once: the worker allocates and ships what it records of these
 * (worker/histogram-set.ts), the report builds, merges, compares and renders them from here.
 */
export const BREAKDOWNS: readonly BreakdownDef[] = [
  breakdown({ key: 'idleAtClose', axis: 'cohort' }),
  breakdown({ key: 'sentIdleAtClose', axis: 'cohort' }),
  breakdown({ key: 'ageAtClose', axis: 'cohort' }),
  breakdown({ key: 'fanout', axis: 'topic', optional: true }),
  breakdown({ key: 'completion', axis: 'topic', optional: true }),
  // "Is the ping cohort slower?": fan-out latency per cohort, from 2 cohorts up.
  breakdown({ key: 'fanout', axis: 'cohort', prefix: 'fanoutByCohort', minValues: 2, entry: 'sets', optional: true }),
];

/** The breakdowns of `axis`. */
export function breakdownsOf(axis: Axis): BreakdownDef[] {
  return BREAKDOWNS.filter((b) => b.axis === axis);
}

/** The breakdown of family `key` by `axis`, or undefined. */
export function breakdownOf(key: string, axis: Axis): BreakdownDef | undefined {
  return BREAKDOWNS.find((b) => b.key === key && b.axis === axis);
}

/** Key of breakdown `b`'s histogram for `value` in Report.histograms. */
export function breakdownKey(b: BreakdownDef, value: string): string {
  return `${b.prefix}:${value}`;
}

/** The breakdown and value behind a Report.histograms key ("fanout:news"), or null for a whole-run or other key. */
export function parseBreakdownKey(key: string): { b: BreakdownDef; value: string } | null {
  const colon = key.indexOf(':');
  if (colon < 0) return null;
  const b = BREAKDOWNS.find((x) => x.prefix === key.slice(0, colon));
  return b ? { b, value: key.slice(colon + 1) } : null;
}

/** Disconnect histograms kept per cohort, under "<kind>:<cohort>"; summarised at disconnects.byCohort[cohort][field]. */
export const COHORT_HISTOGRAMS = ['idleAtClose', 'sentIdleAtClose', 'ageAtClose'] as const;
export type CohortHistogramKind = (typeof COHORT_HISTOGRAMS)[number];

/** Key of a per-cohort disconnect histogram in Report.histograms. */
export function cohortHistogramKey(kind: CohortHistogramKind, cohort: string): string {
  return `${kind}:${cohort}`;
}

/** Fan-out histograms kept per topic, under "<kind>:<topic>"; summarised at fanout.byTopic[topic] (latencyMs, completionMs). */
export const TOPIC_HISTOGRAMS = ['fanout', 'completion'] as const;
export type TopicHistogramKind = (typeof TOPIC_HISTOGRAMS)[number];

/** Key of a per-topic histogram in Report.histograms. */
export function topicHistogramKey(kind: TopicHistogramKind, topic: string): string {
  return `${kind}:${topic}`;
}

/** Key of a cohort's idle-timeout samples histogram in Report.histograms (no percentile set; see IdleTimeoutScreening). */
export function idleSamplesKey(cohort: string): string {
  return `idleTimeoutSamples:${cohort}`;
}
