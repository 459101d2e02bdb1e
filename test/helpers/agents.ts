/** A coordinating `wsload run --agents N` and its `wsload agent`s, as local processes, for the scale-out tests. */
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { AgentRecord } from '../../src/agent/local-record.js';
import type { Report } from '../../src/run/report.js';
import { startWsload, type CliResult, type RunningCli } from './cli.js';

/** A coordinator started on 127.0.0.1:0, with the port it printed. */
export interface StartedCoordinator {
  cli: RunningCli;
  port: number;
}

/** Starts `wsload run scenario --agents N --listen 127.0.0.1:0 …` and waits for its port. */
export async function startCoordinator(
  scenario: string,
  agents: number,
  extra: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<StartedCoordinator> {
  const cli = startWsload(['run', scenario, '--agents', String(agents), '--listen', '127.0.0.1:0', ...extra], {
    cwd: opts.cwd,
    env: opts.env,
    timeoutMs: opts.timeoutMs ?? 60_000,
  });
  // Loading the CLI took over 15 s on a machine loaded 20-30 deep (4 of 25 hostile runs): the
  // bound is for a coordinator that never listens, not a measure of start-up time.
  const ok = await cli.waitForStderr(/waiting for \d+ agents? on wss?:\/\/127\.0\.0\.1:(\d+)/, 45_000);
  const m = /waiting for \d+ agents? on wss?:\/\/127\.0\.0\.1:(\d+)/.exec(cli.stderr());
  if (!ok || !m) throw new Error(`the coordinator did not listen: ${cli.stderr()}`);
  return { cli, port: Number(m[1]) };
}

/** Starts `wsload agent --coordinator URL --name NAME …` (token through the environment). */
export function startAgent(
  coordinator: string,
  name: string,
  token: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 60_000,
): RunningCli {
  return startWsload(['agent', '--coordinator', coordinator, '--name', name, ...extra], {
    env: { WSLOAD_TOKEN: token, ...env },
    timeoutMs,
  });
}

/** The built-in target's base URL (http://127.0.0.1:PORT) from a coordinator's plan line, once printed. */
export async function targetOf(cli: RunningCli, limitMs = 30_000): Promise<string> {
  const pattern = /publish [^ ]+ to (http:\/\/127\.0\.0\.1:\d+)\//;
  if (!(await cli.waitForStderr(pattern, limitMs))) throw new Error(`no plan line naming the target: ${cli.stderr()}`);
  return pattern.exec(cli.stderr())![1];
}

/** Sockets the built-in target holds now (its /admin/stats), or -1 when it does not answer. */
export async function targetOpen(base: string): Promise<number> {
  try {
    const res = await fetch(`${base}/admin/stats`, { signal: AbortSignal.timeout(2_000) });
    return ((await res.json()) as { open: number }).open;
  } catch {
    return -1;
  }
}

/**
 * Waits until the built-in target holds `n` sockets (the ramp is over: the hold has begun), or
 * after holding them, fewer (`closing`: the drain is closing them). Phases read off the target
 * itself, not off a progress line that a loaded machine may print late.
 */
export async function waitForTarget(base: string, n: number, limitMs: number, closing = false): Promise<boolean> {
  const end = Date.now() + limitMs;
  let reached = false;
  while (Date.now() < end) {
    const open = await targetOpen(base);
    if (open >= n) reached = true;
    if (!closing && reached) return true;
    if (closing && reached && open >= 0 && open < n) return true;
    await new Promise((r) => setTimeout(r, closing ? 20 : 100));
  }
  return false;
}

/** The scenario the scale-out tests start from: 100 sockets on one worker per agent, 5 publishes a second. */
export const AGENTS_SCENARIO: Readonly<Record<string, unknown>> = {
  connections: 100,
  connectRate: 1000,
  duration: '3s',
  workers: 1,
  publish: { rate: 5 },
};

/** A report file as written, unchecked (the tests read fields the check would drop from an old report). */
export function readReportJson(file: string): Report {
  return JSON.parse(readFileSync(file, 'utf8')) as Report;
}

/** The record an agent wrote (`--out`) when it lost its coordinator; the test fails when there is none. */
export function readAgentRecord(file: string): AgentRecord {
  expect(existsSync(file), `no agent record at ${file}`).toBe(true);
  return JSON.parse(readFileSync(file, 'utf8')) as AgentRecord;
}

/**
 * What an assertion on a coordinated run prints when it fails: the tail of the coordinator's stderr
 * (and of each agent's), then the report's counts, clock and shards, or "no report".
 */
export function whyRun(r: CliResult, out: string, agents: CliResult[] = []): string {
  const tails = [r, ...agents].map((a) => a.stderr.slice(-1200)).join('\n');
  try {
    const report = readReportJson(out);
    const { latencyMs: _l, completionMs: _c, ...counts } = report.fanout;
    return `${tails}\n${JSON.stringify({ counts, clock: report.clock, shards: report.shards })}`;
  } catch {
    return `${tails}\nno report`;
  }
}

/** A coordinator for two agents and the two `wsload agent`s dialing it, as the scale-out tests start most runs. */
export interface TwoAgentRun {
  coordinator: RunningCli;
  /** ws://127.0.0.1:PORT, the coordinator's control address. */
  url: string;
  /** The report file (`--out`). */
  out: string;
  agents: [RunningCli, RunningCli];
}

/**
 * Starts `wsload run scenario --agents 2 --token T --out out …flags`, then agents named `names`
 * against it (the token through the environment).
 */
export async function startTwoAgentRun(
  scenario: string,
  out: string,
  token: string,
  names: [string, string],
  opts: { cwd: string; flags?: string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<TwoAgentRun> {
  const c = await startCoordinator(scenario, 2, ['--token', token, '--out', out, ...(opts.flags ?? [])], {
    cwd: opts.cwd,
    env: opts.env,
    timeoutMs: opts.timeoutMs,
  });
  const url = `ws://127.0.0.1:${c.port}`;
  return { coordinator: c.cli, url, out, agents: [startAgent(url, names[0], token), startAgent(url, names[1], token)] };
}
