/** What a counter of the registry declares, and the helpers its entries share. */
import type { Report } from './report.js';
import type { LiveCounts, PromCounterExport } from './prom-export.js';
import type { MetricDirection } from './metric-kinds.js';

/**
 * How reports merge a counter: "sum" (counts of side-by-side runs add up; peakOpen becomes an upper
 * bound), "max" (the worst run's), "derived" (computed from other counters, not stored).
 */
export type CounterMerge = 'sum' | 'max' | 'derived';

/** One counter of a report. */
export interface CounterDef {
  /** Report path ("fanout.lost"); for derived counters, the name users give it. */
  readonly path: string;
  readonly description: string;
  readonly unit: 'count' | 'ms';
  readonly direction: MetricDirection;
  /** Path of the counter a percentage is of (`fanout.lost < 0.1%` = 100 × lost / expected); null: no percent form. */
  readonly base: string | null;
  readonly merge: CounterMerge;
  /** Named in thresholds and compare (a metric); false for counters only merge reads. */
  readonly metric: boolean;
  /** Its value in a report, with the fallback for reports written before it existed. */
  readonly get: (r: Report) => number;
  /**
   * Written in a report only when above 0 (rare counts: `fanout.unjudged`), so most reports keep
   * their shape; its `get` reads an absent one as 0, and merge leaves it absent when the sum is 0.
   */
  readonly onlyWhenAny?: boolean;
  /** Exported to Prometheus with `--metrics` (run/prom-export.ts); absent: not exported. */
  readonly prom?: PromCounterExport;
}

/** A sum over the cohorts' live counters. */
export const cohortSum = (c: LiveCounts, field: 'reconnects' | 'missedPublishes'): number => c.cohorts.reduce((s, x) => s + x[field], 0);

/** First connects; reports written before the split derive it (every reconnect is one successful handshake). */
export function firstOpened(r: Report): number {
  return r.connections.firstOpened ?? Math.max(0, r.connections.opened - r.reconnects.total);
}

/** ± ms of fan-out and completion latency (reports before `clock` existed: the largest shard bound, else 0). */
export function clockUncertaintyOf(r: Report): number {
  return r.clock?.uncertaintyMs ?? Math.max(0, ...(r.shards ?? []).map((s) => s.clockUncertaintyMs));
}

export const counter = (d: Omit<CounterDef, 'unit' | 'base' | 'merge' | 'metric'> & Partial<CounterDef>): CounterDef => ({
  unit: 'count',
  base: null,
  merge: 'sum',
  metric: true,
  ...d,
});
