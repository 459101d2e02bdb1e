import { describe, expect, it } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { startPublishTarget } from '../helpers/servers.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { expectDeliveredExactly, expectExactBooks } from '../helpers/books.js';
import { runExitCode, verdictLine } from '../../dist/report/verdict.js';

const track = closeAfterEach();

describe('wsload run: faults of the client itself', () => {
  it('survives a worker thread dying mid-run and reports what it measured', async () => {
    const target = track(await startPublishTarget());
    const scenario = scenarioFrom({
      target: { url: target.wsUrl },
      connections: 100,
      connectRate: 2000,
      duration: '3s',
      workers: 2,
      publish: { rate: 10, deadline: '1s' },
    });
    let killed = false;
    const report = await runQuietly(scenario, {
      onWorkersStarted: (workers: readonly Worker[]) => {
        // Kill worker 0 abruptly once the hold is well under way.
        setTimeout(() => {
          killed = true;
          void workers[0].terminate();
        }, 2000);
      },
    });
    expect(killed).toBe(true);
    expect(report.client.workers[0].crashed).toMatch(/exited with code/);
    expect(report.client.workers[1].crashed).toBeNull();
    expect(report.warnings.some((w) => w.startsWith('worker 0 crashed'))).toBe(true);
    // Worker 1 kept counting to the end: its 50 sockets got every publish.
    expect(report.fanout.published).toBeGreaterThanOrEqual(25);
    expect(report.fanout.delivered).toBeGreaterThanOrEqual(report.fanout.published * 50);
    expect(report.fanout.latencyMs.count).toBe(report.fanout.delivered);
    // Only worker 1's sockets were open when the hold ended; worker 0's died with it.
    expect(report.connections.openAtEnd).toBe(50);
    // What was owed to the dead worker's sockets is booked too, and the run fails naming it.
    expectExactBooks(report);
    expect(runExitCode(report)).toBe(1);
    expect(verdictLine(report)).toMatch(/^FAILED: .*worker 0 crashed \(exited with code \d+\)/);
  });

  it('stops early when aborted and marks the report interrupted', async () => {
    const target = track(await startPublishTarget());
    const scenario = scenarioFrom({
      target: { url: target.wsUrl },
      connections: 50,
      connectRate: 2000,
      duration: '30s',
      workers: 2,
      publish: { rate: 10 },
    });
    const controller = new AbortController();
    // Stopped in the hold once publishing is under way (a fixed delay may fall in a slow ramp).
    let abortedAt = 0;
    const report = await runQuietly(scenario, {
      signal: controller.signal,
      onProgress: (p) => {
        if (abortedAt === 0 && p.phase === 'hold' && p.published >= 3) {
          abortedAt = Date.now();
          controller.abort('SIGINT');
        }
      },
    });
    expect(abortedAt).toBeGreaterThan(0);
    // Far from the 30 s hold: the stop ends it within a few seconds.
    expect(Date.now() - abortedAt).toBeLessThan(6000);
    expect(report.interrupted).toBe(true);
    expect(report.interruptReason).toBe('SIGINT');
    // What was judged before the stop was delivered, every copy of it.
    expectDeliveredExactly(report, 50);
    expect(runExitCode(report)).toBe(130);
    expect(verdictLine(report)).toBe('interrupted (SIGINT)');
  });
});
