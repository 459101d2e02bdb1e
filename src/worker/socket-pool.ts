/**
 * The sockets of one worker and everything that happens to them: ramp-up under a handshake limit,
 * receipt accounting, keepalive pings and heartbeats, closes and reconnects. Per-socket state lives
 * in typed arrays indexed by the worker-local socket number, and listeners are module-level
 * functions that find that number on the WebSocket (as ws itself does), so holding 10,000 sockets
 * costs the ws objects and a few bytes each, not closures.
 */
import dns from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';
import pLimit, { type LimitFunction } from 'p-limit';
import { nowMs, wallClockOffsetMs } from '../clock.js';
import { createHistogram, recordMs, type Histogram } from '../metrics/histogram.js';
import { classifyClose, classifyConnectError } from '../metrics/classify.js';
import { lookupFor, tlsConnectOptions, type LookupFunction, type TlsConnectOptions } from '../net/connect-options.js';
import { DeliveryTracker } from './delivery-tracker.js';
import { TurnTimer } from './turn-timer.js';
import { PushParser, PUSH_FOREIGN } from './seq-extract.js';
import { socketClosed, socketOpened, type PublishRing } from '../run/publish-ring.js';
import { emptyCohortCounters, logClose, type CohortCounters, type WorkerCohort, type WorkerConnect, type WorkerCounters, type WorkerSlice } from '../run/protocol.js';
import type { CohortHistogramKind } from '../run/registry.js';
import { fillPlaceholders, jsonEscape, placeholderNames, type PlaceholderValues } from '../run/placeholders.js';
import { OpenSequence } from './open-sequence.js';
import { IdleProfileBuilder, type IdleProfile } from '../run/idle-profile.js';
import { StreamReader } from './stream-reader.js';
import { StreamTracker } from './stream-tracker.js';
import { RampBlocks } from './ramp-blocks.js';
import { createProtocolClient, offeredSubprotocols } from '../protocols/table.js';
import type { ProtocolClient, ProtocolHost } from '../protocols/types.js';

const IDLE = 0;
const CONNECTING = 1;
const OPEN = 2;
const WAITING = 3;
const DONE = 4;
/** Upgraded, sending target.open messages and waiting for their acknowledgements: not yet counted open. */
const SUBSCRIBING = 5;
/** With stages: an open is queued for a handshake slot. */
const QUEUED = 6;

/** byError key of a socket ws terminated because the server's pings outran its answers. */
const PING_FLOOD = 'ping-flood';

const kIndex = Symbol('wsload.index');
const kPool = Symbol('wsload.pool');

interface PooledSocket extends WebSocket {
  [kIndex]: number;
  [kPool]: SocketPool;
}

interface ConnectOptions extends WebSocket.ClientOptions {
  lookup?: LookupFunction;
  localAddress?: string;
  [kIndex]: number;
  [kPool]: SocketPool;
}

export interface PoolConfig {
  /** This worker's slice of the plan: its sockets, cohorts, how to dial, how to judge deliveries. */
  slice: WorkerSlice;
  ring: PublishRing;
  /** Called once, as soon as every socket's first attempt has settled. */
  onRamped?: () => void;
  /** Called (coalesced, after the current I/O) when a handshake slot has come free. */
  onSlotFree?: () => void;
}

/** Histograms per cohort, for disconnect timing. */
type CohortHistograms = Record<CohortHistogramKind, Histogram>;

export class SocketPool implements ProtocolHost {
  readonly n: number;
  readonly tracker: DeliveryTracker;
  readonly counters: WorkerCounters;
  readonly cohortCounters: CohortCounters[];
  readonly histograms = {
    fanout: createHistogram(),
    /** First connects: from when the socket was due on the ramp schedule to open. */
    handshake: createHistogram(),
    /** First connects: due on the ramp → attempt started (waiting for the ramp timer or a handshake slot). */
    handshakeQueue: createHistogram(),
    handshakeDns: createHistogram(),
    handshakeTcp: createHistogram(),
    handshakeTls: createHistogram(),
    handshakeUpgrade: createHistogram(),
    /** Reconnects: from when the reconnect was due (after its backoff) to open. */
    handshakeReconnect: createHistogram(),
    /** Time spent per event-loop turn that handled messages (the client's share of fan-out latency). */
    clientTurn: createHistogram(),
  };
  private readonly turns = new TurnTimer(this.histograms.clientTurn);
  /** First-connect handshakes per ramp block (compare's blocks), or null when the plan asks for none. */
  readonly rampBlocks: RampBlocks | null;
  /** Staleness of the server's own stream (publish.source "server"), else null: no cost for publishes. */
  readonly streamStaleness: Histogram | null;
  /** The server's own stream's accounting, or null when receipts are deliveries of publishes. */
  readonly stream: StreamTracker | null;
  private readonly streamReader: StreamReader | null;
  readonly cohortHistograms: CohortHistograms[];

  // Per-socket state, indexed by worker-local socket number.
  readonly openedAt: Float64Array;
  /** When the socket became subscribed (eligible for publishes); 0 while not. */
  readonly subscribedAt: Float64Array;
  readonly everOpened: Uint8Array;
  readonly reconnects: Uint8Array;
  /** 0 while the stages' target is below the socket (ramped down): not reconnected. Always 1 without stages. */
  readonly wanted: Uint8Array;
  /** With stages: first subscribed since the shape last opened the socket, 0 while ramped down (see SocketView); undefined without stages. */
  readonly upSince: Float64Array | undefined;
  /** With stages: the current attempt is a due open of the shape (its handshake counts as a first connect's). */
  private readonly scheduledOpen: Uint8Array;
  /** With stages: when a re-open became due while the socket's ramp-down close was still under way; 0: none. */
  private readonly reopenDue: Float64Array;
  /** 1 while wsload closes the socket's current connection for a ramp-down (the target may rise again before it is closed). */
  private readonly rampingDown: Uint8Array;
  /** 1 when the socket's cohort sends pings (and so listens for pongs). */
  private readonly pings: Uint8Array;
  private readonly state: Uint8Array;
  private readonly lastRecv: Float64Array;
  private readonly lastSent: Float64Array;
  private readonly connectStart: Float64Array;
  /** When the current attempt became due: its ramp slot, or its reconnect time after the backoff. */
  private readonly dueAt: Float64Array;
  private readonly lookupAt: Float64Array;
  private readonly tcpAt: Float64Array;
  private readonly tlsAt: Float64Array;
  private readonly downSince: Float64Array;
  private readonly nextKeepalive: Float64Array;
  private readonly attempt: Uint16Array;
  private readonly closingByClient: Uint8Array;
  private readonly protocolError: Uint8Array;
  readonly cohortOfSocket: Uint16Array;
  /** Topic index of each socket, or null without topics. */
  readonly topicOfSocket: Uint16Array | null;
  /** Topic names, or null without topics. */
  private readonly topicNames: readonly string[] | null;
  /** Fan-out latency per topic index ("fanout:<topic>"), or null without topics. */
  readonly topicHistograms: Histogram[] | null;
  private readonly failure: (string | null)[];
  private readonly lastError: (string | null)[];
  private readonly sockets: (WebSocket | null)[];
  private readonly settle: ((() => void) | null)[];
  private readonly reconnectTimers: (NodeJS.Timeout | null)[];
  /** The target.open messages and acknowledgements (null: subscribed at the upgrade, the demo protocol). */
  private readonly openSeq: OpenSequence | null;
  /** The protocol spoken over each socket (src/protocols/), or null: plain messages. */
  private readonly proto: ProtocolClient | null;
  /** Why the protocol says socket k's connection ended (kept with its close), or null. */
  private readonly protoReason: (string | null)[];
  private readonly subprotocols: string[];
  /** When the upgrade of the current attempt completed (while SUBSCRIBING). */
  private readonly upgradedAt: Float64Array;
  private readonly headersTemplated: boolean;
  private readonly identities: WorkerSlice['identities'];

  private readonly connectConfig: WorkerConnect;
  private readonly urlTemplate: string;
  private readonly perSocketUrl: boolean;
  private readonly secure: boolean;
  private readonly indices: number[];
  private readonly cohorts: WorkerCohort[];
  private readonly limit: LimitFunction;
  private readonly maxPending: number;
  private readonly onSlotFree: (() => void) | undefined;
  private refillScheduled = false;
  private readonly ring: PublishRing;
  private readonly parser: PushParser;
  /** publish.binary "unmatched": binary frames are counted unmatched, unread. */
  private readonly skipBinary: boolean;
  /** UTF-8 bytes of the publish ids when pushed ids are checked, else null. */
  private readonly ids: readonly Buffer[] | null;
  private readonly tlsOptions: TlsConnectOptions | null;
  private readonly lookup: LookupFunction | undefined;
  private readonly keepaliveSockets: number[];
  private firstAttemptsSettled = 0;
  /** 1 once socket k's first connection attempt has succeeded or failed. */
  private readonly firstDone: Uint8Array;
  private readonly onRamped: (() => void) | undefined;
  private stopping = false;
  /** Counted closes since the last takeCloseLog() (see protocol.ts logClose). */
  private closeLog: number[] = [];
  /** (time, ±1) per open and close since the last takeOpenLog(); null unless the slice asks (spread runs). */
  private openLog: number[] | null;
  /** 1 when ws itself ended the socket (its ping-flood protection): a client-side close. */
  private readonly clientGaveUp: Uint8Array;

  constructor(config: PoolConfig) {
    const { slice } = config;
    this.openLog = slice.logOpens === true ? [] : null;
    const connect = slice.connect;
    this.connectConfig = connect;
    this.n = slice.indices.length;
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
    this.firstDone = new Uint8Array(n);
    this.onRamped = config.onRamped;
    this.openedAt = new Float64Array(n);
    this.subscribedAt = new Float64Array(n);
    this.everOpened = new Uint8Array(n);
    this.reconnects = new Uint8Array(n);
    this.wanted = new Uint8Array(n).fill(1);
    this.upSince = slice.stages ? new Float64Array(n) : undefined;
    this.scheduledOpen = new Uint8Array(n);
    this.reopenDue = new Float64Array(n);
    this.rampingDown = new Uint8Array(n);
    this.pings = new Uint8Array(n);
    this.state = new Uint8Array(n);
    this.lastRecv = new Float64Array(n);
    this.lastSent = new Float64Array(n);
    this.connectStart = new Float64Array(n);
    this.dueAt = new Float64Array(n);
    this.lookupAt = new Float64Array(n);
    this.tcpAt = new Float64Array(n);
    this.tlsAt = new Float64Array(n);
    this.downSince = new Float64Array(n);
    this.nextKeepalive = new Float64Array(n);
    this.attempt = new Uint16Array(n);
    this.closingByClient = new Uint8Array(n);
    this.protocolError = new Uint8Array(n);
    this.clientGaveUp = new Uint8Array(n);
    this.cohortOfSocket = Uint16Array.from(slice.cohortOf);
    this.topicOfSocket = slice.topics ? Uint16Array.from(slice.topics.of) : null;
    this.topicNames = slice.topics ? slice.topics.names : null;
    this.topicHistograms = slice.topics ? slice.topics.names.map(() => createHistogram()) : null;
    this.failure = new Array<string | null>(n).fill(null);
    this.lastError = new Array<string | null>(n).fill(null);
    this.sockets = new Array<WebSocket | null>(n).fill(null);
    this.settle = new Array<(() => void) | null>(n).fill(null);
    this.reconnectTimers = new Array<NodeJS.Timeout | null>(n).fill(null);
    this.upgradedAt = new Float64Array(n);
    this.openSeq = connect.open && connect.open.length > 0 ? new OpenSequence(n, connect.open, this) : null;
    this.proto = connect.protocol ? createProtocolClient(n, connect.protocol, this) : null;
    this.protoReason = new Array<string | null>(n).fill(null);
    this.subprotocols = offeredSubprotocols(connect.protocol, connect.subprotocols);
    this.keepaliveSockets = [];
    for (let k = 0; k < n; k++) {
      const c = this.cohorts[this.cohortOfSocket[k]];
      if (c.reconnect.policy !== 'none') this.reconnects[k] = 1;
      if (c.pingIntervalMs !== null || c.heartbeat !== null) this.keepaliveSockets.push(k);
      if (c.pingIntervalMs !== null) this.pings[k] = 1;
    }

    const stream = slice.stream;
    const staleness = stream ? createHistogram() : null;
    this.streamStaleness = staleness;
    this.stream = staleness ? new StreamTracker(n, staleness, wallClockOffsetMs()) : null;
    this.streamReader = stream ? new StreamReader(stream.timestamp, stream.timestampUnit, stream.sequence) : null;
    this.tracker = new DeliveryTracker(n, config.ring, this, this.cohorts.length, slice.delivery.deadlineMs, (ms, k) => this.recordFanout(k, ms), slice.topics?.names.length ?? 0);
    this.counters = {
      attempts: 0,
      opened: 0,
      firstOpened: 0,
      failed: 0,
      failures: {},
      open: 0,
      delivery: this.tracker.counters,
      ...(this.tracker.topicCounters ? { topics: this.tracker.topicCounters } : {}),
      messages: 0,
      pingsSent: 0,
      heartbeatsSent: 0,
      ...(slice.stages ? { rampDownCloses: 0, reopened: 0 } : {}),
      ...(this.stream ? { stream: this.stream.counters } : {}),
    };
    this.cohortCounters = this.cohorts.map(emptyCohortCounters);
    this.cohortHistograms = this.cohorts.map(() => ({ idleAtClose: createHistogram(), sentIdleAtClose: createHistogram(), ageAtClose: createHistogram() }));
  }

  /** True once every socket's first connection attempt has succeeded or failed. */
  get ramped(): boolean {
    return this.firstAttemptsSettled >= this.n;
  }

  /**
   * Queues the first attempt of local socket k, due at `dueAtMs` on the ramp schedule: handshake
   * latency counts from then, so a slow gateway that holds the ramp back shows in the histogram
   * rather than only stretching the ramp (coordinated omission).
   */
  start(k: number, dueAtMs: number = nowMs()): void {
    this.dueAt[k] = dueAtMs;
    if (this.stopping) {
      this.markFirstSettled(k);
      return;
    }
    void this.limit(() => this.connect(k));
  }

  /** Counts local socket k's first attempt as settled without dialing: the run ended before its turn. */
  skip(k: number): void {
    this.markFirstSettled(k);
  }

  private markFirstSettled(k: number): void {
    if (this.firstDone[k] === 1) return;
    this.firstDone[k] = 1;
    if (++this.firstAttemptsSettled === this.n) this.onRamped?.();
  }

  private connect(k: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (this.wanted[k] === 0) {
      // Ramped down while it waited for a handshake slot.
      this.state[k] = DONE;
      this.markFirstSettled(k);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.settle[k] = resolve;
      this.state[k] = CONNECTING;
      this.rampingDown[k] = 0;
      this.failure[k] = null;
      this.lastError[k] = null;
      this.closingByClient[k] = 0;
      this.protocolError[k] = 0;
      this.clientGaveUp[k] = 0;
      this.protoReason[k] = null;
      this.tcpAt[k] = 0;
      this.tlsAt[k] = 0;
      this.lookupAt[k] = 0;
      this.counters.attempts++;
      this.connectStart[k] = nowMs();
      const global = this.indices[k];
      const connect = this.connectConfig;
      const options: ConnectOptions = {
        perMessageDeflate: false,
        handshakeTimeout: connect.handshakeTimeoutMs,
        skipUTF8Validation: true,
        createConnection: (this.secure ? tlsConnectTimed : netConnectTimed) as unknown as typeof net.createConnection,
        [kIndex]: k,
        [kPool]: this,
      };
      if (this.headersTemplated) options.headers = this.fillHeaders(k);
      else if (Object.keys(connect.headers).length > 0) options.headers = connect.headers;
      if (connect.origin) options.origin = connect.origin;
      if (this.lookup) options.lookup = this.lookup;
      const locals = connect.localAddresses;
      if (locals.length > 0) options.localAddress = locals[global % locals.length];
      if (this.tlsOptions) Object.assign(options, this.tlsOptions);
      const url = this.perSocketUrl ? fillPlaceholders(this.urlTemplate, this.placeholders(k), encodeURIComponent) : this.urlTemplate;
      const protocols = this.subprotocols.length > 0 ? this.subprotocols : undefined;
      let ws: PooledSocket;
      try {
        ws = new WebSocket(url, protocols, options) as PooledSocket;
      } catch (err) {
        this.failure[k] = classifyConnectError(err as NodeJS.ErrnoException);
        this.onAttemptFailed(k);
        return;
      }
      ws[kIndex] = k;
      ws[kPool] = this;
      this.sockets[k] = ws;
      ws.on('open', wsOnOpen);
      ws.on('message', wsOnMessage);
      // Listeners cost memory on every one of thousands of sockets: 'pong' only where we ping.
      if (this.pings[k] === 1) ws.on('pong', wsOnPong);
      ws.on('ping', wsOnPing);
      ws.on('error', wsOnError);
      ws.on('close', wsOnClose);
    });
  }

  /** @private — socket k's host name was resolved (not called for IP addresses). */
  onLookup(k: number): void {
    this.lookupAt[k] = nowMs();
  }

  /** @private — socket k's TCP connection is up (TLS may follow). */
  onTcp(k: number): void {
    this.tcpAt[k] = nowMs();
  }

  /** @private */
  onTls(k: number): void {
    this.tlsAt[k] = nowMs();
  }

  /** Socket k's placeholder values ("{conn}", "{cohort}", "{topic}", "{identity.FIELD}"). */
  placeholders(k: number): PlaceholderValues {
    const ids = this.identities;
    const topic = this.topicNames !== null && this.topicOfSocket !== null ? { topic: this.topicNames[this.topicOfSocket[k]] } : {};
    return { conn: this.indices[k], cohort: this.cohorts[this.cohortOfSocket[k]].name, ...topic, fields: ids ? ids.fields : null, values: ids ? ids.rows[k] : null };
  }

  /** Socket k's open message `text` with its placeholders filled (JSON-escaped in a JSON message). */
  fillMessage(k: number, text: string, json: boolean): string {
    return fillPlaceholders(text, this.placeholders(k), json ? jsonEscape : identity);
  }

  private fillHeaders(k: number): Record<string, string> {
    const values = this.placeholders(k);
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.connectConfig.headers)) out[name] = fillPlaceholders(value, values, identity);
    return out;
  }

  /** @private */
  onOpen(k: number): void {
    const now = nowMs();
    // A new connection: its first stream message is a new baseline, not a gap.
    this.stream?.reset(k);
    if (this.proto !== null) {
      // The protocol's handshake and subscribe: counted subscribed at its acknowledgement (onSubscribed).
      this.state[k] = SUBSCRIBING;
      this.upgradedAt[k] = now;
      this.proto.begin(k);
      return;
    }
    const seq = this.openSeq;
    if (seq === null) {
      // The demo protocol subscribes a socket when its upgrade completes.
      this.becomeOpen(k, now, now);
      return;
    }
    this.state[k] = SUBSCRIBING;
    this.upgradedAt[k] = now;
    seq.begin(k, this.sockets[k]);
  }

  /** @private — socket k sent its last open message and had every acknowledgement: it is subscribed now. */
  onSubscribed(k: number): void {
    if (this.state[k] !== SUBSCRIBING) return;
    this.becomeOpen(k, this.upgradedAt[k], nowMs());
  }

  /** @private — socket k's subscription failed: the attempt fails with `reason` once the socket has closed. */
  onSubscribeFailed(k: number, reason: string): void {
    if (this.state[k] !== SUBSCRIBING) return;
    this.failure[k] = reason;
    const ws = this.sockets[k];
    if (ws) ws.terminate();
  }

  /** Counts socket k open (upgraded at `upgraded`) and subscribed at `now`. */
  private becomeOpen(k: number, upgraded: number, now: number): void {
    const start = this.connectStart[k];
    const first = this.everOpened[k] === 0;
    const reopen = !first && this.scheduledOpen[k] === 1;
    this.scheduledOpen[k] = 0;
    if (this.upSince !== undefined && this.upSince[k] === 0) this.upSince[k] = now;
    this.state[k] = OPEN;
    this.openedAt[k] = upgraded;
    this.subscribedAt[k] = now;
    this.everOpened[k] = 1;
    this.lastRecv[k] = now;
    this.lastSent[k] = now;
    this.attempt[k] = 0;
    this.counters.opened++;
    if (first) this.counters.firstOpened = (this.counters.firstOpened ?? 0) + 1;
    else if (reopen) this.counters.reopened = (this.counters.reopened ?? 0) + 1;
    this.counters.open++;
    this.cohortCounters[this.cohortOfSocket[k]].opened++;
    socketOpened(this.ring);
    this.openLog?.push(now, 1);
    this.recordHandshake(k, first || reopen, upgraded, start);
    const c = this.cohorts[this.cohortOfSocket[k]];
    const keepalive = c.pingIntervalMs ?? c.heartbeat?.intervalMs ?? 0;
    if (keepalive > 0) this.nextKeepalive[k] = now + keepalive;
    if (this.downSince[k] > 0) {
      const cc = this.cohortCounters[this.cohortOfSocket[k]];
      cc.reconnects++;
      cc.downMs += now - this.downSince[k];
      this.downSince[k] = 0;
    }
    this.markFirstSettled(k);
    this.release(k);
  }

  /** First connects and reconnects in their own histograms; the parts only for first connects. */
  private recordHandshake(k: number, first: boolean, now: number, start: number): void {
    const due = this.dueAt[k] > 0 && this.dueAt[k] <= start ? this.dueAt[k] : start;
    if (!first) {
      recordMs(this.histograms.handshakeReconnect, now - due);
      return;
    }
    recordMs(this.histograms.handshake, now - due);
    this.rampBlocks?.record(due, now - due);
    recordMs(this.histograms.handshakeQueue, start - due);
    const lookup = this.lookupAt[k];
    if (lookup > 0) recordMs(this.histograms.handshakeDns, lookup - start);
    const tcp = this.tcpAt[k];
    const tlsDone = this.tlsAt[k];
    if (tcp > 0) {
      recordMs(this.histograms.handshakeTcp, tcp - (lookup > 0 ? lookup : start));
      if (tlsDone > 0) recordMs(this.histograms.handshakeTls, tlsDone - tcp);
      recordMs(this.histograms.handshakeUpgrade, now - (tlsDone > 0 ? tlsDone : tcp));
    }
  }

  /** @private */
  onMessage(k: number, data: Buffer, isBinary: boolean): void {
    const now = nowMs();
    this.lastRecv[k] = now;
    this.turns.mark(now);
    this.counters.messages++;
    // An acknowledgement (or rejection) is the open sequence's; other replies are judged as usual.
    if (this.openSeq !== null && this.state[k] === SUBSCRIBING && this.openSeq.reply(k, data)) return;
    if (this.proto !== null) {
      // The protocol decodes the frame and calls deliver() with the application payload, if any.
      this.proto.receive(k, data, isBinary, now);
      return;
    }
    this.deliver(k, data, isBinary, now);
  }

  /** A message's application payload judged: a delivery of a publish, or a server stream's message. */
  deliver(k: number, data: Buffer, isBinary: boolean, now: number): void {
    if (this.stream !== null) {
      this.onStreamMessage(k, data, isBinary, now);
      return;
    }
    if (isBinary && this.skipBinary) {
      this.tracker.counters.unmatched++;
      return;
    }
    const seq = this.parser.parse(data);
    if (seq < 0) {
      if (seq === PUSH_FOREIGN) this.tracker.counters.foreign++;
      else this.tracker.counters.unmatched++;
      return;
    }
    const ids = this.ids;
    // Ids are cycled in order (publishId in run/publish-url.ts).
    if (ids !== null && this.parser.idDiffers(data, ids[(seq - 1) % ids.length])) {
      this.tracker.counters.idMismatch++;
      return;
    }
    const latency = this.tracker.receive(k, seq, now);
    if (latency >= 0) this.recordFanout(k, latency);
  }

  /** One on-time delivery's latency, into the run's histogram and (with topics) its topic's. */
  private recordFanout(k: number, latency: number): void {
    recordMs(this.histograms.fanout, latency);
    if (this.topicHistograms !== null && this.topicOfSocket !== null) recordMs(this.topicHistograms[this.topicOfSocket[k]], latency);
  }

  /** A message of the server's own stream: read its timestamp and sequence, judge them. */
  private onStreamMessage(k: number, data: Buffer, isBinary: boolean, now: number): void {
    const stream = this.stream as StreamTracker;
    const reader = this.streamReader as StreamReader;
    if ((isBinary && this.skipBinary) || !reader.read(data)) stream.unmatched();
    else stream.receive(k, reader.timestampMs, reader.sequence, now);
  }

  /** ProtocolHost: `text` with socket k's placeholders filled. */
  fillText(k: number, text: string, json: boolean): string {
    return this.fillMessage(k, text, json);
  }

  /** ProtocolHost: a protocol frame sent on socket k (bytes toward the gateway). */
  send(k: number, data: string | Buffer): void {
    const ws = this.sockets[k];
    if (ws === null || ws.readyState !== WebSocket.OPEN) return;
    ws.send(data);
    this.lastSent[k] = nowMs();
  }

  /** ProtocolHost */
  lastSentAt(k: number): number {
    return this.lastSent[k];
  }

  /** ProtocolHost */
  isOpen(k: number): boolean {
    return this.state[k] === OPEN && this.closingByClient[k] === 0;
  }

  /** ProtocolHost: a protocol message that is no delivery. */
  unmatched(_k: number): void {
    this.tracker.counters.unmatched++;
  }

  /** ProtocolHost: the protocol's reason for the coming close of socket k. */
  noteReason(k: number, reason: string): void {
    this.protoReason[k] = reason;
  }

  /** ProtocolHost: the protocol's heartbeat timed out: wsload ends the connection (a client-side close, counted). */
  closeByClient(k: number, reason: string): void {
    const ws = this.sockets[k];
    if (ws === null || this.state[k] !== OPEN) return;
    this.protoReason[k] = reason;
    this.clientGaveUp[k] = 1;
    ws.terminate();
  }

  /** @private */
  onPong(k: number): void {
    this.lastRecv[k] = nowMs();
  }

  /**
   * @private — a ping from the server. ws answers it itself, and terminates the socket when too
   * many of its answers are still unsent (maxPendingAutoPongs): it does so just before emitting
   * this ping, so a socket no longer open here that wsload did not close was ended by the client.
   */
  onPing(k: number, ws: WebSocket): void {
    const now = nowMs();
    this.lastRecv[k] = now;
    // ws answers with a pong (autoPong): bytes towards the gateway, which reset its idle timer.
    this.lastSent[k] = now;
    if (ws.readyState !== WebSocket.OPEN && this.closingByClient[k] === 0) this.clientGaveUp[k] = 1;
  }

  /** The opens and closes logged since the last call, or undefined when not logging. */
  takeOpenLog(): number[] | undefined {
    const log = this.openLog;
    if (log === null) return undefined;
    this.openLog = [];
    return log;
  }

  /**
   * How idle the open sockets are now, in the gateway's view (since the last frame either way):
   * the idle-timeout screening's control group and survivors. Sockets wsload is closing do not count.
   */
  idleProfile(now: number): IdleProfile {
    const profile = new IdleProfileBuilder();
    for (let k = 0; k < this.n; k++) {
      if (this.state[k] !== OPEN || this.closingByClient[k] === 1) continue;
      profile.add(now - Math.max(this.lastRecv[k], this.lastSent[k]));
    }
    return profile.build(now);
  }

  /** Counted closes since the previous call, for the worker's tick. */
  takeCloseLog(): number[] {
    const log = this.closeLog;
    this.closeLog = [];
    return log;
  }

  /**
   * @private — an error on the TCP/TLS socket itself. ws swallows these once the socket is open
   * (it destroys the socket and reports only 1006), so this is the only place ECONNRESET or EPIPE
   * of an established connection can be seen.
   */
  onSocketError(k: number, err: NodeJS.ErrnoException): void {
    if (this.state[k] === OPEN) this.lastError[k] = err.code ?? 'error';
  }

  /**
   * @private — the client ended its side of socket k's TCP connection. Unless wsload is closing it,
   * that is ws answering the server's close frame: nothing can arrive after it, however long the
   * server then takes to close the TCP connection, so the connection stops being subscribed now.
   */
  onSocketFinish(k: number): void {
    if (this.state[k] !== OPEN || this.closingByClient[k] === 1 || this.subscribedAt[k] === 0) return;
    this.tracker.connectionClosed(k, this.subscribedAt[k], nowMs());
    this.subscribedAt[k] = 0;
  }

  /** @private */
  onError(k: number, err: NodeJS.ErrnoException): void {
    if (this.state[k] === CONNECTING) {
      if (this.failure[k] === null) this.failure[k] = classifyConnectError(err);
      return;
    }
    const code = err.code ?? 'error';
    this.lastError[k] = code;
    if (code.startsWith('WS_ERR_')) this.protocolError[k] = 1;
  }

  /** @private */
  onClose(k: number, code: number): void {
    this.sockets[k] = null;
    this.proto?.end(k);
    const st = this.state[k];
    if (st === SUBSCRIBING) {
      this.openSeq?.cancel(k);
      if ((this.stopping && this.closingByClient[k] === 1) || this.rampingDown[k] === 1) this.abandonAttempt(k);
      else {
        if (this.failure[k] === null) this.failure[k] = 'subscribe-closed';
        this.onAttemptFailed(k);
      }
      return;
    }
    if (st === CONNECTING) {
      // closeAll() (or a ramp-down) aborted this handshake itself: the target never had its chance to fail it.
      if ((this.stopping && this.closingByClient[k] === 1) || this.rampingDown[k] === 1) this.abandonAttempt(k);
      else this.onAttemptFailed(k);
      return;
    }
    if (st !== OPEN) return;
    const now = nowMs();
    const ci = this.cohortOfSocket[k];
    this.counters.open--;
    socketClosed(this.ring);
    this.openLog?.push(now, -1);
    // Closed by wsload as the stages' target fell: neither a disconnect nor a reason to reconnect.
    const rampedDown = this.rampingDown[k] === 1;
    if (rampedDown) this.counters.rampDownCloses = (this.counters.rampDownCloses ?? 0) + 1;
    if ((!this.stopping || this.closingByClient[k] === 0) && !rampedDown) {
      const cc = this.cohortCounters[ci];
      const ch = this.cohortHistograms[ci];
      cc.closes++;
      const codeKey = String(code);
      cc.byCode[codeKey] = (cc.byCode[codeKey] ?? 0) + 1;
      const cause = classifyClose(code, this.closingByClient[k] === 1 || this.clientGaveUp[k] === 1, this.protocolError[k] === 1);
      cc.byCause[cause] = (cc.byCause[cause] ?? 0) + 1;
      // The protocol's own reason (a server disconnect packet, its heartbeat timing out) names the close first.
      const errCode = this.protoReason[k] ?? (this.clientGaveUp[k] === 1 ? PING_FLOOD : this.lastError[k]);
      if (errCode) cc.byError[errCode] = (cc.byError[errCode] ?? 0) + 1;
      logClose(this.closeLog, now, ci, cause, code, now - this.lastRecv[k], now - this.lastSent[k]);
      recordMs(ch.idleAtClose, now - this.lastRecv[k]);
      recordMs(ch.sentIdleAtClose, now - this.lastSent[k]);
      recordMs(ch.ageAtClose, now - this.openedAt[k]);
      // The connection owed every push sent while it was subscribed; those it never got are lost now
      // (unless it already stopped receiving at a close frame: onSocketFinish judged it then).
      this.tracker.connectionClosed(k, this.subscribedAt[k], now);
    }
    this.openedAt[k] = 0;
    this.subscribedAt[k] = 0;
    if (this.stopping || this.reconnects[k] === 0 || this.wanted[k] === 0 || rampedDown) {
      this.state[k] = DONE;
      this.reopenIfDue(k);
      return;
    }
    this.downSince[k] = now;
    this.scheduleReconnect(k);
  }

  private onAttemptFailed(k: number): void {
    const reason = this.failure[k] ?? 'other';
    this.counters.failed++;
    this.counters.failures[reason] = (this.counters.failures[reason] ?? 0) + 1;
    this.markFirstSettled(k);
    this.release(k);
    if (this.stopping || this.reconnects[k] === 0 || this.wanted[k] === 0) {
      this.state[k] = DONE;
      this.reopenIfDue(k);
      return;
    }
    if (this.everOpened[k] === 1 && this.downSince[k] === 0) this.downSince[k] = nowMs();
    this.scheduleReconnect(k);
  }

  private abandonAttempt(k: number): void {
    this.markFirstSettled(k);
    this.release(k);
    this.state[k] = DONE;
    this.reopenIfDue(k);
  }

  /**
   * With stages: opens local socket k, due at `dueAtMs` on the shape, as a new connection (not a
   * reconnect); a socket still closing from its ramp-down opens once that close is done.
   */
  rampOpen(k: number, dueAtMs: number): void {
    this.wanted[k] = 1;
    const st = this.state[k];
    if (st === QUEUED) return;
    if (st !== IDLE && st !== DONE) {
      this.reopenDue[k] = dueAtMs;
      return;
    }
    this.queueOpen(k, dueAtMs);
  }

  private queueOpen(k: number, dueAtMs: number): void {
    if (this.stopping) {
      this.markFirstSettled(k);
      return;
    }
    this.dueAt[k] = dueAtMs;
    this.scheduledOpen[k] = 1;
    this.state[k] = QUEUED;
    void this.limit(() => this.connect(k));
  }

  private reopenIfDue(k: number): void {
    const due = this.reopenDue[k];
    if (due === 0) return;
    this.reopenDue[k] = 0;
    if (this.wanted[k] === 1) this.queueOpen(k, due);
  }

  /**
   * With stages: closes local socket k because the target fell below it (1000, by wsload): not a
   * disconnect, never reconnected. A handshake under way is cut, a reconnect waiting is cancelled.
   */
  rampClose(k: number): void {
    this.wanted[k] = 0;
    this.reopenDue[k] = 0;
    if (this.upSince !== undefined) this.upSince[k] = 0;
    const st = this.state[k];
    if (st === WAITING) {
      const t = this.reconnectTimers[k];
      if (t) clearTimeout(t);
      this.reconnectTimers[k] = null;
      if (this.downSince[k] > 0) {
        this.cohortCounters[this.cohortOfSocket[k]].downMs += nowMs() - this.downSince[k];
        this.downSince[k] = 0;
      }
      this.state[k] = DONE;
      return;
    }
    const ws = this.sockets[k];
    if (!ws || (st !== OPEN && st !== CONNECTING && st !== SUBSCRIBING)) return;
    this.closingByClient[k] = 1;
    this.rampingDown[k] = 1;
    if (st === OPEN) ws.close(1000, 'wsload ramp-down');
    else ws.terminate();
  }

  private scheduleReconnect(k: number): void {
    // A reconnect is timed as one, whatever the attempt before it was.
    this.scheduledOpen[k] = 0;
    const policy = this.cohorts[this.cohortOfSocket[k]].reconnect;
    const attempt = this.attempt[k];
    this.attempt[k] = Math.min(attempt + 1, 60);
    let delay = 0;
    if (policy.policy === 'backoff') {
      delay = Math.min(policy.maxMs, policy.minMs * 2 ** attempt);
      delay *= 1 + policy.jitter * (Math.random() * 2 - 1);
    } else if (attempt > 0) {
      // "immediate" still must not spin on a target that refuses at once.
      delay = Math.min(1000, 10 * 2 ** Math.min(attempt, 7));
    }
    this.state[k] = WAITING;
    this.dueAt[k] = nowMs() + Math.max(0, delay);
    this.reconnectTimers[k] = setTimeout(reconnectTimerFired, Math.max(0, delay), this, k);
  }

  /** @private */
  reconnectNow(k: number): void {
    this.reconnectTimers[k] = null;
    if (this.stopping) {
      this.state[k] = DONE;
      return;
    }
    void this.limit(() => this.connect(k));
  }

  private release(k: number): void {
    const done = this.settle[k];
    this.settle[k] = null;
    if (done) done();
    if (this.onSlotFree && !this.refillScheduled) {
      // After p-limit has counted the slot free (it does so a few promise hops later).
      this.refillScheduled = true;
      setImmediate(refillFired, this);
    }
  }

  /** @private */
  refill(): void {
    this.refillScheduled = false;
    this.onSlotFree?.();
  }

  /**
   * Handshake slots not taken by running or queued attempts. The ramp starts sockets only into
   * free slots, as a hand-written client would: queueing thousands of due sockets in the limiter
   * at once kept thousands of promises alive through the ramp and measurably slowed it (GC).
   */
  get freeSlots(): number {
    return this.maxPending - this.limit.activeCount - this.limit.pendingCount;
  }

  /** Sends due pings and heartbeats; called every keepalive tick. */
  keepalive(): void {
    if (this.stopping) return;
    const now = nowMs();
    this.proto?.tick(now);
    if (this.keepaliveSockets.length === 0) return;
    for (const k of this.keepaliveSockets) {
      if (this.state[k] !== OPEN || now < this.nextKeepalive[k]) continue;
      const ws = this.sockets[k];
      if (!ws) continue;
      const c = this.cohorts[this.cohortOfSocket[k]];
      if (c.pingIntervalMs !== null) {
        ws.ping();
        this.counters.pingsSent++;
        this.nextKeepalive[k] = now + c.pingIntervalMs;
      }
      if (c.heartbeat !== null) {
        ws.send(c.heartbeat.text);
        this.counters.heartbeatsSent++;
        if (c.pingIntervalMs === null) this.nextKeepalive[k] = now + c.heartbeat.intervalMs;
      }
      this.lastSent[k] = now;
    }
  }

  /** Interval at which keepalive() must run to keep every cohort's schedule to within 10%. */
  keepaliveTickMs(): number | null {
    let min = Infinity;
    const proto = this.proto?.tickMs() ?? null;
    if (proto !== null) min = proto * 10;
    for (const c of this.cohorts) {
      if (c.pingIntervalMs !== null) min = Math.min(min, c.pingIntervalMs);
      if (c.heartbeat !== null) min = Math.min(min, c.heartbeat.intervalMs);
    }
    return Number.isFinite(min) ? Math.max(10, Math.min(250, min / 10)) : null;
  }

  /**
   * Closes every socket (1000, not counted as a disconnect) and resolves when all are closed or
   * after `graceMs`, when the rest are terminated.
   */
  closeAll(graceMs: number): Promise<void> {
    this.stopping = true;
    const now = nowMs();
    for (let k = 0; k < this.n; k++) {
      const t = this.reconnectTimers[k];
      if (t) {
        clearTimeout(t);
        this.reconnectTimers[k] = null;
      }
      // A reconnect still waiting or mid-handshake: the socket was down until now.
      if ((this.state[k] === WAITING || this.state[k] === CONNECTING || this.state[k] === SUBSCRIBING) && this.downSince[k] > 0) {
        this.cohortCounters[this.cohortOfSocket[k]].downMs += now - this.downSince[k];
        this.downSince[k] = 0;
      }
      if (this.state[k] === WAITING || this.state[k] === IDLE || this.state[k] === QUEUED) this.state[k] = DONE;
      const ws = this.sockets[k];
      if (!ws) continue;
      this.closingByClient[k] = 1;
      if (this.state[k] === CONNECTING || this.state[k] === SUBSCRIBING) ws.terminate();
      else ws.close(1000, 'wsload run ended');
    }
    return new Promise<void>((resolve) => {
      const deadline = nowMs() + graceMs;
      const check = (): void => {
        if (this.counters.open === 0 && this.sockets.every((s) => s === null)) return resolve();
        if (nowMs() >= deadline) {
          for (const ws of this.sockets) ws?.terminate();
          setTimeout(resolve, 20);
          return;
        }
        setTimeout(check, 20);
      };
      check();
    });
  }
}

function identity(value: string): string {
  return value;
}

function refillFired(pool: SocketPool): void {
  pool.refill();
}

function reconnectTimerFired(pool: SocketPool, k: number): void {
  pool.reconnectNow(k);
}

function wsOnOpen(this: WebSocket): void {
  const ws = this as PooledSocket;
  ws[kPool].onOpen(ws[kIndex]);
}

function wsOnMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  const ws = this as PooledSocket;
  ws[kPool].onMessage(ws[kIndex], data, isBinary);
}

function wsOnPong(this: WebSocket): void {
  const ws = this as PooledSocket;
  ws[kPool].onPong(ws[kIndex]);
}

function wsOnPing(this: WebSocket): void {
  const ws = this as PooledSocket;
  ws[kPool].onPing(ws[kIndex], ws);
}

function wsOnError(this: WebSocket, err: Error): void {
  const ws = this as PooledSocket;
  ws[kPool].onError(ws[kIndex], err as NodeJS.ErrnoException);
}

function wsOnClose(this: WebSocket, code: number): void {
  const ws = this as PooledSocket;
  ws[kPool].onClose(ws[kIndex], code);
}

interface WatchedSocket extends net.Socket {
  [kIndex]: number;
  [kPool]: SocketPool;
}

function socketOnError(this: net.Socket, err: Error): void {
  const socket = this as WatchedSocket;
  socket[kPool].onSocketError(socket[kIndex], err as NodeJS.ErrnoException);
}

function socketOnFinish(this: net.Socket): void {
  const socket = this as WatchedSocket;
  socket[kPool].onSocketFinish(socket[kIndex]);
}

function watchSocketErrors(socket: net.Socket, pool: SocketPool, k: number): void {
  const watched = socket as WatchedSocket;
  watched[kIndex] = k;
  watched[kPool] = pool;
  socket.on('error', socketOnError);
  // 'on', not 'once' (which wraps the listener in a closure per connection): 'finish' comes once anyway.
  socket.on('finish', socketOnFinish);
}

/**
 * Times DNS apart from TCP by wrapping the lookup net.connect will call (a 'lookup' listener would
 * miss a `resolve` mapping, which answers synchronously inside net.connect). IPs need no lookup.
 */
function timeLookup(options: net.NetConnectOpts, pool: SocketPool, k: number): void {
  const opts = options as { host?: string; lookup?: LookupFunction };
  const host = opts.host ?? '';
  if (host === '' || net.isIP(host) !== 0) return;
  const inner = opts.lookup ?? (dns.lookup as unknown as LookupFunction);
  opts.lookup = (hostname, lookupOptions, callback) =>
    inner(hostname, lookupOptions, (err, address, family) => {
      pool.onLookup(k);
      callback(err, address, family);
    });
}

// Our own createConnection (ws calls it with the merged options) so the TCP and TLS phases of
// each handshake can be timed; otherwise identical to ws's netConnect / tlsConnect.
function netConnectTimed(netOptions: net.NetConnectOpts): net.Socket {
  const options = netOptions as unknown as ConnectOptions;
  const pool = options[kPool];
  const k = options[kIndex];
  timeLookup(netOptions, pool, k);
  const socket = net.connect(netOptions);
  socket.once('connect', () => pool.onTcp(k));
  watchSocketErrors(socket, pool, k);
  return socket;
}

function tlsConnectTimed(netOptions: net.NetConnectOpts): net.Socket {
  const options = netOptions as unknown as ConnectOptions;
  const pool = options[kPool];
  const k = options[kIndex];
  const opts = netOptions as unknown as tls.ConnectionOptions & { path?: string };
  opts.path = undefined;
  if (!opts.servername && opts.servername !== '') opts.servername = net.isIP(opts.host ?? '') ? '' : opts.host;
  timeLookup(netOptions, pool, k);
  const socket = tls.connect(opts);
  socket.once('connect', () => pool.onTcp(k));
  socket.once('secureConnect', () => pool.onTls(k));
  watchSocketErrors(socket, pool, k);
  return socket;
}
