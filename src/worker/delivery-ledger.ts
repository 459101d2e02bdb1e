/**
 * The delivery tracker's memory, fixed at start (see delivery-tracker.ts for the accounting): two
 * bits per (socket, ring slot), a few numbers per slot and two per socket, and the lookups every
 * part of the accounting shares. The receipts (delivery-judge.ts) and the evaluation
 * (delivery-tracker.ts) are layered on it as subclasses, so every field stays one load on one
 * object on the receive path, as it was when they were one class.
 */
import type { PublishRing } from '../run/publish-ring.js';
import { emptyDeliveryCounters, emptyTopicCounters, type DeliveryCounters, type TopicCounters } from '../run/delivery-counters.js';

/**
 * A connection owes a publish only if it stayed open this long after the target was seen handling
 * it (a socket of the same worker received it, or its request was answered): one that closed
 * sooner may have closed while the push was still on its way to it, which is no proof it was
 * withheld (README: "What is measured, exactly").
 */
export const OWED_GRACE_MS = 250;

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

/** The tracker's state; the accounting's parts are the subclasses (DeliveryJudge, DeliveryTracker). */
export abstract class DeliveryLedger {
  readonly counters: DeliveryCounters = emptyDeliveryCounters();
  /** Every seq ≤ this has been evaluated. */
  evaluatedUpTo = 0;
  /** Missed publishes per cohort index. */
  readonly missedByCohort: number[];
  /** Per-topic counters, or null without topics. */
  readonly topicCounters: TopicCounters | null;
  protected readonly topicOf: Uint16Array | null;
  protected readonly words: number;
  /** Socket received the publish (on time or late). */
  protected readonly got: Uint32Array;
  /** Socket's delivery of the publish is (or will be) counted lost. */
  protected readonly lostBits: Uint32Array;
  /** Seq whose bits each slot's column holds (columns are cleared lazily, on first use). */
  protected readonly columnSeq: Int32Array;
  /** Topic index of that seq, read when it was claimed: its ring slot may hold a newer publish by the time its books are closed. */
  protected readonly columnTopic: Uint16Array;
  protected readonly lastSeq: Int32Array;
  protected readonly slotDelivered: Int32Array;
  protected readonly slotLate: Int32Array;
  protected readonly slotLastReceipt: Float64Array;
  /** First receipt of the publish on any socket of this worker: the target's own order. */
  protected readonly slotFirstSeen: Float64Array;
  protected readonly mask: number;
  /** subscribedAt of each socket's last connection that closed owing deliveries (0: none), and when it closed. */
  protected readonly closedSubAt: Float64Array;
  protected readonly closedAt: Float64Array;

  /** Every seq up to here has been seen (see sight()). */
  protected seenUpTo = 0;
  /** Sockets that owed the publish in each slot when it was seen, and the seq that count is of. */
  protected readonly owedAtSight: Int32Array;
  protected readonly sightSeq: Int32Array;

  constructor(
    protected readonly sockets: number,
    protected readonly ring: PublishRing,
    protected readonly view: SocketView,
    cohorts: number,
    protected readonly deadlineMs: number,
    /** Hears the latency of a held receipt judged later, with its socket (receive() returns the others'). */
    protected readonly onHeldLatency: (ms: number, k: number) => void = () => {},
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
    this.columnTopic = new Uint16Array(ring.size);
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
   * When the target was first seen handling the publish in `slot` (claimed): a socket of this
   * worker received it, or its request was answered, whichever came first; 0 while neither.
   */
  protected handledAt(slot: number): number {
    const seen = this.slotFirstSeen[slot];
    const ack = this.ring.ackMs[slot];
    return seen > 0 && (ack === 0 || seen < ack) ? seen : ack;
  }

  /**
   * subscribedAt of socket k's connection that was open at `recvMs`: the current one, or (a receipt
   * held for its publish record) the last one that closed; 0 when none was subscribed then.
   */
  protected connectionAt(k: number, recvMs: number): number {
    const s = this.view.subscribedAt[k];
    if (s !== 0 && s <= recvMs) return s;
    const closed = this.closedSubAt[k];
    return closed !== 0 && closed <= recvMs && recvMs <= this.closedAt[k] ? closed : 0;
  }

  /** Makes slot's column belong to seq, clearing what an earlier seq left there. */
  protected claim(slot: number, seq: number): void {
    const held = this.columnSeq[slot];
    if (held === seq) return;
    // A newer publish took the slot of one never evaluated (a stalled worker, see
    // DeliveryTracker.evaluateDue): its receipts are booked before the column is cleared.
    if (held > this.evaluatedUpTo) this.bookReceiptsOnly(slot);
    this.columnSeq[slot] = seq;
    this.columnTopic[slot] = this.ring.topic[slot];
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
   * Closes the books of the publish whose column `slot` holds, from its receipts only: the copies
   * counted delivered or late are expected, the late ones lost (as receipt-only books of a
   * finished worker, metrics/lost-books.ts). The sockets that never got it are not booked: their
   * publish's record left the ring before it was evaluated (counted `unevaluated` by the caller).
   */
  protected bookReceiptsOnly(slot: number): void {
    const delivered = this.slotDelivered[slot];
    const late = this.slotLate[slot];
    this.counters.expected += delivered + late;
    this.counters.lost += late;
    const tc = this.topicCounters;
    if (tc !== null) {
      const t = this.columnTopic[slot];
      tc.expected[t] += delivered + late;
      tc.lost[t] += late;
    }
  }
}
