/** What a worker's delivery accounting counts, as it crosses to the main thread (see worker/delivery-tracker.ts). */
import { AXIS_COUNTERS, type TopicCounterKey } from './axis-counters.js';

/** Per-worker delivery counters, summed exactly across workers. */
export interface DeliveryCounters {
  /** First copies received by an eligible socket within the deadline. */
  delivered: number;
  /** Further copies of a publish a socket had already received. */
  duplicated: number;
  outOfOrder: number;
  /** First copies received after the deadline (each is also counted lost). */
  late: number;
  /** Messages with no readable sequence number in the match field. */
  unmatched: number;
  /**
   * This run's receipts of a publish whose record had left the ring (older than the ring's size in
   * publishes): too old to tell a late first copy from a duplicate, so neither; its publish's books
   * stand as evaluated. Always counted here (0 when none); a report carries it only when above 0
   * (`CounterDef.onlyWhenAny`), so the report's `fanout.unjudged` is the optional one.
   */
  unjudged: number;
  /**
   * Publishes whose record left this worker's ring before it evaluated them (it, or the main thread
   * writing an agent's ring, stalled past the ring's window): only their receipts are booked
   * (expected = delivered + late, lost = late); the sockets that never got them are not, so lost
   * may be short. Always counted here; in a report only when above 0, like `unjudged`.
   */
  unevaluated: number;
  /** Messages of another run against the same target (another run tag). */
  foreign: number;
  /** This run's messages whose pushed `id` is not the id the publish sent (not counted delivered). */
  idMismatch: number;
  /** Received by a socket that was not subscribed when the publish was sent. */
  ineligible: number;
  /** With topics: copies of a topic's publish received by a socket not in that topic (not delivered, not lost); optional so counters built before it still type. */
  misrouted?: number;
  expected: number;
  /** Deliveries due and not received in time: lostBeforeClose + lostOpen + late. */
  lost: number;
  /**
   * Lost because the connection that owed them closed without them: subscribed when the publish
   * was sent, still open `OWED_GRACE_MS` later, closed before receiving it (a stalled, then kicked
   * socket). Optional so counters built before it still type.
   */
  lostBeforeClose?: number;
  /** Lost by a connection still open when the publish was evaluated (its deadline passed) without it. */
  lostOpen?: number;
  missedPublishes: number;
  /** Publishes evaluated (not counting failed publish requests). */
  evaluated: number;
  /**
   * On-time first copies received before their publish's scheduled time (by the clock offset in
   * use: a remote agent's wrong offset); counted delivered and recorded at 0 ms, never dropped.
   * Optional so counters built before it still type.
   */
  early?: number;
  /** How far before its scheduled time the earliest of them came, ms (merged by max, not summed). */
  earlyMaxMs?: number;
}

/**
 * Per-topic delivery counters of one worker (cumulative), each indexed by topic index; summed
 * exactly across workers. Its fields are the registry's per-topic counters of source 'worker'
 * (AXIS_COUNTERS in run/axis-counters.ts).
 */
export type TopicCounters = Record<TopicCounterKey, number[]>;

/** The per-topic counter names, in report order. */
export const TOPIC_COUNTER_KEYS: readonly TopicCounterKey[] = AXIS_COUNTERS.flatMap((c) =>
  c.axis === 'topic' && c.source === 'worker' ? [c.field] : [],
);

/** Zeroed per-topic counters for `topics` topics. */
export function emptyTopicCounters(topics: number): TopicCounters {
  // TOPIC_COUNTER_KEYS lists every TopicCounterKey.
  return Object.fromEntries(TOPIC_COUNTER_KEYS.map((k) => [k, new Array<number>(topics).fill(0)])) as TopicCounters;
}

/**
 * A worker's books of the publishes it has seen (their record in its ring) but not yet evaluated,
 * sent with every tick: were the worker lost now (its thread crashed, its agent killed, its final
 * tick never came), the driver closes its books from these, so `expected = delivered + lost` holds
 * without the evaluation that never came. Receipts of these publishes are already in the counters
 * (delivered, late); what they lack is the expected and lost of the sockets still waiting.
 */
export interface OwedBooks {
  /** Every seq up to here was evaluated: its books are in the counters. */
  evaluatedUpTo: number;
  /** Every seq up to here had its record seen: its sockets owing it were counted then. */
  seenUpTo: number;
  /** Sockets subscribed now, per topic index (one entry without topics): what a later publish would be owed by. */
  subscribed: number[];
  /**
   * Per topic index, over the seen, unevaluated publishes whose request outcome the worker knows:
   * `owed` = sockets that owed them (subscribed when sent and still subscribed when seen, or that
   * received them; for a failed request only those that received it), `delivered` and `late` =
   * the receipts of them already counted.
   */
  owed: number[];
  delivered: number[];
  late: number[];
  /** The same for seen publishes whose request was not yet answered: (seq, topic, owed, delivered, late) per publish. */
  inFlight: number[];
}

/** Numbers per publish in OwedBooks.inFlight. */
export const IN_FLIGHT_FIELDS = 5;

/** What one evaluated publish contributes to the completion-time histogram. */
export interface SeqResult {
  seq: number;
  delivered: number;
  lost: number;
  /** Latest on-time receipt among eligible sockets, 0 when none. */
  lastReceiptMs: number;
  /** The publish request failed (timeout, HTTP error): the target may have pushed it anyway. */
  failed: boolean;
}

/** Zeroed delivery counters. */
export function emptyDeliveryCounters(): DeliveryCounters {
  return {
    delivered: 0,
    duplicated: 0,
    outOfOrder: 0,
    late: 0,
    unmatched: 0,
    unjudged: 0,
    unevaluated: 0,
    foreign: 0,
    idMismatch: 0,
    ineligible: 0,
    misrouted: 0,
    expected: 0,
    lost: 0,
    lostBeforeClose: 0,
    lostOpen: 0,
    missedPublishes: 0,
    evaluated: 0,
    early: 0,
    earlyMaxMs: 0,
  };
}
