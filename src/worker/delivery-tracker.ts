/**
 * Per-worker accounting of which socket received which publish. Memory is fixed at start: two bits
 * per (socket, ring slot), a few numbers per slot and two per socket, so an eight-hour run holds no
 * more than a one-minute one.
 *
 * Each receipt is judged when it arrives, against one reference time, the publish's *scheduled*
 * time: on time (receipt − scheduled ≤ deadline) it is delivered; later it is late, and a late
 * delivery is lost. A publish is evaluated once, after its deadline has passed and its request has
 * been answered (or earlier, while draining, once every eligible socket has it); evaluation only
 * adds the sockets that never got it to lost. Its bit column stays readable until the ring slot is
 * reused, so a copy arriving after evaluation is still told apart: a re-send of a delivered
 * message is a duplicate, the first copy of a lost one is late. A copy arriving after the slot was
 * reused is `unjudged` (the ring holds at least deadline + timeout + 5 s of publishes). A publish
 * whose slot is reused before it is evaluated (the worker stalled that long) is `unevaluated`: only
 * its receipts are booked.
 *
 * Eligibility is per connection: a connection owes publish s when it was subscribed (subscribedAt)
 * before s was sent. It pays by receiving s; it defaults when it is still open, without s, at
 * evaluation (`lostOpen`), or when it closes without s at least OWED_GRACE_MS after the target was
 * seen handling s — another socket of this worker received it, or its request was answered —
 * (`lostBeforeClose`: a stalled, then kicked socket owes every push it was denied). A close sooner
 * than that may have come while s was still on its way through the target, which proves nothing.
 * A copy arriving on a later connection of the same socket is not that connection's delivery (it
 * did not exist when s was sent): it is `ineligible`, and the old connection's loss stands. So
 * expected = delivered + lost exactly, lost = lostBeforeClose + lostOpen + late, and a socket that
 * got the message and then closed is a delivery, not a loss. A publish sent while a socket was
 * down, or not owed by the connection that closed, is `missed` when the socket reconnects, else
 * not expected of it.
 *
 * The close path marks the owed (socket, publish) pairs in the lost bits at once, for every
 * publish not yet evaluated, so a socket that closes and reconnects before evaluation is judged
 * by the connection that owed it; the last closed connection's window is also kept per socket, for
 * publish records that reach an agent's ring after the close.
 *
 * Topics: with a topic per socket (`topicOf`), only the sockets of a publish's topic (read from the
 * ring) are eligible for it, and a copy reaching a socket of another topic is `misrouted`: neither
 * delivered nor lost. Per-topic counters then keep expected = delivered + lost per topic too.
 * Without topics, the one check is a null test per receipt.
 */
import { head, slotOf, PUBLISH_FAILED, PUBLISH_PENDING } from '../run/publish-ring.js';
import type { OwedBooks, SeqResult } from '../run/delivery-counters.js';
import { OWED_GRACE_MS } from './delivery-ledger.js';
import { DeliveryJudge } from './delivery-judge.js';

export { OWED_GRACE_MS, type SocketView } from './delivery-ledger.js';
export { HELD_RECEIPTS_MAX } from './delivery-judge.js';

/**
 * The accounting of a worker's deliveries: the receipts (DeliveryJudge), what a closing connection
 * owed, and the evaluation of each publish once its deadline has passed.
 */
export class DeliveryTracker extends DeliveryJudge {
  /**
   * Socket k's connection, subscribed at `subscribedMs`, closed at `closeMs` (not by wsload's own
   * choice: its ramp-down and end-of-run closes owe nothing). Every publish not yet evaluated that
   * it owed (sent while it was subscribed, seen handled by the target OWED_GRACE_MS or more before
   * the close) and did not receive is marked lost now, before a reconnect can take its place.
   */
  connectionClosed(k: number, subscribedMs: number, closeMs: number): void {
    if (subscribedMs === 0) return;
    this.closedSubAt[k] = subscribedMs;
    this.closedAt[k] = closeMs;
    const owedUntil = closeMs - OWED_GRACE_MS;
    if (owedUntil < subscribedMs) return;
    const ring = this.ring;
    const topicOf = this.topicOf;
    const last = head(ring);
    const row = k * this.words;
    for (let seq = this.evaluatedUpTo + 1; seq <= last; seq++) {
      const slot = slotOf(ring, seq);
      if (slot < 0) continue;
      const sent = ring.sentMs[slot];
      if (sent < subscribedMs || sent > owedUntil) continue;
      if (topicOf !== null && topicOf[k] !== ring.topic[slot]) continue;
      this.claim(slot, seq);
      const seen = this.handledAt(slot);
      if (seen === 0 || seen > owedUntil) continue;
      const w = row + (slot >>> 5);
      const bit = 1 << (slot & 31);
      if ((this.got[w] & bit) === 0) this.lostBits[w] |= bit;
    }
  }

  /** True when every socket that must receive `seq` already has it (used while draining). */
  isComplete(seq: number): boolean {
    const slot = seq & this.mask;
    if (this.columnSeq[slot] !== seq) return this.sockets === 0 || !this.anyEligible(slot);
    const sent = this.ring.sentMs[slot];
    const word = slot >>> 5;
    const bit = 1 << (slot & 31);
    const { subscribedAt } = this.view;
    const topicOf = this.topicOf;
    const topic = this.ring.topic[slot];
    for (let k = 0; k < this.sockets; k++) {
      if (topicOf !== null && topicOf[k] !== topic) continue;
      const s = subscribedAt[k];
      if (s !== 0 && s <= sent && (this.got[k * this.words + word] & bit) === 0) return false;
    }
    return true;
  }

  private anyEligible(slot: number): boolean {
    const sent = this.ring.sentMs[slot];
    const { subscribedAt } = this.view;
    const topicOf = this.topicOf;
    const topic = this.ring.topic[slot];
    for (let k = 0; k < this.sockets; k++) {
      if (topicOf !== null && topicOf[k] !== topic) continue;
      const s = subscribedAt[k];
      if (s !== 0 && s <= sent) return true;
    }
    return false;
  }

  /**
   * Counts, for each publish whose record arrived since the last call (up to `upTo`), the sockets
   * that owe it now: those that received it, and those subscribed before it was sent and still
   * subscribed. A socket that receives it later was one of them (its connection was already
   * subscribed when it was sent), so what a worker lost after this owed is never less than what it
   * had received. O(sockets) per publish, like evaluate(); called once a tick, off the receive path.
   */
  sight(upTo: number): void {
    const last = Math.min(upTo, head(this.ring));
    if (this.seenUpTo < this.evaluatedUpTo) this.seenUpTo = this.evaluatedUpTo;
    const { subscribedAt } = this.view;
    const topicOf = this.topicOf;
    while (this.seenUpTo < last) {
      const seq = ++this.seenUpTo;
      const slot = slotOf(this.ring, seq);
      if (slot < 0) continue;
      const sent = this.ring.sentMs[slot];
      const topic = this.ring.topic[slot];
      const claimed = this.columnSeq[slot] === seq;
      const word = slot >>> 5;
      const bit = 1 << (slot & 31);
      let owed = 0;
      for (let k = 0; k < this.sockets; k++) {
        if (topicOf !== null && topicOf[k] !== topic) continue;
        const s = subscribedAt[k];
        if ((claimed && (this.got[k * this.words + word] & bit) !== 0) || (s !== 0 && s <= sent)) owed++;
      }
      this.owedAtSight[slot] = owed;
      this.sightSeq[slot] = seq;
    }
  }

  /**
   * The books of every publish seen but not yet evaluated (see OwedBooks), `topics` entries per
   * topic array (1 without topics). O(publishes pending + sockets).
   */
  owedBooks(topics: number): OwedBooks {
    this.sight(head(this.ring));
    const n = Math.max(1, topics);
    const zeros = (): number[] => new Array<number>(n).fill(0);
    const books: OwedBooks = {
      evaluatedUpTo: this.evaluatedUpTo,
      seenUpTo: this.seenUpTo,
      subscribed: zeros(),
      owed: zeros(),
      delivered: zeros(),
      late: zeros(),
      inFlight: [],
    };
    const topicOf = this.topicOf;
    for (let seq = this.evaluatedUpTo + 1; seq <= this.seenUpTo; seq++) {
      const slot = slotOf(this.ring, seq);
      if (slot < 0) {
        // Gone before evaluation (counted unevaluated by the next evaluateDue): its receipts are
        // owed, as that will book them, should this be the last snapshot the driver gets.
        this.owedReceiptsOfGone(books, seq);
        continue;
      }
      const t = topicOf !== null ? this.ring.topic[slot] : 0;
      const claimed = this.columnSeq[slot] === seq;
      const delivered = claimed ? this.slotDelivered[slot] : 0;
      const late = claimed ? this.slotLate[slot] : 0;
      const owed = Math.max(this.sightSeq[slot] === seq ? this.owedAtSight[slot] : 0, delivered + late);
      const status = Atomics.load(this.ring.status, slot);
      if (status === PUBLISH_PENDING) {
        books.inFlight.push(seq, t, owed, delivered, late);
        continue;
      }
      // A failed request: the target may never have had it, so only its receipts are owed (as evaluate() says).
      books.owed[t] += status === PUBLISH_FAILED ? delivered + late : owed;
      books.delivered[t] += delivered;
      books.late[t] += late;
    }
    const { subscribedAt } = this.view;
    for (let k = 0; k < this.sockets; k++) if (subscribedAt[k] !== 0) books.subscribed[topicOf !== null ? topicOf[k] : 0]++;
    return books;
  }

  /** The receipts of `seq`, gone from the ring, into `books` while its column still holds them. */
  private owedReceiptsOfGone(books: OwedBooks, seq: number): void {
    const col = seq & this.mask;
    if (this.columnSeq[col] !== seq) return;
    const t = this.topicOf !== null ? this.columnTopic[col] : 0;
    const delivered = this.slotDelivered[col];
    const late = this.slotLate[col];
    books.owed[t] += delivered + late;
    books.delivered[t] += delivered;
    books.late[t] += late;
  }

  /**
   * Evaluates, in order, the publishes whose deadline (from their scheduled time) has passed at
   * `nowMs`, or, when `early`, that every eligible socket has; either way only once their request
   * has been answered, so a publish that then fails is never counted lost. Receipts were already
   * judged on arrival; this only finds the sockets that never got a publish. Each result goes to `out`.
   */
  evaluateDue(nowMs: number, early: boolean, upTo: number, out: SeqResult[]): void {
    // Receipts that outran their publish record (an agent's ring) are judged before evaluation.
    this.releaseHeld(nowMs);
    const ring = this.ring;
    const last = Math.min(upTo, head(ring));
    while (this.evaluatedUpTo < last) {
      const seq = this.evaluatedUpTo + 1;
      const slot = slotOf(ring, seq);
      if (slot < 0) {
        this.unevaluated(seq);
        continue;
      }
      if (Atomics.load(ring.status, slot) === PUBLISH_PENDING) break;
      const due = nowMs >= ring.scheduledMs[slot] + this.deadlineMs;
      if (!due && !(early && this.isComplete(seq))) break;
      out.push(this.evaluate(seq));
    }
  }

  /**
   * A publish whose ring slot a newer one took before it was evaluated: the ring holds deadline +
   * timeout + 5 s of publishes (+ 64), so this worker (or the main thread writing an agent's ring)
   * stalled longer than that. Its sockets' fate can no longer be read; its receipts are booked
   * (here, or when the newer publish claimed the column) and it is counted `unevaluated`, so the
   * report says how many publishes' losses are missing rather than leaving delivered above expected.
   */
  private unevaluated(seq: number): void {
    const slot = seq & this.mask;
    if (this.columnSeq[slot] === seq) this.bookReceiptsOnly(slot);
    this.counters.unevaluated++;
    this.evaluatedUpTo = seq;
  }

  /**
   * Final accounting of `seq` (must be evaluatedUpTo + 1): eligible sockets that never got it are
   * lost. The column stays until the slot is reused, for copies that arrive later.
   */
  evaluate(seq: number): SeqResult {
    const slot = seq & this.mask;
    this.claim(slot, seq);
    const sent = this.ring.sentMs[slot];
    const failed = Atomics.load(this.ring.status, slot) === PUBLISH_FAILED;
    const word = slot >>> 5;
    const bit = 1 << (slot & 31);
    const { subscribedAt, everOpened, reconnects, upSince, cohortOfSocket } = this.view;
    const late = this.slotLate[slot];
    const topicOf = this.topicOf;
    const topic = this.ring.topic[slot];
    const { closedSubAt, closedAt } = this;
    const handled = this.handledAt(slot);
    let lostOpen = 0;
    let lostBeforeClose = 0;
    let missed = 0;
    for (let k = 0; k < this.sockets; k++) {
      // Another topic's socket owes this publish nothing, and missed nothing while down.
      if (topicOf !== null && topicOf[k] !== topic) continue;
      const w = k * this.words + word;
      if ((this.got[w] & bit) !== 0) continue;
      // A failed request: the target may never have had it, so sockets without it are not lost
      // (nor owed by a connection that closed meanwhile: its mark goes, so no later copy is late).
      if (failed) {
        this.lostBits[w] &= ~bit;
        continue;
      }
      // Marked when the connection that owed it closed (connectionClosed).
      if ((this.lostBits[w] & bit) !== 0) {
        lostBeforeClose++;
        continue;
      }
      const s = subscribedAt[k];
      if (s !== 0 && s <= sent) {
        lostOpen++;
        this.lostBits[w] |= bit;
      } else if (closedSubAt[k] !== 0 && closedSubAt[k] <= sent && handled !== 0 && handled <= closedAt[k] - OWED_GRACE_MS) {
        // Its record came after the close (an agent's ring): the closed connection owed it all the same.
        lostBeforeClose++;
        this.lostBits[w] |= bit;
      } else if (everOpened[k] === 1 && reconnects[k] === 1 && (upSince === undefined || (upSince[k] !== 0 && upSince[k] <= sent))) {
        missed++;
        this.missedByCohort[cohortOfSocket[k]]++;
      }
    }
    const delivered = this.slotDelivered[slot];
    const lost = lostOpen + lostBeforeClose + late;
    this.evaluatedUpTo = seq;
    if (!failed) {
      this.counters.evaluated++;
      this.counters.missedPublishes += missed;
    }
    this.counters.lost += lost;
    this.counters.lostOpen = (this.counters.lostOpen ?? 0) + lostOpen;
    this.counters.lostBeforeClose = (this.counters.lostBeforeClose ?? 0) + lostBeforeClose;
    this.counters.expected += delivered + lost;
    const tc = this.topicCounters;
    if (tc !== null) {
      tc.lost[topic] += lost;
      tc.expected[topic] += delivered + lost;
    }
    return { seq, delivered, lost, lastReceiptMs: this.slotLastReceipt[slot], failed };
  }
}
