/**
 * Each worker keeps two bits per (socket, publish ring slot), so the ring's size is memory per
 * socket: it follows the rate (rate × (deadline + publish timeout + 5 s) + 64, a power of two, at
 * least RING_MIN_SLOTS) rather than a 1,024-slot floor (256 bytes a socket). A receipt is judged
 * while its publish is in the ring; one that comes after the ring has wrapped past it can no longer
 * be told late from duplicated and is counted `unjudged`, never unmatched, never moving the books.
 */
import { describe, expect, it } from 'vitest';
import { DeliveryTracker, type SocketView } from '../../src/worker/delivery-tracker.js';
import { announce, createRing, RING_MIN_SLOTS, ringSizeFor, settle, type PublishRing } from '../../src/run/publish-ring.js';
import { DEFAULT_PUBLISH_DEADLINE_MS } from '../../src/run/scenario.js';
import { DEFAULT_ACK_TIMEOUT_MS } from '../../src/scenario/normalize.js';

/** The tracker with its bitmaps' size readable: the arrays the worker allocates, not a formula. */
class SizedTracker extends DeliveryTracker {
  bitmapBytes(): number {
    return this.got.byteLength + this.lostBits.byteLength;
  }
}

function view(sockets: number): SocketView {
  return {
    subscribedAt: new Float64Array(sockets).fill(1),
    everOpened: new Uint8Array(sockets).fill(1),
    reconnects: new Uint8Array(sockets),
    cohortOfSocket: new Uint16Array(sockets),
  };
}

/** Publishes seq at 1000 + 10·seq ms (sent 1 ms later, answered 2 ms later). */
function publish(ring: PublishRing, seq: number): void {
  const at = 1000 + 10 * seq;
  announce(ring, seq, at, at + 1);
  settle(ring, seq, true, at + 2);
}

describe('the publish ring at what the rate needs', () => {
  it('holds 256 slots at 3 publishes/s (and at 1/s) with the default deadline and timeout: 64 bytes of bitmaps a socket, was 256', () => {
    const window = DEFAULT_PUBLISH_DEADLINE_MS + DEFAULT_ACK_TIMEOUT_MS;
    // 3 × (10 + 10 + 5) + 64 = 139 publishes can be pending: the next power of two.
    expect(ringSizeFor(3, window)).toBe(256);
    expect(ringSizeFor(1, window)).toBe(RING_MIN_SLOTS);
    const sockets = 1000;
    const tracker = new SizedTracker(sockets, createRing(ringSizeFor(3, window)), view(sockets), 1, DEFAULT_PUBLISH_DEADLINE_MS);
    expect(tracker.bitmapBytes() / sockets).toBe(64);
    // A fast rate still gets every pending publish plus the slack.
    expect(ringSizeFor(1000, window)).toBeGreaterThanOrEqual(1000 * 25 + 64);
  });

  it("keeps a spread run's publishes past the agents' silence limits (a lost shard's books are closed from the ring)", () => {
    // 20/s, 1 s deadline + 1 s timeout: 5 s of slack is 20 × 7 + 64 = 204 publishes (256 slots, 12.8 s);
    // kept 36 s more (silence limits 30 s + a tick + 5 s) it is 20 × 38 + 64 = 824 (1,024 slots, 51 s).
    expect(ringSizeFor(20, 2000)).toBe(256);
    const kept = ringSizeFor(20, 2000, 36_000);
    expect(kept).toBe(1024);
    expect((kept / 20) * 1000).toBeGreaterThanOrEqual(2000 + 36_000);
  });

  it('judges a copy while its publish is in the ring, and counts one older than the ring unjudged, books unchanged', () => {
    const size = RING_MIN_SLOTS;
    const ring = createRing(size);
    const tracker = new DeliveryTracker(2, ring, view(2), 1, 100);
    publish(ring, 1);
    publish(ring, 2);
    // Socket 0 gets both on time; socket 1 gets neither (held back, say).
    expect(tracker.receive(0, 1, 1015)).toBe(5);
    expect(tracker.receive(0, 2, 1025)).toBe(5);
    tracker.evaluate(1);
    tracker.evaluate(2);
    expect(tracker.counters).toMatchObject({ expected: 4, delivered: 2, lost: 2, lostOpen: 2, late: 0 });
    // Still in the ring: a re-send is a duplicate, the first copy of a lost one is late.
    for (let seq = 3; seq <= size; seq++) publish(ring, seq);
    tracker.receive(0, 1, 5000);
    tracker.receive(1, 1, 5000);
    expect(tracker.counters).toMatchObject({ duplicated: 1, late: 1, lostOpen: 1, lost: 2, unjudged: 0 });
    // Publish size + 2 takes publish 2's slot: its copies can no longer be judged.
    publish(ring, size + 1);
    publish(ring, size + 2);
    tracker.receive(0, 2, 6000);
    tracker.receive(1, 2, 6000);
    expect(tracker.counters).toMatchObject({ duplicated: 1, late: 1, lostOpen: 1, lost: 2, unjudged: 2, unmatched: 0, delivered: 2 });
    expect(tracker.counters.expected).toBe(4);
  });

  it('still calls a receipt with no readable publish behind it unmatched', () => {
    const ring = createRing(RING_MIN_SLOTS);
    const tracker = new DeliveryTracker(1, ring, view(1), 1, 100);
    for (let seq = 1; seq <= RING_MIN_SLOTS + 5; seq++) publish(ring, seq);
    tracker.receive(0, 0, 5000);
    tracker.receive(0, -3, 5000);
    expect(tracker.counters).toMatchObject({ unmatched: 2, unjudged: 0 });
  });
});
