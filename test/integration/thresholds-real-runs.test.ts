/**
 * Thresholds judged on real runs against a known injected change: a target that delays every
 * broadcast by 600 ms must fail `fanout.p99 < 300ms` (exit 3, the verdict naming the threshold and
 * what it got), and the same threshold on the same machine at the same time without the delay
 * must pass (exit 0, "ok"). Likewise `fanout.lost == 0` against a target that leaves copies out,
 * and against one that does not. A threshold check that never fires, or fires on noise, fails here.
 *
 * The margins are wide on purpose: the delay is a lower bound on every delivery's latency (600 ms
 * whatever the load), and loopback fan-out to 20 sockets at 5/s stays well below 300 ms on a
 * loaded 2-core machine: 8 runs of each at load average 12–17 measured p99 10–130 ms without the
 * delay (8 of 8 passed) and 615–855 ms with it (8 of 8 failed).
 */
import { describe, expect, it } from 'vitest';
import { startDelayedTarget, startPublishTarget, startSkippingTarget, type TestTarget } from '../helpers/servers.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { expectDeliveredExactly, expectExactBooks } from '../helpers/books.js';
import { runExitCode, verdictLine } from '../../dist/report/verdict.js';
import type { Report } from '../../dist/run/report.js';

const track = closeAfterEach();
const DELAY_MS = 600;
const SOCKETS = 20;

async function runWith(target: TestTarget, thresholds: Record<string, string>): Promise<Report> {
  return runQuietly(
    scenarioFrom({
      target: { url: target.wsUrl },
      connections: SOCKETS,
      connectRate: 2000,
      duration: '2s',
      workers: 1,
      publish: { rate: 5, deadline: '2s' },
      thresholds,
    }),
  );
}

describe('thresholds on real runs', () => {
  it(`fanout.p99 < 300ms fails against a target delaying every push by ${DELAY_MS} ms, and passes without the delay`, async () => {
    const thresholds = { 'fanout.p99': '< 300ms' };
    const [slow, plain] = await Promise.all([startDelayedTarget(DELAY_MS), startPublishTarget()].map(async (t) => track(await t)));
    const delayed = await runWith(slow, thresholds);
    const clean = await runWith(plain, thresholds);

    // Detection: every delivery came, each at least the delay late; the threshold says so, exit 3.
    expectDeliveredExactly(delayed, SOCKETS);
    expect(delayed.fanout.latencyMs.min).toBeGreaterThanOrEqual(DELAY_MS - 1);
    expect(delayed.thresholds).toHaveLength(1);
    const [failed] = delayed.thresholds;
    expect(failed).toMatchObject({ metric: 'fanout.p99', expression: '< 300ms', pass: false });
    expect(failed.actual).toBe(delayed.fanout.latencyMs.p99);
    expect(failed.actual).toBeGreaterThanOrEqual(DELAY_MS - 1);
    expect(runExitCode(delayed)).toBe(3);
    // With its unit and the digits that tell it from the limit (the table rounds it to whole ms).
    expect(verdictLine(delayed)).toBe(`FAILED: threshold failed: fanout.p99 < 300ms (got ${+failed.actual.toFixed(1)} ms)`);

    // No false call: the same threshold, the same machine, no delay.
    expectDeliveredExactly(clean, SOCKETS);
    expect(clean.thresholds).toEqual([{ metric: 'fanout.p99', expression: '< 300ms', actual: clean.fanout.latencyMs.p99, pass: true }]);
    expect(clean.fanout.latencyMs.p99).toBeLessThan(300);
    expect(runExitCode(clean)).toBe(0);
    expect(verdictLine(clean)).toBe('ok');
  });

  it('fanout.lost == 0 fails against a target that leaves every 5th copy out, and passes against one that leaves none', async () => {
    const thresholds = { 'fanout.lost': '== 0' };
    const [skipping, plain] = await Promise.all(
      [startSkippingTarget((seq, socket) => (seq + socket) % 5 === 0), startPublishTarget()].map(async (t) => track(await t)),
    );
    const lossy = await runWith(skipping, thresholds);
    const clean = await runWith(plain, thresholds);

    expectExactBooks(lossy);
    expect(lossy.fanout.lost).toBeGreaterThan(0);
    expect(lossy.thresholds).toEqual([{ metric: 'fanout.lost', expression: '== 0', actual: lossy.fanout.lost, pass: false }]);
    // A failed threshold outranks the run's own failure (the loss) in the exit code; the verdict names both.
    expect(runExitCode(lossy)).toBe(3);
    expect(verdictLine(lossy)).toMatch(
      new RegExp(
        `^FAILED: ${lossy.fanout.lost} of ${lossy.fanout.expected} deliveries lost \\([^)]+\\); threshold failed: fanout\\.lost == 0 \\(got ${lossy.fanout.lost}\\)$`,
      ),
    );

    expectDeliveredExactly(clean, SOCKETS);
    expect(clean.thresholds).toEqual([{ metric: 'fanout.lost', expression: '== 0', actual: 0, pass: true }]);
    expect(verdictLine(clean)).toBe('ok');
  });
});
