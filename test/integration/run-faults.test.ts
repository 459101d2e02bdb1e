import { describe, expect, it } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { startPublishTarget } from '../helpers/servers.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { expectExactBooks } from '../helpers/books.js';
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
        // Kill worker 0 abruptly once the hold is well under way (10 publishes in: a second of them
        // received and not yet judged, with a 1 s deadline), however slowly the run started.
        const poll = setInterval(() => {
          if (target.publishes() < 10) return;
          clearInterval(poll);
          killed = true;
          void workers[0].terminate();
        }, 10);
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
    // The books: worker 0's receipts are delivered, and expected with what it still owed after its
    // last snapshot (publishes sent until it died, to its 50 sockets: lost, unconfirmed).
    expectExactBooks(report);
    expect(runExitCode(report)).toBe(1);
    const owed =
      report.fanout.unconfirmed! > 0
        ? ` \\(${report.fanout.unconfirmed} of them unconfirmed: owed by a lost worker or shard after its last snapshot\\)`
        : '';
    expect(verdictLine(report)).toMatch(
      new RegExp(`^FAILED: (\\d+ of \\d+ deliveries lost${owed}; )?worker 0 crashed \\(exited with code`),
    );
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
    // Aborted a few publishes into the hold, however slowly the run started (a loaded machine).
    let abortedAt = 0;
    const poll = setInterval(() => {
      if (target.publishes() < 5) return;
      clearInterval(poll);
      abortedAt = Date.now();
      controller.abort('SIGINT');
    }, 10);
    const report = await runQuietly(scenario, { signal: controller.signal });
    clearInterval(poll);
    expect(abortedAt).toBeGreaterThan(0);
    expect(Date.now() - abortedAt).toBeLessThan(6000);
    expect(report.interrupted).toBe(true);
    expect(report.interruptReason).toBe('SIGINT');
    expect(report.fanout.delivered).toBeGreaterThan(0);
    expect(report.fanout.lost).toBe(0);
    // Publishes still within their deadline are not judged: only what arrived of them is counted, both sides.
    expectExactBooks(report);
  });
});
