/**
 * The report file (JSON). Its shape is documented in the README and shipped as
 * schema/report.schema.json; bump REPORT_FORMAT_VERSION on any incompatible change.
 * Latencies are milliseconds as floats; histograms record integer microseconds.
 */
import type { Scenario } from '../scenario/types.js';

export const REPORT_FORMAT_VERSION = 1;

/** Disconnect histograms kept per cohort, under the key "<kind>:<cohort>" in Report.histograms. */
export const COHORT_HISTOGRAMS = ['idleAtClose', 'sentIdleAtClose', 'ageAtClose'] as const;
export type CohortHistogramKind = (typeof COHORT_HISTOGRAMS)[number];

/** Key of a per-cohort histogram in Report.histograms. */
export function cohortHistogramKey(kind: CohortHistogramKind, cohort: string): string {
  return `${kind}:${cohort}`;
}

/** Summary of one histogram, in milliseconds. count = 0 gives zeros everywhere. */
export interface PercentileSet {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export type ConnectFailureReason =
  | 'refused'
  | 'timeout'
  | 'reset'
  | 'dns'
  | 'address-in-use'
  | 'too-many-open-files'
  | 'cert-untrusted'
  | 'cert-hostname-mismatch'
  | 'cert-expired'
  /** The server asked for a client certificate (mutual TLS) and none was sent. */
  | 'client-cert-required'
  | 'tls-protocol'
  | `http-${number}`
  | 'other';

/** Who ended a socket. */
export type CloseCause =
  /** The server sent a close frame. */
  | 'server-close'
  /** wsload closed it (end of run, or its own policy). */
  | 'client-close'
  /** The TCP connection ended with no close frame (1006): gateway idle timeout, reset, crash. */
  | 'connection-lost'
  /** The peer broke the protocol or sent an error frame. */
  | 'protocol-error';

export interface DisconnectStats {
  total: number;
  byCode: Record<string, number>;
  byCause: Partial<Record<CloseCause, number>>;
  /** errno-style error seen at close (ECONNRESET, EPIPE, …) → count. */
  byError: Record<string, number>;
  /** Time since the last frame received, at close. */
  idleAtCloseMs: PercentileSet;
  /** Time since the last frame sent, at close. */
  sentIdleAtCloseMs: PercentileSet;
  ageAtCloseMs: PercentileSet;
}

export interface IdleTimeoutEstimate {
  estimateMs: number;
  /** Width of the cluster the estimate was taken from (p95 − p5 of its members). */
  spreadMs: number;
  samples: number;
  cohort: string;
}

export interface ReconnectStats {
  total: number;
  /** Total time sockets spent disconnected while waiting to reconnect. */
  downMs: number;
  /** Publishes that a socket missed because it was down (not counted in fanout.lost). */
  missedPublishes: number;
}

export interface WorkerHealth {
  worker: number;
  sockets: number;
  eventLoopLagMs: { max: number; p99: number; mean: number };
  /** Set when the worker thread died; its sockets' later events are missing. */
  crashed: string | null;
}

export interface ThresholdResult {
  metric: string;
  expression: string;
  /** The value compared (ms for latencies, a count, or a percent for "%" expressions). */
  actual: number;
  pass: boolean;
}

export interface Report {
  formatVersion: typeof REPORT_FORMAT_VERSION;
  tool: 'wsload';
  scenario: Scenario;
  startedAt: string;
  endedAt: string;
  /** True when the run was stopped before its planned end (SIGINT, SIGTERM, fatal error). */
  interrupted: boolean;
  interruptReason: string | null;
  environment: {
    wsload: string;
    node: string;
    platform: string;
    arch: string;
    cpus: number;
    cpuModel: string;
    host: string;
    totalMemoryMb: number;
    /** Soft RLIMIT_NOFILE of the wsload process, when it could be read. */
    openFilesLimit: number | null;
    /** Size of the kernel's ephemeral port range, when it could be read. */
    ephemeralPorts: number | null;
  };
  /** The URLs actually used (the embedded target's port is known only at run time). */
  target: { url: string; publishUrl: string | null; embedded: boolean; tlsInsecure: boolean };
  phases: { rampMs: number; holdMs: number };
  connections: {
    target: number;
    /** Successful handshakes, reconnects included. */
    opened: number;
    /** Failed handshakes, reconnect attempts included. */
    failed: number;
    peakOpen: number;
    /** Sockets open when the run ended. */
    openAtEnd: number;
    failures: Partial<Record<ConnectFailureReason, number>>;
  };
  handshake: {
    latencyMs: PercentileSet;
    /** Parts of the handshake where measurable; count 0 where not (no TLS on ws://). */
    tcpMs: PercentileSet;
    tlsMs: PercentileSet;
    upgradeMs: PercentileSet;
  };
  fanout: {
    published: number;
    /** Deliveries due: eligible (socket, publish) pairs. */
    expected: number;
    delivered: number;
    lost: number;
    duplicated: number;
    /**
     * Deliveries that arrived after a later publish on the same socket, counted only where the
     * earlier publish's request had been answered before the later one was sent (so the target
     * must have pushed them in that order).
     */
    outOfOrder: number;
    /** Arrived after the deadline (already counted lost). */
    late: number;
    /** Messages that carried no recognisable sequence number. */
    unmatched: number;
    latencyMs: PercentileSet;
    /** Per publish: scheduled time until the last eligible socket got it. */
    completionMs: PercentileSet;
    /** Publishes not delivered to every eligible socket. */
    incomplete: number;
  };
  publish: {
    sent: number;
    failed: number;
    /** Due while `concurrency` requests were already in flight: the client could not keep the schedule. */
    skipped: number;
    failures: Record<string, number>;
    latencyMs: PercentileSet;
    /** How late publishes left compared with their schedule. */
    scheduleLagMs: PercentileSet;
  };
  closes: { byCode: Record<string, number> };
  disconnects: DisconnectStats & {
    byCohort: Record<string, DisconnectStats>;
    idleTimeout: IdleTimeoutEstimate | null;
    /** Why there is no estimate, when there is none. */
    idleTimeoutNote: string | null;
    /** Cohorts with no connection-lost closes during the hold. */
    survivingCohorts: string[];
    recommendation: string | null;
  };
  reconnects: ReconnectStats & { byCohort: Record<string, ReconnectStats> };
  client: {
    eventLoopLagMs: { max: number; p99: number };
    workers: WorkerHealth[];
    peakRssMb: number;
    /** True when the client, not the target, limited the run (lag, skipped publishes). */
    saturated: boolean;
  };
  /** Threshold results; empty when the scenario has none. */
  thresholds: ThresholdResult[];
  /** Plain sentences a user should read: limits hit, insecure TLS, saturation, crashes. */
  warnings: string[];
  /** Files written beside the report (relative to it), when written. */
  files: { timeline: string | null; hlog: string | null };
  /**
   * Encoded HdrHistograms (compressed base64, microseconds) so reports can be merged and
   * re-rendered: fanout, completion, handshake, handshakeTcp, handshakeTls, handshakeUpgrade,
   * publish, scheduleLag, idleAtClose, sentIdleAtClose, ageAtClose, and per cohort
   * "idleAtClose:<cohort>", "sentIdleAtClose:<cohort>", "ageAtClose:<cohort>".
   */
  histograms: Record<string, string>;
  /**
   * Fan-out and completion histograms per block of the run's time, which compare resamples (block
   * bootstrap) to judge how sure a latency change is. Absent from reports written before it.
   */
  intervals?: ReportIntervals;
}

/** Latency histograms per block of time: block i covers [i·blockMs, (i+1)·blockMs) after startedAt. */
export interface ReportIntervals {
  /** Length of one block, ms (the worker tick, doubled as often as needed to keep ≤ 600 blocks). */
  blockMs: number;
  /** Encoded fan-out latency histogram per block, by when the deliveries reached the driver; "" when empty. */
  fanout: string[];
  /** Encoded publish-completion histogram per block, by when the publish completed; "" when empty. */
  completion: string[];
}

/** One line of the .ndjson timeline, written every report interval. */
export interface TimelineLine {
  /** ISO time at the end of the interval. */
  t: string;
  /** Milliseconds since the run started. */
  elapsedMs: number;
  open: number;
  connects: number;
  connectFailures: number;
  closes: number;
  closesByCause: Partial<Record<CloseCause, number>>;
  published: number;
  deliveries: number;
  lost: number;
  fanoutMs: { p50: number; p99: number; max: number; count: number };
  rssMb: number;
  eventLoopLagMs: number;
}
