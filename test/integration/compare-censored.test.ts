/**
 * Lost and never-sent deliveries in the latency picture, on real runs against real servers: a
 * target that gets slower past the deadline must not read faster (issue 19 item 6), and publishes
 * due but never sent are counted at their wait so far (issue 20 item 2).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { compare } from '../../dist/report/compare.js';
import { decodeHistogram } from '../../dist/metrics/histogram.js';
import { startDelayedTarget, type TestTarget } from '../helpers/servers.js';
import { runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { expectExactBooks } from '../helpers/books.js';
import type { Report } from '../../dist/run/report.js';

let targets: TestTarget[] = [];
afterEach(async () => {
  await Promise.all(targets.map((t) => t.close()));
  targets = [];
});

async function runAgainst(target: TestTarget, publish: Record<string, unknown>, seconds = 5): Promise<Report> {
  targets.push(target);
  return runQuietly(
    scenarioFrom({
      target: { url: target.wsUrl },
      connections: 40,
      connectRate: 2000,
      duration: `${seconds}s`,
      workers: 1,
      publish,
      report: { interval: '500ms' },
    }),
  );
}

describe('lost and never-sent deliveries in the latency picture', () => {
  it('reads a target that pushes most publishes past the deadline as slower, where the received-only figures read faster', async () => {
    // Before: every push 300 ms late. After: 7 publishes in 10 pushed 1.5 s late (past the 1 s
    // deadline: lost), the other 3 at 100 ms, so what is received got faster.
    const late = (seq: number): number => (seq % 10 < 7 ? 1500 : 100);
    const [before, after] = await Promise.all([
      runAgainst(await startDelayedTarget(300), { rate: 10, deadline: '1s' }),
      runAgainst(await startDelayedTarget(late), { rate: 10, deadline: '1s' }),
    ]);
    expectExactBooks(after);
    expect(after.fanout.lost).toBeGreaterThan(after.fanout.delivered);
    expect(after.fanout.latencyMs.p50).toBeLessThan(before.fanout.latencyMs.p50);
    // The report: over every expected delivery, lost ones at the deadline (a lower bound).
    expect(after.fanout.censored).toMatchObject({ deadlineMs: 1000, lost: after.fanout.lost });
    expect(after.fanout.censored?.latencyMs.count).toBe(after.fanout.expected);
    expect(after.fanout.censored?.latencyMs.p50).toBeGreaterThanOrEqual(1000);
    const c = compare(before, after);
    const p50 = c.rows.find((r) => r.metric === 'fanout.p50');
    expect(p50).toMatchObject({
      verdict: 'worse',
      receivedOnly: { before: before.fanout.latencyMs.p50, after: after.fanout.latencyMs.p50 },
    });
    expect(p50?.after).toBeGreaterThanOrEqual(1000);
    expect(c.rows.filter((r) => r.metric.startsWith('fanout.p') && r.verdict === 'better')).toEqual([]);
    expect(c.rows.find((r) => r.metric === 'fanout.lost')?.verdict).toBe('worse');
  });

  it('counts publishes due but never sent at their wait so far, beside the percentiles', async () => {
    // One request slot and a target that answers 400 ms after each publish: 10 publishes a second
    // are due, 2.5 go; the rest wait in the queue and are never sent when the hold ends.
    const r = await runAgainst(await startDelayedTarget(400), { rate: 10, concurrency: 1, deadline: '10s' }, 3);
    expect(r.publish.skipped).toBeGreaterThanOrEqual(10);
    expect(r.publish.unsentWaitMs?.count).toBe(r.publish.skipped);
    // The one given up last was due just before the hold ended; the first waited most of the hold.
    expect(r.publish.unsentWaitMs?.max).toBeGreaterThan(1500);
    expect(decodeHistogram(r.histograms.unsent).totalCount).toBe(r.publish.skipped);
    const perPublish = Math.round(r.fanout.expected / r.fanout.published);
    expect(r.fanout.censored).toMatchObject({
      unsentPublishes: r.publish.skipped,
      unsentDeliveries: r.publish.skipped * perPublish,
      lost: r.fanout.lost,
    });
    expect(r.fanout.censored?.latencyMs.count).toBe(r.fanout.delivered + r.fanout.lost + r.publish.skipped * perPublish);
    // Their waits are in the picture: most expected deliveries were never sent, so the median is one of their waits.
    const unsent = decodeHistogram(r.histograms.unsent);
    expect(r.fanout.censored?.latencyMs.max).toBeGreaterThanOrEqual(unsent.getValueAtPercentile(100) / 1000);
    expect(r.publish.skipped * perPublish).toBeGreaterThan(r.fanout.delivered);
    expect(r.fanout.censored?.latencyMs.p50).toBeLessThanOrEqual(unsent.getValueAtPercentile(100) / 1000);
    expect(r.fanout.censored?.latencyMs.p50).toBeGreaterThanOrEqual(unsent.getValueAtPercentile(0) / 1000);
  });
});
