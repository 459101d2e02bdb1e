/**
 * A target that pushes every publish after the delivery deadline: nothing is delivered, everything
 * arrives late. The run must say so (the deliveries came, late), and the completion of those
 * incomplete publishes, recorded at the deadline, must read as the deadline exactly (not the top
 * of its histogram bucket: 400.127 ms for 400 ms, 10,002 ms for 10 s). Against a real target.
 */
import { describe, expect, it } from 'vitest';
import { runExitCode, verdictLine } from '../../dist/report/verdict.js';
import { mergeReports } from '../../dist/report/merge.js';
import { renderSummary } from '../../dist/render/summary.js';
import { verdictBanner } from '../../dist/render/html-verdict.js';
import { expectExactBooks } from '../helpers/books.js';
import { startDelayedTarget } from '../helpers/servers.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';

const track = closeAfterEach();

describe('every delivery late', () => {
  it('says the deliveries arrived late, and records the incomplete publishes at the deadline exactly', async () => {
    const target = track(await startDelayedTarget(700));
    const scenario = scenarioFrom({
      target: { url: target.wsUrl },
      connections: 10,
      connectRate: 1000,
      duration: '2s',
      workers: 1,
      publish: { rate: 5, deadline: '400ms' },
      thresholds: { 'completion.max': '<= 400ms' },
    });
    const report = await runQuietly(scenario);
    const f = report.fanout;
    expect(f.published).toBe(10);
    expect(f).toMatchObject({ delivered: 0, late: 100, lost: 100, expected: 100, incomplete: 10 });
    expectExactBooks(report);

    // Main today: "no delivery arrived although 10 publishes succeeded".
    const line = verdictLine(report);
    expect(line).toContain(
      'no delivery arrived in time although 10 publishes succeeded: 100 arrived late, more than 400ms after their scheduled time (publish.deadline), and count as lost',
    );
    expect(line).toContain('100 of 100 deliveries lost (100 arrived late)');
    expect(verdictBanner(report)).toContain('100 arrived late');
    expect(runExitCode(report)).toBe(1);

    // Main today: 400.127 ms everywhere (the top of the bucket holding 400,000 µs).
    expect(f.completionMs).toMatchObject({ count: 10, p50: 400, p99: 400, max: 400 });
    // min is the bottom of the same bucket (HdrHistogram's 3 significant digits), never above 400.
    expect(f.completionMs.min).toBeGreaterThan(399.5);
    expect(f.completionMs.min).toBeLessThanOrEqual(400);
    expect(report.thresholds).toEqual([{ metric: 'completion.max', expression: '<= 400ms', actual: 400, pass: true }]);
    expect(renderSummary(report)).toContain('10 incomplete counted at the deadline (400 ms, publish.deadline)');
    // Merged reports recompute the set from the added histograms: capped the same way.
    expect(mergeReports([report, report]).fanout.completionMs).toMatchObject({ count: 20, p99: 400, max: 400 });
  });
});
