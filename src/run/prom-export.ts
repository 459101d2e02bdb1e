/**
 * How a registered metric is exported to Prometheus (`--metrics`), declared on its registry entry
 * (run/registry.ts: `prom` of a counter or histogram). driver/prom-metrics.ts iterates the registry
 * and exports every entry that declares it, so a counter or histogram family appears in /metrics
 * by its declaration alone. Series names, types and labels are what users' dashboards and alerts
 * read: test/integration/prom-series.txt holds them, and a rename fails there.
 */
import type { DeliveryCounters, TopicCounters } from './delivery-counters.js';
import type { CohortCounters } from './protocol.js';

/**
 * A label dimension of an exported counter: a breakdown axis (its values are the run's cohort or
 * topic names, label name = axis name) or the close cause (the four causes, label "cause").
 */
export type PromLabel = 'cohort' | 'topic' | 'cause';

/** The series a live value is read for: the index of its cohort and topic, its close cause (those its labels name). */
export interface PromAt {
  readonly cohort: number;
  readonly topic: number;
  readonly cause: string;
}

/**
 * What the main thread knows while a run goes on, summed over workers (metrics/aggregate's
 * `Totals` plus the publisher's counts satisfy it): a counter's live value is read from it, and
 * equals the report's value once the run is final.
 */
export interface LiveCounts {
  readonly opened: number;
  readonly failed: number;
  readonly open: number;
  readonly delivery: DeliveryCounters;
  readonly topics: TopicCounters | null;
  readonly cohorts: readonly CohortCounters[];
  readonly stream?: { readonly messages: number };
  readonly publisher: { readonly ok: number; readonly failed: number; readonly okByTopic?: readonly number[] } | null;
}

/** Help text: literal, or made from the entry's description (one text for report, compare and /metrics). */
export type PromHelp = string | ((description: string) => string);

/** How a registered counter is exported. */
export interface PromCounterExport {
  /** Family name in /metrics ("wsload_lost_total"); several entries may share one, told apart by `fixed`. */
  readonly name: string;
  /** 'counter' (fed its increase, never goes back) or 'gauge' (its value now: sockets open). */
  readonly type: 'counter' | 'gauge';
  /** Default: the entry's description. In a family several entries share, the first entry's is the family's. */
  readonly help?: PromHelp;
  /** Labels fixed for this entry's series in a shared family (`result="ok"`). */
  readonly fixed?: Readonly<Record<string, string>>;
  /** One series per value of each: every value known at start is exported from the first scrape (at 0). */
  readonly labels?: readonly PromLabel[];
  /** Its value now, for the series at `at`. */
  readonly live: (c: LiveCounts, at: PromAt) => number;
  /** The report field it equals at the end, when that is not plainly the entry's path. */
  readonly report?: string;
}

/** How a registered histogram is exported: a Prometheus histogram (seconds) whose buckets are read off the HDR histogram. */
export interface PromHistogramExport {
  /** Family name in /metrics ("wsload_fanout_latency_seconds"). */
  readonly name: string;
  readonly help?: PromHelp;
  /** A breakdown axis (its BREAKDOWNS entry must exist): one histogram per value, labelled by the axis's name. */
  readonly labels?: readonly ('cohort' | 'topic')[];
  readonly report?: string;
}

/** The help text of an export declared with `help` on an entry described by `description`. */
export function promHelp(help: PromHelp | undefined, description: string): string {
  return help === undefined ? description : typeof help === 'string' ? help : help(description);
}
