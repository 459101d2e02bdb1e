import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { listenTarget } from '../../src/target/listen-target.js';
import type { TimelineLine } from '../../src/run/report.js';
import { closeAfterEach, runQuietly, scenarioFrom, tempDir } from '../helpers/run-helpers.js';
import { expectExactBooks } from '../helpers/books.js';
import { runExitCode, verdictLine } from '../../dist/report/verdict.js';

const track = closeAfterEach();
const BLIP_AT = 12;
const DROPPED = 3;

/** At publish BLIP_AT the "gateway" blips: it drops DROPPED sockets and pushes to none of the rest. */
async function startBlippingTarget(): Promise<{ wsUrl: string; close(): Promise<void> }> {
  const open: WebSocket[] = [];
  return listenTarget({
    hooks: {
      connection: (ws) => {
        open.push(ws);
        ws.once('close', () => open.splice(open.indexOf(ws), 1));
      },
      publish: (ctx) => {
        if (ctx.seq !== BLIP_AT) return { status: 200, body: `sent to ${ctx.deliver().delivered}` };
        for (const ws of open.slice(0, DROPPED)) ws.terminate();
        const r = ctx.deliver(() => true);
        return { status: 200, body: `skipped ${r.skipped}` };
      },
    },
  });
}

describe('timeline booked by event time', () => {
  it('puts one gateway blip in the same interval in every column', async () => {
    const target = track(await startBlippingTarget());
    const dir = tempDir();
    const scenario = scenarioFrom({
      target: { url: target.wsUrl },
      connections: 20,
      duration: '3s',
      workers: 2,
      publish: { rate: 10, deadline: '2s' },
      report: { interval: '500ms' },
    });
    const report = await runQuietly(scenario, { reportFile: join(dir, 'blip.json') });
    const lines = readFileSync(join(dir, 'blip.ndjson'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as TimelineLine);
    expect(report.fanout.lost).toBe(20 - DROPPED);
    const lostAt = lines.findIndex((l) => l.lost > 0);
    const closedAt = lines.findIndex((l) => l.closes > 0);
    expect(lines[lostAt].lost).toBe(20 - DROPPED);
    // Every close is in the interval its worker saw it in: the three terminations take a few ms, so
    // with two workers they may straddle a boundary, never more than the next interval.
    const closedIn = lines.flatMap((l, i) => (l.closes > 0 ? [i] : []));
    expect(closedIn.every((i) => i - closedAt <= 1)).toBe(true);
    expect(lines.reduce((s, l) => s + l.closes, 0)).toBe(DROPPED);
    // Before: loss was booked when judged, a 2 s deadline (4 intervals) after the blip.
    // Now both sit at the blip (a publish scheduled within ms of a boundary may straddle it).
    expect(Math.abs(lostAt - closedAt)).toBeLessThanOrEqual(1);
    // Publishes by scheduled time: 5 per 500 ms interval of the hold, and they add up.
    expect(lines.reduce((s, l) => s + l.published, 0)).toBe(report.fanout.published);
    expect(Math.max(...lines.map((l) => l.published))).toBeLessThanOrEqual(6);
    expect(lines.reduce((s, l) => s + l.lost, 0)).toBe(report.fanout.lost);
    expect(lines.reduce((s, l) => s + l.deliveries, 0)).toBe(report.fanout.delivered);
    expectExactBooks(report);
    expect(runExitCode(report)).toBe(1);
    // The lost deliveries, with why (owed by the sockets the blip cut).
    expect(verdictLine(report)).toMatch(
      new RegExp(`^FAILED: ${20 - DROPPED} of ${report.fanout.expected} deliveries lost \\(${20 - DROPPED} [^)]+\\)$`),
    );
  });

  it('uses 1 s intervals for a short run unless set, marks the last one partial with its real length, and counts reconnects', async () => {
    const target = track(await startBlippingTarget());
    const dir = tempDir();
    const scenario = scenarioFrom({
      target: { url: target.wsUrl },
      connections: 20,
      duration: '2500ms',
      workers: 2,
      publish: { rate: 10, deadline: '1s' },
      reconnect: { policy: 'immediate' },
    });
    const report = await runQuietly(scenario, { reportFile: join(dir, 'short.json') });
    const lines = readFileSync(join(dir, 'short.ndjson'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as TimelineLine);
    expect(report.scenario.report.intervalMs).toBe(1000);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const last = lines[lines.length - 1];
    for (const l of lines.slice(0, -1)) {
      expect(l.durationMs).toBe(1000);
      expect(l.partial).toBeUndefined();
    }
    // The run ended inside its last interval: marked, with the length it really had.
    expect(last.partial).toBe(true);
    expect(last.durationMs).toBeLessThan(1000);
    expect(lines.reduce((sum, l) => sum + (l.durationMs ?? 0), 0)).toBe(last.elapsedMs);
    // The dropped sockets came back, and each reconnect is in the interval it happened in.
    expect(report.reconnects.total).toBeGreaterThanOrEqual(DROPPED);
    expect(lines.reduce((sum, l) => sum + (l.reconnects ?? 0), 0)).toBe(report.reconnects.total);
    expectExactBooks(report);
    expect(report.fanout.lost).toBe(20 - DROPPED);
  });
});
