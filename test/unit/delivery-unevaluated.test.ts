/**
 * A publish whose ring slot a newer publish takes before the worker evaluated it (the worker, or
 * the main thread writing an agent's ring, stalled past the ring's window) cannot have its sockets'
 * fate read any more. It used to be skipped silently, leaving its receipts counted delivered with
 * no expected behind them; it is now counted `unevaluated` and its receipts are booked, so
 * expected = delivered + lost still holds, overall and per topic, and the report can say so.
 */
import { describe, expect, it } from 'vitest';
import { DeliveryTracker, type SocketView } from '../../src/worker/delivery-tracker.js';
import { announce, createRing, RING_MIN_SLOTS, settle, type PublishRing } from '../../src/run/publish-ring.js';
import type { SeqResult } from '../../src/run/delivery-counters.js';
import type { Totals } from '../../src/metrics/aggregate.js';
import { bookWarnings } from '../../src/report/build/fanout.js';
import { mergeReports } from '../../src/report/merge.js';
import { fanout } from '../../src/render/summary/fanout.js';
import { evaluateThresholds } from '../../src/report/thresholds.js';
import { compare } from '../../src/report/compare.js';
import { painter } from '../../src/render/format.js';
import { fakeReport, latencies } from '../helpers/fake-report.js';

const DEADLINE_MS = 100;

/** Four sockets subscribed from the start: 0 and 1 in topic 0, 2 and 3 in topic 1. */
function view(): SocketView {
  return {
    subscribedAt: new Float64Array(4).fill(1),
    everOpened: new Uint8Array(4).fill(1),
    reconnects: new Uint8Array(4),
    cohortOfSocket: new Uint16Array(4),
    topicOfSocket: Uint16Array.from([0, 0, 1, 1]),
  };
}

const at = (seq: number): number => 1000 + 10 * seq;

/** Publishes seq to topic seq % 2 at 1000 + 10·seq ms (sent 1 ms later, answered 2 ms later). */
function publish(ring: PublishRing, seq: number): void {
  announce(ring, seq, at(seq), at(seq) + 1, seq % 2);
  settle(ring, seq, true, at(seq) + 2);
}

describe('a publish that leaves the ring before it is evaluated', () => {
  it('is counted unevaluated, its receipts booked, the books exact overall and per topic', () => {
    const size = RING_MIN_SLOTS;
    const ring = createRing(size);
    const tracker = new DeliveryTracker(4, ring, view(), 1, DEADLINE_MS, () => {}, 2);
    publish(ring, 1);
    publish(ring, 2);
    // Publish 1 (topic 1): socket 2 on time, socket 3 late. Publish 2 (topic 0): socket 0 on time.
    expect(tracker.receive(2, 1, at(1) + 5)).toBe(5);
    expect(tracker.receive(3, 1, at(1) + DEADLINE_MS + 50)).toBe(-1);
    expect(tracker.receive(0, 2, at(2) + 5)).toBe(5);
    // The worker stalls: the ring wraps past publishes 1 and 2 before any evaluation.
    for (let seq = 3; seq <= size + 2; seq++) publish(ring, seq);
    // A receipt of publish size + 2 takes publish 2's column (its receipts are booked then);
    // publish 1's column is still its own when evaluation comes.
    expect(tracker.receive(0, size + 2, at(size + 2) + 5)).toBe(5);

    // Were this the worker's last snapshot, publish 1's receipts are in its owed books (publish 2's are booked already).
    const owed = tracker.owedBooks(2);
    expect({ delivered: owed.delivered, late: owed.late }).toEqual({ delivered: [1, 1], late: [0, 1] });
    expect(tracker.counters).toMatchObject({ expected: 1, delivered: 3, late: 1 });

    const out: SeqResult[] = [];
    tracker.evaluateDue(at(size + 2) + DEADLINE_MS + 1, false, Number.MAX_SAFE_INTEGER, out);
    const c = tracker.counters;
    expect(c.unevaluated).toBe(2);
    expect(tracker.evaluatedUpTo).toBe(size + 2);
    // Publishes 3 … size + 2 evaluated (two sockets owe each), the two gone ones yield no result.
    expect(out.map((r) => r.seq)).toEqual(Array.from({ length: size }, (_, i) => i + 3));
    expect(c.evaluated).toBe(size);
    // Their receipts: 1 + 1 late (publish 1), 1 (publish 2); the evaluated ones: 2 × size owed, 1 received.
    expect(c).toMatchObject({ delivered: 3, late: 1, expected: 2 * size + 3, lost: 2 * size, lostOpen: 2 * size - 1 });
    expect(c.delivered + c.lost).toBe(c.expected);
    const t = tracker.topicCounters!;
    for (const i of [0, 1]) expect(t.delivered[i] + t.lost[i], `topic ${i}`).toBe(t.expected[i]);
    // Topic 1 holds publish 1's late copy; topic 0 publish 2's and size + 2's on-time ones.
    expect({ delivered: t.delivered, late: t.late }).toEqual({ delivered: [2, 1], late: [0, 1] });

    // A copy of publish 1 now: too old to judge (unjudged), the books do not move.
    tracker.receive(2, 1, at(size + 2) + 500);
    expect(c).toMatchObject({ unjudged: 1, unevaluated: 2, expected: 2 * size + 3, delivered: 3 });
  });

  it('counts nothing unevaluated while the ring holds every publish until its deadline', () => {
    const ring = createRing(RING_MIN_SLOTS);
    const tracker = new DeliveryTracker(4, ring, view(), 1, DEADLINE_MS, () => {}, 2);
    const out: SeqResult[] = [];
    for (let seq = 1; seq <= 3 * RING_MIN_SLOTS; seq++) {
      publish(ring, seq);
      tracker.receive(seq % 2 === 0 ? 0 : 2, seq, at(seq) + 5);
      // Evaluated every 10 publishes, as the worker's ticks would.
      if (seq % 10 === 0) tracker.evaluateDue(at(seq), false, Number.MAX_SAFE_INTEGER, out);
    }
    tracker.evaluateDue(at(3 * RING_MIN_SLOTS) + DEADLINE_MS + 1, false, Number.MAX_SAFE_INTEGER, out);
    expect(out).toHaveLength(3 * RING_MIN_SLOTS);
    expect(tracker.counters).toMatchObject({ unevaluated: 0, delivered: 3 * RING_MIN_SLOTS, lost: 3 * RING_MIN_SLOTS });
    expect(tracker.counters.expected).toBe(6 * RING_MIN_SLOTS);
  });
});

describe('unevaluated publishes in the report', () => {
  /** bookWarnings reads only these of the totals. */
  const totals = { unconfirmed: 0, unknownOwed: 0 } as unknown as Totals;

  it('are warned of and summarised only when some were, and summed by merge with what they mean for lost', () => {
    const clean = fakeReport({ fanoutMs: latencies(300, { seed: 1 }) });
    expect(bookWarnings(clean, totals).join('\n')).not.toMatch(/unevaluated/);
    expect(fanout(clean, false, painter(false)).join('\n')).not.toMatch(/evaluated them/);

    const stalled = fakeReport({ fanoutMs: latencies(300, { seed: 2 }) });
    stalled.fanout.unevaluated = 7;
    expect(bookWarnings(stalled, totals).join('\n')).toMatch(
      /^7 publishes left a worker's publish ring before it evaluated them \(fanout\.unevaluated.*only the copies received of them are booked/m,
    );
    expect(fanout(stalled, false, painter(false)).join('\n')).toMatch(/7 publishes left a worker's publish ring before it evaluated them/);

    const m = mergeReports([clean, stalled, { ...stalled, fanout: { ...stalled.fanout, unevaluated: 3 } }]);
    expect(m.fanout.unevaluated).toBe(10);
    expect(m.merged?.estimates['fanout.lost']).toMatch(/^10 publishes left a worker's ring before it evaluated them/);
    const none = mergeReports([clean, fakeReport({ fanoutMs: latencies(300, { seed: 3 }) })]);
    expect(none.fanout).not.toHaveProperty('unevaluated');
    expect(none.merged?.estimates).not.toHaveProperty('fanout.lost');
  });

  it('are registered counters with fanout.unjudged: thresholds read them (absent: 0), compare shows them only when a run counted any', () => {
    const clean = fakeReport({ fanoutMs: latencies(300, { seed: 4 }) });
    const stalled = fakeReport({ fanoutMs: latencies(300, { seed: 5 }) });
    stalled.fanout.unevaluated = 2;
    stalled.fanout.unjudged = 9;
    const limits = { 'fanout.unevaluated': '< 1', 'fanout.unjudged': '< 1' };
    expect(evaluateThresholds(clean, limits).map((t) => t.pass)).toEqual([true, true]);
    expect(evaluateThresholds(stalled, limits).map((t) => t.pass)).toEqual([false, false]);
    const rows = (a: typeof clean, b: typeof clean): string[] =>
      compare(a, b)
        .rows.map((r) => r.metric)
        .filter((m) => m === 'fanout.unevaluated' || m === 'fanout.unjudged');
    expect(rows(clean, clean)).toEqual([]);
    expect(rows(clean, stalled)).toEqual(['fanout.unjudged', 'fanout.unevaluated']);
  });
});
