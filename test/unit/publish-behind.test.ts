import { describe, expect, it } from 'vitest';
import { publishBehind } from '../../src/report/build.js';
import { createHistogram } from '../../src/metrics/histogram.js';
import type { PublisherStats } from '../../src/metrics/publisher-stats.js';

function stats(p: Partial<PublisherStats>): PublisherStats {
  return { sent: 10, ok: 10, failed: 0, skipped: 0, overflowed: 0, queued: 0, maxQueueMs: 0, intervalMs: 100, runTag: null, failures: {}, latency: createHistogram(), scheduleLag: createHistogram(), ...p };
}

describe('publishBehind', () => {
  it('is false when no publish waited or only briefly', () => {
    expect(publishBehind(stats({}))).toBe(false);
    expect(publishBehind(stats({ queued: 3, maxQueueMs: 40 }))).toBe(false);
  });

  it('does not fail a run for one publish due just as the hold ended, still waiting briefly', () => {
    expect(publishBehind(stats({ skipped: 1, maxQueueMs: 30 }))).toBe(false);
  });

  it('is true when a publish waited longer than a publish interval or the queue overflowed', () => {
    expect(publishBehind(stats({ queued: 1, maxQueueMs: 101 }))).toBe(true);
    expect(publishBehind(stats({ skipped: 4, overflowed: 1 }))).toBe(true);
  });
});
