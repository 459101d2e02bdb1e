/**
 * What a connection owes: every publish sent while it was subscribed. The tracker's close path
 * (connectionClosed) against the one rule, case by case; test/integration/delivery-owed.test.ts
 * runs the same against a real stalling target.
 */
import { describe, expect, it } from 'vitest';
import { DeliveryTracker, OWED_GRACE_MS, type SocketView } from '../../src/worker/delivery-tracker.js';
import { announce, createRing, settle } from '../../src/run/publish-ring.js';

function setup(sockets: number, opts: { reconnects?: number; deadlineMs?: number; topics?: number[] } = {}) {
  const ring = createRing(1024);
  const view: SocketView = {
    subscribedAt: new Float64Array(sockets).fill(1),
    everOpened: new Uint8Array(sockets).fill(1),
    reconnects: new Uint8Array(sockets).fill(opts.reconnects ?? 0),
    cohortOfSocket: new Uint16Array(sockets),
    ...(opts.topics ? { topicOfSocket: Uint16Array.from(opts.topics) } : {}),
  };
  const topicCount = opts.topics ? Math.max(...opts.topics) + 1 : 0;
  const tracker = new DeliveryTracker(sockets, ring, view, 1, opts.deadlineMs ?? 10_000, () => {}, topicCount);
  /** Socket k's connection closes at `at` (as the socket pool reports it), and it is down. */
  const close = (k: number, at: number): void => {
    tracker.connectionClosed(k, view.subscribedAt[k], at);
    view.subscribedAt[k] = 0;
  };
  /** Every reason adds up to lost, and expected = delivered + lost. */
  const books = () => {
    const c = tracker.counters;
    expect((c.lostBeforeClose ?? 0) + (c.lostOpen ?? 0) + c.late, 'lostBeforeClose + lostOpen + late').toBe(c.lost);
    expect(c.delivered + c.lost, 'delivered + lost').toBe(c.expected);
    return c;
  };
  return { ring, view, tracker, close, books };
}

describe('owed deliveries', () => {
  it('counts lost before close a publish a socket was subscribed for and closed without, a grace after another socket got it', () => {
    const { ring, tracker, close, books } = setup(2);
    announce(ring, 1, 100, 100);
    tracker.receive(0, 1, 110);
    close(1, 100 + OWED_GRACE_MS + 1000);
    settle(ring, 1, true, 120);
    expect(tracker.evaluate(1)).toEqual({ seq: 1, delivered: 1, lost: 1, lastReceiptMs: 110, failed: false });
    const c = books();
    expect(c.lostBeforeClose).toBe(1);
    expect(c.lostOpen).toBe(0);
    expect(c.expected).toBe(2);
  });

  it('owes nothing for a publish the target was seen handling less than the grace before the close: missed with reconnects, else not expected', () => {
    for (const reconnects of [0, 1]) {
      const { ring, tracker, close, books } = setup(2, { reconnects });
      announce(ring, 1, 100, 100);
      tracker.receive(0, 1, 110);
      close(1, 110 + OWED_GRACE_MS - 1);
      settle(ring, 1, true, 120);
      tracker.evaluate(1);
      const c = books();
      expect(c.lost).toBe(0);
      expect(c.expected).toBe(1);
      expect(c.missedPublishes).toBe(reconnects);
    }
  });

  it('owes nothing the target was not seen handling before the close: no socket got it, its request unanswered', () => {
    const { ring, tracker, close, books } = setup(1, { reconnects: 1 });
    // A target lagging a second behind drops the socket before it even read the request.
    announce(ring, 1, 100, 100);
    close(0, 1100);
    settle(ring, 1, true, 1200);
    tracker.evaluate(1);
    expect(books()).toMatchObject({ lost: 0, expected: 0, missedPublishes: 1 });
  });

  it("keeps the closed connection's loss when the socket reconnects before evaluation; a copy on the new connection is not its delivery", () => {
    const { ring, view, tracker, close, books } = setup(1, { reconnects: 1 });
    // Answered: the target took them (it withheld the pushes from this socket).
    announce(ring, 1, 100, 100);
    settle(ring, 1, true, 110);
    announce(ring, 2, 200, 200);
    settle(ring, 2, true, 210);
    close(0, 1000);
    // Reconnected: the new connection did not exist when 1 and 2 were sent.
    view.subscribedAt[0] = 1010;
    expect(tracker.receive(0, 1, 1020)).toBe(-1);
    announce(ring, 3, 1100, 1100);
    expect(tracker.receive(0, 3, 1105)).toBe(1105 - 1100);
    settle(ring, 3, true, 1110);
    for (const seq of [1, 2, 3]) tracker.evaluate(seq);
    const c = books();
    expect(c.lostBeforeClose).toBe(2);
    expect(c.ineligible).toBe(1);
    expect(c.delivered).toBe(1);
    expect(c.missedPublishes).toBe(0);
  });

  it('counts a socket still open at evaluation lost on an open socket, and moves a copy that comes later to late', () => {
    const { ring, tracker, books } = setup(2);
    announce(ring, 1, 100, 100);
    tracker.receive(0, 1, 110);
    settle(ring, 1, true, 120);
    tracker.evaluate(1);
    expect(books().lostOpen).toBe(1);
    expect(tracker.receive(1, 1, 20_000)).toBe(-1);
    const c = books();
    expect(c).toMatchObject({ lost: 1, lostOpen: 0, lostBeforeClose: 0, late: 1 });
  });

  it('is a delivery, not a loss, when the socket got the publish and then closed', () => {
    const { ring, tracker, close, books } = setup(1);
    announce(ring, 1, 100, 100);
    tracker.receive(0, 1, 110);
    close(0, 5000);
    settle(ring, 1, true, 120);
    tracker.evaluate(1);
    expect(books()).toMatchObject({ delivered: 1, lost: 0, expected: 1 });
  });

  it('owes nothing of a failed publish, and a copy after evaluation is not late', () => {
    const { ring, view, tracker, close, books } = setup(1);
    announce(ring, 1, 100, 100);
    close(0, 5000);
    settle(ring, 1, false, 5100);
    view.subscribedAt[0] = 5200;
    tracker.evaluate(1);
    expect(tracker.receive(0, 1, 5300)).toBe(-1);
    expect(books()).toMatchObject({ lost: 0, late: 0, expected: 0, ineligible: 1 });
  });

  it('judges a receipt held for its publish record by the connection open when it arrived, and owes a record that came after the close', () => {
    const { ring, view, tracker, close, books } = setup(2);
    // An agent: socket 0 got publish 1 before its record; both sockets closed before the records came.
    tracker.receive(0, 1, 150);
    close(0, 2000);
    close(1, 2000);
    view.subscribedAt[0] = 2100;
    view.subscribedAt[1] = 2100;
    announce(ring, 1, 100, 100);
    settle(ring, 1, true, 160);
    tracker.releaseHeld(2200);
    tracker.evaluate(1);
    const c = books();
    expect(c.delivered).toBe(1);
    expect(c.lostBeforeClose).toBe(1);
    expect(c.ineligible).toBe(0);
  });

  it("with topics, a closed socket owes only its topic's publishes", () => {
    const { ring, tracker, close, books } = setup(2, { topics: [0, 1] });
    announce(ring, 1, 100, 100, 0);
    announce(ring, 2, 100, 100, 1);
    settle(ring, 1, true, 120);
    settle(ring, 2, true, 120);
    tracker.receive(1, 2, 110);
    close(0, 5000);
    for (const seq of [1, 2]) tracker.evaluate(seq);
    expect(books()).toMatchObject({ lostBeforeClose: 1, delivered: 1, expected: 2 });
    expect(tracker.topicCounters?.lost).toEqual([1, 0]);
    expect(tracker.topicCounters?.expected).toEqual([1, 1]);
  });

  it("marks a closed connection's debts in the bits of the slots, so a later seq in the same slot starts clean", () => {
    const { ring, view, tracker, close, books } = setup(1);
    announce(ring, 1, 100, 100);
    settle(ring, 1, true, 120);
    close(0, 5000);
    tracker.evaluate(1);
    view.subscribedAt[0] = 6000;
    for (let seq = 2; seq <= 1025; seq++) {
      announce(ring, seq, 6000 + seq, 6000 + seq);
      tracker.receive(0, seq, 6001 + seq);
      settle(ring, seq, true, 6002 + seq);
      tracker.evaluate(seq);
    }
    // Seq 1025 took seq 1's slot: received, nothing of seq 1's debt left in it.
    expect(books()).toMatchObject({ lostBeforeClose: 1, delivered: 1024, lost: 1 });
  });
});
