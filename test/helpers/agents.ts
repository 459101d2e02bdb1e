/** A coordinating `wsload run --agents N` and its `wsload agent`s, as local processes, for the scale-out tests. */
import { startWsload, type RunningCli } from './cli.js';

/** A coordinator started on 127.0.0.1:0, with the port it printed. */
export interface StartedCoordinator {
  cli: RunningCli;
  port: number;
}

/** Starts `wsload run scenario --agents N --listen 127.0.0.1:0 …` and waits for its port. */
export async function startCoordinator(scenario: string, agents: number, extra: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<StartedCoordinator> {
  const cli = startWsload(['run', scenario, '--agents', String(agents), '--listen', '127.0.0.1:0', ...extra], { cwd: opts.cwd, env: opts.env, timeoutMs: opts.timeoutMs ?? 60_000 });
  const ok = await cli.waitForStderr(/waiting for \d+ agents? on wss?:\/\/127\.0\.0\.1:(\d+)/, 15_000);
  const m = /waiting for \d+ agents? on wss?:\/\/127\.0\.0\.1:(\d+)/.exec(cli.stderr());
  if (!ok || !m) throw new Error(`the coordinator did not listen: ${cli.stderr()}`);
  return { cli, port: Number(m[1]) };
}

/** Starts `wsload agent --coordinator URL --name NAME …` (token through the environment). */
export function startAgent(coordinator: string, name: string, token: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): RunningCli {
  return startWsload(['agent', '--coordinator', coordinator, '--name', name, ...extra], { env: { WSLOAD_TOKEN: token, ...env }, timeoutMs: 60_000 });
}
