/**
 * The hostile suite, part 2: a relay on loopback (test/helpers/control-relay.ts) between real
 * `wsload agent`s and a real coordinator that delays, skews, cuts, drops or duplicates the
 * control traffic. Each case asserts the coordinator's exit code, its report and the books, and
 * what the agent did: a delayed or skewed channel still gives an exact run within the clock's
 * stated uncertainty; a cut, dropped or duplicated frame loses that agent (never the run), and
 * the agent closes its sockets, writes what it measured and exits 1.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type CliResult, type RunningCli } from '../helpers/cli.js';
import { AGENTS_SCENARIO, readAgentRecord, startAgent, targetOf, waitForTarget, whyRun as why } from '../helpers/agents.js';
import { scenarioFiles } from '../helpers/scenario-files.js';
import { startRelayedCoordinator, type ControlRelay, type Direction } from '../helpers/control-relay.js';
import { expectExactBooks } from '../helpers/books.js';
import type { Report } from '../../src/run/report.js';
import { readReport } from '../../src/report/read.js';
import { injectEnv } from '../helpers/inject.js';

const TOKEN = 'hostile-token-2';
const SOCKETS = 100;
const files = scenarioFiles('hostile-relay', { ...AGENTS_SCENARIO, connections: SOCKETS, duration: '4s' });
const dir = files.dir;
const scenario = files.write;

beforeAll(() => {
  assertBuilt();
});

interface RelayRun {
  relay: ControlRelay;
  coordinator: RunningCli;
  agents: Record<'a' | 'b', RunningCli>;
  out: string;
  records: Record<'a' | 'b', string>;
  /** Resolves 1.5 s into the hold (the target held every socket). */
  hold: () => Promise<void>;
}

/** A coordinator, a relay in front of it and agents a and b dialing the relay. */
async function relayRun(
  name: string,
  opts: { env?: NodeJS.ProcessEnv; flags?: string[]; agentFlags?: string[]; extra?: Record<string, unknown> } = {},
): Promise<RelayRun> {
  const out = join(dir, `${name}-report.json`);
  // Killed only past the test's own 150 s: a 4 s hold behind a 150 ms relay took ~60 s at load average 24 on 2 cores.
  const { cli: coordinator, relay } = await startRelayedCoordinator(
    scenario(name, opts.extra),
    2,
    ['--token', TOKEN, '--out', out, ...(opts.flags ?? [])],
    { cwd: dir, env: opts.env, timeoutMs: 140_000 },
  );
  const url = relay.url;
  const records = { a: join(dir, `${name}-a-record.json`), b: join(dir, `${name}-b-record.json`) };
  const agents = {
    a: startAgent(url, 'a', TOKEN, ['--out', records.a, ...(opts.agentFlags ?? [])], {}, 140_000),
    b: startAgent(url, 'b', TOKEN, ['--out', records.b, ...(opts.agentFlags ?? [])], {}, 140_000),
  };
  return {
    relay,
    coordinator,
    agents,
    out,
    records,
    hold: async () => {
      expect(await waitForTarget(await targetOf(coordinator), SOCKETS, 60_000)).toBe(true);
      // Mid-hold: every agent's snapshot of its open sockets has reached the coordinator.
      await new Promise((r) => setTimeout(r, 1_500));
    },
  };
}

/** Every frame passes; once armed, `pick` decides what becomes of the first frame of `agent` it matches. */
function oneFrame(
  relay: ControlRelay,
  direction: Direction,
  agent: string,
  match: (m: { type: string; msg?: { type: string } }) => boolean,
  becomes: (f: string) => string[],
): { arm: () => void; hit: () => boolean } {
  let armed = false;
  let hit = false;
  relay.hooks[direction] = (f, who) => {
    if (!armed || hit || who !== agent) return [f];
    if (!match(JSON.parse(f) as { type: string; msg?: { type: string } })) return [f];
    hit = true;
    return becomes(f);
  };
  return { arm: () => (armed = true), hit: () => hit };
}

/** The coordinator lost agent b (and only b), said why, and wrote a report with exact books. */
async function expectLostB(run: RelayRun, r: CliResult, reason: RegExp, agentB: CliResult): Promise<Report> {
  expect(r.code, why(r, run.out, [agentB])).toBe(1);
  const report = await readReport(run.out);
  const b = report.shards!.find((s) => s.name === 'b')!;
  const a = report.shards!.find((s) => s.name === 'a')!;
  expect(b.lost).toBe(true);
  expect(b.lostReason).toMatch(reason);
  expect(a.lost).toBe(false);
  expect(report.connections.opened).toBe(SOCKETS);
  expectExactBooks(report);
  return report;
}

/** Agent b closed its sockets, wrote what it measured and exited 1, saying why. */
function expectGaveUp(run: RelayRun, b: CliResult, reason: RegExp): void {
  expect(b.code, b.stderr).toBe(1);
  const line = b.stderr.trim().split('\n').pop()!;
  expect(line).toMatch(/^wsload: agent b: /);
  expect(line.slice('wsload: agent b: '.length).split('; closed its sockets')[0]).toMatch(reason);
  expect(line).toContain(`; closed its sockets; what it measured (50 of 50 sockets opened, `);
  expect(line).toContain(`is in ${run.records.b}`);
  const rec = readAgentRecord(run.records.b);
  expect(rec.agent.name).toBe('b');
  expect(rec.sockets).toBe(50);
  expect(rec.totals.opened).toBe(50);
  expect(rec.workers.every((w) => w.final)).toBe(true);
  // Publishes whose outcome never reached it (cut off from its coordinator) are received but not
  // judged: in delivered, not in expected (docs/distributed.md says so).
  expect(rec.totals.delivery.delivered + rec.totals.delivery.lost).toBeGreaterThanOrEqual(rec.totals.delivery.expected);
}

describe("a slow or skewed control channel: the run is exact, within the clock's stated uncertainty", () => {
  it('150 ms each way, clocks estimated over it', async () => {
    const run = await relayRun('delayed', { env: injectEnv({ coordinatorOtherClock: true }) });
    run.relay.delayMs['to-coordinator'] = 150;
    run.relay.delayMs['to-agent'] = 150;
    try {
      const r = await run.coordinator.exited;
      const agents = [await run.agents.a.exited, await run.agents.b.exited];
      const report = await readReport(run.out);
      // A loopback push takes ~1 ms, so an estimate a few ms off (well inside its ±150 ms) makes some
      // receipts come before their scheduled time: within the bound that is no evidence of a wrong
      // offset, so they are counted (fanout.early) and the run passes.
      expect(r.code, why(r, run.out, agents)).toBe(0);
      expect(r.stderr).not.toContain('arrived before their publish');
      for (const a of agents) expect(a.code, a.stderr).toBe(0);
      expectExactBooks(report);
      expect(report.fanout.delivered).toBe((report.publish.sent - report.publish.failed) * SOCKETS);
      for (const s of report.shards!) {
        // A round trip of ≥ 300 ms: the offset is known to ±150 ms at best; its true value is 0.
        expect(s.clockUncertaintyMs).toBeGreaterThanOrEqual(140);
        expect(Math.abs(s.clockOffsetMs)).toBeLessThanOrEqual(s.clockUncertaintyMs + 0.001);
        expect(s.fanout?.earlyMaxMs ?? 0).toBeLessThanOrEqual(s.clockUncertaintyMs);
      }
    } finally {
      run.relay.close();
    }
  }, 150_000);

  it('250 ms one way only (the estimate is skewed by half of it, and says so)', async () => {
    const run = await relayRun('skewed', { env: injectEnv({ coordinatorOtherClock: true }) });
    run.relay.delayMs['to-coordinator'] = 250;
    try {
      const r = await run.coordinator.exited;
      const agents = [await run.agents.a.exited, await run.agents.b.exited];
      expect(r.code, why(r, run.out, agents)).toBe(0);
      const report = await readReport(run.out);
      expectExactBooks(report);
      expect(report.fanout.delivered).toBe((report.publish.sent - report.publish.failed) * SOCKETS);
      for (const s of report.shards!) {
        // Asymmetry the estimator cannot see: the offset reads ≈ −125 ms, within its uncertainty of 0.
        expect(s.clockOffsetMs).toBeLessThan(-100);
        expect(Math.abs(s.clockOffsetMs)).toBeLessThanOrEqual(s.clockUncertaintyMs + 0.001);
      }
      expect(r.stdout).toMatch(/fan-out latency ±[\d.]+ ms \(clock offset uncertainty of [ab]\)/);
    } finally {
      run.relay.close();
    }
  }, 150_000);
});

describe('a control channel that loses frames: that agent is lost, never the run', () => {
  it('a partition towards the coordinator: it drops the silent agent; the agent gives up on its own', async () => {
    const run = await relayRun('cut-up', { flags: ['--agent-silence', '2s'] });
    try {
      await run.hold();
      run.relay.cut('to-coordinator', 'b');
      const r = await run.coordinator.exited;
      const b = await run.agents.b.exited;
      expect((await run.agents.a.exited).code).toBe(0);
      // Judged every second: silent 2 s, or a little more.
      expect(r.stderr).toMatch(/wsload: warning: dropped agent b \(\S+\): silent for [234](\.\d+)?s\n/);
      await expectLostB(run, r, /^silent for [234](\.\d+)?s$/, b);
      expectGaveUp(run, b, /^the coordinator at ws:\/\/127\.0\.0\.1:\d+ closed the control connection before the run ended$/);
    } finally {
      run.relay.close();
    }
  }, 150_000);

  it('a partition towards the agent: it hears nothing for --coordinator-silence, closes its sockets and exits 1', async () => {
    const run = await relayRun('cut-down', { agentFlags: ['--coordinator-silence', '2s'] });
    try {
      await run.hold();
      const cutAt = Date.now();
      run.relay.cut('to-agent', 'b');
      const b = await run.agents.b.exited;
      // The bound, plus a check period, plus closing its sockets (≤ 2 s) on a loaded machine.
      expect(Date.now() - cutAt).toBeLessThan(15_000);
      const r = await run.coordinator.exited;
      expect((await run.agents.a.exited).code).toBe(0);
      expectGaveUp(run, b, /^heard nothing from the coordinator at ws:\/\/127\.0\.0\.1:\d+ for [23](\.\d+)?s \(the limit is 2s\)$/);
      await expectLostB(run, r, /^(it stopped before the run ended|its control connection closed)$/, b);
    } finally {
      run.relay.close();
    }
  }, 150_000);

  /** One frame of agent b, once it holds: duplicated or dropped on the way, and what each side says of it. */
  interface OneFrameCase {
    title: string;
    name: string;
    direction: Direction;
    match: (m: { type: string; msg?: { type: string } }) => boolean;
    becomes: (f: string) => string[];
    /** The coordinator's warning line, where it prints one. */
    warning?: RegExp;
    lostReason: RegExp;
    gaveUp: RegExp;
  }
  const isTick = (m: { type: string; msg?: { type: string } }): boolean => m.type === 'worker' && m.msg?.type === 'tick';
  const ONE_FRAME: OneFrameCase[] = [
    {
      title: 'a tick duplicated on the way: the agent is dropped (its books would count it twice), and says so',
      name: 'dup-up',
      direction: 'to-coordinator',
      match: isTick,
      becomes: (f) => [f, f],
      warning: /wsload: warning: dropped agent b \(\S+\): frame \d+ came again after frame \d+ \(duplicated or replayed\)\n/,
      lostReason: /^dropped by the coordinator: frame \d+ came again after frame \d+ \(duplicated or replayed\)$/,
      gaveUp: /^dropped by the coordinator: frame \d+ came again/,
    },
    {
      title: 'a tick lost on the way (a dropped final tick broke the books on main): the agent is dropped',
      name: 'lost-up',
      direction: 'to-coordinator',
      match: isTick,
      becomes: () => [],
      lostReason: /^dropped by the coordinator: frame \d+ came where frame \d+ was due \(1 missing\)$/,
      gaveUp: /^dropped by the coordinator: frame \d+ came where/,
    },
    {
      title: 'a publish record lost towards the agent: the agent refuses the gap and gives up',
      name: 'lost-down',
      direction: 'to-agent',
      match: (m) => m.type === 'publish',
      becomes: () => [],
      lostReason: /^(it stopped before the run ended|its control connection closed)$/,
      gaveUp: /^the coordinator sent a bad frame: frame \d+ came where frame \d+ was due$/,
    },
  ];

  for (const c of ONE_FRAME) {
    it(
      c.title,
      async () => {
        const run = await relayRun(c.name);
        const hook = oneFrame(run.relay, c.direction, 'b', c.match, c.becomes);
        try {
          await run.hold();
          hook.arm();
          const r = await run.coordinator.exited;
          const b = await run.agents.b.exited;
          expect(hook.hit()).toBe(true);
          if (c.warning) expect(r.stderr).toMatch(c.warning);
          await expectLostB(run, r, c.lostReason, b);
          expectGaveUp(run, b, c.gaveUp);
        } finally {
          run.relay.close();
        }
      },
      150_000,
    );
  }
});
