/** What compare() returns: rows with verdicts, the runs of each side, and the gate. Types only. */
import type { MetricDirection } from '../metrics/names.js';

/**
 * "better" / "worse": the change is shown to exceed the tolerance, in that direction (a policy row:
 * the policy's event appeared or went away); "same": shown to stay within it; "inconclusive":
 * neither (too little data for the test, the interval crosses the tolerance, not significant after
 * Holm over the gated rows).
 */
export type Verdict = 'better' | 'worse' | 'same' | 'inconclusive';

/**
 * How a latency verdict was reached: "blocks" (one run per side: each run's blocks resampled; the
 * noise within the runs only), "runs" (several runs per side: the spread between runs and within
 * them), "per-delivery" (reports without blocks: every delivery taken as independent, too narrow),
 * "per-sample" (handshakes of reports without ramp blocks), "summary" (no histogram).
 */
export type LatencyMethod = 'blocks' | 'runs' | 'per-delivery' | 'per-sample' | 'summary';

/**
 * What a row's verdict rests on: "statistical" (a test at 95%, Holm-controlled when gated),
 * "policy" (any occurrence counts: a lost message, a misrouted copy), "estimate" (two estimates
 * compared with their spreads: the idle timeout), "informational" (shown, never worse or better).
 */
export type RowBasis = 'statistical' | 'policy' | 'estimate' | 'informational';

/** A 95% interval, ms. */
export interface Interval {
  low: number;
  high: number;
}

/** A counter as a rate over its exposure, both sides, scaled for reading ("per 1,000 expected deliveries"). */
export interface RateFigures {
  before: number | null;
  after: number | null;
  /** What the rate is per, scale included: "per 1,000 expected deliveries", "per socket-hour". */
  per: string;
  /** Events and exposure of each side (summed over its runs). */
  events: { before: number; after: number };
  exposure: { before: number; after: number };
  /** Relative tolerance of the rate ratio (0.1: within ±10% counts as the same). */
  tolerance: number;
}

/** One compared metric. Values are ms for latencies, counts otherwise; null when a side has none. */
export interface ComparisonRow {
  /** Metric path ("fanout.p99", "disconnects.byCause.connection-lost", "fanout.lost.any"). */
  metric: string;
  description: string;
  unit: 'ms' | 'count';
  direction: MetricDirection;
  /** With several runs per side: the mean over the side's runs (latency: of each run's percentile). */
  before: number | null;
  after: number | null;
  /** after − before. */
  change: number | null;
  /** 100 × (after − before) / before; null when before is 0 or missing. */
  changePct: number | null;
  verdict: Verdict;
  /** Why the verdict is what it is when that is not obvious ("too few publishes", "max is one sample"). */
  note: string | null;
  basis: RowBasis;
  /** In this comparison's gate (`--fail-on-regression`): see Comparison.gate. */
  gated: boolean;
  /** Latency rows: how the verdict was reached; null on counters. */
  method: LatencyMethod | null;
  /** Latency rows: the 95% interval of after − before (ms) the verdict was decided on, when there is one. */
  interval: Interval | null;
  /** Latency rows: the change (ms) within which the runs count as the same, when judged. */
  tolerance: number | null;
  /** Statistical rows: two-sided p-value of a change beyond the tolerance; null where no test ran. */
  pValue: number | null;
  /** Gated statistical rows: the Holm-adjusted p-value over the gate's family; null otherwise. */
  adjustedP: number | null;
  /** Counter rows judged as rates: the rates and what they are over; null otherwise. */
  rate: RateFigures | null;
  /** With several runs on a side: each run's own value, in the order given; null with one run per side. */
  runs: { before: (number | null)[]; after: (number | null)[] } | null;
  /** Fan-out rows whose value counts lost and never-sent deliveries (censored): the received-only value beside it; null otherwise. */
  receivedOnly: { before: number | null; after: number | null } | null;
}

/** What identifies a run. */
export interface RunRef {
  name: string;
  startedAt: string;
  host: string;
  target: string;
}

/** The gate `--fail-on-regression` applies: which rows, and what it found. */
export interface Gate {
  /** Metrics gated, in row order (and any asked for that this comparison has no row for). */
  metrics: string[];
  /** Gated rows judged worse. */
  worse: string[];
  /** Gated rows that could not be judged (inconclusive), or asked for and absent: the gate cannot pass on them. */
  undecided: string[];
  /** Statistical rows under Holm's control (the family). */
  family: number;
  /** "regression": a gated row is worse; "undecided": none is, but some could not be judged; "pass": all judged, none worse. */
  outcome: 'pass' | 'regression' | 'undecided';
}

/** The result of compare(). */
export interface Comparison {
  /** The first run of each side (the only one, usually). */
  before: RunRef;
  after: RunRef;
  /** Every run of each side, in the order given. */
  runs: { before: RunRef[]; after: RunRef[] };
  rows: ComparisonRow[];
  /** Reasons the runs may not be comparable (different target, size, duration, deadline…). */
  warnings: string[];
  /** Metrics whose verdict is "worse", in row order (gated or not). */
  regressions: string[];
  /** How the verdicts were reached, when a reader should know (one run per side, old reports, merged runs). */
  notes: string[];
  gate: Gate;
}

/** Options of compare(). */
export interface CompareOptions {
  /** Metrics to gate instead of the default gated rows (see gatedByDefault). */
  gate?: readonly string[];
}
