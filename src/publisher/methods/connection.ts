/**
 * The one publisher connection both socket publish methods use ("websocket": a chat-style
 * service's socket; "protocol": the scenario's protocol to the target), written once: open before
 * the hold (prepare, bounded), the codec's handshake under its deadline, publishes due meanwhile
 * queued (within their own deadline, which the publisher keeps), written once ready, done once
 * written or once the codec settles their key; the failure reasons (the open's, prefixed; a close
 * with publishes unanswered; a refusal on a ready connection) and the retry rule: after a failed
 * open, publishes due in the next RETRY_MS fail at once with the same reason, so a refusing server
 * is asked again once a second, not once per publish; the next publish after that dials again.
 * What a method says on the wire is its codec's (PublishCodec: protocol/*.ts, or the plain
 * messages of websocket.ts).
 */
import { WebSocket, type ClientOptions, type RawData } from 'ws';
import { nowMs } from '../../clock.js';
import { classifyConnectError } from '../../metrics/classify.js';
import { SUBSCRIBE_TIMEOUT } from '../../protocols/types.js';
import type { SendDone, SendRelease } from '../sender.js';
import type { CodecHost, PublishCodec } from './protocol/codec.js';

/** After a failed open, publishes fail at once for this long before the socket is tried again. */
export const RETRY_MS = 1000;

/** How much longer than the handshake's own bound prepare() waits at most. */
const PREPARE_SLACK_MS = 1000;

export interface ConnectionSpec {
  url: string;
  options: ClientOptions;
  /** The publish message is JSON text (handed to the codec's encode). */
  json: boolean;
  /** The bound of the codec's handshake after the upgrade (subscribe-timeout past it); null: none (ready at the upgrade). */
  handshakeMs: number | null;
  /** The bound of the whole open (upgrade and handshake), for prepare(). */
  openMs: number;
  /** Failure reasons: `connectPrefix` + why the open failed; `closed` for a publish the closing socket took with it. */
  reasons: { readonly connectPrefix: string; readonly closed: string };
}

/** A publish due, queued until the connection is ready; `key` once written (its answer's). */
interface Pending {
  seq: number;
  text: string;
  topic: string;
  done: SendDone;
  key: number | null;
}

export class PublisherConnection implements CodecHost {
  private readonly codec: PublishCodec;
  private ws: WebSocket | null = null;
  /** The codec's handshake completed on `ws`. */
  private isReady = false;
  private closed = false;
  private handshakeTimer: NodeJS.Timeout | null = null;
  /** Why the open under way failed (an error, a handshake failure the codec named), counted when the socket closes. */
  private failure: string | null = null;
  private waiting: Pending[] = [];
  /** Publishes written and waiting for their answer, by the key the answer carries. */
  private readonly unanswered = new Map<number, SendDone>();
  private lastFailure: { reason: string; atMs: number } | null = null;
  /** prepare() calls waiting for the connection to be ready or fail. */
  private settledWaiters: (() => void)[] = [];

  constructor(
    private readonly spec: ConnectionSpec,
    codecFor: (host: CodecHost) => PublishCodec,
  ) {
    this.codec = codecFor(this);
  }

  /** Opens the connection before the hold, so the first publishes do not wait for its handshake; never rejects. */
  prepare(): Promise<void> {
    if (this.isReady || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      // ws bounds the upgrade by handshakeTimeout and the timer the handshake; this bounds the wait whatever happens.
      const bound = setTimeout(resolve, this.spec.openMs + PREPARE_SLACK_MS);
      this.settledWaiters.push(() => {
        clearTimeout(bound);
        resolve();
      });
      this.connect();
    });
  }

  /** Publish `seq` (its filled `text`, to the filled `topic` or ''): written now, queued, or failed at once. */
  publish(seq: number, text: string, topic: string, done: SendDone): SendRelease {
    const p: Pending = { seq, text, topic, done, key: null };
    if (this.isReady) {
      this.write(p);
    } else if (this.lastFailure && nowMs() - this.lastFailure.atMs < RETRY_MS) {
      done(this.lastFailure.reason);
    } else {
      this.waiting.push(p);
      this.connect();
    }
    return () => {
      // Finished either way (a deadline, an abort): nothing of it may be sent or settled later.
      if (p.key !== null) this.unanswered.delete(p.key);
      const at = this.waiting.indexOf(p);
      if (at !== -1) this.waiting.splice(at, 1);
    };
  }

  private write(p: Pending): void {
    const ws = this.ws;
    const closed = this.spec.reasons.closed;
    if (!ws) return p.done(closed);
    const { frame, key } = this.codec.encode(p.seq, p.text, this.spec.json, p.topic);
    p.key = key;
    if (key !== null) this.unanswered.set(key, p.done);
    ws.send(frame, (err) => {
      if (err) {
        if (key !== null) this.unanswered.delete(key);
        p.done(closed);
      } else if (key === null) p.done(null);
    });
  }

  private connect(): void {
    if (this.ws || this.closed) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.spec.url, [...this.codec.subprotocols], this.spec.options);
    } catch (err) {
      this.failOpen(classifyConnectError(err as NodeJS.ErrnoException));
      return;
    }
    this.ws = ws;
    this.failure = null;
    ws.on('open', () => {
      const ms = this.spec.handshakeMs;
      if (ms !== null) this.handshakeTimer = setTimeout(() => this.failed(SUBSCRIBE_TIMEOUT), ms);
      this.codec.begin();
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (this.ws === ws) this.codec.receive(rawBuffer(data), isBinary);
    });
    ws.on('error', (err: NodeJS.ErrnoException) => {
      this.failure ??= classifyConnectError(err);
    });
    ws.on('close', () => {
      // A socket let go after the server refused (refused()) has nothing left to fail.
      if (this.ws !== ws) return;
      this.clearHandshake();
      const wasReady = this.isReady;
      this.ws = null;
      this.isReady = false;
      if (!wasReady) return this.failOpen(this.failure ?? 'other');
      for (const done of [...this.unanswered.values()]) done(this.spec.reasons.closed);
      this.unanswered.clear();
    });
  }

  /** CodecHost: a frame on the connection (a handshake step, a heartbeat answer). */
  send(frame: string | Buffer): void {
    this.ws?.send(frame);
  }

  /** CodecHost: the handshake completed; what waited is written. */
  ready(): void {
    this.clearHandshake();
    this.isReady = true;
    this.lastFailure = null;
    for (const p of this.waiting.splice(0)) this.write(p);
    for (const resolve of this.settledWaiters.splice(0)) resolve();
  }

  /** CodecHost: the publish written under `key` was answered. */
  settle(key: number, failure: string | null): void {
    const done = this.unanswered.get(key);
    if (!done) return;
    this.unanswered.delete(key);
    done(failure);
  }

  /**
   * CodecHost: the server refused on the ready connection (a STOMP ERROR; it closes next): what is
   * unanswered fails with `reason`, and so does what is due in the next RETRY_MS, as after a failed
   * handshake; the socket is let go, so its close fails nothing more and the next publish after that redials.
   */
  refused(reason: string): void {
    const ws = this.ws;
    if (!ws || !this.isReady) return;
    this.ws = null;
    this.isReady = false;
    this.lastFailure = { reason, atMs: nowMs() };
    for (const done of [...this.unanswered.values()]) done(reason);
    this.unanswered.clear();
    ws.terminate();
  }

  /** CodecHost: the handshake failed: close the socket; its close fails what waits with why. */
  failed(reason: string): void {
    if (this.isReady) return;
    this.failure = reason;
    this.ws?.terminate();
  }

  /** The connection did not open: everything waiting for it fails with why, and so does what is due soon. */
  private failOpen(reason: string): void {
    const counted = `${this.spec.reasons.connectPrefix}${reason}`;
    this.lastFailure = { reason: counted, atMs: nowMs() };
    for (const p of this.waiting.splice(0)) p.done(counted);
    for (const resolve of this.settledWaiters.splice(0)) resolve();
  }

  private clearHandshake(): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
  }

  close(): void {
    this.closed = true;
    this.clearHandshake();
    this.ws?.terminate();
  }
}

function rawBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
