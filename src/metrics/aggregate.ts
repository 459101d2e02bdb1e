/**
 * Main-thread accumulation of worker ticks. Counters arrive cumulative (the latest tick wins);
 * histograms arrive as deltas and are added exactly, so the merged histogram equals one histogram
 * fed every sample. Per-publish completion needs every live worker's part of that publish. A
 * worker lost mid-run keeps its last snapshot, and what it owed after it is booked from that
 * snapshot's OwedBooks (metrics/lost-books.ts), so expected = delivered + lost still holds.
 */
import { addInto, createHistogram, deltaOf, recordMs, type Histogram } from './histogram.js';
import { slotOf, type PublishRing } from '../run/publish-ring.js';
import {
  emptyCohortCounters,
  RAMP_BLOCK_KEY,
  type CohortCounters,
  type LagSummary,
  type WorkerCounters,
  type WorkerMessage,
} from '../run/protocol.js';
import {
  emptyDeliveryCounters,
  emptyTopicCounters,
  TOPIC_COUNTER_KEYS,
  type DeliveryCounters,
  type TopicCounters,
} from '../run/delivery-counters.js';
import { topicHistogramKey } from '../run/registry.js';
import { DEFAULT_PUBLISH_DEADLINE_MS } from '../run/scenario.js';
import type { IntervalSink } from './interval-blocks.js';
import { addStreamCounters, emptyStreamCounters, type StreamCounters } from '../run/stream-counters.js';
import type { OwedBooks } from '../run/delivery-counters.js';
import { closeLostBooks, lostAdds, receiptAdds, settleDeferred, type BookAdds, type LostBooks } from './lost-books.js';

export interface WorkerState {
  workerId: number;
  sockets: number;
  counters: WorkerCounters | null;
  cohorts: CohortCounters[] | null;
  lag: LagSummary;
  ramped: boolean;
  final: boolean;
  crashed: string | null;
  /** Its latest snapshot's books of publishes not yet evaluated (null: none sent). */
  owed: OwedBooks | null;
  /** Set when it was lost (crashed, gone): what it owed after its last snapshot. */
  lostBooks: LostBooks | null;
}

/** A worker's delivery books as the run counts them: its counters plus what the driver booked for it. */
export interface WorkerBooks {
  expected: number;
  delivered: number;
  lost: number;
  /** Of `lost`, deliveries owed after its last snapshot (it was lost) that nobody saw arrive. */
  unconfirmed: number;
  early: number;
  earlyMaxMs: number;
}

interface PendingSeq {
  reports: Set<number>;
  delivered: number;
  lost: number;
  lastReceiptMs: number;
  failed: boolean;
}

/** Cumulative totals over all workers. */
export interface Totals {
  attempts: number;
  opened: number;
  firstOpened: number;
  failed: number;
  open: number;
  /** With stages: closes by wsload as the target fell, and opens brought back after them. */
  rampDownCloses: number;
  reopened: number;
  failures: Record<string, number>;
  delivery: DeliveryCounters;
  /** With topics: delivery counters per topic index, summed over workers; null without topics. */
  topics: TopicCounters | null;
  messages: number;
  cohorts: CohortCounters[];
  /** Server-stream counters summed over the workers that keep them; absent when none does. */
  stream?: StreamCounters;
  /** Of delivery.lost, the deliveries lost workers owed after their last snapshot that nobody saw arrive. */
  unconfirmed: number;
  /** Publishes after a lost worker's last snapshot whose record had left the ring: not booked. */
  unknownOwed: number;
  /** With permessage-deflate offered: upgrades per accepted Sec-WebSocket-Extensions ("" none); absent otherwise. */
  extensions?: Record<string, number>;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

function addTopicCounters(into: TopicCounters, from: TopicCounters): void {
  for (const key of TOPIC_COUNTER_KEYS) {
    const to = into[key];
    from[key].forEach((n, i) => {
      if (i < to.length) to[i] += n;
    });
  }
}

export class RunAggregate {
  readonly workers: WorkerState[];
  readonly histograms = new Map<string, Histogram>();
  /**
   * Completion per publish: scheduled time → last eligible socket got it. A publish that some
   * eligible socket did not get in time (or whose request failed after reaching some sockets) is
   * recorded at the deadline, so the percentiles cover every publish that reached anyone.
   */
  readonly completion = createHistogram();
  /** Publishes recorded in `completion` at the deadline because they did not complete. */
  incomplete = 0;
  completed = 0;
  private readonly pending = new Map<number, PendingSeq>();
  /** Also fed fan-out deltas and completion values, per block of time (compare's bootstrap). */
  intervalSink: IntervalSink | null = null;
  /** With topics, their names by index: completion is then also kept per topic ("completion:<topic>"). */
  topicNames: readonly string[] | null = null;

  constructor(
    socketsPerWorker: number[],
    private readonly cohortCount: number,
    private readonly ring: PublishRing,
    /** publish.deadline: the completion recorded for an incomplete publish. */
    private readonly deadlineMs = DEFAULT_PUBLISH_DEADLINE_MS,
  ) {
    this.workers = socketsPerWorker.map((sockets, workerId) => ({
      workerId,
      sockets,
      counters: null,
      cohorts: null,
      lag: { maxMs: 0, p99Ms: 0, meanMs: 0, intervalMaxMs: 0 },
      ramped: false,
      final: false,
      crashed: null,
      owed: null,
      lostBooks: null,
    }));
  }

  /** Takes in one tick message. */
  onTick(msg: Extract<WorkerMessage, { type: 'tick' }>): void {
    const w = this.workers[msg.workerId];
    // Its books were closed when it was declared lost; a straggling tick would count twice.
    if (w.crashed !== null) return;
    w.counters = msg.counters;
    if (msg.owed) w.owed = msg.owed;
    w.cohorts = msg.cohorts;
    w.lag = msg.lag;
    w.ramped = msg.ramped;
    w.final = msg.final;
    for (const name of Object.keys(msg.histograms)) {
      const delta = deltaOf(msg.histograms, name);
      // Handshakes per ramp block only feed the blocks: the whole-run handshake histogram has them all.
      if (name.startsWith(RAMP_BLOCK_KEY)) {
        this.intervalSink?.rampBlock(Number(name.slice(RAMP_BLOCK_KEY.length)), delta);
        continue;
      }
      addInto(this.histogram(name), delta);
      if (name === 'fanout' || name === 'streamStaleness') this.intervalSink?.timed(name, delta);
    }
    for (const r of msg.seqResults) {
      let p = this.pending.get(r.seq);
      if (!p) {
        p = { reports: new Set(), delivered: 0, lost: 0, lastReceiptMs: 0, failed: false };
        this.pending.set(r.seq, p);
      }
      p.reports.add(msg.workerId);
      p.delivered += r.delivered;
      p.lost += r.lost;
      if (r.lost > 0) this.intervalSink?.lost(r.lost);
      if (r.lastReceiptMs > p.lastReceiptMs) p.lastReceiptMs = r.lastReceiptMs;
      if (r.failed) p.failed = true;
    }
    this.settlePending();
    this.settleLost();
  }

  /**
   * A worker died (or was declared lost): stop waiting for its part of pending publishes, and
   * close its books with what it owed after its last snapshot, up to the publishes sent so far.
   */
  markCrashed(workerId: number, reason: string): void {
    const w = this.workers[workerId];
    if (w.final || w.crashed !== null) return;
    w.crashed = reason;
    w.lostBooks = closeLostBooks(w.owed, this.ring, this.topicNames?.length ?? 0);
    this.settlePending();
  }

  /**
   * A worker that was never started (the run was stopped before its process joined): nothing of
   * it will come, and it did not crash. It counts as final, with no counters.
   */
  markNotStarted(workerId: number): void {
    const w = this.workers[workerId];
    if (w.final || w.crashed !== null || w.counters !== null) return;
    w.final = true;
    this.settlePending();
  }

  /** Lost workers' publishes whose request was unanswered at the loss, booked once answered. */
  private settleLost(): void {
    for (const w of this.workers) if (w.lostBooks) settleDeferred(w.lostBooks, this.ring);
  }

  /** What the run books for worker `w` beyond its counters, as things stand; null: nothing. */
  private adds(w: WorkerState): BookAdds | null {
    if (w.lostBooks) return lostAdds(w.lostBooks);
    // Finished with publishes unevaluated (interrupted, or a request never answered): their receipts only.
    if (w.final && w.owed && (w.owed.seenUpTo > w.owed.evaluatedUpTo || w.owed.inFlight.length > 0))
      return receiptAdds(w.owed, this.topicNames?.length ?? 0);
    return null;
  }

  /** Worker `id`'s delivery books as the run counts them (its counters and what was booked for it). */
  workerBooks(id: number): WorkerBooks {
    const w = this.workers[id];
    const d = w.counters?.delivery;
    const adds = this.adds(w);
    const sum = (a: number[] | undefined): number => (a ?? []).reduce((x, y) => x + y, 0);
    return {
      expected: (d?.expected ?? 0) + sum(adds?.expected),
      delivered: d?.delivered ?? 0,
      lost: (d?.lost ?? 0) + sum(adds?.lost),
      unconfirmed: adds?.unconfirmed ?? 0,
      early: d?.early ?? 0,
      earlyMaxMs: d?.earlyMaxMs ?? 0,
    };
  }

  /** Deliveries the run booked lost beyond the workers' own counts so far (the timeline books them when they appear). */
  addedLost(): number {
    let n = 0;
    for (const w of this.workers) for (const l of this.adds(w)?.lost ?? []) n += l;
    return n;
  }

  /** Named cumulative histogram, created empty on first use. */
  histogram(name: string): Histogram {
    let h = this.histograms.get(name);
    if (!h) {
      h = createHistogram();
      this.histograms.set(name, h);
    }
    return h;
  }

  private settlePending(): void {
    const live = this.workers.filter((w) => w.crashed === null);
    for (const [seq, p] of this.pending) {
      if (!live.every((w) => p.reports.has(w.workerId))) continue;
      this.pending.delete(seq);
      // Nobody due it and nobody got it (a failed request, or no socket subscribed): no completion.
      if (p.delivered + p.lost === 0) continue;
      const slot = slotOf(this.ring, seq);
      // The ring holds a publish for rate × (deadline + 5 s): long after every worker judged it.
      const topic = this.topicNames !== null && slot >= 0 ? this.topicNames[this.ring.topic[slot]] : undefined;
      if (p.lost > 0 || p.failed) {
        this.incomplete++;
        this.recordCompletion(this.deadlineMs, topic);
        continue;
      }
      if (slot >= 0) {
        this.recordCompletion(Math.max(0, p.lastReceiptMs - this.ring.scheduledMs[slot]), topic);
        this.completed++;
      }
    }
  }

  private recordCompletion(ms: number, topic: string | undefined): void {
    recordMs(this.completion, ms);
    if (topic !== undefined) recordMs(this.histogram(topicHistogramKey('completion', topic)), ms);
    this.intervalSink?.completion(ms <= 0 ? 0 : Math.round(ms * 1000));
  }

  /** True when every worker that is still alive has settled its first connection attempts. */
  get allRamped(): boolean {
    return this.workers.every((w) => w.ramped || w.crashed !== null || w.final);
  }

  /** True when every worker has sent its final tick or died. */
  get allFinal(): boolean {
    return this.workers.every((w) => w.final || w.crashed !== null);
  }

  /** Sum of every worker's latest counters. */
  totals(): Totals {
    const t: Totals = {
      attempts: 0,
      opened: 0,
      firstOpened: 0,
      failed: 0,
      open: 0,
      rampDownCloses: 0,
      reopened: 0,
      failures: {},
      delivery: emptyDeliveryCounters(),
      topics: this.topicNames !== null ? emptyTopicCounters(this.topicNames.length) : null,
      messages: 0,
      cohorts: Array.from({ length: this.cohortCount }, emptyCohortCounters),
      unconfirmed: 0,
      unknownOwed: 0,
    };
    this.settleLost();
    for (const w of this.workers) {
      const adds = this.adds(w);
      if (adds) {
        adds.expected.forEach((n, i) => {
          t.delivery.expected += n;
          if (t.topics && i < t.topics.expected.length) t.topics.expected[i] += n;
        });
        adds.lost.forEach((n, i) => {
          t.delivery.lost += n;
          if (t.topics && i < t.topics.lost.length) t.topics.lost[i] += n;
        });
        t.unconfirmed += adds.unconfirmed;
      }
      t.unknownOwed += w.lostBooks?.unknown ?? 0;
      const c = w.counters;
      if (!c) continue;
      t.attempts += c.attempts;
      t.opened += c.opened;
      t.firstOpened += c.firstOpened ?? 0;
      t.rampDownCloses += c.rampDownCloses ?? 0;
      t.reopened += c.reopened ?? 0;
      t.failed += c.failed;
      // A crashed worker's sockets died with it.
      if (w.crashed === null) t.open += c.open;
      t.messages += c.messages;
      addCounts(t.failures, c.failures);
      if (c.extensions) addCounts((t.extensions ??= {}), c.extensions);
      for (const key of Object.keys(t.delivery) as (keyof DeliveryCounters)[]) {
        // The earliest receipt is the worst of the workers', not a sum.
        if (key === 'earlyMaxMs') t.delivery.earlyMaxMs = Math.max(t.delivery.earlyMaxMs ?? 0, c.delivery.earlyMaxMs ?? 0);
        else t.delivery[key] = (t.delivery[key] ?? 0) + (c.delivery[key] ?? 0);
      }
      if (t.topics !== null && c.topics) addTopicCounters(t.topics, c.topics);
      if (c.stream) addStreamCounters((t.stream ??= emptyStreamCounters()), c.stream);
      w.cohorts?.forEach((cc, i) => {
        const into = t.cohorts[i];
        into.opened += cc.opened;
        into.closes += cc.closes;
        into.reconnects += cc.reconnects;
        into.downMs += cc.downMs;
        into.missedPublishes += cc.missedPublishes;
        addCounts(into.byCode, cc.byCode);
        addCounts(into.byCause, cc.byCause);
        addCounts(into.byError, cc.byError);
      });
    }
    return t;
  }
}
