/** What a worker's delivery accounting counts, as it crosses to the main thread (see worker/delivery-tracker.ts). */

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
}

/** Per-topic delivery counters of one worker (cumulative), each indexed by topic index; summed exactly across workers. */
export interface TopicCounters {
  expected: number[];
  delivered: number[];
  lost: number[];
  late: number[];
  duplicated: number[];
}

/** The per-topic counter names, in report order. */
export const TOPIC_COUNTER_KEYS = ['expected', 'delivered', 'lost', 'late', 'duplicated'] as const;

/** Zeroed per-topic counters for `topics` topics. */
export function emptyTopicCounters(topics: number): TopicCounters {
  const zeros = (): number[] => new Array<number>(topics).fill(0);
  return { expected: zeros(), delivered: zeros(), lost: zeros(), late: zeros(), duplicated: zeros() };
}

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
  };
}
