import { describe, expect, it } from 'vitest';
import { announce, createRing, settle } from '../../src/run/publish-ring.js';
import type { WorkerCounters, WorkerMessage } from '../../src/run/protocol.js';
import { emptyDeliveryCounters } from '../../src/run/delivery-counters.js';
import { TimelineBooker } from '../../src/report/timeline-booker.js';
import { tickOf } from '../helpers/control-frames.js';

type Tick = Extract<WorkerMessage, { type: 'tick' }>;

function tick(workerId: number, opened: number, delivered: number, extra: Partial<Tick> = {}, fanoutMs: number[] = []): Tick {
  const counters: WorkerCounters = {
    attempts: opened,
    opened,
    failed: 0,
    failures: {},
    open: opened,
    delivery: { ...emptyDeliveryCounters(), delivered },
    messages: delivered,
    pingsSent: 0,
    heartbeatsSent: 0,
  };
  return tickOf(workerId, { counters, samples: fanoutMs, ...extra });
}

describe('TimelineBooker', () => {
  it('books counters at the worker boundary, loss and publishes by the scheduled time, and waits for both', () => {
    const ring = createRing(1024);
    const booker = new TimelineBooker(0, 1000, 2, ring, 500);
    announce(ring, 1, 900, 901); // scheduled in interval 0
    settle(ring, 1, true, 910);
    announce(ring, 2, 1100, 1101); // interval 1
    settle(ring, 2, true, 1110);
    booker.onTick(tick(0, 5, 3, { boundary: 0 }, [10, 11, 12]), 1001);
    booker.onTick(tick(1, 5, 0, { boundary: 0 }), 1002);
    // Interval 0 ended at 1000, but its publishes can still be judged lost until 1500.
    expect(booker.ready(1200)).toEqual([]);
    // Publish 1's loss is judged in interval 1's time, and still belongs to interval 0.
    booker.onTick(tick(1, 5, 0, { seqResults: [{ seq: 1, delivered: 4, lost: 1, lastReceiptMs: 950, failed: false }] }), 1400);
    const [line0, ...rest] = booker.ready(1600);
    expect(rest).toEqual([]);
    expect(line0).toMatchObject({ index: 0, connects: 10, deliveries: 3, lost: 1, published: 1 });
    expect(line0.fanout.totalCount).toBe(3);
    // Interval 1 waits for worker 0's boundary 1 as well.
    booker.onTick(tick(1, 5, 2, { boundary: 1 }), 2001);
    expect(booker.ready(2600)).toEqual([]);
    booker.onTick(tick(0, 5, 7, { boundary: 1 }), 2700);
    expect(booker.ready(2700)).toMatchObject([{ index: 1, connects: 0, deliveries: 6, published: 1, lost: 0 }]);
  });

  it("puts what arrives after its line was written into the next line, and a dead worker's counts where it died", () => {
    const ring = createRing(1024);
    const booker = new TimelineBooker(0, 1000, 1, ring, 0);
    announce(ring, 1, 500, 500);
    settle(ring, 1, true, 510);
    booker.onTick(tick(0, 2, 0, { boundary: 0 }), 1000);
    expect(booker.ready(1000)).toHaveLength(1);
    booker.onTick(tick(0, 3, 4, { seqResults: [{ seq: 1, delivered: 0, lost: 2, lastReceiptMs: 0, failed: false }] }), 1500);
    booker.onWorkerGone(0, 2500);
    const lines = booker.ready(2600, true);
    expect(lines.map((l) => l.index)).toEqual([1, 2]);
    expect(lines[0].lost).toBe(2);
    expect(lines[1]).toMatchObject({ connects: 1, deliveries: 4 });
  });
});
