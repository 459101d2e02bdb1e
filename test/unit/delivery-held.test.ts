/**
 * A push can reach an agent's socket before the coordinator's publish record reaches the agent's
 * ring: such a receipt is held (bounded) and judged once the record arrives, never unmatched.
 */
import { describe, expect, it } from 'vitest';
import { DeliveryTracker, HELD_RECEIPTS_MAX, type SocketView } from '../../src/worker/delivery-tracker.js';
import { announce, createRing } from '../../src/run/publish-ring.js';

function setup(sockets: number, deadlineMs = 1_000) {
  const ring = createRing(1024);
  const view: SocketView = {
    subscribedAt: new Float64Array(sockets).fill(1),
    everOpened: new Uint8Array(sockets).fill(1),
    reconnects: new Uint8Array(sockets),
    cohortOfSocket: new Uint16Array(sockets),
  };
  const latencies: number[] = [];
  const tracker = new DeliveryTracker(sockets, ring, view, 1, deadlineMs, (ms) => latencies.push(ms));
  return { ring, tracker, latencies };
}

describe('receipts ahead of the publish ring', () => {
  it('holds a receipt whose publish record has not arrived and judges it, with its own receipt time, once it has', () => {
    const { ring, tracker, latencies } = setup(2);
    expect(tracker.receive(0, 1, 130)).toBe(-1);
    expect(tracker.receive(1, 1, 140)).toBe(-1);
    expect(tracker.counters.unmatched).toBe(0);
    announce(ring, 1, 100, 105);
    tracker.releaseHeld(200);
    expect(latencies).toEqual([30, 40]);
    expect(tracker.counters.delivered).toBe(2);
    const r = tracker.evaluate(1);
    expect(r.lost).toBe(0);
    expect(r.delivered).toBe(2);
    expect(tracker.counters.unmatched).toBe(0);
  });

  it('judges held receipts before a newer one, so the order of a socket is kept', () => {
    const { ring, tracker, latencies } = setup(1);
    tracker.receive(0, 1, 130);
    announce(ring, 1, 100, 105);
    announce(ring, 2, 200, 205);
    expect(tracker.receive(0, 2, 230)).toBe(30);
    expect(latencies).toEqual([30]);
    expect(tracker.counters.outOfOrder).toBe(0);
    expect(tracker.counters.delivered).toBe(2);
  });

  it('counts a held receipt unmatched once its record is a delivery deadline (+5 s) overdue', () => {
    const { tracker } = setup(1, 1_000);
    tracker.receive(0, 7, 100);
    tracker.releaseHeld(100 + 1_000 + 4_000);
    expect(tracker.counters.unmatched).toBe(0);
    tracker.releaseHeld(100 + 1_000 + 5_001);
    expect(tracker.counters.unmatched).toBe(1);
  });

  it('holds at most HELD_RECEIPTS_MAX receipts; beyond, they are unmatched at once', () => {
    const { tracker } = setup(1);
    for (let i = 0; i < HELD_RECEIPTS_MAX + 3; i++) tracker.receive(0, 5, 100);
    expect(tracker.counters.unmatched).toBe(3);
  });

  it('counts a seq the ring once held and lost at once, not held: unjudged (too old to tell late from duplicated)', () => {
    const { ring, tracker } = setup(1);
    for (let s = 1; s <= 1030; s++) announce(ring, s, s, s);
    tracker.receive(0, 3, 2_000);
    expect(tracker.counters.unjudged).toBe(1);
    expect(tracker.counters.unmatched).toBe(0);
    tracker.releaseHeld(2_000);
    expect(tracker.counters.unjudged).toBe(1);
  });
});
