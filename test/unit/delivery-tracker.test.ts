import { describe, expect, it } from 'vitest';
import { DeliveryTracker, type SocketView } from '../../src/worker/delivery-tracker.js';
import { announce, createRing, settle } from '../../src/run/publish-ring.js';

function setup(sockets: number, reconnects = 0, deadlineMs = 10_000) {
  const ring = createRing(1024);
  const view: SocketView = {
    subscribedAt: new Float64Array(sockets).fill(1),
    everOpened: new Uint8Array(sockets).fill(1),
    reconnects: new Uint8Array(sockets).fill(reconnects),
    cohortOfSocket: new Uint16Array(sockets),
  };
  return { ring, view, tracker: new DeliveryTracker(sockets, ring, view, 1, deadlineMs) };
}

describe('DeliveryTracker', () => {
  it('counts a first delivery with its latency from the scheduled time, and a second as duplicate', () => {
    const { ring, tracker } = setup(2);
    announce(ring, 1, 100, 105);
    expect(tracker.receive(0, 1, 130)).toBe(30);
    expect(tracker.receive(0, 1, 131)).toBe(-1);
    expect(tracker.counters.delivered).toBe(1);
    expect(tracker.counters.duplicated).toBe(1);
  });

  it('declares lost the eligible sockets that never received a publish, and expected = delivered + lost', () => {
    const { ring, tracker } = setup(3);
    announce(ring, 1, 100, 100);
    tracker.receive(0, 1, 110);
    tracker.receive(2, 1, 115);
    const r = tracker.evaluate(1);
    expect(r).toEqual({ seq: 1, delivered: 2, lost: 1, lastReceiptMs: 115, failed: false });
    expect(tracker.counters.expected).toBe(3);
    expect(tracker.counters.lost).toBe(1);
    // After evaluation the publish is late, and the slot is clear for reuse.
    expect(tracker.receive(1, 1, 20_000)).toBe(-1);
    expect(tracker.counters.late).toBe(1);
  });

  it('does not expect a publish from sockets that opened after it was sent', () => {
    const { ring, view, tracker } = setup(2);
    view.subscribedAt[1] = 500;
    announce(ring, 1, 100, 100);
    tracker.receive(0, 1, 110);
    expect(tracker.receive(1, 1, 600)).toBe(-1);
    expect(tracker.counters.ineligible).toBe(1);
    expect(tracker.evaluate(1).lost).toBe(0);
  });

  it('counts publishes missed by a reconnecting socket apart from lost', () => {
    const { ring, view, tracker } = setup(2, 1);
    view.subscribedAt[1] = 0; // down, waiting to reconnect
    announce(ring, 1, 100, 100);
    tracker.receive(0, 1, 110);
    tracker.evaluate(1);
    expect(tracker.counters.lost).toBe(0);
    expect(tracker.counters.missedPublishes).toBe(1);
    expect(tracker.missedByCohort).toEqual([1]);
  });

  it('excludes a failed publish request from the accounting', () => {
    const { ring, tracker } = setup(2);
    announce(ring, 1, 100, 100);
    settle(ring, 1, false, 120);
    const r = tracker.evaluate(1);
    expect(r.lost).toBe(0);
    expect(tracker.counters.evaluated).toBe(0);
  });

  it('calls a swap out of order only when the earlier publish was answered before the later was sent', () => {
    const { ring, tracker } = setup(1);
    // 1 and 2 in flight together: the target may push them in either order.
    announce(ring, 1, 100, 100);
    announce(ring, 2, 110, 110);
    settle(ring, 1, true, 150);
    tracker.receive(0, 2, 160);
    tracker.receive(0, 1, 161);
    expect(tracker.counters.outOfOrder).toBe(0);
    // 3 answered before 4 was sent: 4 before 3 is a real reordering.
    announce(ring, 3, 200, 200);
    settle(ring, 3, true, 210);
    announce(ring, 4, 220, 220);
    tracker.receive(0, 4, 230);
    tracker.receive(0, 3, 231);
    expect(tracker.counters.outOfOrder).toBe(1);
    expect(tracker.counters.delivered).toBe(4);
  });

  it('knows when every eligible socket has a publish (early completion while draining)', () => {
    const { ring, tracker } = setup(2);
    announce(ring, 1, 100, 100);
    tracker.receive(0, 1, 110);
    expect(tracker.isComplete(1)).toBe(false);
    tracker.receive(1, 1, 111);
    expect(tracker.isComplete(1)).toBe(true);
  });

  it('decides the deadline per delivery at receipt, from the scheduled time: a late delivery is lost, not delivered', () => {
    // Deadline 500 ms, every delivery at ~805 ms: before evaluation had run, all of these counted delivered.
    const { ring, tracker } = setup(3, 0, 500);
    announce(ring, 1, 1000, 1000);
    expect(tracker.receive(0, 1, 1805)).toBe(-1);
    expect(tracker.receive(1, 1, 1805)).toBe(-1);
    expect(tracker.receive(2, 1, 1400)).toBe(400);
    expect(tracker.counters.delivered).toBe(1);
    expect(tracker.counters.late).toBe(2);
    const r = tracker.evaluate(1);
    expect(r).toMatchObject({ delivered: 1, lost: 2, lastReceiptMs: 1400 });
    expect(tracker.counters).toMatchObject({ delivered: 1, lost: 2, late: 2, expected: 3 });
  });

  it('measures the deadline from the scheduled time, not the send time', () => {
    const { ring, tracker } = setup(1, 0, 500);
    // Sent 400 ms behind schedule (a backlog on the publish path): 200 ms after sending is 600 ms late.
    announce(ring, 1, 1000, 1400);
    tracker.receive(0, 1, 1600);
    expect(tracker.counters.late).toBe(1);
    expect(tracker.counters.delivered).toBe(0);
  });

  it('counts a re-send of a delivered message as a duplicate, also after evaluation, never as late', () => {
    const { ring, tracker } = setup(2, 0, 500);
    announce(ring, 1, 100, 100);
    tracker.receive(0, 1, 150);
    tracker.evaluate(1);
    expect(tracker.counters.lost).toBe(1);
    tracker.receive(0, 1, 5000);
    expect(tracker.counters.duplicated).toBe(1);
    expect(tracker.counters.late).toBe(0);
    // Socket 1 was counted lost: its first copy is late (already lost), a second one a duplicate.
    tracker.receive(1, 1, 5001);
    tracker.receive(1, 1, 5002);
    expect(tracker.counters).toMatchObject({ late: 1, duplicated: 2, lost: 1, delivered: 1, expected: 2 });
  });

  it('keeps late a subset of lost for a late copy that comes twice before evaluation', () => {
    const { ring, tracker } = setup(1, 0, 500);
    announce(ring, 1, 100, 100);
    tracker.receive(0, 1, 700);
    tracker.receive(0, 1, 701);
    tracker.evaluate(1);
    expect(tracker.counters).toMatchObject({ late: 1, duplicated: 1, lost: 1, delivered: 0, expected: 1 });
  });

  it('takes eligibility from when the socket was subscribed', () => {
    const { ring, view, tracker } = setup(2);
    view.subscribedAt[1] = 105; // opened earlier, subscribed after the publish left
    announce(ring, 1, 100, 100);
    tracker.receive(0, 1, 110);
    expect(tracker.evaluate(1).lost).toBe(0);
    expect(tracker.counters.expected).toBe(1);
  });

  it('calls a swap out of order when another socket had already received the earlier publish before the later was sent', () => {
    const { ring, tracker } = setup(2);
    announce(ring, 1, 100, 100);
    tracker.receive(0, 1, 104); // the target is already pushing 1 …
    announce(ring, 2, 110, 110); // … when 2 is sent, though 1's request is not answered yet
    tracker.receive(1, 2, 115);
    tracker.receive(1, 1, 116);
    expect(tracker.counters.outOfOrder).toBe(1);
  });

  it('reports a failed publish as failed, counting only its late copies lost', () => {
    const { ring, tracker } = setup(2, 0, 500);
    announce(ring, 1, 100, 100);
    tracker.receive(0, 1, 900);
    settle(ring, 1, false, 5100);
    const r = tracker.evaluate(1);
    expect(r).toMatchObject({ failed: true, delivered: 0, lost: 1 });
    expect(tracker.counters).toMatchObject({ late: 1, lost: 1 });
  });

  it('reuses a ring slot for a later seq without leftovers', () => {
    const { ring, tracker } = setup(1);
    announce(ring, 1, 100, 100);
    tracker.receive(0, 1, 110);
    tracker.evaluate(1);
    for (let s = 2; s <= 1025; s++) {
      announce(ring, s, 100 + s, 100 + s);
      tracker.evaluate(s);
    }
    // 1025 shares slot 1 with seq 1.
    expect(tracker.counters.lost).toBe(1024);
    announce(ring, 1026, 2000, 2000);
    expect(tracker.receive(0, 1026, 2010)).toBe(10);
  });
});
