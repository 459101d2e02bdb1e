/** DeliveryTracker with topics: only a publish's topic is eligible, other topics' copies are misrouted, per-topic counts exact. */
import { describe, expect, it } from 'vitest';
import { DeliveryTracker, type SocketView } from '../../src/worker/delivery-tracker.js';
import { announce, createRing, settle } from '../../src/run/publish-ring.js';

/** Sockets 0–1 in topic 0, 2–4 in topic 1. */
function setup() {
  const ring = createRing(1024);
  const view: SocketView = {
    subscribedAt: new Float64Array(5).fill(1),
    everOpened: new Uint8Array(5).fill(1),
    reconnects: new Uint8Array(5),
    cohortOfSocket: new Uint16Array(5),
    topicOfSocket: Uint16Array.from([0, 0, 1, 1, 1]),
  };
  return { ring, view, tracker: new DeliveryTracker(5, ring, view, 1, 1000, () => {}, 2) };
}

describe('DeliveryTracker with topics', () => {
  it("expects a publish only of its topic's sockets; a copy reaching another topic is misrouted", () => {
    const { ring, tracker } = setup();
    announce(ring, 1, 100, 100, 1);
    settle(ring, 1, true, 101);
    expect(tracker.receive(2, 1, 110)).toBe(10);
    expect(tracker.receive(3, 1, 120)).toBe(20);
    // Socket 0 is in topic 0: neither delivered nor, at evaluation, lost.
    expect(tracker.receive(0, 1, 115)).toBe(-1);
    expect(tracker.counters.misrouted).toBe(1);
    // Socket 4 still owes it: not complete until it comes, whatever topic 0's sockets did.
    expect(tracker.isComplete(1)).toBe(false);
    const r = tracker.evaluate(1);
    expect(r).toMatchObject({ delivered: 2, lost: 1, lastReceiptMs: 120 });
    expect(tracker.counters).toMatchObject({ expected: 3, delivered: 2, lost: 1, misrouted: 1, duplicated: 0 });
    expect(tracker.topicCounters).toEqual({ expected: [0, 3], delivered: [0, 2], lost: [0, 1], late: [0, 0], duplicated: [0, 0] });
  });

  it('a publish to a topic whose sockets all have it is complete; duplicates and late copies count in their topic', () => {
    const { ring, tracker } = setup();
    announce(ring, 1, 100, 100, 0);
    settle(ring, 1, true, 101);
    tracker.receive(0, 1, 110);
    expect(tracker.isComplete(1)).toBe(false);
    tracker.receive(1, 1, 2000); // after the 1 s deadline: late, lost
    tracker.receive(0, 1, 111); // a second copy
    expect(tracker.isComplete(1)).toBe(true);
    tracker.evaluate(1);
    expect(tracker.topicCounters).toEqual({ expected: [2, 0], delivered: [1, 0], lost: [1, 0], late: [1, 0], duplicated: [1, 0] });
    expect(tracker.counters.misrouted ?? 0).toBe(0);
  });

  it('without topics the ring topic is ignored and there are no per-topic counters', () => {
    const ring = createRing(1024);
    const view: SocketView = {
      subscribedAt: new Float64Array(2).fill(1),
      everOpened: new Uint8Array(2).fill(1),
      reconnects: new Uint8Array(2),
      cohortOfSocket: new Uint16Array(2),
    };
    const tracker = new DeliveryTracker(2, ring, view, 1, 1000);
    announce(ring, 1, 100, 100);
    tracker.receive(0, 1, 110);
    tracker.receive(1, 1, 110);
    expect(tracker.evaluate(1)).toMatchObject({ delivered: 2, lost: 0 });
    expect(tracker.topicCounters).toBeNull();
  });
});
