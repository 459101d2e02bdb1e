/**
 * A signal is honoured in every phase of a run: while the CLI loads, while the embedded target
 * starts, during the hold and during a long drain. The first stops the run and still writes the
 * report; a second leaves at once with 128 + its own signal number.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, startWsload, type RunningCli } from '../helpers/cli.js';
import { startPublishTarget, startSkippingTarget } from '../helpers/servers.js';
import { closeAfterEach } from '../helpers/run-helpers.js';
import type { Report } from '../../src/run/report.js';
import { alive } from '../helpers/processes.js';
import { expectExactBooks } from '../helpers/books.js';
import { sleep, until } from '../helpers/wait.js';

let dir: string;
const running: RunningCli[] = [];
const track = closeAfterEach();

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'wsload-interrupt-'));
});
afterEach(() => {
  for (const r of running.splice(0)) r.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(name: string, written: Record<string, unknown>, quiet = true): { run: RunningCli; report: string } {
  const scenario = join(dir, `${name}.scenario.json`);
  writeFileSync(scenario, JSON.stringify({ name, connections: 10, connectRate: 500, workers: 1, ...written }));
  const report = join(dir, `${name}.json`);
  const run = startWsload(['run', scenario, '--out', report, ...(quiet ? ['--quiet'] : [])], { cwd: dir, timeoutMs: 40_000 });
  running.push(run);
  return { run, report };
}

/** Sends SIGINT now: the run must exit 130 within 5 s with its report written, marked interrupted. */
async function interruptNow(run: RunningCli, report: string): Promise<Report> {
  const sentAt = Date.now();
  run.kill('SIGINT');
  const r = await run.exited;
  expect(r.code, r.stderr).toBe(130);
  expect(r.at - sentAt).toBeLessThan(5000);
  expect(r.stderr).toMatch(/^wsload: interrupted \(SIGINT\)(: .+)?$/m);
  const written = JSON.parse(readFileSync(report, 'utf8')) as Report;
  expect(written.interrupted).toBe(true);
  expectExactBooks(written);
  return written;
}

/** The embedded target child of pid, if it has been forked yet. */
function childOf(pid: number): number | null {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
    return kids.find((c) => readFileSync(`/proc/${c}/cmdline`, 'utf8').includes('target/child.js')) ?? null;
  } catch {
    return null;
  }
}

/** The embedded target child of pid, polled every everyMs until it is forked or limitMs has passed. */
async function childWithin(pid: number, everyMs: number, limitMs: number): Promise<number | null> {
  await until(() => childOf(pid) !== null, limitMs, everyMs);
  return childOf(pid);
}

describe('wsload run interrupted early', () => {
  it('SIGINT 100 ms after start (the CLI still loading) exits 130 quickly with an interrupted report', async () => {
    // Until Node runs wsload's first line nothing can catch a signal: on a loaded machine that
    // can take longer than 100 ms, and the process then dies of the signal itself. Try again a
    // little later until the signal lands in wsload, which must then be while it still loads.
    for (let afterMs = 100; afterMs <= 1000; afterMs += 100) {
      const { run, report } = start(`at${afterMs}`, { target: 'embedded', duration: '20s', publish: { rate: 5 } }, false);
      await sleep(afterMs);
      const sentAt = Date.now();
      run.kill('SIGINT');
      const r = await run.exited;
      if (r.signal === 'SIGINT') {
        console.log(`SIGINT at ${afterMs} ms came before Node ran wsload's first line; trying later`);
        continue;
      }
      expect(r.code, r.stderr).toBe(130);
      expect(r.at - sentAt).toBeLessThan(5000);
      // Taken before the target started or the plan was printed.
      expect(r.stderr.indexOf('SIGINT received'), r.stderr).toBeGreaterThanOrEqual(0);
      const plan = r.stderr.search(/wsload: 10 sockets/);
      if (plan >= 0) expect(r.stderr.indexOf('SIGINT received'), r.stderr).toBeLessThan(plan);
      expect(r.stderr).toMatch(/^wsload: interrupted \(SIGINT\)/m);
      const written = JSON.parse(readFileSync(report, 'utf8')) as Report;
      expect(written.interrupted).toBe(true);
      expect(written.interruptReason).toBe('SIGINT');
      expect(written.connections.opened).toBe(0);
      return;
    }
    throw new Error('no SIGINT reached wsload within 1 s of its start');
  });

  it('SIGINT while the embedded target starts is not lost: exit 130, the target stopped', async () => {
    const { run, report } = start('target-start', { target: 'embedded', duration: '20s', publish: { rate: 5 } });
    // Polled every 5 ms to catch the target while it starts; bounded by the clock (400 polls, ~2 s,
    // were less than Node and wsload may take to load and fork it on a loaded machine).
    const target = await childWithin(run.pid, 5, 30_000);
    expect(target, run.stderr()).not.toBeNull();
    await interruptNow(run, report);
    expect(alive(target!)).toBe(false);
  });
});

describe('wsload run interrupted mid-ramp', () => {
  it('SIGINT during a slow ramp stops at once and dials no socket after it', async () => {
    const target = track(await startPublishTarget());
    // 40 sockets at 5/s: an 8 s ramp.
    const { run, report } = start('ramp', { target: { url: target.wsUrl }, connections: 40, connectRate: 5, duration: '10s' }, false);
    expect(await run.waitForStderr(/wsload: 40 sockets/, 10_000), run.stderr()).toBe(true);
    await sleep(2000);
    const atSignal = target.accepted();
    const written = await interruptNow(run, report);
    expect(written.connections.opened).toBeGreaterThan(0);
    expect(written.connections.opened).toBeLessThan(40);
    // The sockets not yet due were not dialed on the way out: at 5/s one handshake may be on the
    // wire when the signal lands (the target accepts it, wsload stops before its 101 arrives:
    // seen once in CI as 10 accepted for 9 opened), never more.
    expect(target.accepted() - atSignal, `${atSignal} accepted at the signal`).toBeLessThanOrEqual(1);
    expect(target.accepted()).toBeGreaterThanOrEqual(written.connections.opened);
    expect(target.accepted()).toBeLessThanOrEqual(written.connections.opened + 1);
  });
});

describe('wsload run interrupted late', () => {
  it('SIGINT during a 20 s drain cuts the drain short', async () => {
    // Every delivery is left out, so the drain would wait the whole deadline for them.
    const target = track(await startSkippingTarget(() => true));
    const { run, report } = start(
      'drain',
      { target: { url: target.wsUrl }, duration: '1s', publish: { rate: 10, deadline: '20s' } },
      false,
    );
    // The hold starts with the first publish and lasts 1 s; the drain then waits up to 20 s. The
    // signal goes once wsload says it drains (its progress line, every 10 s off a terminal), not
    // after a fixed 2.5 s, which a loaded machine can spend before the hold even ends.
    for (let i = 0; i < 300 && target.publishes() === 0; i++) await sleep(50);
    expect(target.publishes(), run.stderr()).toBeGreaterThan(0);
    expect(await run.waitForStderr(/^\[[^\]]+\] drain \|/m, 20_000), run.stderr()).toBe(true);
    const written = await interruptNow(run, report);
    expect(written.fanout.published).toBeGreaterThan(0);
    // Not one delivery came (the target skipped them all), and the verdict says so beside the interrupt.
    expect(run.stderr()).toMatch(
      new RegExp(`^wsload: interrupted \\(SIGINT\\): no delivery arrived although ${written.publish.sent} publishes succeeded`, 'm'),
    );
    // The whole hold ran: the signal came during the drain.
    expect(written.phases.holdMs).toBeGreaterThanOrEqual(950);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('a second %s leaves at once with exit %i and the embedded target stopped', async (sig, code) => {
    const { run } = start(`twice-${sig}`, { target: 'embedded', duration: '20s', publish: { rate: 5, deadline: '20s' } });
    const target = await childWithin(run.pid, 10, 30_000);
    expect(target, run.stderr()).not.toBeNull();
    await sleep(2000);
    run.kill(sig);
    await sleep(20);
    const sentAt = Date.now();
    run.kill(sig);
    const r = await run.exited;
    expect(r.code, r.stderr).toBe(code);
    expect(r.at - sentAt).toBeLessThan(3000);
    for (let i = 0; i < 60 && alive(target!); i++) await sleep(50);
    expect(alive(target!)).toBe(false);
  });
});
