/** Messages between the driver (main thread) and its workers. Plain data only: structured clone. */
import type { DeflateOffer } from './deflate.js';
import type { BinaryFrames, Cohort, LoadStage, MatchBy, OpenStep, Protocol, ServerStream, TlsOptions } from './scenario.js';
import type { StreamCounters } from './stream-counters.js';
import type { DeliveryCounters, OwedBooks, SeqResult, TopicCounters } from './delivery-counters.js';
import type { CloseCause } from './report.js';
import type { IdleProfile } from './idle-profile.js';

/** One close, as workers log it (times on the shared nowMs() clock). */
export interface CloseRecord {
  atMs: number;
  cohort: number;
  cause: CloseCause;
  code: number;
  /** Time since the socket last received a frame, at close. */
  idleMs: number;
  /** Time since the socket last sent a frame (pings and pongs included), at close. */
  sentIdleMs: number;
}

/** A cohort as a worker runs it: its keepalive and reconnect settings (its sockets are in `cohortOf`). */
export type WorkerCohort = Pick<Cohort, 'name' | 'pingIntervalMs' | 'heartbeat' | 'reconnect'>;

/** How a worker dials: everything resolved, nothing left to default. */
export interface WorkerConnect {
  /** ws:// or wss:// URL; "{conn}" in it is replaced by the socket's global index. */
  urlTemplate: string;
  handshakeTimeoutMs: number;
  /** Extra request headers (empty: none). */
  headers: Record<string, string>;
  origin: string | null;
  /** Offered subprotocols (empty: none offered). */
  subprotocols: string[];
  /** Source addresses picked round-robin by global socket index (empty: the kernel's choice). */
  localAddresses: string[];
  /**
   * Set when local shards split the addresses between them: this shard's sockets are every
   * `shardStride`-th global index, so socket g is the shard's floor(g / shardStride)-th and takes
   * address and source port by that (src/net/source-ports.ts); absent: 1.
   */
  shardStride?: number;
  /** TLS settings (file paths, read by the worker) when the URL is wss://, else null. */
  tls: TlsOptions | null;
  /** Host name → address (curl --resolve); empty: DNS only. */
  resolve: Record<string, string>;
  /** Messages each socket sends after the upgrade (empty: subscribed at the upgrade). */
  open: OpenStep[];
  /** The protocol each socket speaks (src/protocols/), absent: plain WebSocket messages. */
  protocol?: Protocol;
  /** permessage-deflate offered on every socket; absent: none offered. */
  perMessageDeflate?: DeflateOffer;
}

/** How a worker tells this run's pushes and judges them. */
export interface WorkerDelivery {
  /** Where the value is (a top-level field, a JSON pointer or a regex source, as `matchBy` says). */
  match: string;
  matchBy: MatchBy;
  binary: BinaryFrames;
  /** Tag this run's pushed values carry, or null when the publish template carries none. */
  runTag: string | null;
  /** Publish ids (cycled in order) each pushed `id` is checked against, or null: ids not checked. */
  ids: string[] | null;
  /** A delivery later than this after its publish's scheduled time is late (lost); 0 without publishing. */
  deadlineMs: number;
}

/**
 * What a worker is started with (workerData): its resolved, plain-data slice of the plan, built by
 * driver/plan.ts. It never holds the Scenario: every default is applied once, in the plan.
 */
export interface WorkerSlice {
  workerId: number;
  /** Global socket indices owned by this worker. */
  indices: number[];
  /** Cohort index (into `cohorts`) of each owned socket, parallel to `indices`. */
  cohortOf: number[];
  /** Handshakes this worker may have in flight. */
  maxPending: number;
  /** Socket i (global) is due on the ramp at rampStartMs + i × perSocketMs. */
  perSocketMs: number;
  cohorts: WorkerCohort[];
  connect: WorkerConnect;
  /** Identity field names and each owned socket's values (rows parallel to `indices`), or null. */
  identities: { fields: string[]; rows: string[][] } | null;
  delivery: WorkerDelivery;
  /** With topics: every topic name, and the topic index of each owned socket (parallel to `indices`); absent: no topics. */
  topics?: { names: string[]; of: number[] };
  /** The publish ring (shared memory) and its size. */
  ring: SharedArrayBuffer;
  ringSize: number;
  tickMs: number;
  /** Timeline intervals (shared clock): the worker sends a tick at every boundary. Null: no timeline. */
  timeline: { startMs: number; intervalMs: number } | null;
  /**
   * Log every socket open and close with its time (ticks carry `openLog`): in a spread run the
   * coordinator merges them by time into the exact peak of open sockets over all processes.
   */
  logOpens?: boolean;
  /**
   * Open sockets over time (the scenario's stages, the same in every worker and process): the
   * worker opens and closes its own sockets as the target curve crosses their global index + 1,
   * on the shared ramp clock; perSocketMs is then unused. Absent: the connectRate ramp.
   */
  stages?: LoadStage[];
  /** The server's own stream to judge (publish.source "server"); absent: receipts are publishes' deliveries. */
  stream?: ServerStream;
  /**
   * Length of a ramp block (ms): first-connect handshakes are also sent per block of the ramp their
   * socket was due in (tick histograms "handshakeRamp:<block>"), compare's units for handshakes. Absent: not.
   */
  rampBlockMs?: number;
}

/** Key prefix of a worker's per-ramp-block handshake deltas in its tick histograms ("handshakeRamp:3"). */
export const RAMP_BLOCK_KEY = 'handshakeRamp:';

/** Counters a worker keeps for one cohort (cumulative since start). */
export interface CohortCounters {
  /** Successful handshakes, reconnects included. */
  opened: number;
  closes: number;
  byCode: Record<string, number>;
  byCause: Record<string, number>;
  byError: Record<string, number>;
  reconnects: number;
  downMs: number;
  missedPublishes: number;
}

/** Zeroed cohort counters. */
export function emptyCohortCounters(): CohortCounters {
  return { opened: 0, closes: 0, byCode: {}, byCause: {}, byError: {}, reconnects: 0, downMs: 0, missedPublishes: 0 };
}

/** Cumulative counters of one worker. */
export interface WorkerCounters {
  attempts: number;
  /** Successful handshakes, reconnects included. */
  opened: number;
  /** Successful first handshakes (a socket's first open); optional so older senders still type. */
  firstOpened?: number;
  failed: number;
  failures: Record<string, number>;
  open: number;
  delivery: DeliveryCounters;
  /** With topics: delivery counters per topic index; absent without topics. */
  topics?: TopicCounters;
  messages: number;
  pingsSent: number;
  heartbeatsSent: number;
  /** With stages: sockets closed by wsload because the target fell (not disconnects). */
  rampDownCloses?: number;
  /** With stages: opens of sockets brought back after a ramp-down (not reconnects, not first opens). */
  reopened?: number;
  /** Server-stream accounting, only when the slice has a `stream`. */
  stream?: StreamCounters;
  /** With permessage-deflate offered: successful upgrades per Sec-WebSocket-Extensions the server answered ("" none). */
  extensions?: Record<string, number>;
}

/** Event-loop lag of a worker during the hold (src/metrics/loop-lag.ts: net of the sampling period, back-filled). */
export interface LagSummary {
  /** Since the hold started (since the worker started, before it). */
  maxMs: number;
  p99Ms: number;
  p90Ms?: number;
  meanMs: number;
  /** Share of the hold the worker's loop was busy running callbacks (0–1). */
  utilization?: number;
  /** Since the previous tick. */
  intervalMaxMs: number;
}

/** Close causes by their index in a close log. */
export const CLOSE_LOG_CAUSES: readonly CloseCause[] = ['server-close', 'client-close', 'connection-lost', 'protocol-error'];
/** Numbers per close in a tick's closeLog: time (nowMs), cohort index, cause index, close code, idle ms (received), idle ms (sent). */
export const CLOSE_LOG_FIELDS = 6;

/** Appends one counted close to a close log. */
export function logClose(
  log: number[],
  atMs: number,
  cohort: number,
  cause: CloseCause,
  code: number,
  idleMs: number,
  sentIdleMs: number,
): void {
  log.push(atMs, cohort, CLOSE_LOG_CAUSES.indexOf(cause), code, idleMs, sentIdleMs);
}

/** The closes of a tick's closeLog. */
export function decodeCloseLog(log: readonly number[]): CloseRecord[] {
  const out: CloseRecord[] = [];
  for (let i = 0; i + CLOSE_LOG_FIELDS <= log.length; i += CLOSE_LOG_FIELDS) {
    out.push({
      atMs: log[i],
      cohort: log[i + 1],
      cause: CLOSE_LOG_CAUSES[log[i + 2]] ?? 'connection-lost',
      code: log[i + 3],
      idleMs: log[i + 4],
      sentIdleMs: log[i + 5],
    });
  }
  return out;
}

export type WorkerMessage =
  | {
      type: 'tick';
      workerId: number;
      counters: WorkerCounters;
      cohorts: CohortCounters[];
      /** Encoded histograms of what was recorded since the previous tick (only non-empty ones). */
      histograms: Record<string, string>;
      seqResults: SeqResult[];
      /** With publishing: the books of publishes seen but not yet evaluated, for closing them were the worker lost after this tick. */
      owed?: OwedBooks;
      /** Closes counted since the previous tick, CLOSE_LOG_FIELDS numbers each: the driver finds drop events in them. */
      closeLog?: number[];
      /** With WorkerSlice.logOpens: (time, +1 opened / −1 closed) pairs since the previous tick. */
      openLog?: number[];
      /** How idle the open sockets were when the tick was taken (the final tick: just before wsload closed them). */
      idleOpen?: IdleProfile;
      lag: LagSummary;
      /** First connection attempt of every socket has settled. */
      ramped: boolean;
      /** Set on the tick sent at the end of timeline interval `boundary`: everything before it is that interval's. */
      boundary?: number;
      /** All sockets closed and final counts sent: the worker is about to exit. */
      final: boolean;
    }
  | { type: 'fatal'; workerId: number; error: { name: string; code: string | null; message: string } }
  /** The worker has loaded and waits for 'start'. */
  | { type: 'ready'; workerId: number };

export type DriverMessage =
  /** Begin the ramp: socket i is due at rampStartMs + i / connectRate (one clock for all workers). */
  | { type: 'start'; rampStartMs: number }
  /** The hold begins: client health (event-loop lag) is measured from here. */
  | { type: 'hold' }
  /** Stop publishing-dependent work and, once pending publishes are evaluated (or at `deadlineMs`), close sockets and send the final tick. */
  | { type: 'drain'; lastSeq: number; deadlineAtMs: number }
  /** Close everything now and send the final tick (interrupt). */
  | { type: 'stop' };
