/**
 * Per-worker accounting of a server-originated stream (publish.source "server"): staleness from
 * each message's embedded timestamp, and per socket the sequence numbers in order, skipped,
 * repeated or late. Memory is fixed at start: per socket the newest sequence number, the first
 * one of its connection and a 32-bit map of which of the 32 numbers below the newest it received.
 *
 * What that can tell apart: seq = newest + 1 is in order; seq > newest + 1 is a gap (its skipped
 * numbers are `missing`); a number at or below the newest already in the map is a duplicate; one
 * within the 32 below the newest not yet received is out of order (and, when above the
 * connection's first number, no longer missing); one further back cannot be told apart and is
 * counted out of order. The first message of every connection (and reconnection) sets the
 * baseline: what a socket missed while down is not judged, since nothing says what the server
 * sent meanwhile.
 */
import { recordMs, type Histogram } from '../metrics/histogram.js';
import { AHEAD_TOLERANCE_MS, MAX_STALENESS_MS, emptyStreamCounters, type StreamCounters } from '../run/stream-counters.js';

/** Sequence numbers below the newest a socket's map remembers. */
export const SEQ_WINDOW = 32;

export class StreamTracker {
  readonly counters: StreamCounters = emptyStreamCounters();
  /** Newest sequence number per socket; −1: none yet on this connection. */
  private readonly newest: Float64Array;
  /** First sequence number of the socket's current connection. */
  private readonly first: Float64Array;
  /** Bit i: the socket received newest − i. */
  private readonly seen: Uint32Array;

  constructor(
    sockets: number,
    private readonly staleness: Histogram,
    /** Wall-clock minus nowMs() (clock.ts wallClockOffsetMs), read once. */
    private readonly wallOffsetMs: number,
  ) {
    this.newest = new Float64Array(sockets).fill(-1);
    this.first = new Float64Array(sockets);
    this.seen = new Uint32Array(sockets);
  }

  /** Socket k's connection (re)opened: its next message sets a new baseline. */
  reset(k: number): void {
    this.newest[k] = -1;
    this.seen[k] = 0;
  }

  /** A message without a readable timestamp or sequence, or a binary frame left unread. */
  unmatched(): void {
    this.counters.unmatched++;
  }

  /**
   * Judges one readable message on socket k received at `recvMs` (nowMs clock): its timestamp in
   * epoch ms (NaN: none configured) and sequence (−1: none configured).
   */
  receive(k: number, timestampMs: number, seq: number, recvMs: number): void {
    const c = this.counters;
    c.messages++;
    if (!Number.isNaN(timestampMs)) {
      const staleness = recvMs + this.wallOffsetMs - timestampMs;
      if (staleness < 0) {
        // The service's clock is ahead: kept as evidence of skew. Within the clocks' accuracy the
        // message is fresh (0); further ahead its staleness is unknown, and 0 would pass any
        // staleness threshold on a clock that is simply wrong.
        c.negative++;
        if (-staleness > c.aheadMaxMs) c.aheadMaxMs = -staleness;
        if (-staleness > AHEAD_TOLERANCE_MS) c.ahead++;
        else recordMs(this.staleness, 0);
      } else if (staleness > MAX_STALENESS_MS) {
        // Past what the histogram can hold (it dropped such values): counted at the cap instead.
        c.staleCapped++;
        recordMs(this.staleness, MAX_STALENESS_MS);
      } else recordMs(this.staleness, staleness);
    }
    if (seq >= 0) this.sequence(k, seq);
  }

  private sequence(k: number, seq: number): void {
    const c = this.counters;
    const newest = this.newest[k];
    if (newest < 0) {
      this.newest[k] = seq;
      this.first[k] = seq;
      this.seen[k] = 1;
      return;
    }
    if (seq > newest) {
      const ahead = seq - newest;
      if (ahead > 1) {
        c.gaps++;
        c.missing += ahead - 1;
      }
      this.seen[k] = ahead >= SEQ_WINDOW ? 1 : (this.seen[k] << ahead) | 1;
      this.newest[k] = seq;
      return;
    }
    const back = newest - seq;
    if (back >= SEQ_WINDOW) {
      c.outOfOrder++;
      return;
    }
    const bit = 1 << back;
    if ((this.seen[k] & bit) !== 0) {
      c.duplicated++;
      return;
    }
    this.seen[k] |= bit;
    c.outOfOrder++;
    // Skipped by a jump after this connection's first message, it was counted missing then.
    if (seq > this.first[k]) c.missing--;
  }
}
