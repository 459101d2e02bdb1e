import { describe, expect, it } from 'vitest';
import { runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import type { TimelineLine } from '../../dist/run/report.js';
import { expectDeliveredExactly, expectExactBooks } from '../helpers/books.js';
import { runExitCode, verdictLine } from '../../dist/report/verdict.js';

describe('stages against the embedded target', () => {
  it('follows the shape: ramp up, hold, ramp down (closed by wsload, not drops), hold; fan-out lost 0', async () => {
    const scenario = scenarioFrom({
      stages: [
        { duration: '1s', target: 40 },
        { duration: '1s', target: 40 },
        { duration: '1s', target: 10 },
        { duration: '1s', target: 10 },
      ],
      workers: 2,
      // Reconnecting sockets: a ramp-down close must still not be reconnected, nor its misses "missed".
      reconnect: { policy: 'immediate' },
      publish: { rate: 20 },
      report: { interval: '250ms' },
    });
    const lines: TimelineLine[] = [];
    const report = await runQuietly(scenario, { onInterval: (l) => lines.push(l) });

    expect(report.scenario.stages).toEqual([
      { durationMs: 1000, target: 40 },
      { durationMs: 1000, target: 40 },
      { durationMs: 1000, target: 10 },
      { durationMs: 1000, target: 10 },
    ]);
    expect(report.connections.target).toBe(40);
    expect(report.connections.firstOpened).toBe(40);
    expect(report.connections.failed).toBe(0);
    expect(report.connections.peakOpen).toBe(40);
    expect(report.connections.rampDownCloses).toBe(30);
    expect(report.connections.reopened).toBe(0);
    expect(report.connections.openAtEnd).toBe(10);
    // Closed by wsload on purpose: no disconnect, no reconnect, nothing missed or lost.
    expect(report.disconnects.total).toBe(0);
    expect(report.reconnects.total).toBe(0);
    expect(report.reconnects.missedPublishes).toBe(0);
    expect(report.fanout.published).toBe(80);
    expectDeliveredExactly(report);
    expect(report.handshake.latencyMs.count).toBe(40);

    // The timeline's open column shows the shape: it climbs to 40, then falls to 10 and stays.
    const full = lines.filter((l) => l.partial !== true);
    const opens = full.map((l) => l.open);
    const peakAt = opens.indexOf(40);
    expect(peakAt).toBeGreaterThan(0);
    expect(opens.slice(0, peakAt).every((o) => o < 40)).toBe(true);
    const afterPeak = opens.slice(peakAt);
    expect(afterPeak.some((o) => o > 10 && o < 40)).toBe(true);
    // Then 10 to the end, where the drain closes the sockets: a line whose boundary comes as the
    // shape ends (two timers of one moment) may be read while the two workers close their halves
    // a few ms apart, so it reads 10, 0 or between (one run in 15 read 5). From 10 on the column
    // therefore never rises again, and falls only in that last stretch (2+ lines of 10 before it).
    const firstTen = afterPeak.indexOf(10);
    expect(firstTen).toBeGreaterThan(0);
    const settled = afterPeak.slice(firstTen);
    const closing = settled.findIndex((o) => o !== 10);
    const tail = closing < 0 ? [] : settled.slice(closing);
    expect(
      tail.every((o, i) => o < 10 && (i === 0 || o <= tail[i - 1])),
      `open from the first 10 on: ${settled.join(' ')}`,
    ).toBe(true);
    expect(settled.filter((o) => o === 10).length).toBeGreaterThanOrEqual(2);
    expect(full.reduce((s, l) => s + l.closes, 0)).toBe(0);
  });

  it('re-opens the sockets a step down closed when the target rises again (new connections, not reconnects)', async () => {
    const scenario = scenarioFrom({
      stages: [
        { duration: '400ms', target: 20 },
        { duration: '300ms', target: 20 },
        { duration: '0s', target: 5 },
        { duration: '500ms', target: 5 },
        { duration: '400ms', target: 20 },
        { duration: '400ms', target: 20 },
      ],
      workers: 2,
      // Both shapes on one clock: 10/s → 30/s over 1 s (20), then 30/s for 1 s (30).
      publish: { rate: 10, stages: [{ duration: '1s', target: 30 }] },
    });
    const report = await runQuietly(scenario);
    expect(report.connections.firstOpened).toBe(20);
    expect(report.connections.rampDownCloses).toBe(15);
    expect(report.connections.reopened).toBe(15);
    expect(report.connections.opened).toBe(35);
    expect(report.connections.openAtEnd).toBe(20);
    expect(report.reconnects.total).toBe(0);
    expect(report.disconnects.total).toBe(0);
    // Re-opens are timed as first connects from when they were due.
    expect(report.handshake.latencyMs.count).toBe(35);
    expect(report.handshake.reconnectMs?.count ?? 0).toBe(0);
    expectDeliveredExactly(report);
    expect(report.fanout.published).toBe(50);
  });
});

describe('stages: a step down and straight back up', () => {
  it('re-opens sockets whose ramp-down close is still under way once it is done, counted neither as disconnects nor reconnects', async () => {
    const scenario = scenarioFrom({
      stages: [
        { duration: '0s', target: 4 },
        { duration: '500ms', target: 4 },
        { duration: '0s', target: 1 },
        { duration: '0s', target: 4 },
        { duration: '500ms', target: 4 },
      ],
      workers: 1,
      reconnect: { policy: 'immediate' },
    });
    const report = await runQuietly(scenario);
    expect(report.connections.firstOpened).toBe(4);
    expect(report.connections.rampDownCloses).toBe(3);
    expect(report.connections.reopened).toBe(3);
    expect(report.connections.openAtEnd).toBe(4);
    expect(report.disconnects.total).toBe(0);
    expect(report.reconnects.total).toBe(0);
  });
});

describe('stages interrupted', () => {
  it('an abort mid-shape stops at once and still builds the report', async () => {
    const scenario = scenarioFrom({
      stages: [
        { duration: '1s', target: 30 },
        { duration: '20s', target: 30 },
      ],
      workers: 2,
      publish: { rate: 10 },
    });
    const abort = new AbortController();
    const started = Date.now();
    const report = await runQuietly(scenario, {
      signal: abort.signal,
      onProgress: (p) => {
        if (p.open >= 30) abort.abort('test');
      },
    });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(report.interrupted).toBe(true);
    expect(report.connections.firstOpened).toBe(30);
    expect(report.connections.rampDownCloses).toBe(0);
    expect(report.disconnects.total).toBe(0);
    expectExactBooks(report);
    expect(report.fanout.lost).toBe(0);
    expect(runExitCode(report)).toBe(1);
    expect(verdictLine(report)).toBe('interrupted (test)');
  });
});

describe('publish.stages', () => {
  it('publishes exactly the integral of the rate over the hold', async () => {
    // 5/s → 45/s over 1 s (25), hold 45/s for 0.5 s (22.5), then 10/s for the last 0.5 s (5): 52 in all.
    const scenario = scenarioFrom({
      connections: 5,
      duration: '2s',
      workers: 1,
      publish: {
        rate: 5,
        stages: [
          { duration: '1s', target: 45 },
          { duration: '500ms', target: 45 },
          { duration: '0s', target: 10 },
        ],
      },
    });
    const report = await runQuietly(scenario);
    expect(report.publish.sent).toBe(52);
    expect(report.fanout.published).toBe(52);
    expectDeliveredExactly(report, 5);
  });
});
