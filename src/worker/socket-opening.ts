/**
 * Opening: a socket's connection attempt in a handshake slot (URL, headers and source address per
 * socket), the timing of its DNS, TCP, TLS and upgrade phases, the hand-off to the open sequence
 * (target.open) and the moment it counts open and subscribed.
 */
import type net from 'node:net';
import WebSocket from 'ws';
import { nowMs } from '../clock.js';
import { recordMs } from '../metrics/histogram.js';
import { classifyConnectError } from '../metrics/classify.js';
import { ephemeralBounds, sourceOf } from '../net/source-ports.js';
import { socketOpened } from '../run/publish-ring.js';
import { fillPlaceholders, jsonEscape, type PlaceholderValues } from '../run/placeholders.js';
import { CONNECTING, DONE, OPEN, SUBSCRIBING } from './pool-state.js';
import { SocketClosing } from './socket-closing.js';
import {
  kIndex,
  kPool,
  netConnectTimed,
  tlsConnectTimed,
  wsOnClose,
  wsOnError,
  wsOnMessage,
  wsOnOpen,
  wsOnPing,
  wsOnPong,
  wsOnUpgrade,
  type ConnectOptions,
  type PooledSocket,
} from './socket-events.js';

export abstract class SocketOpening extends SocketClosing {
  /** The ephemeral port range explicit source ports are chosen in; null: the kernel chooses. */
  private readonly portBounds = ephemeralBounds();
  /** 1 once socket k's own source port was taken: it dials with the kernel's choice from then on. */
  private readonly kernelPort = new Uint8Array(this.n);
  /** 1 while socket k's attempt failed only because its explicit source port was taken. */
  private readonly portTaken = new Uint8Array(this.n);

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

  protected override connect(k: number): Promise<void> {
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
      this.dial(k);
    });
  }

  /** Creates socket k's WebSocket for the attempt under way (again when its source port was taken). */
  private dial(k: number): void {
    const global = this.indices[k];
    const connect = this.connectConfig;
    const options: ConnectOptions = {
      perMessageDeflate: this.deflate,
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
    if (locals.length > 0) {
      const source = sourceOf(global, locals.length, connect.shardStride ?? 1, this.kernelPort[k] === 0 ? this.portBounds : null);
      options.localAddress = locals[source.address];
      // An explicit port skips the kernel's bind-time port search (src/net/source-ports.ts).
      if (source.port > 0) options.localPort = source.port;
    }
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
    if (this.deflate !== false) ws.on('upgrade', wsOnUpgrade);
  }

  /** @private — a taken explicit source port is not the target's failure: noted, then dialled again (onClose). */
  override onError(k: number, err: NodeJS.ErrnoException): void {
    if (
      this.state[k] === CONNECTING &&
      this.kernelPort[k] === 0 &&
      this.portBounds !== null &&
      isPortTaken(err) &&
      this.connectConfig.localAddresses.length > 0
    ) {
      this.portTaken[k] = 1;
      return;
    }
    super.onError(k, err);
  }

  /** @private */
  override onClose(k: number, code: number): void {
    if (this.portTaken[k] === 1) {
      this.portTaken[k] = 0;
      this.kernelPort[k] = 1;
      if (this.state[k] === CONNECTING && !this.stopping && this.rampingDown[k] === 0 && this.wanted[k] === 1) {
        // Same attempt, same handshake slot: only the port changes (the kernel picks a free one).
        this.sockets[k] = null;
        this.dial(k);
        return;
      }
    }
    super.onClose(k, code);
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
    return {
      conn: this.indices[k],
      cohort: this.cohorts[this.cohortOfSocket[k]].name,
      ...topic,
      fields: ids ? ids.fields : null,
      values: ids ? ids.rows[k] : null,
    };
  }

  /** Socket k's open message `text` with its placeholders filled (JSON-escaped in a JSON message). */
  override fillMessage(k: number, text: string, json: boolean): string {
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
  override onSubscribed(k: number): void {
    if (this.state[k] !== SUBSCRIBING) return;
    this.becomeOpen(k, this.upgradedAt[k], nowMs());
  }

  /** @private — socket k's subscription failed: the attempt fails with `reason` once the socket has closed. */
  override onSubscribeFailed(k: number, reason: string): void {
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
    if (keepalive > 0) this.scheduleKeepalive(k, now + keepalive);
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
}

/** Bind refused the port (a listener holds it) or connect found the 4-tuple in use (EADDRNOTAVAIL). */
function isPortTaken(err: NodeJS.ErrnoException): boolean {
  return err.code === 'EADDRINUSE' || err.code === 'EADDRNOTAVAIL';
}

function identity(value: string): string {
  return value;
}
