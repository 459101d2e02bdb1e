import { describe, expect, it } from 'vitest';
import { publishBehind } from '../../src/report/build.js';
import { publishBlame, sustainedWaitMs } from '../../src/report/publish-behind.js';
import { createHistogram, percentiles, recordMs } from '../../src/metrics/histogram.js';
import type { PublisherStats } from '../../src/metrics/publisher-stats.js';

function stats(p: Partial<PublisherStats>): PublisherStats {
  return {
    sent: 10,
    ok: 10,
    failed: 0,
    skipped: 0,
    overflowed: 0,
    queued: 0,
    maxQueueMs: 0,
    intervalMs: 100,
    runTag: null,
    failures: {},
    latency: createHistogram(),
    measuredLatency: createHistogram(),
    scheduleLag: createHistogram(),
    ...p,
  };
}

/** A percentile set of `n` samples of `ms`. */
function set(ms: number, n = 100) {
  const h = createHistogram();
  for (let i = 0; i < n; i++) recordMs(h, ms);
  return percentiles(h);
}

describe('publishBehind', () => {
  it('is false when no publish waited or only briefly', () => {
    expect(publishBehind(stats({}))).toBe(false);
    expect(publishBehind(stats({ queued: 3, maxQueueMs: 40 }))).toBe(false);
  });

  it('does not fail a run for one publish due just as the hold ended, still waiting briefly', () => {
    expect(publishBehind(stats({ skipped: 1, maxQueueMs: 30 }))).toBe(false);
  });

  it('does not fail a run for a slot wait of a little more than one interval: it is a blip, already in fan-out latency', () => {
    expect(publishBehind(stats({ queued: 1, maxQueueMs: 102 }))).toBe(false);
    expect(publishBehind(stats({ queued: 9, maxQueueMs: 999 }))).toBe(false);
  });

  it('is true when a publish waited longer than max(1 s, two intervals) or the queue overflowed', () => {
    expect(publishBehind(stats({ queued: 12, maxQueueMs: 1001 }))).toBe(true);
    expect(publishBehind(stats({ skipped: 4, overflowed: 1 }))).toBe(true);
    // At one publish every 2 s, a second's wait is less than one interval.
    expect(sustainedWaitMs(2000)).toBe(4000);
    expect(publishBehind(stats({ intervalMs: 2000, queued: 1, maxQueueMs: 3000 }))).toBe(false);
    expect(publishBehind(stats({ intervalMs: 2000, queued: 2, maxQueueMs: 4100 }))).toBe(true);
  });
});

describe('publishBlame', () => {
  it("blames wsload's main thread when its delay in handling the answers held the slots longer than the API did", () => {
    const b = publishBlame({ net: set(100), measured: set(410), slots: 4, ratePerS: 10, mainLag: { p99: 305, max: 330 } });
    expect(b.wsload).toBe(true);
    expect(b.cause).toContain("wsload's own main thread held the request slots");
    expect(b.cause).toContain('event-loop lag p99 305 ms');
    expect(b.remedy).toContain('the publish API is not the cause');
  });

  it('blames the API, with what its slots carry, when its own answer time held them', () => {
    const b = publishBlame({ net: set(400), measured: set(402), slots: 2, ratePerS: 10, mainLag: { p99: 1, max: 3 } });
    expect(b.wsload).toBe(false);
    expect(b.cause).toContain('the publish API held the request slots');
    expect(b.cause).toContain('2 slots carry about 5/s of the 10/s asked');
    expect(b.remedy).toContain('raise publish.concurrency');
  });

  it('says so when not one request was answered', () => {
    const empty = percentiles(createHistogram());
    expect(publishBlame({ net: empty, measured: empty, slots: 2, ratePerS: 10, mainLag: null }).cause).toContain(
      'not one request was answered',
    );
  });

  it('reads an older report without the measured figure as all the API', () => {
    expect(publishBlame({ net: set(50), measured: undefined, slots: 64, ratePerS: 10, mainLag: null }).wsload).toBe(false);
  });
});
