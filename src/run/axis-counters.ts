import type { Axis, MetricDirection } from './metric-kinds.js';

/**
 * A counter kept per value of an axis, in the axis's entry: `fanout.byTopic[topic].lost`. Declared
 * once here: the worker's per-topic counters (run/delivery-counters.ts: those of source 'worker'),
 * their control-frame schema and their sum over workers (metrics/aggregate), the report's entry
 * (report/build), its merge (report/merge, by `merge`) and the metrics users name in thresholds
 * and compare (metrics/names: `fanout.byTopic.<topic>.<field>`) read this list. The entry's field
 * is in the report schema (run/report-schema.ts), which the registry test checks against it.
 */
export interface AxisCounterDef {
  readonly axis: Axis;
  /** Field in the per-value entry. */
  readonly field: string;
  /** What it counts, for value `value` (a metric's description). */
  readonly describe: (value: string) => string;
  readonly direction: MetricDirection;
  /** Field of the same entry its percent is of (`fanout.byTopic.news.lost < 1%`); null: no percent form. */
  readonly base: string | null;
  /**
   * Who counts it: 'worker' (each worker per value index, summed over workers), 'publisher' (the
   * publisher per value index), 'scenario' (the scenario's own number: sockets per topic).
   */
  readonly source: 'worker' | 'publisher' | 'scenario';
  /** Merging reports adds it (counts of side-by-side runs). */
  readonly merge: 'sum';
  /** Named in thresholds and compare (`fanout.byTopic.<value>.<field>`). */
  readonly metric: boolean;
}

function axisCounter<const A extends Axis, const F extends string, const Src extends AxisCounterDef['source']>(
  d: Omit<AxisCounterDef, 'merge' | 'base' | 'metric'> & Partial<AxisCounterDef> & { axis: A; field: F; source: Src },
): AxisCounterDef & { readonly axis: A; readonly field: F; readonly source: Src } {
  return { merge: 'sum', base: null, metric: true, ...d };
}

/** Every counter kept per value of an axis, in the entry's field order. */
export const AXIS_COUNTERS = [
  axisCounter({
    axis: 'topic',
    field: 'sockets',
    describe: (t) => `sockets of topic "${t}"`,
    direction: 'neutral',
    source: 'scenario',
    metric: false,
  }),
  axisCounter({
    axis: 'topic',
    field: 'published',
    describe: (t) => `publishes to topic "${t}" that succeeded`,
    direction: 'neutral',
    source: 'publisher',
    metric: false,
  }),
  axisCounter({
    axis: 'topic',
    field: 'expected',
    describe: (t) => `expected deliveries of topic "${t}"`,
    direction: 'neutral',
    source: 'worker',
  }),
  axisCounter({
    axis: 'topic',
    field: 'delivered',
    describe: (t) => `delivered deliveries of topic "${t}"`,
    direction: 'higher-is-better',
    source: 'worker',
    base: 'expected',
  }),
  axisCounter({
    axis: 'topic',
    field: 'lost',
    describe: (t) => `lost deliveries of topic "${t}"`,
    direction: 'lower-is-better',
    source: 'worker',
    base: 'expected',
  }),
  axisCounter({
    axis: 'topic',
    field: 'late',
    describe: (t) => `late deliveries of topic "${t}"`,
    direction: 'lower-is-better',
    source: 'worker',
    base: 'expected',
  }),
  axisCounter({
    axis: 'topic',
    field: 'duplicated',
    describe: (t) => `duplicated deliveries of topic "${t}"`,
    direction: 'lower-is-better',
    source: 'worker',
  }),
] as const;

/** The per-topic counters workers count (their TopicCounters fields). */
export type TopicCounterKey = Extract<(typeof AXIS_COUNTERS)[number], { axis: 'topic'; source: 'worker' }>['field'];

/** The counters kept per value of `axis`, in field order. */
export function axisCountersOf(axis: Axis): AxisCounterDef[] {
  return AXIS_COUNTERS.filter((c: AxisCounterDef) => c.axis === axis);
}
