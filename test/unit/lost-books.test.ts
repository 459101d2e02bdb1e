/**
 * The books of a worker lost before it evaluated what it received: its last snapshot carries what it
 * owed (DeliveryTracker.owedBooks), and the aggregate closes its books at the loss from that and
 * from the publishes sent since, so expected = delivered + lost holds overall and per topic. Real
 * trackers fill the snapshots; only the loss is simulated (a worker that stops ticking).
 */
import { describe, expect, it } from 'vitest';
import { RunAggregate } from '../../src/metrics/aggregate.js';
import { DeliveryTracker, type SocketView } from '../../src/worker/delivery-tracker.js';
import { announce, createRing, settle, type PublishRing } from '../../src/run/publish-ring.js';
import { emptyCohortCounters, type WorkerMessage } from '../../src/run/protocol.js';

type Tick = Extract<WorkerMessage, { type: 'tick' }>;

/** A worker of `sockets` sockets all subscribed at t = 1, each in topic `topicOf[k]` when given. */
function worker(ring: PublishRing, sockets: number, topicOf?: number[], topics = 0): { view: SocketView; tracker: DeliveryTracker } {
  const view: SocketView = {
    subscribedAt: new Float64Array(sockets).fill(1),
    everOpened: new Uint8Array(sockets).fill(1),
    reconnects: new Uint8Array(sockets),
    cohortOfSocket: new Uint16Array(sockets),
    topicOfSocket: topicOf ? Uint16Array.from(topicOf) : null,
  };
  return { view, tracker: new DeliveryTracker(sockets, ring, view, 1, 10_000, () => {}, topics) };
}

/** The tick a worker posts: its counters and, as worker.ts sends them, its owed books. */
function tick(workerId: number, tracker: DeliveryTracker, topics = 0, final = false): Tick {
  return {
    type: 'tick',
    workerId,
    counters: {
      attempts: 0,
      opened: 0,
      failed: 0,
      failures: {},
      open: 0,
      messages: 0,
      pingsSent: 0,
      heartbeatsSent: 0,
      delivery: structuredClone(tracker.counters),
      ...(tracker.topicCounters ? { topics: structuredClone(tracker.topicCounters) } : {}),
    },
    cohorts: [emptyCohortCounters()],
    histograms: {},
    seqResults: [],
    owed: tracker.owedBooks(topics),
    lag: { maxMs: 0, p99Ms: 0, meanMs: 0, intervalMaxMs: 0 },
    ramped: true,
    final,
  };
}

function books(agg: RunAggregate): { expected: number; delivered: number; lost: number; late: number } {
  const d = agg.totals().delivery;
  return { expected: d.expected, delivered: d.delivered, lost: d.lost, late: d.late };
}

describe('books of a worker lost mid-run', () => {
  it('close exactly: what it received of unevaluated publishes is expected, what it still owed is lost and unconfirmed', () => {
    const ring = createRing(1024);
    const a = worker(ring, 4);
    const b = worker(ring, 4);
    const agg = new RunAggregate([4, 4], 1, ring);
    // Publishes 1–3 answered; worker 0 got 3 of 4 sockets of each, worker 1 all of them.
    for (let seq = 1; seq <= 3; seq++) {
      announce(ring, seq, 100 * seq, 100 * seq);
      settle(ring, seq, true, 100 * seq + 5);
      for (let k = 0; k < 3; k++) a.tracker.receive(k, seq, 100 * seq + 10);
      for (let k = 0; k < 4; k++) b.tracker.receive(k, seq, 100 * seq + 10);
    }
    agg.onTick(tick(0, a.tracker));
    // Worker 0 is lost here, before its deadline evaluation: 9 receipts and nothing expected in its counters.
    expect(agg.totals().delivery.delivered).toBe(9);
    agg.markCrashed(0, 'killed');
    for (let seq = 1; seq <= 3; seq++) b.tracker.evaluate(seq);
    agg.onTick(tick(1, b.tracker, 0, true));
    const t = books(agg);
    expect(t).toEqual({ expected: 12 + 12, delivered: 9 + 12, lost: 3, late: 0 });
    expect(agg.totals().unconfirmed).toBe(3);
    expect(agg.workerBooks(0)).toMatchObject({ expected: 12, delivered: 9, lost: 3, unconfirmed: 3 });
    expect(agg.workerBooks(1)).toMatchObject({ expected: 12, delivered: 12, lost: 0, unconfirmed: 0 });
  });

  it('books publishes sent after its last snapshot against the sockets it had subscribed then; failed ones not, unanswered ones once answered', () => {
    const ring = createRing(1024);
    const a = worker(ring, 5);
    const agg = new RunAggregate([5], 1, ring);
    announce(ring, 1, 100, 100);
    settle(ring, 1, true, 105);
    for (let k = 0; k < 5; k++) a.tracker.receive(k, 1, 110);
    agg.onTick(tick(0, a.tracker));
    // After its last snapshot: 2 answered, 3 failed (the target may never have had it), 4 still in flight.
    announce(ring, 2, 200, 200);
    settle(ring, 2, true, 205);
    announce(ring, 3, 300, 300);
    settle(ring, 3, false, 305);
    announce(ring, 4, 400, 400);
    agg.markCrashed(0, 'its control connection closed');
    expect(books(agg)).toEqual({ expected: 5 + 5, delivered: 5, lost: 5, late: 0 });
    settle(ring, 4, true, 405);
    expect(books(agg)).toEqual({ expected: 5 + 5 + 5, delivered: 5, lost: 10, late: 0 });
    expect(agg.totals().unconfirmed).toBe(10);
    expect(agg.addedLost()).toBe(10);
  });

  it('counts a late receipt of an unevaluated publish as lost but not unconfirmed (it was seen arriving)', () => {
    const ring = createRing(1024);
    const a = worker(ring, 2);
    const agg = new RunAggregate([2], 1, ring);
    announce(ring, 1, 100, 100);
    settle(ring, 1, true, 105);
    a.tracker.receive(0, 1, 150);
    a.tracker.receive(1, 1, 100 + 10_001);
    agg.onTick(tick(0, a.tracker));
    agg.markCrashed(0, 'terminated');
    expect(books(agg)).toEqual({ expected: 2, delivered: 1, lost: 1, late: 1 });
    expect(agg.totals().unconfirmed).toBe(0);
  });

  it('keeps the books per topic: each topic owes only its own sockets', () => {
    const ring = createRing(1024);
    // Sockets 0, 1 in topic 0; 2 in topic 1.
    const a = worker(ring, 3, [0, 0, 1], 2);
    const agg = new RunAggregate([3], 1, ring);
    agg.topicNames = ['news', 'sport'];
    announce(ring, 1, 100, 100, 0);
    settle(ring, 1, true, 105);
    a.tracker.receive(0, 1, 110);
    announce(ring, 2, 200, 200, 1);
    settle(ring, 2, true, 205);
    a.tracker.receive(2, 2, 210);
    agg.onTick(tick(0, a.tracker, 2));
    announce(ring, 3, 300, 300, 0);
    settle(ring, 3, true, 305);
    agg.markCrashed(0, 'killed');
    const t = agg.totals();
    expect(t.topics).not.toBeNull();
    const topic = (i: number): number[] => [t.topics!.expected[i], t.topics!.delivered[i], t.topics!.lost[i]];
    // news: publish 1 owed by 2 (1 got it), publish 3 by its 2 subscribed sockets; sport: publish 2 by 1, got.
    expect(topic(0)).toEqual([4, 1, 3]);
    expect(topic(1)).toEqual([1, 1, 0]);
    expect(t.delivery.expected).toBe(5);
    expect(t.delivery.delivered + t.delivery.lost).toBe(t.delivery.expected);
  });

  it('owes a publish only to sockets subscribed when it was sent, and never less than what arrived after it was seen', () => {
    const ring = createRing(1024);
    const a = worker(ring, 3);
    a.view.subscribedAt[2] = 0; // down
    announce(ring, 1, 100, 100);
    a.tracker.sight(1);
    // Socket 2 comes up after the publish was sent: its copy is ineligible, it owes nothing.
    a.view.subscribedAt[2] = 150;
    a.tracker.receive(2, 1, 160);
    a.tracker.receive(0, 1, 170);
    const owed = a.tracker.owedBooks(0);
    expect(owed.inFlight).toEqual([1, 0, 2, 1, 0]);
    expect(owed.subscribed).toEqual([3]);
    expect(owed.seenUpTo).toBe(1);
    expect(owed.evaluatedUpTo).toBe(0);
  });

  it('books only the receipts of publishes a finished worker left unevaluated (an interrupted run)', () => {
    const ring = createRing(1024);
    const a = worker(ring, 3);
    const agg = new RunAggregate([3], 1, ring);
    announce(ring, 1, 100, 100);
    settle(ring, 1, true, 105);
    a.tracker.receive(0, 1, 110);
    a.tracker.receive(1, 1, 111);
    // Stopped within the deadline: publish 1 is not evaluated, its third socket is not counted.
    agg.onTick(tick(0, a.tracker, 0, true));
    expect(books(agg)).toEqual({ expected: 2, delivered: 2, lost: 0, late: 0 });
    expect(agg.totals().unconfirmed).toBe(0);
  });

  it('ignores a tick that arrives after the worker was declared lost (its books are closed)', () => {
    const ring = createRing(1024);
    const a = worker(ring, 2);
    const agg = new RunAggregate([2], 1, ring);
    announce(ring, 1, 100, 100);
    settle(ring, 1, true, 105);
    agg.onTick(tick(0, a.tracker));
    agg.markCrashed(0, 'silent for 15s');
    a.tracker.receive(0, 1, 110);
    agg.onTick(tick(0, a.tracker));
    expect(books(agg)).toEqual({ expected: 2, delivered: 0, lost: 2, late: 0 });
  });
});

describe('receipts before their scheduled time', () => {
  it('are delivered, counted early with how early, and recorded at 0 ms', () => {
    const ring = createRing(1024);
    const a = worker(ring, 3);
    // The record says scheduled at 1000 (an agent whose offset is 3 s off): receipts come before it.
    announce(ring, 1, 1000, 1000);
    expect(a.tracker.receive(0, 1, 10)).toBe(0);
    expect(a.tracker.receive(1, 1, 700)).toBe(0);
    expect(a.tracker.receive(2, 1, 1020)).toBe(20);
    expect(a.tracker.counters.delivered).toBe(3);
    expect(a.tracker.counters.early).toBe(2);
    expect(a.tracker.counters.earlyMaxMs).toBe(990);
  });

  it('sum over workers, their earliest taken as the worst, not added', () => {
    const ring = createRing(1024);
    const a = worker(ring, 1);
    const b = worker(ring, 1);
    announce(ring, 1, 1000, 1000);
    a.tracker.receive(0, 1, 400);
    b.tracker.receive(0, 1, 900);
    const agg = new RunAggregate([1, 1], 1, ring);
    agg.onTick(tick(0, a.tracker));
    agg.onTick(tick(1, b.tracker));
    const d = agg.totals().delivery;
    expect(d.early).toBe(2);
    expect(d.earlyMaxMs).toBe(600);
  });
});
