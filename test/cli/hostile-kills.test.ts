/**
 * The hostile suite, part 3: kill -9 and SIGSTOP of agents, local shards and the coordinator at
 * each phase of a run (before the assignment, ramp, hold, drain), what a Kubernetes Job of agents
 * lives through (a pod killed, a node partitioned, a pod restarted with its index), a coordinator
 * that stalls on its own, and what each side does: the coordinator loses the dead part (never the
 * run), reports it and keeps the books exact; an agent that loses its coordinator closes its
 * sockets, writes what it measured and exits 1, so the Job completes.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, startWsload, type CliResult, type RunningCli } from '../helpers/cli.js';
import { readAgentRecord, startAgent, startCoordinator, targetOf, targetOpen, waitForTarget, whyRun as why } from '../helpers/agents.js';
import { scenarioFiles } from '../helpers/scenario-files.js';
import { alive, until } from '../helpers/processes.js';
import { expectExactBooks } from '../helpers/books.js';
import type { AgentRecord } from '../../src/agent/local-record.js';
import { readReport } from '../../src/report/read.js';
import { injectEnv } from '../helpers/inject.js';
import { holdDial, type HeldDial } from '../helpers/held-dial.js';

const TOKEN = 'hostile-token-3';
const SOCKETS = 100;
/**
 * A 2.5 s ramp and a 4 s hold. For the drain, publish records reach the agents 3 s late, so each
 * agent's drain (which waits for the last record) lasts that long and a signal lands inside it.
 */
const files = scenarioFiles('hostile-kills', { connections: SOCKETS, connectRate: 40, duration: '4s', workers: 1, publish: { rate: 5 } });
const dir = files.dir;
const scenario = files.write;

beforeAll(() => assertBuilt());

type Phase = 'before the assignment' | 'ramp' | 'hold' | 'drain';
const PHASES: Phase[] = ['before the assignment', 'ramp', 'hold', 'drain'];

/** The port of a ws://HOST:PORT URL. */
const portOf = (url: string): number => Number(new URL(url).port);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until the run is in `phase`, read off the coordinator's lines and the target itself. */
async function reach(phase: Phase, coordinator: RunningCli, sockets = SOCKETS): Promise<void> {
  if (phase === 'before the assignment') return;
  const base = await targetOf(coordinator, 60_000);
  if (phase === 'ramp') {
    // A tenth of the sockets open, the ramp (2.5 s) far from done.
    expect(await until(async () => (await targetOpen(base)) >= sockets / 10, 60_000)).toBe(true);
    return;
  }
  expect(await waitForTarget(base, sockets, 60_000)).toBe(true);
  if (phase === 'hold') return sleep(1_000);
  // The publisher stopped: the hold is over and the agents wait for the last (late) records.
  let last = -1;
  let since = Date.now();
  const stopped = await until(async () => {
    const res = await fetch(`${base}/admin/stats`).then(
      (x) => x.json() as Promise<{ publishes: number }>,
      () => ({ publishes: -1 }),
    );
    if (res.publishes !== last) {
      last = res.publishes;
      since = Date.now();
    }
    return Date.now() - since > 700;
  }, 60_000);
  expect(stopped).toBe(true);
}

/** An agent that lost its coordinator: exit 1, one line saying why, and, once it held sockets, its record. */
function expectGaveUp(a: CliResult, name: string, reason: RegExp, recordFile: string, assigned: boolean): void {
  expect(a.code, a.stderr).toBe(1);
  const line = a.stderr.trim().split('\n').pop()!;
  expect(line.startsWith(`wsload: agent ${name}: `), a.stderr).toBe(true);
  expect(line.slice(`wsload: agent ${name}: `.length).split('; ')[0]).toMatch(reason);
  expect(a.stderr).not.toContain('    at ');
  if (!assigned) {
    expect(line).toMatch(/; it had been assigned no sockets yet$/);
    expect(existsSync(recordFile)).toBe(false);
    return;
  }
  expect(line).toContain(`is in ${recordFile}`);
  const rec = readAgentRecord(recordFile);
  expect(rec.agent.name).toBe(name);
  expect(rec.sockets).toBe(SOCKETS / 2);
  expect(rec.totals.opened).toBeGreaterThan(0);
  // Closed its sockets and counted them: every worker's final tick is in.
  expect(rec.workers.every((w) => w.final)).toBe(true);
  // Publishes whose outcome never reached it (its coordinator gone) are received but not judged:
  // in delivered, not in expected (docs/distributed.md says so).
  expect(rec.totals.delivery.delivered + rec.totals.delivery.lost).toBeGreaterThanOrEqual(rec.totals.delivery.expected);
}

interface AgentsRun {
  coordinator: RunningCli;
  url: string;
  out: string;
  agents: Map<string, RunningCli>;
  recordOf: (name: string) => string;
  start: (name: string, extra?: string[], env?: NodeJS.ProcessEnv) => RunningCli;
}

async function agentsRun(
  name: string,
  expected: number,
  opts: { env?: NodeJS.ProcessEnv; flags?: string[]; extra?: Record<string, unknown> } = {},
): Promise<AgentsRun> {
  const out = join(dir, `${name}-report.json`);
  const c = await startCoordinator(scenario(name, opts.extra), expected, ['--token', TOKEN, '--out', out, ...(opts.flags ?? [])], {
    cwd: dir,
    env: opts.env,
    timeoutMs: 120_000,
  });
  const url = `ws://127.0.0.1:${c.port}`;
  const agents = new Map<string, RunningCli>();
  const recordOf = (agent: string): string => join(dir, `${name}-${agent}-record.json`);
  return {
    coordinator: c.cli,
    url,
    out,
    agents,
    recordOf,
    start: (agent, extra = [], env = {}) => {
      const a = startAgent(url, agent, TOKEN, ['--out', recordOf(agent), ...extra], env);
      agents.set(agent, a);
      return a;
    },
  };
}

/**
 * Agents started before their coordinator, each held at a door until its process is up and dialing
 * (test/helpers/held-dial.ts): a case whose bound (`--agent-wait`, from the coordinator's
 * listening) must not include process starts, which take seconds on a loaded machine. They live
 * through the coordinator's start too: killed only at the case's own bound (150 s), not the default 60 s.
 */
async function heldAgents(runName: string, names: string[], extra: string[] = []): Promise<{ agents: RunningCli[]; doors: HeldDial[] }> {
  const doors = await Promise.all(names.map(() => holdDial()));
  const agents = names.map((n, i) =>
    startAgent(doors[i].url, n, TOKEN, ['--out', join(dir, `${runName}-${n}-record.json`), ...extra], {}, 150_000),
  );
  for (const [i, door] of doors.entries()) expect(await door.dialed(60_000), `agent ${names[i]} never dialed`).toBe(true);
  return { agents, doors };
}

/** Stops every process a case started that may still run (a stopped one is killed). */
function cleanUp(...clis: (RunningCli | undefined)[]): void {
  for (const c of clis) {
    if (!c || !alive(c.pid)) continue;
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      // Gone between the check and the kill.
    }
  }
}

const joinedLine = (name: string, n: number, of: number): RegExp =>
  new RegExp(`wsload: agent ${name} \\(\\S+\\) joined \\(${n} of ${of}; same clock\\)`);

describe('an agent killed (kill -9) or stopped (SIGSTOP) at each phase', () => {
  for (const signal of ['SIGKILL', 'SIGSTOP'] as const) {
    for (const phase of PHASES) {
      it(`${signal} ${phase}`, async () => {
        const drain = phase === 'drain';
        const before = phase === 'before the assignment';
        // Each try its own report and records: a retry must not read b's record from the first try.
        const name = files.unique(`agent-${signal}-${phase.replace(/ /g, '-')}`);
        // Before the assignment the case is about --agent-wait, which runs from the coordinator's
        // listening: both agents start first, each held at a door until it dialed (its process is
        // up), so the bound covers b's join, its drop and a's join, not two process starts (which
        // took the whole 8 s at load ~12 and read "2 of 2 agents did not join").
        const held = before ? await heldAgents(name, ['a', 'b']) : null;
        let run: AgentsRun | undefined;
        let [a, b] = held?.agents ?? [];
        try {
          run = await agentsRun(name, 2, { flags: ['--agent-silence', '2s', ...(before ? ['--agent-wait', '8s'] : [])] });
          const env = drain ? injectEnv({ publishDelayMs: 3000 }) : {};
          if (held) {
            held.doors[1].open(portOf(run.url));
            expect(await run.coordinator.waitForStderr(joinedLine('b', 1, 2), 30_000), run.coordinator.stderr()).toBe(true);
          } else {
            b = run.start('b', [], env);
            a = run.start('a', [], env);
            await reach(phase, run.coordinator);
          }
          b!.kill(signal);
          if (held) {
            // Once its place was freed (heartbeats are the only sign of a stopped agent, so one
            // that stops a moment before the last agent joins is still handed its sockets).
            const freed = signal === 'SIGKILL' ? /agent b \(\S+\) left before the run started/ : /dropped agent b \(\S+\): silent for/;
            expect(await run.coordinator.waitForStderr(freed, 30_000), run.coordinator.stderr()).toBe(true);
            held.doors[0].open(portOf(run.url));
          }
          const r = await run.coordinator.exited;
          if (signal === 'SIGSTOP') b!.kill('SIGCONT');
          const bExit = await b!.exited;
          const aExit = await a!.exited;
          if (phase === 'before the assignment') {
            // Its place was freed (closed, or silent past the bound), so the run waited for another.
            expect(r.code, r.stderr).toBe(2);
            expect(r.stderr).toMatch(/wsload: --agent-wait 8s: 1 of 2 agents did not join \(joined: a \(\S+\)\)\n/);
            if (signal === 'SIGKILL')
              expect(r.stderr).toMatch(
                /wsload: warning: agent b \(\S+\) left before the run started \(its control connection closed\); its place is free\n/,
              );
            else {
              expect(r.stderr).toMatch(/wsload: warning: dropped agent b \(\S+\): silent for [234](\.\d+)?s\n/);
              expectGaveUp(bExit, 'b', /^dropped by the coordinator: silent for/, run.recordOf('b'), false);
            }
            expect(aExit.code, aExit.stderr).toBe(0);
            return;
          }
          const report = await readReport(run.out).catch(() => null);
          expect(report, why(r, run.out, [bExit])).not.toBeNull();
          const lostB = report!.shards!.find((s) => s.name === 'b')!;
          if (drain && !lostB.lost) {
            // Its final tick made it before the signal: nothing was lost, the run is whole.
            expect(r.code, why(r, run.out)).toBe(0);
          } else {
            expect(r.code, why(r, run.out, [bExit])).toBe(1);
            expect(lostB.lost).toBe(true);
            expect(lostB.lostReason).toMatch(signal === 'SIGKILL' ? /^its control connection closed$/ : /^silent for [234](\.\d+)?s$/);
            expect(r.stderr).toMatch(/wsload: FAILED: .*shard b \(\S+\) lost mid-run/);
          }
          expect(report!.shards!.find((s) => s.name === 'a')!.lost).toBe(false);
          expectExactBooks(report!);
          expect(aExit.code, aExit.stderr).toBe(0);
          if (signal === 'SIGSTOP' && lostB.lost) {
            // Woken after the run had dropped it: it learns it was cut off and leaves its record.
            expectGaveUp(bExit, 'b', /^the coordinator at .* closed the control connection before the run ended$/, run.recordOf('b'), true);
          }
        } finally {
          cleanUp(run?.coordinator, a, b);
          held?.doors.forEach((d) => d.close());
        }
      }, 150_000);
    }
  }
});

describe('the coordinator killed (kill -9) or stopped (SIGSTOP) at each phase: its agents leave, nothing is lost', () => {
  for (const signal of ['SIGKILL', 'SIGSTOP'] as const) {
    for (const phase of PHASES) {
      it(`${signal} ${phase}`, async () => {
        const before = phase === 'before the assignment';
        const name = files.unique(`coord-${signal}-${phase.replace(/ /g, '-')}`);
        const env = phase === 'drain' ? injectEnv({ publishDelayMs: 3000 }) : {};
        const flags = ['--coordinator-silence', '3s'];
        // Before the assignment the coordinator, stopped, must be woken before its --agent-wait runs
        // out, or it judges the wait with its agents' closes still unread ("2 of 3 did not join
        // (joined: b; connected but silent: a)", seen at load ~20): the agents start first, held at
        // doors until they are up, so the 15 s do not include their process starts.
        const held = before ? await heldAgents(name, ['a', 'b'], flags) : null;
        // Before the assignment: 3 expected, 2 came; the coordinator is waiting for the third.
        const run = await agentsRun(name, before ? 3 : 2, { flags: before ? ['--agent-wait', '15s'] : [] });
        held?.doors.forEach((d) => d.open(portOf(run.url)));
        const agents = held?.agents ?? [run.start('a', flags, env), run.start('b', flags, env)];
        try {
          if (before) expect(await run.coordinator.waitForStderr(/joined \(2 of 3;/, 30_000), run.coordinator.stderr()).toBe(true);
          else await reach(phase, run.coordinator);
          const at = Date.now();
          run.coordinator.kill(signal);
          const exits = await Promise.all(agents.map((a) => a.exited));
          // Killed: its connection closes at once. Stopped: 3 s of silence, a check, closing the sockets.
          expect(Date.now() - at).toBeLessThan(signal === 'SIGKILL' ? 15_000 : 20_000);
          const reason =
            signal === 'SIGKILL'
              ? /^the coordinator at ws:\/\/127\.0\.0\.1:\d+ closed the control connection before the run ended$/
              : /^heard nothing from the coordinator at ws:\/\/127\.0\.0\.1:\d+ for [345](\.\d+)?s \(the limit is 3s\)$/;
          exits.forEach((e, i) => expectGaveUp(e, ['a', 'b'][i], reason, run.recordOf(['a', 'b'][i]), !before));
          if (signal === 'SIGSTOP') {
            // Woken, it finds its agents gone: they are lost, the report is still written.
            run.coordinator.kill('SIGCONT');
            const r = await run.coordinator.exited;
            if (before) {
              expect(r.code, r.stderr).toBe(2);
              expect(r.stderr).toMatch(/--agent-wait 15s: 3 of 3 agents did not join \(none joined\)/);
            } else {
              const report = await readReport(run.out);
              const lost = report.shards!.filter((s) => s.lost).length;
              // In the drain an agent may have sent its final tick before it left: nothing of it was lost.
              if (phase !== 'drain') expect(lost).toBe(2);
              expect(r.code, why(r, run.out)).toBe(lost > 0 ? 1 : 0);
              expectExactBooks(report);
            }
          }
        } finally {
          cleanUp(run.coordinator, ...agents);
          held?.doors.forEach((d) => d.close());
        }
      }, 150_000);
    }
  }
});

describe("names and slots: a dead agent's place goes to its replacement (a restarted pod keeps its index)", () => {
  it('stopped while the others join (its connection still open): a newcomer with its name takes its place and the run is whole', async () => {
    const run = await agentsRun('replace-before', 2, { flags: ['--agent-wait', '60s'] });
    const dead = run.start('1');
    let a: RunningCli | undefined;
    let replacement: RunningCli | undefined;
    try {
      expect(await run.coordinator.waitForStderr(joinedLine('1', 1, 2), 30_000)).toBe(true);
      dead.kill('SIGSTOP');
      // Four heartbeats missed: the name is free for the next agent that gives it.
      await sleep(2_500);
      replacement = run.start('1');
      a = run.start('0');
      const r = await run.coordinator.exited;
      expect(r.code, why(r, run.out)).toBe(0);
      expect(r.stderr).toMatch(
        /wsload: warning: agent 1 \(\S+\): silent for \d+(\.\d+)?s, then replaced by a new agent with its name from 127\.0\.0\.1:\d+\n/,
      );
      expect((await replacement.exited).code).toBe(0);
      expect((await a.exited).code).toBe(0);
      const report = await readReport(run.out);
      expect(report.shards!.map((s) => [s.name, s.lost, s.sockets]).sort()).toEqual([
        ['0', false, 50],
        ['1', false, 50],
      ]);
      expect(report.shards!.find((s) => s.name === '1')!.pid).toBe(replacement.pid);
      expectExactBooks(report);
      expect(report.fanout.delivered).toBe(report.fanout.expected);
    } finally {
      dead.kill('SIGCONT');
      cleanUp(run.coordinator, dead, a, replacement);
    }
  }, 150_000);

  for (const signal of ['SIGKILL', 'SIGSTOP'] as const) {
    it(`${signal} mid-run: its replacement is admitted on standby, exits 0 at the end (the Job completes); the run reports the loss`, async () => {
      const run = await agentsRun(`replace-mid-${signal}`, 2, { extra: { duration: '12s' } });
      const a = run.start('0');
      const dead = run.start('1');
      let replacement: RunningCli | undefined;
      try {
        await reach('hold', run.coordinator);
        dead.kill(signal);
        // A stopped one must first miss four heartbeats; a killed one's connection closed at once.
        await sleep(signal === 'SIGSTOP' ? 2_500 : 200);
        replacement = run.start('1');
        expect(await replacement.waitForStderr(/admitted to .* on standby/, 30_000), replacement.stderr()).toBe(true);
        const r = await run.coordinator.exited;
        const rep = await replacement.exited;
        expect(rep.code, rep.stderr).toBe(0);
        expect(rep.stderr).toContain('wsload: agent 1: admitted to ws://127.0.0.1:');
        expect(r.code, why(r, run.out)).toBe(1);
        const report = await readReport(run.out);
        const lost = report.shards!.find((s) => s.name === '1')!;
        expect(lost.lost).toBe(true);
        expect(lost.pid).toBe(dead.pid);
        if (signal === 'SIGSTOP')
          expect(lost.lostReason).toMatch(/^silent for \d+(\.\d+)?s, then replaced by a new agent with its name from 127\.0\.0\.1:\d+$/);
        expect(report.warnings.join('\n')).toMatch(
          /a new agent 1 \(\S+\) \(pid \d+\) joined in the place of the lost agent 1 and stands by/,
        );
        expectExactBooks(report);
        expect((await a.exited).code).toBe(0);
      } finally {
        dead.kill('SIGCONT');
        cleanUp(run.coordinator, a, dead, replacement);
      }
    }, 150_000);
  }
});

describe('a coordinator that stalls on its own does not blame its agents', () => {
  it('blocked 4 s mid-hold (main-thread lag 4 s), agents judged silent at 2 s: none is lost, exit 0', async () => {
    const run = await agentsRun('stall', 2, {
      flags: ['--agent-silence', '2s'],
      env: injectEnv({ coordinatorStallMs: 4000 }),
      // Without publishing: publishes due while the publisher itself stalls would be late, and lost.
      extra: { duration: '8s', connectRate: 1000, publish: undefined },
    });
    const agents = [run.start('a'), run.start('b')];
    try {
      const r = await run.coordinator.exited;
      expect(r.code, why(r, run.out)).toBe(0);
      expect(r.stderr).not.toContain('dropped agent');
      const report = await readReport(run.out);
      // The stall happened, and was the coordinator's own.
      expect(report.client.mainThreadLagMs!.max).toBeGreaterThan(3_500);
      expect(report.shards!.every((s) => !s.lost)).toBe(true);
      expect(report.connections.opened).toBe(SOCKETS);
      for (const a of agents) expect((await a.exited).code).toBe(0);
    } finally {
      cleanUp(run.coordinator, ...agents);
    }
  }, 150_000);
});

/** The PIDs of `wsload agent --name shard-i` children of `pid`. */
function shardPids(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
      try {
        const argv = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0');
        const i = argv.indexOf('--name');
        if (argv.includes('agent') && i >= 0) out.set(argv[i + 1], child);
      } catch {
        // Exited meanwhile.
      }
    }
  }
  return out;
}

describe('local shards: one killed or stopped mid-run, or their coordinator killed', () => {
  async function shardsRun(
    name: string,
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ cli: RunningCli; cwd: string; out: string; shards: Map<string, number> }> {
    // A directory of its own, each try too: the shards' records land in its reports/.
    const cwd = join(dir, files.unique(name));
    mkdirSync(cwd);
    const out = join(cwd, 'report.json');
    const cli = startWsload(['run', scenario(name, { shards: 2, workers: 2 }), '--out', out], { cwd, env, timeoutMs: 120_000 });
    let shards = new Map<string, number>();
    expect(await until(() => (shards = shardPids(cli.pid)).size === 2, 30_000)).toBe(true);
    return { cli, cwd, out, shards };
  }

  for (const [signal, phase] of [
    ['SIGKILL', 'ramp'],
    ['SIGKILL', 'hold'],
    ['SIGKILL', 'drain'],
    ['SIGSTOP', 'hold'],
  ] as const) {
    it(`${signal} of a shard in the ${phase}: lost, named, the run goes on, the books exact`, async () => {
      const { cli, out, shards } = await shardsRun(
        `shard-${signal}-${phase}`,
        phase === 'drain' ? injectEnv({ publishDelayMs: 3000 }) : {},
      );
      const victim = shards.get('shard-1')!;
      try {
        await reach(phase, cli);
        process.kill(victim, signal);
        const r = await cli.exited;
        const report = await readReport(out).catch(() => null);
        expect(report, why(r, out)).not.toBeNull();
        const lost = report!.shards!.find((s) => s.name === 'shard-1')!;
        if (phase === 'drain' && !lost.lost) expect(r.code, why(r, out)).toBe(0);
        else {
          expect(r.code, why(r, out)).toBe(1);
          expect(lost.lost).toBe(true);
          // A stopped shard is judged by the default bound (15 s): silent, not closed.
          expect(lost.lostReason).toMatch(signal === 'SIGKILL' ? /^its control connection closed$/ : /^silent for 1[5-9](\.\d+)?s$/);
        }
        expect(report!.shards!.find((s) => s.name === 'shard-0')!.lost).toBe(false);
        expectExactBooks(report!);
        // Every shard process is gone once the run is (a stopped one is killed on the way out).
        expect(await until(() => [...shards.values()].every((p) => !alive(p)), 10_000)).toBe(true);
      } finally {
        try {
          process.kill(victim, 'SIGKILL');
        } catch {
          // Already gone.
        }
        cleanUp(cli);
      }
    }, 150_000);
  }

  it('kill -9 of their coordinator mid-hold: the shards notice at once, close their sockets, leave their records and exit', async () => {
    const { cli, cwd, shards } = await shardsRun('shards-orphaned');
    try {
      await reach('hold', cli);
      const at = Date.now();
      process.kill(cli.pid, 'SIGKILL');
      expect(await until(() => [...shards.values()].every((p) => !alive(p)), 20_000)).toBe(true);
      expect(Date.now() - at).toBeLessThan(20_000);
      // Written where the coordinator ran (the shards' working directory), one per shard.
      const records = readdirSync(join(cwd, 'reports')).filter((f) => /^agent-shard-[01]-.*\.json$/.test(f));
      expect(records.map((f) => f.slice(0, 'agent-shard-0'.length)).sort()).toEqual(['agent-shard-0', 'agent-shard-1']);
      for (const f of records) {
        const rec = JSON.parse(readFileSync(join(cwd, 'reports', f), 'utf8')) as AgentRecord;
        expect(rec.reason).toMatch(/closed the control connection before the run ended/);
        expect(rec.totals.opened).toBe(SOCKETS / 2);
        expect(rec.workers.every((w) => w.final)).toBe(true);
      }
    } finally {
      for (const p of shards.values()) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // Gone, as it should be.
        }
      }
      cleanUp(cli);
    }
  }, 150_000);
});
