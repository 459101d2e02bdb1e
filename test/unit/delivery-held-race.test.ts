/**
 * In an agent (a local shard is one) the publish ring is written by the agent's main thread from
 * the coordinator's records while its worker threads judge receipts, and a push often reaches a
 * worker just as its record is written. A receipt whose record lands at that moment must be held
 * and then delivered, never counted unmatched: the tracker used to look for the record's slot and
 * then read the ring's head, so a record written between the two reads looked overwritten, the
 * receipt was unmatched and its socket lost the delivery (CI: a shard 1,999 of 2,000 delivered,
 * the hostile suite's real agent 449 of 450, books exact). Two real threads on one real ring, the
 * writer timing each record against a reader that keeps receiving.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/cli.js';
import { DeliveryTracker, type SocketView } from '../../dist/worker/delivery-tracker.js';
import { createRing, head } from '../../dist/run/publish-ring.js';

const RING_URL = new URL('../../dist/run/publish-ring.js', import.meta.url).href;
/** Writes publish 1, 2, … into the ring, each once the reader asks for it, after a pause that varies. */
const WRITER = `
const { workerData } = require('node:worker_threads');
const { buffer, size, control, url, publishes } = workerData;
import(url).then(({ openRing, announce }) => {
  const ring = openRing(buffer, size);
  const ctl = new Int32Array(control);
  Atomics.store(ctl, 2, 1);
  for (let seq = 1; seq <= publishes; seq++) {
    // Spinning, not waiting: the record must come while the reader is still receiving.
    while (Atomics.load(ctl, 0) < seq) if (Atomics.load(ctl, 1) === 1) return;
    if (Atomics.load(ctl, 1) === 1) return;
    let spin = (seq * 7919) % 3000;
    while (spin-- > 0) {}
    announce(ring, seq, 1000 + seq, 1000 + seq);
  }
});
`;

const SOCKETS = 8192;
const PUBLISHES = 3000;
/** Bounded in time as well: a loaded machine gets fewer publishes, not a longer test. */
const LIMIT_MS = 4000;

describe('a receipt racing its publish record (agent rings)', () => {
  it('is held and delivered, never unmatched, whenever the record lands between its reads', async () => {
    assertBuilt();
    const ring = createRing(1024);
    const view: SocketView = {
      subscribedAt: new Float64Array(SOCKETS).fill(1),
      everOpened: new Uint8Array(SOCKETS).fill(1),
      reconnects: new Uint8Array(SOCKETS),
      cohortOfSocket: new Uint16Array(SOCKETS),
    };
    const tracker = new DeliveryTracker(SOCKETS, ring, view, 1, 10_000);
    // [0]: the publish the reader waits for; [1]: stop; [2]: the writer is ready.
    const control = new SharedArrayBuffer(12);
    const ctl = new Int32Array(control);
    const writer = new Worker(WRITER, {
      eval: true,
      workerData: { buffer: ring.buffer, size: ring.size, control, url: RING_URL, publishes: PUBLISHES },
    });
    const exited = new Promise<void>((resolve) => writer.once('exit', () => resolve()));
    let receipts = 0;
    let publishes = 0;
    /** Publishes received on some socket before their record came and on another after. */
    let straddled = 0;
    try {
      const ready = performance.now() + 15_000;
      while (Atomics.load(ctl, 2) === 0 && performance.now() < ready) await new Promise((r) => setTimeout(r, 5));
      const end = performance.now() + LIMIT_MS;
      for (let seq = 1; seq <= PUBLISHES && performance.now() < end; seq++) {
        const recvMs = 1000 + seq + 1;
        Atomics.store(ctl, 0, seq);
        // One receipt per socket in turn while the record is on its way (each held), and one after it came.
        let k = 0;
        let early = 0;
        while (k < SOCKETS) {
          const arrived = head(ring) >= seq;
          tracker.receive(k++, seq, recvMs);
          if (arrived) break;
          early++;
        }
        while (head(ring) < seq && performance.now() < end) {
          // sockets ran out first: wait for the record
        }
        // Out of time with the record still out: this publish's receipts stay held and are not counted.
        if (head(ring) < seq) break;
        tracker.releaseHeld(recvMs);
        receipts += k;
        publishes++;
        if (early > 0 && k > early) straddled++;
      }
    } finally {
      Atomics.store(ctl, 1, 1);
      await exited;
    }
    const what = `${publishes} publishes, ${receipts} receipts, ${straddled} straddling a record: ${JSON.stringify({ delivered: tracker.counters.delivered, unmatched: tracker.counters.unmatched })}`;
    // The race was run: publishes received both before and after their record came.
    expect(straddled, what).toBeGreaterThanOrEqual(10);
    expect(tracker.counters.unmatched, what).toBe(0);
    expect(tracker.counters.delivered, what).toBe(receipts);
  }, 30_000);
});
