import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HistogramLogReader } from 'hdr-histogram-js';
import type { Report, TimelineLine } from '../../src/run/report.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import { uniqueNames } from '../helpers/scenario-files.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin', 'wsload.js');
const dir = mkdtempSync(join(tmpdir(), 'wsload-signals-'));
const INTERVAL_MS = 500;
/** A timeline line is final (and written) a delivery deadline and a tick after its interval ends. */
const DEADLINE_MS = 1000;
const LINE_DELAY_MS = DEADLINE_MS + INTERVAL_MS + 250;
/**
 * How late a loaded machine may make the kill land after the last line written: wsload's boundary
 * timer and the test's poll both run late there, and 250 ms (all the bound had) is one scheduling
 * hiccup at load 25. A writer that held back 4 lines (2 s) or more still fails the bound;
 * what was on disk at the kill is checked exactly (the lines seen just before it).
 */
const WRITE_LAG_MS = 1000;
/** The most a run may take to reach its hold on a loaded machine before a test gives up on it. */
const HOLD_WITHIN_MS = 30_000;

interface Running {
  child: ChildProcess;
  report: string;
  timeline: string;
  hlog: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  stderr: () => string;
}

const started: Running[] = [];
const targetPids: number[] = [];

const nameOf = uniqueNames();

/**
 * Starts `wsload run` on a 20 s scenario with an embedded target, publishing 5/s. Each start has
 * its own files: a retried test must not find the first try's timeline and signal too early.
 */
function startRun(base: string): Running {
  const name = nameOf(base);
  const scenario = join(dir, `${name}.scenario.json`);
  writeFileSync(
    scenario,
    JSON.stringify({
      name,
      target: 'embedded',
      connections: 20,
      connectRate: 200,
      duration: '20s',
      workers: 2,
      publish: { rate: 5, deadline: `${DEADLINE_MS}ms` },
      report: { interval: `${INTERVAL_MS}ms` },
    }),
  );
  const report = join(dir, `${name}.json`);
  const child = spawn(process.execPath, [bin, 'run', scenario, '--out', report, '--quiet'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => (stderr += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const running = { child, report, timeline: join(dir, `${name}.ndjson`), hlog: join(dir, `${name}.hlog`), exited, stderr: () => stderr };
  started.push(running);
  return running;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An orphan nobody has reaped yet is a zombie: it has exited.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The embedded target: the child process of wsload running target/child.js. */
function embeddedTargetPid(pid: number): number | null {
  let children: number[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return null;
  }
  for (const c of children) {
    try {
      if (readFileSync(`/proc/${c}/cmdline`, 'utf8').includes('target/child.js')) return c;
    } catch {
      // gone already
    }
  }
  return null;
}

async function until<T>(get: () => T | null | false, limitMs: number): Promise<T | null> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const v = get();
    if (v !== null && v !== false) return v;
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Waits until the run's timeline has `lines` lines, one with every socket open, and deliveries:
 * the signal then lands in the hold however slow the start was (a fixed delay did not, on a
 * loaded machine).
 */
async function untilHolding(run: Running, lines: number): Promise<void> {
  const holding = await until(() => {
    try {
      const written = readFileSync(run.timeline, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as TimelineLine);
      return written.length >= lines && written.some((l) => l.open === 20) && written.some((l) => l.deliveries > 0);
    } catch {
      return false;
    }
  }, HOLD_WITHIN_MS);
  expect(holding, run.stderr()).toBe(true);
}

function readTimeline(file: string): TimelineLine[] {
  const text = readFileSync(file, 'utf8');
  // No partial line: every write was one whole line.
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as TimelineLine);
}

function readHlogCounts(file: string): number[] {
  const text = readFileSync(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const reader = new HistogramLogReader(text, 32, false);
  const counts: number[] = [];
  for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) counts.push(h.totalCount);
  const dataLines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('"'));
  expect(counts).toHaveLength(dataLines.length);
  return counts;
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
});
afterEach(() => {
  for (const r of started.splice(0)) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  for (const pid of targetPids.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wsload run stopped by a signal', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('on %s stops within seconds and writes the report marked interrupted', async (sig) => {
    const run = startRun(sig.toLowerCase());
    const pid = run.child.pid!;
    const target = await until(() => embeddedTargetPid(pid), 5000);
    expect(target, run.stderr()).not.toBeNull();
    targetPids.push(target!);
    await untilHolding(run, 1);
    const signalledAt = Date.now();
    run.child.kill(sig);
    const exit = await run.exited;
    expect(exit.signal, run.stderr()).toBeNull();
    expect(exit.at - signalledAt).toBeLessThan(5000);
    // Interrupted, and nothing else wrong with what was measured before the signal.
    expect(run.stderr()).toMatch(new RegExp(`^wsload: interrupted \\(${sig}\\)$`, 'm'));

    const report = JSON.parse(readFileSync(run.report, 'utf8')) as Report;
    expect(report.interrupted).toBe(true);
    expect(report.interruptReason).toBe(sig);
    expect(report.connections.opened).toBe(20);
    expect(report.fanout.published).toBeGreaterThan(0);
    expectDeliveredExactly(report, 20);
    expect(report.fanout.latencyMs.count).toBe(report.fanout.delivered);
    expect(report.phases.holdMs).toBeLessThan(10_000);
    // wsload's own closes at the end are not disconnects.
    expect(report.disconnects.total).toBe(0);
    // The timeline got its final line at the interrupt.
    const lines = readTimeline(run.timeline);
    expect(lines.reduce((s, l) => s + l.deliveries, 0)).toBe(report.fanout.delivered);
    expect(await until(() => !alive(target!), 3000)).toBe(true);
  });

  it('after SIGKILL leaves the .ndjson and .hlog intact up to the last interval, and the target exits', async () => {
    const run = startRun('sigkill');
    const pid = run.child.pid!;
    const target = await until(() => embeddedTargetPid(pid), 5000);
    expect(target, run.stderr()).not.toBeNull();
    targetPids.push(target!);
    await untilHolding(run, 3);
    // Whole lines on disk at the kill: each must be there afterwards, unchanged.
    const onDisk = readFileSync(run.timeline, 'utf8');
    const seen = onDisk.slice(0, onDisk.lastIndexOf('\n') + 1);
    const killedAt = Date.now();
    run.child.kill('SIGKILL');
    const exit = await run.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(existsSync(run.report)).toBe(false);

    const lines = readTimeline(run.timeline);
    // At least the 3 lines seen before the kill, every line seen then intact.
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(readFileSync(run.timeline, 'utf8').startsWith(seen)).toBe(true);
    expect(lines.length).toBeGreaterThanOrEqual(seen.split('\n').length - 1);
    for (let i = 1; i < lines.length; i++) {
      const step = lines[i].elapsedMs - lines[i - 1].elapsedMs;
      expect(step).toBeGreaterThanOrEqual(INTERVAL_MS - 5);
      expect(step).toBeLessThan(INTERVAL_MS * 1.5);
    }
    // Missing at most the interval in progress and those not yet final when the process died (plus
    // how late a loaded machine writes them).
    const lastAt = Date.parse(lines[lines.length - 1].t);
    expect(killedAt - lastAt).toBeLessThan(INTERVAL_MS * 2 + LINE_DELAY_MS + WRITE_LAG_MS);
    expect(lines.reduce((s, l) => s + l.deliveries, 0)).toBeGreaterThan(0);

    // The .hlog is written first for each interval, so it holds the same intervals or one more.
    const counts = readHlogCounts(run.hlog);
    expect(counts.length - lines.length).toBeGreaterThanOrEqual(0);
    expect(counts.length - lines.length).toBeLessThanOrEqual(1);
    expect(counts.slice(0, lines.length)).toEqual(lines.map((l) => l.fanoutMs.count));

    // Orphaned by the kill, the embedded target notices its parent is gone and exits.
    expect(await until(() => !alive(target!), 5000)).toBe(true);
  });
});
