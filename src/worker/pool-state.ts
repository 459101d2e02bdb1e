/**
 * The socket pool's shared state: what the concerns (opening, receiving, keepalive, closing) read
 * and write. Per-socket state lives in typed arrays indexed by the worker-local socket number, so
 * holding 10,000 sockets costs the ws objects and a few bytes each, not closures.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import type { PerMessageDeflateOptions } from 'ws';
import { wallClockOffsetMs } from '../clock.js';
import { createHistogram, type Histogram } from '../metrics/histogram.js';
import { lookupFor, tlsConnectOptions, type LookupFunction, type TlsConnectOptions } from '../net/connect-options.js';
import { DeliveryTracker } from './delivery-tracker.js';
import { TurnTimer } from './turn-timer.js';
import { PushParser } from './seq-extract.js';
import type { PublishRing } from '../run/publish-ring.js';
import {
  emptyCohortCounters,
  type CohortCounters,
  type WorkerCohort,
  type WorkerConnect,
  type WorkerCounters,
  type WorkerSlice,
} from '../run/protocol.js';
import {
  cohortHistograms,
  topicHistograms,
  workerHistograms,
  type CohortHistograms,
  type TopicHistograms,
  type WorkerHistograms,
} from './histogram-set.js';
import { placeholderNames } from '../run/placeholders.js';
import { wsDeflateOptions } from '../run/deflate.js';
import { OpenSequence } from './open-sequence.js';
import { StreamReader } from './stream-reader.js';
import { StreamTracker } from './stream-tracker.js';
import { RampBlocks } from './ramp-blocks.js';
import { offeredSubprotocols, type LoadedProtocol } from '../protocols/table.js';
import type { ProtocolClient } from '../protocols/types.js';
import { SocketArrays } from './socket-arrays.js';

// A socket's state (the `state` array).
export const IDLE = 0;
export const CONNECTING = 1;
export const OPEN = 2;
export const WAITING = 3;
export const DONE = 4;
/** Upgraded, sending target.open messages and waiting for their acknowledgements: not yet counted open. */
export const SUBSCRIBING = 5;
/** With stages: an open is queued for a handshake slot. */
export const QUEUED = 6;

export interface PoolConfig {
  /** This worker's slice of the plan: its sockets, cohorts, how to dial, how to judge deliveries. */
  slice: WorkerSlice;
  ring: PublishRing;
  /** Called once, as soon as every socket's first attempt has settled. */
  onRamped?: () => void;
  /** Called (coalesced, after the current I/O) when a handshake slot has come free. */
  onSlotFree?: () => void;
  /** The slice's protocol with its module loaded (protocols/table.ts loadProtocol), or null: plain messages. */
  protocol: LoadedProtocol | null;
}

/**
 * The state every concern of the pool shares: config read once, histograms, counters and trackers,
 * on the per-socket arrays of SocketArrays. The concerns are layered on it as subclasses (see
 * socket-pool.ts), so every field is one load on one object, as it was before the split.
 */
export abstract class PoolState extends SocketArrays {
  readonly tracker: DeliveryTracker;
  readonly counters: WorkerCounters;
  readonly cohortCounters: CohortCounters[];
  /** The registered worker-recorded histograms (src/run/registry.ts: source 'worker'). */
  readonly histograms: WorkerHistograms = workerHistograms();
  protected readonly turns = new TurnTimer(this.histograms.clientTurn);
  /** First-connect handshakes per ramp block (compare's blocks), or null when the plan asks for none. */
  readonly rampBlocks: RampBlocks | null;
  /** Staleness of the server's own stream (publish.source "server"), else null: no cost for publishes. */
  readonly streamStaleness: Histogram | null;
  /** The server's own stream's accounting, or null when receipts are deliveries of publishes. */
  readonly stream: StreamTracker | null;
  protected readonly streamReader: StreamReader | null;
  readonly cohortHistograms: CohortHistograms[];

  readonly cohortOfSocket: Uint16Array;
  /** Topic index of each socket, or null without topics. */
  readonly topicOfSocket: Uint16Array | null;
  /** Topic names, or null without topics. */
  protected readonly topicNames: readonly string[] | null;
  /** Histograms per topic index (fan-out, "fanout:<topic>"), or null without topics. */
  readonly topicHistograms: TopicHistograms[] | null;
  /** The target.open messages and acknowledgements (null: subscribed at the upgrade, the demo protocol). */
  protected readonly openSeq: OpenSequence | null;
  /** The protocol spoken over each socket (src/protocols/), or null: plain messages. Set by SocketPool, the ProtocolHost. */
  protected proto: ProtocolClient | null = null;
  /** Subprotocols offered in the upgrade: the scenario's, else the protocol's own. */
  protected readonly subprotocols: string[];
  protected readonly headersTemplated: boolean;
  protected readonly identities: WorkerSlice['identities'];

  protected readonly connectConfig: WorkerConnect;
  /** ws's permessage-deflate client option (false: none offered), built once. */
  protected readonly deflate: PerMessageDeflateOptions | false;
  protected readonly urlTemplate: string;
  protected readonly perSocketUrl: boolean;
  protected readonly secure: boolean;
  protected readonly indices: number[];
  protected readonly cohorts: WorkerCohort[];
  protected readonly limit: LimitFunction;
  protected readonly maxPending: number;
  protected readonly onSlotFree: (() => void) | undefined;
  protected refillScheduled = false;
  protected readonly ring: PublishRing;
  protected readonly parser: PushParser;
  /** publish.binary "unmatched": binary frames are counted unmatched, unread. */
  protected readonly skipBinary: boolean;
  /** UTF-8 bytes of the publish ids when pushed ids are checked, else null. */
  protected readonly ids: readonly Buffer[] | null;
  protected readonly tlsOptions: TlsConnectOptions | null;
  protected readonly lookup: LookupFunction | undefined;
  protected firstAttemptsSettled = 0;
  protected readonly onRamped: (() => void) | undefined;
  protected stopping = false;
  /** Counted closes since the last takeCloseLog() (see protocol.ts logClose). */
  protected closeLog: number[] = [];
  /** (time, ±1) per open and close since the last takeOpenLog(); null unless the slice asks (spread runs). */
  protected openLog: number[] | null;

  constructor(config: PoolConfig) {
    const { slice } = config;
    super(slice.indices.length, slice.stages !== undefined);
    this.openLog = slice.logOpens === true ? [] : null;
    const connect = slice.connect;
    this.connectConfig = connect;
    this.deflate = wsDeflateOptions(connect.perMessageDeflate);
    this.indices = slice.indices;
    this.cohorts = slice.cohorts;
    this.urlTemplate = connect.urlTemplate;
    this.perSocketUrl = placeholderNames(connect.urlTemplate).length > 0;
    this.headersTemplated = Object.values(connect.headers).some((v) => placeholderNames(v).length > 0);
    this.identities = slice.identities ?? null;
    // URL schemes are case-insensitive (the schema accepts "WSS://"); a miss here would dial TLS ports in clear.
    this.secure = /^wss:/i.test(connect.urlTemplate);
    this.ring = config.ring;
    this.limit = pLimit(slice.maxPending);
    this.maxPending = slice.maxPending;
    this.onSlotFree = config.onSlotFree;
    this.parser = new PushParser({ by: slice.delivery.matchBy, expr: slice.delivery.match }, slice.delivery.runTag);
    this.skipBinary = slice.delivery.binary === 'unmatched';
    this.rampBlocks = slice.rampBlockMs !== undefined && slice.rampBlockMs > 0 ? new RampBlocks(slice.rampBlockMs) : null;
    this.ids = slice.delivery.ids ? slice.delivery.ids.map((id) => Buffer.from(id, 'utf8')) : null;
    this.tlsOptions = this.secure && connect.tls ? tlsConnectOptions(connect.tls) : null;
    this.lookup = lookupFor(connect.resolve);

    const n = this.n;
    this.onRamped = config.onRamped;
    this.cohortOfSocket = Uint16Array.from(slice.cohortOf);
    this.topicOfSocket = slice.topics ? Uint16Array.from(slice.topics.of) : null;
    this.topicNames = slice.topics ? slice.topics.names : null;
    this.topicHistograms = slice.topics ? topicHistograms(slice.topics.names.length) : null;
    this.openSeq = connect.open && connect.open.length > 0 ? new OpenSequence(n, connect.open, this) : null;
    this.subprotocols = offeredSubprotocols(config.protocol, connect.subprotocols);
    this.markCohortSockets();

    const stream = slice.stream;
    const staleness = stream ? createHistogram() : null;
    this.streamStaleness = staleness;
    this.stream = staleness ? new StreamTracker(n, staleness, wallClockOffsetMs()) : null;
    this.streamReader = stream ? new StreamReader(stream.timestamp, stream.timestampUnit, stream.sequence) : null;
    this.tracker = new DeliveryTracker(
      n,
      config.ring,
      this,
      this.cohorts.length,
      slice.delivery.deadlineMs,
      (ms, k) => this.recordFanout(k, ms),
      slice.topics?.names.length ?? 0,
    );
    this.counters = initialCounters(slice, this.tracker, this.stream);
    this.cohortCounters = this.cohorts.map(emptyCohortCounters);
    this.cohortHistograms = cohortHistograms(this.cohorts.length);
  }

  /** Marks the sockets whose cohort reconnects, and those that ping. */
  private markCohortSockets(): void {
    for (let k = 0; k < this.n; k++) {
      const c = this.cohorts[this.cohortOfSocket[k]];
      if (c.reconnect.policy !== 'none') this.reconnects[k] = 1;
      if (c.pingIntervalMs !== null) this.pings[k] = 1;
    }
  }

  /** True once every socket's first connection attempt has succeeded or failed. */
  get ramped(): boolean {
    return this.firstAttemptsSettled >= this.n;
  }

  protected markFirstSettled(k: number): void {
    if (this.firstDone[k] === 1) return;
    this.firstDone[k] = 1;
    if (++this.firstAttemptsSettled === this.n) this.onRamped?.();
  }

  // Implemented by the concerns layered above: the open sequence and the delivery tracker call them.
  abstract fillMessage(k: number, text: string, json: boolean): string;
  /** @private — an upgrade completed with these extensions accepted ("" none): counted per answer. */
  onNegotiated(answered: string): void {
    const counts = (this.counters.extensions ??= {});
    counts[answered] = (counts[answered] ?? 0) + 1;
  }

  abstract onSubscribed(k: number): void;
  abstract onSubscribeFailed(k: number, reason: string): void;
  protected abstract recordFanout(k: number, latency: number): void;
}

/** A worker's counters at the start: the delivery and stream counters are the trackers' own objects. */
function initialCounters(slice: WorkerSlice, tracker: DeliveryTracker, stream: StreamTracker | null): WorkerCounters {
  return {
    attempts: 0,
    opened: 0,
    firstOpened: 0,
    failed: 0,
    failures: {},
    open: 0,
    delivery: tracker.counters,
    ...(tracker.topicCounters ? { topics: tracker.topicCounters } : {}),
    messages: 0,
    pingsSent: 0,
    heartbeatsSent: 0,
    ...(slice.stages ? { rampDownCloses: 0, reopened: 0 } : {}),
    ...(stream ? { stream: stream.counters } : {}),
    ...(slice.connect.perMessageDeflate ? { extensions: {} } : {}),
  };
}
