import { describe, expect, it } from 'vitest';
import { DeliveryTracker, type SocketView } from '../../src/driver/delivery-tracker.js';
import { announce, createRing, settle } from '../../src/driver/publish-ring.js';

function setup(sockets: number, reconnects = 0) {
  const ring = createRing(1024);
  const view: SocketView = {
    openedAt: new Float64Array(sockets).fill(1),
    everOpened: new Uint8Array(sockets).fill(1),
    reconnects: new Uint8Array(sockets).fill(reconnects),
    cohortOfSocket: new Uint16Array(sockets),
  };
  return { ring, view, tracker: new DeliveryTracker(sockets, ring, view, 1) };
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
    expect(r).toEqual({ seq: 1, delivered: 2, lost: 1, lastReceiptMs: 115 });
    expect(tracker.counters.expected).toBe(3);
    expect(tracker.counters.lost).toBe(1);
    // After evaluation the publish is late, and the slot is clear for reuse.
    expect(tracker.receive(1, 1, 20_000)).toBe(-1);
    expect(tracker.counters.late).toBe(1);
  });

  it('does not expect a publish from sockets that opened after it was sent', () => {
    const { ring, view, tracker } = setup(2);
    view.openedAt[1] = 500;
    announce(ring, 1, 100, 100);
    tracker.receive(0, 1, 110);
    expect(tracker.receive(1, 1, 600)).toBe(-1);
    expect(tracker.counters.ineligible).toBe(1);
    expect(tracker.evaluate(1).lost).toBe(0);
  });

  it('counts publishes missed by a reconnecting socket apart from lost', () => {
    const { ring, view, tracker } = setup(2, 1);
    view.openedAt[1] = 0; // down, waiting to reconnect
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
});
