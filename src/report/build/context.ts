/** What every section builder of the report reads (src/report/build.ts assembles the sections). */
import type { Scenario } from '../../run/scenario.js';
import type { Report, ShardReport, HostCpu, PercentileSet } from '../../run/report.js';
import type { RunAggregate, Totals } from '../../metrics/aggregate.js';
import type { DropFindings } from '../../metrics/drop-events.js';
import { createHistogram, percentiles, type Histogram } from '../../metrics/histogram.js';
import type { LoopLagReading } from '../../metrics/loop-lag.js';
import type { PublisherStats } from '../../metrics/publisher-stats.js';

export interface BuildInput {
  scenario: Scenario;
  aggregate: RunAggregate;
  publisher: PublisherStats | null;
  startedAt: Date;
  endedAt: Date;
  interrupted: boolean;
  interruptReason: string | null;
  target: Report['target'];
  phases: Report['phases'];
  peakOpen: number;
  /** Sockets open when the hold ended, before wsload closed its own (after that it is always 0). */
  openAtEnd: number;
  peakRssMb: number;
  /** The main thread's event-loop lag during the hold; null when there was no hold. */
  mainLag?: LoopLagReading | null;
  /** This machine's CPU during the hold (how busy, how much was wsload); null: not measured. */
  hostCpu?: HostCpu | null;
  environment: Report['environment'];
  files: Report['files'];
  /** Sentences the driver already knows a user must read. */
  warnings: string[];
  /** Drop events and the idle-timeout screening of every close; absent: every close is an idle-timeout sample. */
  drops?: DropFindings;
  /** A run spread over processes: its shards (report.shards), before thresholds read their books and clocks. */
  shards?: ShardReport[];
  /** ± ms of fan-out and completion latency from the clocks receipts were timed on (0: the publisher's own). */
  clockUncertaintyMs?: number;
}

/** What every section builder reads: the input, the summed counters and the run's histograms by key. */
export interface BuildContext {
  input: BuildInput;
  totals: Totals;
  /** A histogram the aggregate holds, by key (whole-run, per cohort, per topic). */
  h: (name: string) => Histogram | undefined;
  deadlineMs: number | undefined;
  /** Sentences for report.warnings, in the order the sections add them. */
  warnings: string[];
}

export function pct(h: Histogram | undefined, capMs?: number): PercentileSet {
  return percentiles(h ?? createHistogram(), capMs);
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
