/**
 * The receive path of the delivery tracker: each receipt judged as it arrives (delivered, late,
 * duplicated, ineligible, misrouted, out of order) against its publish's scheduled time, and the
 * receipts held while their publish record is on its way (an agent's ring). Allocation-free but
 * for the held receipts; the accounting as a whole is described in delivery-tracker.ts.
 */
import { head, slotOf } from '../run/publish-ring.js';
import { DeliveryLedger } from './delivery-ledger.js';

/** Receipts held at most while their publish record is on its way (a few seconds of a fast stream). */
export const HELD_RECEIPTS_MAX = 65_536;
/** Beyond the delivery deadline, how long a held receipt waits for its publish record. */
const HELD_GRACE_MS = 5_000;

/** The receipts' part of the tracker (the rest: DeliveryTracker, which adds closes and evaluation). */
export abstract class DeliveryJudge extends DeliveryLedger {
  /**
   * Receipts of publishes newer than the ring's head, as (socket, seq, receipt time) triples. In
   * one process the publisher announces before it sends, so this stays empty; an agent's ring is
   * written from the coordinator's records, which a push can outrun.
   */
  private held: number[] = [];
  /** Ring head when the held receipts were last looked at: only a newer record can release one. */
  private heldHead = 0;

  /**
   * Accounts one received message of this run on local socket k. Returns the fan-out latency in ms
   * (receipt − scheduled publish time) when it is a first, eligible, on-time delivery, else -1.
   */
  receive(k: number, seq: number, recvMs: number): number {
    // Held receipts are older than this one: judged first, a socket's order is kept.
    if (this.held.length > 0 && head(this.ring) !== this.heldHead) this.releaseHeld(recvMs);
    const slot = slotOf(this.ring, seq);
    if (slot < 0) {
      // An agent's main thread may have written this very record since the slot was read: the
      // slot is read again after the head (which is written after it), or a head ≥ seq would make
      // a record only now arriving look overwritten, and its delivery lost.
      const last = head(this.ring);
      const written = slotOf(this.ring, seq);
      if (written >= 0) return this.judge(k, seq, written, recvMs);
      if (seq > last && this.held.length < HELD_RECEIPTS_MAX * 3) this.held.push(k, seq, recvMs);
      else this.recordGone(seq, last);
      return -1;
    }
    return this.judge(k, seq, slot, recvMs);
  }

  /**
   * Judges the held receipts whose publish record has arrived (with their own receipt times);
   * one still without its record a delivery deadline + 5 s after it came is unmatched.
   */
  releaseHeld(nowMs: number): void {
    const held = this.held;
    if (held.length === 0) return;
    this.held = [];
    // Read before any slot (see receive()): a record written during this loop is found in its slot
    // or, above this head, waits for the next release; only one at or below it can be gone.
    const last = head(this.ring);
    this.heldHead = last;
    const limit = this.deadlineMs + HELD_GRACE_MS;
    for (let i = 0; i < held.length; i += 3) {
      const k = held[i];
      const seq = held[i + 1];
      const recvMs = held[i + 2];
      const slot = slotOf(this.ring, seq);
      if (slot >= 0) {
        const latency = this.judge(k, seq, slot, recvMs);
        if (latency >= 0) this.onHeldLatency(latency, k);
      } else if (seq <= last || nowMs - recvMs > limit) this.recordGone(seq, last);
      else this.held.push(k, seq, recvMs);
    }
  }

  /**
   * A receipt whose publish record is not in the ring (`last`: its head when looked at). Older than
   * the ring, its slot (and so its bit column) now belongs to a newer publish: whether this socket
   * had it already (a duplicate) or was counted lost (a late first copy) is no longer known, so it
   * is `unjudged`, and the books of its publish stand as evaluated (a lost delivery stays lost).
   * Otherwise no publish of this run's ring has that seq: unmatched.
   */
  private recordGone(seq: number, last: number): void {
    if (seq > 0 && seq <= last - this.ring.size) this.counters.unjudged++;
    else this.counters.unmatched++;
  }

  private judge(k: number, seq: number, slot: number, recvMs: number): number {
    const topicOf = this.topicOf;
    const tc = this.topicCounters;
    if (topicOf !== null && topicOf[k] !== this.ring.topic[slot]) {
      this.counters.misrouted = (this.counters.misrouted ?? 0) + 1;
      return -1;
    }
    this.claim(slot, seq);
    const w = k * this.words + (slot >>> 5);
    const bit = 1 << (slot & 31);
    if ((this.got[w] & bit) !== 0) {
      this.counters.duplicated++;
      if (tc !== null && topicOf !== null) tc.duplicated[topicOf[k]]++;
      return -1;
    }
    if (this.slotFirstSeen[slot] === 0) this.slotFirstSeen[slot] = recvMs;
    const subscribed = this.connectionAt(k, recvMs);
    if (seq <= this.evaluatedUpTo) {
      // Evaluated already: only the connection counted lost then can still get its first copy, late.
      if ((this.lostBits[w] & bit) === 0 || subscribed === 0 || subscribed > this.ring.sentMs[slot]) {
        this.counters.ineligible++;
        return -1;
      }
      this.got[w] |= bit;
      this.counters.late++;
      // Its loss moves to `late`: the current connection was open at evaluation, an older one had closed.
      if (subscribed === this.view.subscribedAt[k]) this.counters.lostOpen = (this.counters.lostOpen ?? 0) - 1;
      else this.counters.lostBeforeClose = (this.counters.lostBeforeClose ?? 0) - 1;
      if (tc !== null && topicOf !== null) tc.late[topicOf[k]]++;
      this.checkOrder(k, seq, slot);
      return -1;
    }
    if (subscribed === 0 || subscribed > this.ring.sentMs[slot]) {
      this.counters.ineligible++;
      return -1;
    }
    this.got[w] |= bit;
    this.checkOrder(k, seq, slot);
    const latency = recvMs - this.ring.scheduledMs[slot];
    if (latency > this.deadlineMs) {
      this.lostBits[w] |= bit;
      this.slotLate[slot]++;
      this.counters.late++;
      if (tc !== null && topicOf !== null) tc.late[topicOf[k]]++;
      return -1;
    }
    this.counters.delivered++;
    if (tc !== null && topicOf !== null) tc.delivered[topicOf[k]]++;
    this.slotDelivered[slot]++;
    if (recvMs > this.slotLastReceipt[slot]) this.slotLastReceipt[slot] = recvMs;
    if (latency < 0) return this.early(-latency);
    return latency;
  }

  /**
   * A receipt before its publish's scheduled time: impossible on one clock, so the offset by which
   * an agent's ring was converted is wrong by at least `byMs`. Counted (the run's verdict reads it)
   * and recorded at 0 ms: the delivery happened, only its latency is not known.
   */
  private early(byMs: number): number {
    this.counters.early = (this.counters.early ?? 0) + 1;
    if (byMs > (this.counters.earlyMaxMs ?? 0)) this.counters.earlyMaxMs = byMs;
    return 0;
  }

  private checkOrder(k: number, seq: number, slot: number): void {
    const newest = this.lastSeq[k];
    if (seq < newest) {
      if (this.mustPrecede(slot, newest)) this.counters.outOfOrder++;
    } else this.lastSeq[k] = seq;
  }

  /**
   * Whether the target must have pushed the publish in `slot` before publish `later`: when it had
   * already started pushing it (some socket of this worker received it) or had answered its
   * request before `later` was sent. Publishes in flight together, neither yet seen, may reach
   * the target in either order, and receiving them swapped is not the gateway's doing.
   */
  private mustPrecede(slot: number, later: number): boolean {
    const laterSlot = slotOf(this.ring, later);
    if (laterSlot < 0) return true;
    const laterSent = this.ring.sentMs[laterSlot];
    const ack = this.ring.ackMs[slot];
    const seen = this.slotFirstSeen[slot];
    return (ack > 0 && ack <= laterSent) || (seen > 0 && seen <= laterSent);
  }
}
