/**
 * The sender of the "websocket" publish method (run/publish-methods/websocket.ts). Publishes as messages on one publisher socket (`publish.via: "websocket"`, a chat-style
 * service). The socket opens before the hold (prepare), sends its open messages, and reopens on
 * the next publish after it closed. A publish is done once its message is written to the socket, or,
 * with `publish.ack`, once a reply names it; the publisher's total deadline (`publish.timeout`)
 * bounds both, so a silent socket fails publishes as "timeout" and never holds the run.
 *
 * Publishes due while the socket opens wait for it (within their deadline). When opening fails,
 * they fail with the reason (`ws-refused`, `ws-http-401`, `ws-timeout`…), and so do publishes due
 * in the next RETRY_MS: a refusing service is asked again once a second, not once per publish.
 */
import { WebSocket, type ClientOptions, type RawData } from 'ws';
import type { Scenario, WebSocketPublish } from '../../run/scenario.js';
import { PUBLISHER_SOCKET_CLOSED, PUBLISHER_SOCKET_FAILURE, type WebSocketPublishMethod } from '../../run/publish-methods/websocket.js';
import { nowMs } from '../../clock.js';
import { classifyConnectError } from '../../metrics/classify.js';
import { lookupFor, tlsConnectOptions } from '../../net/connect-options.js';
import { fillBody } from '../../run/publish-url.js';
import type { PublishSender, SendDone, SendRelease } from '../sender.js';

/** After a failed open, publishes fail at once for this long before the socket is tried again. */
export const RETRY_MS = 1000;

/** How much longer than handshakeTimeout prepare() waits at most. */
const PREPARE_SLACK_MS = 1000;

/** The seq a reply acknowledges: its capture, a bare integer or "<tag>-<seq>" of this run; null otherwise. */
export function ackedSeq(ack: RegExp, text: string, runTag: string): number | null {
  const captured = ack.exec(text)?.[1];
  if (captured === undefined) return null;
  const m = /^(?:([A-Za-z0-9_]+)-)?(\d{1,10})$/.exec(captured);
  if (!m || (m[1] !== undefined && m[1] !== runTag)) return null;
  const seq = Number(m[2]);
  return seq >= 1 && seq <= 0x7fffffff ? seq : null;
}

export class WebSocketSender implements PublishSender {
  private readonly socket: WebSocketPublish;
  private readonly ids: readonly string[];
  private readonly options: ClientOptions;
  private readonly ack: RegExp | null;
  private readonly handshakeTimeoutMs: number;
  private ws: WebSocket | null = null;
  private open = false;
  private closed = false;
  /** Messages due while the socket opens, sent once it is open. */
  private waiting: { seq: number; text: string; done: SendDone }[] = [];
  /** Publishes written and waiting for their ack, by seq. */
  private readonly unacked = new Map<number, SendDone>();
  private lastFailure: { reason: string; atMs: number } | null = null;
  /** prepare() calls waiting for the socket to open or fail. */
  private settledWaiters: (() => void)[] = [];

  constructor(
    scenario: Scenario,
    method: WebSocketPublishMethod,
    private readonly runTag: string,
  ) {
    const socket = method.socket;
    this.socket = socket;
    this.ids = method.publish.ids;
    this.ack = socket.ack === null ? null : new RegExp(socket.ack);
    this.handshakeTimeoutMs = scenario.handshakeTimeoutMs;
    const lookup = lookupFor(scenario.resolve);
    this.options = {
      perMessageDeflate: false,
      handshakeTimeout: scenario.handshakeTimeoutMs,
      // One socket for every publish: its upgrade headers are sent as written, not per publish.
      headers: { ...socket.headers },
      ...(lookup ? { lookup } : {}),
      ...(/^wss:/i.test(socket.url) ? tlsConnectOptions(scenario.tls) : {}),
    };
  }

  /** Opens the publisher socket before the hold, so the first publishes do not wait for its handshake. */
  prepare(): Promise<void> {
    if (this.open || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      // ws bounds the handshake by handshakeTimeout; this bounds the wait whatever ws does.
      const bound = setTimeout(resolve, this.handshakeTimeoutMs + PREPARE_SLACK_MS);
      this.settledWaiters.push(() => {
        clearTimeout(bound);
        resolve();
      });
      this.connect();
    });
  }

  send(seq: number, done: SendDone, topic: string | null = null): SendRelease {
    const text = fillBody(this.socket.message, this.ids, seq, this.runTag, topic);
    if (this.open) {
      this.write(seq, text, done);
    } else if (this.lastFailure && nowMs() - this.lastFailure.atMs < RETRY_MS) {
      done(this.lastFailure.reason);
    } else {
      this.waiting.push({ seq, text, done });
      this.connect();
    }
    return () => {
      // Finished either way (a deadline, an abort): nothing of it may be sent or settled later.
      this.unacked.delete(seq);
      const at = this.waiting.findIndex((w) => w.seq === seq);
      if (at !== -1) this.waiting.splice(at, 1);
    };
  }

  private write(seq: number, text: string, done: SendDone): void {
    const ws = this.ws;
    if (!ws) return done(PUBLISHER_SOCKET_CLOSED);
    if (this.ack) this.unacked.set(seq, done);
    ws.send(text, (err) => {
      if (err) {
        this.unacked.delete(seq);
        done(PUBLISHER_SOCKET_CLOSED);
      } else if (!this.ack) done(null);
    });
  }

  private connect(): void {
    if (this.ws || this.closed) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.socket.url, this.socket.subprotocols, this.options);
    } catch (err) {
      this.failOpen(classifyConnectError(err as NodeJS.ErrnoException));
      return;
    }
    this.ws = ws;
    let failure: string | null = null;
    ws.on('open', () => {
      this.open = true;
      this.lastFailure = null;
      for (const m of this.socket.open) ws.send(m);
      for (const w of this.waiting.splice(0)) this.write(w.seq, w.text, w.done);
      for (const resolve of this.settledWaiters.splice(0)) resolve();
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!this.ack || isBinary) return;
      const seq = ackedSeq(this.ack, rawText(data), this.runTag);
      const done = seq === null ? undefined : this.unacked.get(seq);
      if (seq !== null && done) {
        this.unacked.delete(seq);
        done(null);
      }
    });
    ws.on('error', (err: NodeJS.ErrnoException) => {
      failure ??= classifyConnectError(err);
    });
    ws.on('close', () => {
      const opened = this.open;
      this.ws = null;
      this.open = false;
      if (!opened) return this.failOpen(failure ?? 'other');
      for (const done of [...this.unacked.values()]) done(PUBLISHER_SOCKET_CLOSED);
      this.unacked.clear();
    });
  }

  /** The socket did not open: everything waiting for it fails with why, and so does what is due soon. */
  private failOpen(reason: string): void {
    const counted = `${PUBLISHER_SOCKET_FAILURE}${reason}`;
    this.lastFailure = { reason: counted, atMs: nowMs() };
    for (const w of this.waiting.splice(0)) w.done(counted);
    for (const resolve of this.settledWaiters.splice(0)) resolve();
  }

  close(): void {
    this.closed = true;
    this.ws?.terminate();
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
