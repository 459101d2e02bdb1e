import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HistogramLogReader } from 'hdr-histogram-js';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import type { TimelineLine } from '../../src/run/report.js';
import { runQuietly, scenarioFrom, tempDir } from '../helpers/run-helpers.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import { verdictLine } from '../../dist/report/verdict.js';
import { sleep, waitFor } from '../helpers/wait.js';

const SOCKETS = 50;
const DROPPED = 5;
const INTERVAL_MS = 500;

let target: RunningTarget | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

/** Every interval histogram in an .hlog, in order (throws if a line does not parse). */
function readHlog(text: string): { count: number; max: number }[] {
  const reader = new HistogramLogReader(text, 32, false);
  const out: { count: number; max: number }[] = [];
  for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram())
    out.push({ count: h.totalCount, max: h.maxValue });
  // A line the reader could not parse ends the iteration early: every data line must have been read.
  const dataLines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('"'));
  expect(out).toHaveLength(dataLines.length);
  return out;
}

describe('soak files: .ndjson timeline and .hlog interval log beside the report', () => {
  it('writes one line and one histogram per 500 ms interval that add up to the report', async () => {
    const t = await startTarget();
    target = t;
    const dir = tempDir();
    const scenario = scenarioFrom({
      target: { url: t.wsUrl },
      connections: SOCKETS,
      connectRate: 1000,
      duration: '3s',
      workers: 2,
      publish: { rate: 10 },
      report: { interval: `${INTERVAL_MS}ms` },
    });
    let open = 0;
    const run = runQuietly(scenario, { reportFile: join(dir, 'soak.json'), onProgress: (p) => (open = p.open) });
    // Some closes mid-run, so the timeline has something to say about them: once every socket is
    // open (bounded), not at a fixed time a slow ramp may outlast. The open column is sampled at each
    // 500 ms boundary, so "all 50 held" shows in it only if a boundary falls between wsload counting
    // the last socket open and the drop: a fixed 300 ms after the target saw them all left none in
    // between in about 2 runs of 5. So: wsload's own count (progress reads the same counter as the
    // boundary sample) at 50, then more than one interval. The boundary timer runs on this thread,
    // as this wait does, and one due 100 ms before the wait ends runs before it (timers run in order
    // of expiry), so it is sampled before the drop is sent, however late both are.
    await waitFor(() => open === SOCKETS, 10_000, 'wsload counting every socket open');
    expect(t.clients()).toBe(SOCKETS);
    await sleep(INTERVAL_MS + 100);
    expect(await (await fetch(`${t.httpUrl}/admin/drop?mode=destroy&count=${DROPPED}`)).text()).toBe(`${DROPPED}\n`);
    const report = await run;
    expect(report.files).toEqual({ timeline: 'soak.ndjson', hlog: 'soak.hlog' });

    const text = readFileSync(join(dir, 'soak.ndjson'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as TimelineLine);
    // ~3.2 s of ramp and hold plus the drain, at 500 ms.
    expect(lines.length).toBeGreaterThanOrEqual(6);
    let prev = 0;
    for (const [i, line] of lines.entries()) {
      const last = i === lines.length - 1;
      expect(Object.keys(line).sort()).toEqual(
        [
          't',
          'elapsedMs',
          'open',
          'connects',
          'connectFailures',
          'closes',
          'closesByCause',
          'published',
          'deliveries',
          'lost',
          'fanoutMs',
          'rssMb',
          'eventLoopLagMs',
          'reconnects',
          'durationMs',
          // The run ends inside its last interval (to the millisecond: ending on a boundary makes a whole one).
          ...(last && (line.durationMs ?? 0) < INTERVAL_MS ? ['partial'] : []),
        ].sort(),
      );
      if (!last) expect(line.durationMs).toBe(INTERVAL_MS);
      else expect(line.durationMs).toBeLessThanOrEqual(INTERVAL_MS);
      expect(Number.isNaN(Date.parse(line.t))).toBe(false);
      expect(line.elapsedMs).toBeGreaterThan(prev);
      // Intervals are the configured length (the last one ends when the run does).
      if (i > 0 && i < lines.length - 1) {
        expect(line.elapsedMs - prev).toBeGreaterThanOrEqual(INTERVAL_MS - 5);
        expect(line.elapsedMs - prev).toBeLessThan(INTERVAL_MS * 1.5);
      }
      prev = line.elapsedMs;
      expect(line.rssMb).toBeGreaterThan(0);
      expect(line.eventLoopLagMs).toBeGreaterThanOrEqual(0);
      // Counters and latency samples of one interval come from the same worker ticks.
      expect(line.fanoutMs.count).toBe(line.deliveries);
      if (line.fanoutMs.count > 0) expect(line.fanoutMs.max).toBeGreaterThanOrEqual(line.fanoutMs.p50);
    }
    const sum = (f: (l: TimelineLine) => number): number => lines.reduce((s, l) => s + f(l), 0);
    expect(sum((l) => l.deliveries)).toBe(report.fanout.delivered);
    expect(sum((l) => l.lost)).toBe(report.fanout.lost);
    expect(sum((l) => l.published)).toBe(report.fanout.published);
    expect(sum((l) => l.connects)).toBe(report.connections.opened);
    expect(sum((l) => l.closes)).toBe(DROPPED);
    expect(sum((l) => l.closesByCause['connection-lost'] ?? 0)).toBe(DROPPED);
    // The 5 dropped sockets are not reconnected: nothing owed to them after the drop, nothing lost.
    expectDeliveredExactly(report);
    expect(verdictLine(report)).toBe('ok');
    expect(Math.max(...lines.map((l) => l.open))).toBe(SOCKETS);

    const hlog = readHlog(readFileSync(join(dir, 'soak.hlog'), 'utf8'));
    expect(hlog).toHaveLength(lines.length);
    expect(hlog.reduce((s, h) => s + h.count, 0)).toBe(report.fanout.latencyMs.count);
    expect(hlog.map((h) => h.count)).toEqual(lines.map((l) => l.fanoutMs.count));
  });
});
