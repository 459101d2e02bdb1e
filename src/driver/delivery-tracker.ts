/**
 * Per-worker accounting of which socket received which publish. Memory is fixed at start: one bit
 * per (socket, ring slot) and a few numbers per slot, so an eight-hour run holds no more than a
 * one-minute one. A publish is evaluated once, when its delivery deadline has passed (or earlier,
 * while draining, once every eligible socket has it); its slot is then cleared for reuse.
 *
 * Eligibility: a socket is eligible for publish s when it was open before s was sent and either
 * received s or was still open when s was evaluated. So expected = delivered + lost exactly, and
 * a socket that got the message and then closed is a delivery, not a loss.
 */
import { slotOf, type PublishRing, PUBLISH_FAILED } from './publish-ring.js';

/** Per-socket connection facts the tracker reads at evaluation time (owned by the socket pool). */
export interface SocketView {
  /** Open time of the current connection, 0 when not open. */
  openedAt: Float64Array;
  /** 1 once the socket has ever opened. */
  everOpened: Uint8Array;
  /** 1 when the socket's cohort reconnects (its downtime is "missed", not "lost"). */
  reconnects: Uint8Array;
  /** Cohort index of each socket. */
  cohortOfSocket: Uint16Array;
}

export interface DeliveryCounters {
  delivered: number;
  duplicated: number;
  outOfOrder: number;
  late: number;
  unmatched: number;
  /** Received by a socket that opened after the publish was sent. */
  ineligible: number;
  expected: number;
  lost: number;
  missedPublishes: number;
  /** Publishes evaluated (not counting failed publish requests). */
  evaluated: number;
}

/** What one evaluated publish contributes to the completion-time histogram. */
export interface SeqResult {
  seq: number;
  delivered: number;
  lost: number;
  /** Latest receipt among eligible sockets, 0 when none. */
  lastReceiptMs: number;
}

/** Zeroed delivery counters. */
export function emptyDeliveryCounters(): DeliveryCounters {
  return { delivered: 0, duplicated: 0, outOfOrder: 0, late: 0, unmatched: 0, ineligible: 0, expected: 0, lost: 0, missedPublishes: 0, evaluated: 0 };
}

export class DeliveryTracker {
  readonly counters: DeliveryCounters = emptyDeliveryCounters();
  /** Every seq ≤ this has been evaluated. */
  evaluatedUpTo = 0;
  /** Missed publishes per cohort index. */
  readonly missedByCohort: number[];
  private readonly words: number;
  private readonly bits: Uint32Array;
  private readonly lastSeq: Int32Array;
  private readonly slotDelivered: Int32Array;
  private readonly slotLastReceipt: Float64Array;
  private readonly mask: number;

  constructor(
    private readonly sockets: number,
    private readonly ring: PublishRing,
    private readonly view: SocketView,
    cohorts: number,
  ) {
    this.missedByCohort = new Array<number>(cohorts).fill(0);
    this.words = ring.size >>> 5;
    this.mask = ring.size - 1;
    this.bits = new Uint32Array(sockets * this.words);
    this.lastSeq = new Int32Array(sockets);
    this.slotDelivered = new Int32Array(ring.size);
    this.slotLastReceipt = new Float64Array(ring.size);
  }

  /**
   * Accounts one received message on local socket k. Returns the fan-out latency in ms (receipt −
   * scheduled publish time) when it is a first, eligible delivery, else -1.
   */
  receive(k: number, seq: number, recvMs: number): number {
    const slot = slotOf(this.ring, seq);
    if (slot < 0) {
      this.counters.unmatched++;
      return -1;
    }
    if (seq <= this.evaluatedUpTo) {
      this.counters.late++;
      return -1;
    }
    const opened = this.view.openedAt[k];
    if (opened === 0 || opened > this.ring.sentMs[slot]) {
      this.counters.ineligible++;
      return -1;
    }
    const w = k * this.words + (slot >>> 5);
    const bit = 1 << (slot & 31);
    if ((this.bits[w] & bit) !== 0) {
      this.counters.duplicated++;
      return -1;
    }
    this.bits[w] |= bit;
    const newest = this.lastSeq[k];
    if (seq < newest) {
      if (this.mustPrecede(slot, newest)) this.counters.outOfOrder++;
    } else this.lastSeq[k] = seq;
    this.counters.delivered++;
    this.slotDelivered[slot]++;
    if (recvMs > this.slotLastReceipt[slot]) this.slotLastReceipt[slot] = recvMs;
    return recvMs - this.ring.scheduledMs[slot];
  }

  /**
   * Whether the target must have pushed the publish in `slot` before publish `later`: only when
   * its request was answered before `later` was sent. Publishes in flight together may reach the
   * target in either order, and receiving them swapped is not the gateway's doing.
   */
  private mustPrecede(slot: number, later: number): boolean {
    const laterSlot = slotOf(this.ring, later);
    if (laterSlot < 0) return true;
    const ack = this.ring.ackMs[slot];
    return ack > 0 && ack <= this.ring.sentMs[laterSlot];
  }

  /** True when every socket that must receive `seq` already has it (used while draining). */
  isComplete(seq: number): boolean {
    const slot = seq & this.mask;
    const sent = this.ring.sentMs[slot];
    const word = slot >>> 5;
    const bit = 1 << (slot & 31);
    const { openedAt } = this.view;
    for (let k = 0; k < this.sockets; k++) {
      const o = openedAt[k];
      if (o !== 0 && o <= sent && (this.bits[k * this.words + word] & bit) === 0) return false;
    }
    return true;
  }

  /** Final accounting of `seq` (must be evaluatedUpTo + 1); clears its slot for reuse. */
  evaluate(seq: number): SeqResult {
    const slot = seq & this.mask;
    const sent = this.ring.sentMs[slot];
    const failed = Atomics.load(this.ring.status, slot) === PUBLISH_FAILED;
    const word = slot >>> 5;
    const bit = 1 << (slot & 31);
    const { openedAt, everOpened, reconnects, cohortOfSocket } = this.view;
    let lost = 0;
    let missed = 0;
    for (let k = 0; k < this.sockets; k++) {
      const w = k * this.words + word;
      if ((this.bits[w] & bit) !== 0) {
        this.bits[w] &= ~bit;
        continue;
      }
      if (failed) continue;
      const o = openedAt[k];
      if (o !== 0 && o <= sent) lost++;
      else if (everOpened[k] === 1 && reconnects[k] === 1) {
        missed++;
        this.missedByCohort[cohortOfSocket[k]]++;
      }
    }
    const delivered = this.slotDelivered[slot];
    const lastReceiptMs = this.slotLastReceipt[slot];
    this.slotDelivered[slot] = 0;
    this.slotLastReceipt[slot] = 0;
    this.evaluatedUpTo = seq;
    if (!failed) {
      this.counters.evaluated++;
      this.counters.lost += lost;
      this.counters.missedPublishes += missed;
    }
    this.counters.expected += delivered + lost;
    return { seq, delivered, lost: failed ? 0 : lost, lastReceiptMs };
  }
}
