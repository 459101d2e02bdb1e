/**
 * Receiving, the pool's hot path: every message, pong and ping of every socket. onMessage is one
 * direct method call from the ws listener and allocates nothing; it judges a delivery (its
 * publish sequence and id) or a message of the server's own stream.
 */
import WebSocket from 'ws';
import { nowMs } from '../clock.js';
import { recordMs } from '../metrics/histogram.js';
import { PUSH_FOREIGN } from './seq-extract.js';
import { PoolState, SUBSCRIBING } from './pool-state.js';
import type { StreamReader } from './stream-reader.js';
import type { StreamTracker } from './stream-tracker.js';

export abstract class SocketReceiving extends PoolState {
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

  /** One on-time delivery's latency, into the run's histogram, its cohort's (from two cohorts) and its topic's (with topics). */
  protected override recordFanout(k: number, latency: number): void {
    recordMs(this.histograms.fanout, latency);
    const byCohort = this.cohortHistograms[this.cohortOfSocket[k]].fanout;
    if (byCohort !== undefined) recordMs(byCohort, latency);
    if (this.topicHistograms !== null && this.topicOfSocket !== null) recordMs(this.topicHistograms[this.topicOfSocket[k]].fanout, latency);
  }

  /** A message of the server's own stream: read its timestamp and sequence, judge them. */
  private onStreamMessage(k: number, data: Buffer, isBinary: boolean, now: number): void {
    const stream = this.stream as StreamTracker;
    const reader = this.streamReader as StreamReader;
    if ((isBinary && this.skipBinary) || !reader.read(data)) stream.unmatched();
    else stream.receive(k, reader.timestampMs, reader.sequence, now);
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
}
