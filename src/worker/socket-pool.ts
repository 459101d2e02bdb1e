/**
 * The sockets of one worker and everything that happens to them: ramp-up under a handshake limit,
 * receipt accounting, keepalive pings and heartbeats, closes and reconnects. One class in layers,
 * one file per concern, each layer extending the one below:
 *   pool-state.ts        config, histograms, counters, per-socket typed arrays (the shared state)
 *   socket-receiving.ts  messages, pongs, pings: the hot path
 *   socket-keepalive.ts  the ping and heartbeat schedule
 *   socket-closing.ts    errors, closes, reconnect and backoff, ramp-down, slot release, closeAll
 *   socket-opening.ts    connect, handshake timing, open sequence hand-off, counting a socket open
 *   socket-events.ts     the module-level ws/net listeners that find the pool on the socket
 * Layers rather than parts held by reference: the per-message path stays one direct method call on
 * one object whose per-socket arrays are one load away, as before the split; a part reached through
 * a field would add a load per message, or a second back-reference on every socket.
 */
import WebSocket from 'ws';
import { nowMs } from '../clock.js';
import { IdleProfileBuilder, type IdleProfile } from '../run/idle-profile.js';
import { createProtocolClient } from '../protocols/table.js';
import type { ProtocolHost } from '../protocols/types.js';
import { OPEN, type PoolConfig } from './pool-state.js';
import { SocketOpening } from './socket-opening.js';

export type { PoolConfig } from './pool-state.js';

export class SocketPool extends SocketOpening implements ProtocolHost {
  constructor(config: PoolConfig) {
    super(config);
    this.proto = config.protocol ? createProtocolClient(this.n, config.protocol, this) : null;
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

  /**
   * Handshake slots not taken by running or queued attempts. The ramp starts sockets only into
   * free slots, as a hand-written client would: queueing thousands of due sockets in the limiter
   * at once kept thousands of promises alive through the ramp and measurably slowed it (GC).
   */
  get freeSlots(): number {
    return this.maxPending - this.limit.activeCount - this.limit.pendingCount;
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
}
