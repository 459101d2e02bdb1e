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
 * message is a duplicate, the first copy of a lost one is late.
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
import { head, slotOf, type PublishRing, PUBLISH_FAILED, PUBLISH_PENDING } from '../run/publish-ring.js';

/** Receipts held at most while their publish record is on its way (a few seconds of a fast stream). */
export const HELD_RECEIPTS_MAX = 65_536;
/** Beyond the delivery deadline, how long a held receipt waits for its publish record. */
const HELD_GRACE_MS = 5_000;
/**
 * A connection owes a publish only if it stayed open this long after the target was seen handling
 * it (a socket of the same worker received it, or its request was answered): one that closed
 * sooner may have closed while the push was still on its way to it, which is no proof it was
 * withheld (README: "What is measured, exactly").
 */
export const OWED_GRACE_MS = 250;
import { emptyDeliveryCounters, emptyTopicCounters, type DeliveryCounters, type OwedBooks, type SeqResult, type TopicCounters } from '../run/delivery-counters.js';

/** Per-socket connection facts the tracker reads (owned by the socket pool). */
export interface SocketView {
  /**
   * When the current connection became subscribed to publishes, 0 when not. For the demo protocol
   * that is when the upgrade completed; a protocol with a subscribe acknowledgement sets it then.
   */
  subscribedAt: Float64Array;
  /** 1 once the socket has ever opened. */
  everOpened: Uint8Array;
  /** 1 when the socket's cohort reconnects (its downtime is "missed", not "lost"). */
  reconnects: Uint8Array;
  /**
   * With stages: when the socket first subscribed since the shape last opened it, 0 while it is
   * ramped down or not yet up. Only a publish sent after that is "missed" while the socket is down:
   * sockets still due to open, or closed on purpose, miss nothing. Absent (no stages): everOpened decides.
   */
  upSince?: Float64Array;
  /** Cohort index of each socket. */
  cohortOfSocket: Uint16Array;
  /** Topic index of each socket; null or absent: no topics (every socket is in every publish's audience). */
  topicOfSocket?: Uint16Array | null;
}

export class DeliveryTracker {
  readonly counters: DeliveryCounters = emptyDeliveryCounters();
  /** Every seq ≤ this has been evaluated. */
  evaluatedUpTo = 0;
  /** Missed publishes per cohort index. */
  readonly missedByCohort: number[];
  /** Per-topic counters, or null without topics. */
  readonly topicCounters: TopicCounters | null;
  private readonly topicOf: Uint16Array | null;
  private readonly words: number;
  /** Socket received the publish (on time or late). */
  private readonly got: Uint32Array;
  /** Socket's delivery of the publish is (or will be) counted lost. */
  private readonly lostBits: Uint32Array;
  /** Seq whose bits each slot's column holds (columns are cleared lazily, on first use). */
  private readonly columnSeq: Int32Array;
  private readonly lastSeq: Int32Array;
  private readonly slotDelivered: Int32Array;
  private readonly slotLate: Int32Array;
  private readonly slotLastReceipt: Float64Array;
  /** First receipt of the publish on any socket of this worker: the target's own order. */
  private readonly slotFirstSeen: Float64Array;
  private readonly mask: number;
  /** subscribedAt of each socket's last connection that closed owing deliveries (0: none), and when it closed. */
  private readonly closedSubAt: Float64Array;
  private readonly closedAt: Float64Array;

  /**
   * Receipts of publishes newer than the ring's head, as (socket, seq, receipt time) triples. In
   * one process the publisher announces before it sends, so this stays empty; an agent's ring is
   * written from the coordinator's records, which a push can outrun.
   */
  private held: number[] = [];
  /** Ring head when the held receipts were last looked at: only a newer record can release one. */
  private heldHead = 0;

  /** Every seq up to here has been seen (see sight()). */
  private seenUpTo = 0;
  /** Sockets that owed the publish in each slot when it was seen, and the seq that count is of. */
  private readonly owedAtSight: Int32Array;
  private readonly sightSeq: Int32Array;

  constructor(
    private readonly sockets: number,
    private readonly ring: PublishRing,
    private readonly view: SocketView,
    cohorts: number,
    private readonly deadlineMs: number,
    /** Hears the latency of a held receipt judged later, with its socket (receive() returns the others'). */
    private readonly onHeldLatency: (ms: number, k: number) => void = () => {},
    /** Topics in the run (0: none). */
    topics = 0,
  ) {
    this.missedByCohort = new Array<number>(cohorts).fill(0);
    this.topicOf = view.topicOfSocket ?? null;
    this.topicCounters = this.topicOf !== null ? emptyTopicCounters(topics) : null;
    this.words = ring.size >>> 5;
    this.mask = ring.size - 1;
    this.got = new Uint32Array(sockets * this.words);
    this.lostBits = new Uint32Array(sockets * this.words);
    this.columnSeq = new Int32Array(ring.size);
    this.lastSeq = new Int32Array(sockets);
    this.slotDelivered = new Int32Array(ring.size);
    this.slotLate = new Int32Array(ring.size);
    this.slotLastReceipt = new Float64Array(ring.size);
    this.slotFirstSeen = new Float64Array(ring.size);
    this.owedAtSight = new Int32Array(ring.size);
    this.sightSeq = new Int32Array(ring.size);
    this.closedSubAt = new Float64Array(sockets);
    this.closedAt = new Float64Array(sockets);
  }

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

  /**
   * When the target was first seen handling the publish in `slot` (claimed): a socket of this
   * worker received it, or its request was answered, whichever came first; 0 while neither.
   */
  private handledAt(slot: number): number {
    const seen = this.slotFirstSeen[slot];
    const ack = this.ring.ackMs[slot];
    return seen > 0 && (ack === 0 || seen < ack) ? seen : ack;
  }

  /**
   * subscribedAt of socket k's connection that was open at `recvMs`: the current one, or (a receipt
   * held for its publish record) the last one that closed; 0 when none was subscribed then.
   */
  private connectionAt(k: number, recvMs: number): number {
    const s = this.view.subscribedAt[k];
    if (s !== 0 && s <= recvMs) return s;
    const closed = this.closedSubAt[k];
    return closed !== 0 && closed <= recvMs && recvMs <= this.closedAt[k] ? closed : 0;
  }

  /** Makes slot's column belong to seq, clearing what an earlier seq left there. */
  private claim(slot: number, seq: number): void {
    if (this.columnSeq[slot] === seq) return;
    this.columnSeq[slot] = seq;
    const keep = ~(1 << (slot & 31));
    for (let w = slot >>> 5; w < this.got.length; w += this.words) {
      this.got[w] &= keep;
      this.lostBits[w] &= keep;
    }
    this.slotDelivered[slot] = 0;
    this.slotLate[slot] = 0;
    this.slotLastReceipt[slot] = 0;
    this.slotFirstSeen[slot] = 0;
  }

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
      else this.counters.unmatched++;
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
      } else if (seq <= last || nowMs - recvMs > limit) this.counters.unmatched++;
      else this.held.push(k, seq, recvMs);
    }
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
    const books: OwedBooks = { evaluatedUpTo: this.evaluatedUpTo, seenUpTo: this.seenUpTo, subscribed: zeros(), owed: zeros(), delivered: zeros(), late: zeros(), inFlight: [] };
    const topicOf = this.topicOf;
    for (let seq = this.evaluatedUpTo + 1; seq <= this.seenUpTo; seq++) {
      const slot = slotOf(this.ring, seq);
      if (slot < 0) continue;
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
