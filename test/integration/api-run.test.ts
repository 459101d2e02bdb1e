/**
 * The library's run handle against the real engine (dist/, as the package ships it) and the
 * embedded target: awaitable, its events, stop() and bad input.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadScenario,
  readReport,
  run,
  ScenarioError,
  type DisconnectEvent,
  type Progress,
  type Report,
  type TimelineLine,
} from '../../dist/api.js';
import { runExitCode, verdictLine } from '../../dist/report/verdict.js';
import { expectDeliveredExactly, expectExactBooks } from '../helpers/books.js';
import { assertBuilt } from '../helpers/cli.js';
import { closeAfterEach, tempDir } from '../helpers/run-helpers.js';
import { startClosingTarget } from '../helpers/servers.js';

assertBuilt();
const dir = tempDir('wsload-api-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const track = closeAfterEach();
const small = { name: 'api', target: 'embedded', connections: 20, connectRate: 200, workers: 1 } as const;
/** The hold of the runs the stop tests end early: a run that missed its stop would last at least this long after it. */
const HOLD = '30s';
const HOLD_MS = 30_000;

describe('run(): the library handle', () => {
  it('resolves to the report and emits plan, progress, interval and done in order', async () => {
    const out = join(dir, 'events.json');
    const handle = run({ ...small, duration: '2s', publish: { rate: 5 }, report: { interval: '500ms' } }, { out, tickMs: 200 });
    const seen: string[] = [];
    const progress: Progress[] = [];
    const intervals: TimelineLine[] = [];
    let done: Report | null = null;
    handle.on('plan', (line) => seen.push(`plan ${line}`));
    handle.on('progress', (p) => {
      seen.push('progress');
      progress.push(p);
    });
    handle.on('interval', (line) => {
      seen.push('interval');
      intervals.push(line);
    });
    handle.on('done', (r) => {
      seen.push('done');
      done = r;
    });
    const report = await handle;

    expect(report.interrupted).toBe(false);
    expectDeliveredExactly(report, 20);
    expect(done).toBe(report);
    expect(seen[0]).toMatch(/^plan 20 sockets \/ 1 worker/);
    expect(seen.filter((s) => s.startsWith('plan'))).toHaveLength(1);
    expect(seen[seen.length - 1]).toBe('done');
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.some((p) => p.phase === 'hold' && p.open === 20)).toBe(true);
    // Every timeline line the run wrote came out as an interval event, in order, once.
    const written = readFileSync(join(dir, 'events.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TimelineLine);
    expect(written.length).toBeGreaterThanOrEqual(4);
    expect(intervals).toEqual(written);
    expect(intervals.reduce((s, l) => s + l.deliveries, 0)).toBe(report.fanout.delivered);
    // The report file is written before done, and reads back as the same report.
    expect(await readReport(out)).toEqual(report);
  });

  it('writes nothing without out, and still emits every interval', async () => {
    const handle = run({ ...small, duration: '2s', publish: { rate: 5 }, report: { interval: '500ms' } }, { tickMs: 200 });
    const intervals: TimelineLine[] = [];
    handle.on('interval', (line) => intervals.push(line));
    const report = await handle;
    expect(report.files).toEqual({ timeline: null, hlog: null });
    expect(report.connections.opened).toBe(20);
    // Lines come from the driver itself, not from a file read back.
    expect(intervals.length).toBeGreaterThanOrEqual(4);
    expect(intervals.map((l) => l.elapsedMs)).toEqual([...intervals.map((l) => l.elapsedMs)].sort((a, b) => a - b));
    expect(intervals.reduce((s, l) => s + l.deliveries, 0)).toBe(report.fanout.delivered);
  });

  it('stop() in the hold ends the run early with an interrupted report', async () => {
    const handle = run({ ...small, duration: HOLD, publish: { rate: 5 } }, { tickMs: 200 });
    let stoppedAt = Number.NaN;
    handle.on('progress', (p) => {
      if (p.phase !== 'hold' || p.published < 2 || !Number.isNaN(stoppedAt)) return;
      stoppedAt = performance.now();
      handle.stop();
    });
    const report = await handle;
    // Ended before the rest of its hold would have run out; timed from stop() on, since the set-up
    // before it (target, worker thread, ramp) took 20 s on a loaded machine.
    expect(performance.now() - stoppedAt).toBeLessThan(HOLD_MS - report.phases.holdMs);
    expect(report.interrupted).toBe(true);
    expect(report.interruptReason).toBe('stopped');
    expect(report.connections.opened).toBe(20);
    expect(report.phases.holdMs).toBeLessThan(20_000);
  });

  it('stop() before the target is up still stops the run, and the signal option stops it too', async () => {
    const stoppedAt = performance.now();
    const early = run({ ...small, duration: HOLD }, { tickMs: 200 });
    early.stop('not needed');
    const controller = new AbortController();
    const bySignal = run({ ...small, duration: HOLD }, { tickMs: 200, signal: controller.signal });
    let abortedAt = Number.NaN;
    bySignal.on('plan', () =>
      setTimeout(() => {
        abortedAt = performance.now();
        controller.abort('caller gave up');
      }, 300),
    );
    const doneAt = (p: PromiseLike<Report>): PromiseLike<[Report, number]> => p.then((r) => [r, performance.now()]);
    const [[a, aDone], [b, bDone]] = await Promise.all([doneAt(early), doneAt(bySignal)]);
    // Each ended sooner after its stop than its hold alone would have lasted (a run that ignored
    // it would ramp and then hold 30 s after that point).
    expect(aDone - stoppedAt).toBeLessThan(HOLD_MS);
    expect(bDone - abortedAt).toBeLessThan(HOLD_MS);
    expect(a.interrupted).toBe(true);
    expect(a.interruptReason).toBe('not needed');
    expect(b.interrupted).toBe(true);
    expect(b.interruptReason).toBe('caller gave up');
  });

  it('rejects a bad scenario object with a ScenarioError listing every path, before any event', async () => {
    const handle = run({ name: 'bad', connections: 0, duration: 'soon', publish: { rate: -1 } });
    let events = 0;
    for (const name of ['plan', 'progress', 'done'] as const) handle.on(name, () => events++);
    const errors: Error[] = [];
    handle.on('error', (e) => errors.push(e));
    const err = await handle.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ScenarioError);
    const issues = (err as ScenarioError).issues;
    expect(issues.map((i) => i.path)).toEqual(['connections', 'duration', 'publish.rate']);
    expect((err as ScenarioError).message.split('\n')).toHaveLength(3);
    expect((err as ScenarioError).message.split('\n')[0]).toMatch(/^connections: /);
    expect(events).toBe(0);
    expect(errors).toEqual([err]);
  });

  it('rejects a missing scenario file with the one-line error the CLI prints', async () => {
    const file = join(dir, 'nope.json');
    await expect(run(file)).rejects.toThrow(`${file}: cannot read the scenario file (no such file)`);
  });

  it('runs a scenario loadScenario returned as it is', async () => {
    const file = join(dir, 'loaded.json');
    writeFileSync(file, JSON.stringify({ ...small, duration: '1s', connections: 10 }));
    const scenario = await loadScenario(file);
    expect(scenario.durationMs).toBe(1000);
    const report = await run(scenario, { tickMs: 200 });
    expect(report.scenario.name).toBe('api');
    expect(report.connections.opened).toBe(10);
  });

  it('a listener that throws stops the run and the handle rejects with its error', async () => {
    const handle = run({ ...small, duration: HOLD }, { tickMs: 200 });
    let thrownAt = Number.NaN;
    handle.on('progress', () => {
      if (Number.isNaN(thrownAt)) thrownAt = performance.now();
      throw new Error('listener broke');
    });
    await expect(handle).rejects.toThrow('listener broke');
    // Stopped by the throw, not by the end of its 30 s hold.
    expect(performance.now() - thrownAt).toBeLessThan(HOLD_MS);
  });

  it('disconnect-event hands out each drop event the report lists, while the run goes on', async () => {
    // Every socket gets a close frame 500 ms after it opened: the 20 (opened together) drop together.
    const target = track(await startClosingTarget({ afterMs: 500, code: 1011 }));
    const handle = run(
      {
        ...small,
        target: { url: target.wsUrl },
        connectRate: 1000,
        duration: '2s',
        publish: { rate: 5 },
        reconnect: { policy: 'immediate' },
      },
      { tickMs: 200 },
    );
    const live: { event: DisconnectEvent; beforeDone: boolean }[] = [];
    let doneSeen = false;
    handle.on('disconnect-event', (event) => live.push({ event, beforeDone: !doneSeen }));
    handle.on('done', () => (doneSeen = true));
    const report = await handle;
    expect(report.disconnects.total).toBeGreaterThanOrEqual(20);
    const listed = report.disconnects.events ?? [];
    // The 20 sockets' first closes are one drop event: what the report lists came out live, in order, before done.
    expect(listed.length, JSON.stringify(report.disconnects)).toBeGreaterThan(0);
    expect(live.map((l) => l.event)).toEqual(listed);
    expect(live.every((l) => l.beforeDone)).toBe(true);
    const first = listed[0];
    expect(first.openBefore).toBe(20);
    expect(first.count).toBeGreaterThanOrEqual(20);
    expect(first.byCode).toEqual({ '1011': first.count });
    expect(first.byCause).toEqual({ 'server-close': first.count });
    // No more closes in events than the run had.
    expect(listed.reduce((n, e) => n + e.count, 0)).toBeLessThanOrEqual(report.disconnects.total);
    // The books stay exact through the drops, and the verdict says most sockets dropped.
    expectExactBooks(report);
    expect(runExitCode(report)).toBe(1);
    expect(verdictLine(report)).toContain(`most sockets dropped: ${report.disconnects.total} closes before the end for 20 sockets`);
  });
});
