import { describe, expect, it } from 'vitest';
import { RunAggregate } from '../../src/metrics/aggregate.js';
import { createHistogram, recordMs } from '../../src/metrics/histogram.js';
import { announce, createRing } from '../../src/run/publish-ring.js';
import type { WorkerCounters } from '../../src/run/protocol.js';
import { tickOf, type Tick } from '../helpers/control-frames.js';

function counters(delivered: number): WorkerCounters {
  return {
    attempts: 10,
    opened: 10,
    failed: 0,
    failures: {},
    open: 10,
    messages: delivered,
    pingsSent: 0,
    heartbeatsSent: 0,
    delivery: {
      delivered,
      duplicated: 0,
      outOfOrder: 0,
      late: 0,
      unmatched: 0,
      unjudged: 0,
      unevaluated: 0,
      foreign: 0,
      idMismatch: 0,
      ineligible: 0,
      expected: delivered,
      lost: 0,
      missedPublishes: 0,
      evaluated: 1,
    },
  };
}

function tick(workerId: number, samples: number[], seqResults: Tick['seqResults'], final = false): Tick {
  return tickOf(workerId, {
    samples,
    counters: counters(samples.length),
    seqResults,
    lag: { maxMs: 1, p99Ms: 1, meanMs: 1, intervalMaxMs: 1 },
    final,
  });
}

describe('RunAggregate', () => {
  it('merges per-worker histogram deltas into exactly the histogram of all samples', () => {
    const ring = createRing(1024);
    const agg = new RunAggregate([10, 10], 1, ring);
    const a = [1.5, 2, 2.5, 40, 7];
    const b = [3, 3, 900, 0.2];
    agg.onTick(tick(0, a.slice(0, 2), []));
    agg.onTick(tick(1, b, []));
    agg.onTick(tick(0, a.slice(2), []));
    const all = createHistogram();
    for (const s of [...a, ...b]) recordMs(all, s);
    const merged = agg.histogram('fanout');
    expect(merged.totalCount).toBe(9);
    for (const p of [0, 50, 90, 99, 100]) expect(merged.getValueAtPercentile(p)).toBe(all.getValueAtPercentile(p));
  });

  it('records a publish completion only once every live worker reported it, from the latest receipt', () => {
    const ring = createRing(1024);
    announce(ring, 1, 1000, 1000);
    const agg = new RunAggregate([10, 10], 1, ring);
    agg.onTick(tick(0, [], [{ seq: 1, delivered: 10, lost: 0, lastReceiptMs: 1020, failed: false }]));
    expect(agg.completion.totalCount).toBe(0);
    agg.onTick(tick(1, [], [{ seq: 1, delivered: 10, lost: 0, lastReceiptMs: 1035, failed: false }]));
    expect(agg.completion.totalCount).toBe(1);
    expect(agg.completion.maxValue).toBeGreaterThanOrEqual(34_900);
    expect(agg.completion.maxValue).toBeLessThanOrEqual(35_100);
  });

  it('counts a publish incomplete when any worker lost it, and stops waiting for a crashed worker', () => {
    const ring = createRing(1024);
    announce(ring, 1, 1000, 1000);
    announce(ring, 2, 1100, 1100);
    const agg = new RunAggregate([10, 10], 1, ring);
    agg.onTick(
      tick(
        0,
        [],
        [
          { seq: 1, delivered: 9, lost: 1, lastReceiptMs: 1020, failed: false },
          { seq: 2, delivered: 10, lost: 0, lastReceiptMs: 1120, failed: false },
        ],
      ),
    );
    agg.markCrashed(1, 'boom');
    expect(agg.incomplete).toBe(1);
    // The incomplete publish is in completion too, at the deadline.
    expect(agg.completion.totalCount).toBe(2);
    expect(agg.completed).toBe(1);
    expect(agg.totals().open).toBe(10);
  });

  it('records an incomplete publish in completion at the deadline, so the percentiles cover every publish', () => {
    // 3 of 4 publishes incomplete: completion used to come from the one complete publish only.
    const ring = createRing(1024);
    for (let s = 1; s <= 4; s++) announce(ring, s, 1000 * s, 1000 * s);
    const agg = new RunAggregate([10], 1, ring, 500);
    agg.onTick(
      tick(
        0,
        [],
        [
          { seq: 1, delivered: 10, lost: 0, lastReceiptMs: 1010, failed: false },
          { seq: 2, delivered: 9, lost: 1, lastReceiptMs: 2010, failed: false },
          { seq: 3, delivered: 0, lost: 10, lastReceiptMs: 0, failed: false },
          { seq: 4, delivered: 0, lost: 10, lastReceiptMs: 0, failed: false },
        ],
      ),
    );
    expect(agg.incomplete).toBe(3);
    expect(agg.completed).toBe(1);
    expect(agg.completion.totalCount).toBe(4);
    expect(agg.completion.getValueAtPercentile(99)).toBeGreaterThanOrEqual(499_000);
    expect(agg.completion.getValueAtPercentile(99)).toBeLessThanOrEqual(501_000);
  });

  it('calls a failed publish that reached some sockets incomplete, and leaves out one that reached none', () => {
    const ring = createRing(1024);
    announce(ring, 1, 1000, 1000);
    announce(ring, 2, 2000, 2000);
    const agg = new RunAggregate([10], 1, ring, 500);
    agg.onTick(
      tick(
        0,
        [],
        [
          { seq: 1, delivered: 4, lost: 0, lastReceiptMs: 1010, failed: true },
          { seq: 2, delivered: 0, lost: 0, lastReceiptMs: 0, failed: true },
        ],
      ),
    );
    expect(agg.incomplete).toBe(1);
    expect(agg.completed).toBe(0);
    expect(agg.completion.totalCount).toBe(1);
  });
});
