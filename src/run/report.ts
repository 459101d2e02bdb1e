/**
 * The report file (JSON). Its shape is documented in the README and shipped as
 * schema/report.schema.json; bump REPORT_FORMAT_VERSION on any incompatible change.
 * Latencies are milliseconds as floats; histograms record integer microseconds.
 */
import type { Scenario } from './scenario.js';

export const REPORT_FORMAT_VERSION = 1;

/** Disconnect histograms kept per cohort, under the key "<kind>:<cohort>" in Report.histograms. */
export const COHORT_HISTOGRAMS = ['idleAtClose', 'sentIdleAtClose', 'ageAtClose'] as const;
export type CohortHistogramKind = (typeof COHORT_HISTOGRAMS)[number];

/** Key of a cohort's idle-timeout samples histogram in Report.histograms (see IdleTimeoutScreening). */
export function idleSamplesKey(cohort: string): string {
  return `idleTimeoutSamples:${cohort}`;
}

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
  /** Binding the source address failed (EADDRNOTAVAIL): a localAddresses entry not on this machine. */
  | 'address-not-available'
  | 'too-many-open-files'
  | 'cert-untrusted'
  | 'cert-hostname-mismatch'
  | 'cert-expired'
  /** The server asked for a client certificate (mutual TLS) and none was sent. */
  | 'client-cert-required'
  | 'tls-protocol'
  /** The server answered 101 but wrongly (bad Sec-WebSocket-Accept, a subprotocol not offered…). */
  | 'bad-upgrade'
  | `http-${number}`
  | 'other';

/** Who ended a socket. */
export type CloseCause =
  /** The server sent a close frame. */
  | 'server-close'
  /** wsload or its WebSocket library closed it (end of run, ping-flood protection). */
  | 'client-close'
  /** The TCP connection ended with no close frame (1006): gateway idle timeout, reset, crash. */
  | 'connection-lost'
  /** The client found the peer breaking the protocol and closed (a client-side close, not a drop by the gateway). */
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

/**
 * Closes that came together in wall-clock time (a restart, a rollout, a mass drop): at least
 * max(5, 1% of connections) closes within 1 s open one (closes more than 250 ms before the rest
 * are not part of it), and it lasts while closes keep coming less than 1 s apart and at least
 * half that densely.
 */
export interface DropEvent {
  /** First close, ms since the run started. */
  startMs: number;
  /** First close, ISO wall-clock time. */
  startedAt: string;
  /** Last close, ms since the run started. */
  endMs: number;
  count: number;
  byCause: Partial<Record<CloseCause, number>>;
  byCode: Record<string, number>;
  /** Sockets open (all workers) just before the first close. */
  openBefore: number;
  /** Fewest sockets open from the first close until recovery (or the end of the hold). */
  lowestOpen: number;
  /** First close → open count back to openBefore (less 1%), sampled every 100 ms; null if not during the hold, or openBefore was 0. */
  recoveryMs: number | null;
}

/** Why a cohort's closes were or were not taken as idle-timeout samples. */
export interface IdleTimeoutScreening {
  /** Closes without a close frame, not part of a mass drop, idle > 2 × the interval the socket receives traffic at: the estimator's input. */
  samples: number;
  /** The server sent a close frame (it closed on purpose; an idle timeout sends none). */
  closeFrame: number;
  /** wsload or its WebSocket library ended the socket (protocol error, ping flood protection). */
  clientSide: number;
  /** No close frame, but part of a drop event: in a cohort that receives publishes or pongs, or whose closes did not follow each socket's own idle time. */
  inDropEvent: number;
  /** No close frame, but idle for no longer than 2 × the interval at which the socket received publishes or pongs. */
  receivingTraffic: number;
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
  /** Share of the hold the worker's event loop was busy running callbacks (0–1). */
  utilization?: number;
  /** Set when the worker thread died; its sockets' later events are missing. */
  crashed: string | null;
}

export interface ThresholdResult {
  metric: string;
  expression: string;
  /** The value compared (ms for latencies, a count, or a percent for "%" expressions). */
  actual: number;
  pass: boolean;
  /** Set (true) when the metric had no samples: the threshold failed for want of evidence. */
  noData?: boolean;
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
    /** Successful handshakes, reconnects included (kept for compatibility; not judged by compare). */
    opened: number;
    /** Sockets whose first connection succeeded: `opened` − reconnects. Absent in older reports. */
    firstOpened?: number;
    /** Failed handshakes, reconnect attempts included. */
    failed: number;
    peakOpen: number;
    /** Successful handshakes per cohort, reconnects included (the idle-timeout estimator's socket count). */
    openedByCohort?: Record<string, number>;
    /** Sockets open when the run ended. */
    openAtEnd: number;
    failures: Partial<Record<ConnectFailureReason, number>>;
  };
  handshake: {
    /**
     * First connects, from when the socket was due on the ramp schedule to open (queue wait
     * included). Reports before this field's siblings existed measured from the attempt's start.
     */
    latencyMs: PercentileSet;
    /** First connects: due on the ramp → attempt started (ramp timer, handshake slot). */
    queueMs?: PercentileSet;
    /** Parts of a first connect where measurable; count 0 where not (no DNS for IPs, no TLS on ws://). */
    dnsMs?: PercentileSet;
    tcpMs: PercentileSet;
    tlsMs: PercentileSet;
    upgradeMs: PercentileSet;
    /** Reconnect handshakes, from when the reconnect was due (after its backoff) to open. */
    reconnectMs?: PercentileSet;
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
    /** First copies received after the deadline (scheduled time + publish.deadline); each is also counted lost. */
    late: number;
    /** Messages that carried no recognisable sequence number. */
    unmatched: number;
    /** Messages of another run against the same target (another run tag); absent in older reports. */
    foreign?: number;
    /** This run's messages whose pushed `id` differed from the publish's id (not counted delivered); absent in older reports. */
    idMismatch?: number;
    latencyMs: PercentileSet;
    /** Per publish: scheduled time until the last eligible socket got it; incomplete publishes recorded at the deadline. */
    completionMs: PercentileSet;
    /** Publishes not delivered in time to every eligible socket, or whose request failed after reaching some (in completionMs at the deadline). */
    incomplete: number;
  };
  publish: {
    sent: number;
    failed: number;
    /** Due but never sent: the queue of publishes waiting for a request slot (rate × deadline) was full, or the hold ended. */
    skipped: number;
    /** Sent after waiting for one of `publish.concurrency` request slots (their latency includes the wait); absent in older reports. */
    queued?: number;
    /** Longest such wait, ms; absent in older reports. */
    maxQueueMs?: number;
    /** The publish path did not keep the rate (a publish dropped from a full queue, or one waited longer than a publish interval); absent in older reports. */
    behind?: boolean;
    /** Tag this run's published values carried (`{value}` = `<tag>-<seq>`), null when the template carried none; absent in older reports. */
    runTag?: string | null;
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
    /** Drop events, in time order (absent in reports of older wsload versions). */
    events?: DropEvent[];
    /** Per cohort: how its closes were screened for the idle-timeout estimate (absent in older reports). */
    idleTimeoutScreening?: Record<string, IdleTimeoutScreening>;
  };
  reconnects: ReconnectStats & { byCohort: Record<string, ReconnectStats> };
  client: {
    /**
     * Worker event-loop lag during the hold (the worst worker): how late a 5 ms timer ran, net of
     * its period, with the samples a stall swallowed back-filled. Older reports: monitorEventLoopDelay
     * over the whole run, which read ~10 ms on an idle loop.
     */
    eventLoopLagMs: { max: number; p99: number };
    /** The main thread's (publisher's) event-loop lag during the hold, measured the same way. */
    mainThreadLagMs?: { max: number; p99: number };
    /** Per event-loop turn that handled messages, all workers: the client's own share of fan-out latency. */
    turnMs?: PercentileSet;
    /** Why the client was judged saturated; empty when it was not. */
    saturationReasons?: string[];
    workers: WorkerHealth[];
    peakRssMb: number;
    /** True when the client, not the target, limited the run during the hold (see saturationReasons). */
    saturated: boolean;
  };
  /** Threshold results; empty when the scenario has none. */
  thresholds: ThresholdResult[];
  /** Plain sentences a user should read: limits hit, insecure TLS, saturation, crashes. */
  warnings: string[];
  /** Present only on reports made by `wsload merge`. */
  merged?: MergeInfo;
  /**
   * Files written beside the report (relative to it, or absolute when the report itself had to be
   * written elsewhere), when written. writeErrors: intervals that could not be written whole to
   * them (disk full, directory gone); absent in reports of older versions.
   */
  files: { timeline: string | null; hlog: string | null; writeErrors?: number };
  /**
   * Encoded HdrHistograms (compressed base64, microseconds) so reports can be merged and
   * re-rendered: fanout, completion, handshake, handshakeTcp, handshakeTls, handshakeUpgrade,
   * publish, scheduleLag, idleAtClose, sentIdleAtClose, ageAtClose, and per cohort
   * "idleAtClose:<cohort>", "sentIdleAtClose:<cohort>", "ageAtClose:<cohort>", and
   * "idleTimeoutSamples:<cohort>" (idle at close of the closes screened in for the estimate).
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

/** Set on a merged report: how many runs, whether they overlapped, which figures are exact. */
export interface MergeInfo {
  reports: number;
  /** False when the runs' [startedAt, endedAt] windows had no moment in common. */
  overlapping: boolean;
  /** Length of the window all runs shared, ms. */
  overlapMs: number;
  /** Figures that are exact (plain sentences naming the fields). */
  exact: string[];
  /** Field path → why it is not exact. "*" applies to the whole report. */
  estimates: Record<string, string>;
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
