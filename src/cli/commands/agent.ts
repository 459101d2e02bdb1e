import { hostname } from 'node:os';
import { plural } from '../../text/plural.js';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { COORDINATOR_SILENT_LIMIT_MS, TOKEN_ENV } from '../../run/control-protocol.js';
import { agentNameProblem, toAgentName } from '../../run/agent-name.js';
import { coordinatorUrlProblem } from '../../agent/coordinator-url.js';
import { tokenProblem } from '../../coordinator/token.js';
import { controlTlsProblem } from '../../coordinator/control-tls.js';
import { formatDuration } from '../../duration.js';
import { defaultReportPath } from '../../report/write.js';
import { claimInterrupts } from '../interrupts.js';
import { parseDurationFlag } from '../duration-flag.js';

interface AgentFlags {
  coordinator: string;
  token?: string;
  name?: string;
  controlCa?: string;
  connectTimeout: string;
  coordinatorSilence: string;
  out?: string;
}

/** Registers `wsload agent`: holds the sockets a coordinating `wsload run --agents N` assigns it. */
export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('join a coordinating `wsload run --agents N` and hold the sockets it assigns (one report, written by the coordinator)')
    .requiredOption('--coordinator <url>', 'ws://HOST:PORT (or wss:// with --control-cert on the coordinator) of the coordinating run')
    .option('--token <token>', `shared token of the control channel (default: env ${TOKEN_ENV})`)
    .option('--name <name>', "this agent's name in the report (default: env JOB_COMPLETION_INDEX, else <hostname>-<pid>)")
    .option('--control-ca <file>', 'trust this PEM CA for a wss:// coordinator')
    .option('--connect-timeout <duration>', 'keep retrying to reach the coordinator this long', '120s')
    .option(
      '--coordinator-silence <duration>',
      'give up on a coordinator not heard this long: close the sockets, write what was measured (--out), exit 1',
      formatDuration(COORDINATOR_SILENT_LIMIT_MS),
    )
    .option(
      '--out <file>',
      'where what this agent measured is written if it gives up on its coordinator (default reports/agent-<name>-<UTC time>.json)',
    )
    .action(async (flags: AgentFlags) => {
      // Every flag is checked before the first dial: a bad one is one line and exit 2, never a
      // crash in the dialer or a refusal that reads like the coordinator's fault.
      const urlProblem = coordinatorUrlProblem(flags.coordinator);
      if (urlProblem) throw new UsageError(`--coordinator: ${urlProblem}`);
      const token = agentToken(flags.token);
      if (flags.controlCa !== undefined) {
        const problem = controlTlsProblem({ ca: flags.controlCa }, { ca: '--control-ca', cert: '--control-cert', key: '--control-key' });
        if (problem) throw new UsageError(problem);
      }
      const connectTimeoutMs = parseDurationFlag('--connect-timeout', flags.connectTimeout);
      const silenceLimitMs = parseDurationFlag('--coordinator-silence', flags.coordinatorSilence);
      const name = agentName(flags.name);
      const signal = claimInterrupts((sig) =>
        process.stderr.write(`wsload: agent ${name}: ${sig} received, closing its sockets and sending what it measured\n`),
      );
      // Loaded when run: the agent's control schema is zod, which `run` must not pay for (issue 22).
      const { runAgent } = await import('../../agent/agent.js');
      await runAgent({
        coordinator: flags.coordinator.trim(),
        token,
        name,
        ca: flags.controlCa ?? null,
        connectTimeoutMs,
        silenceLimitMs,
        // A name is free text (a pod index, a host-pid): only safe characters go into the file name.
        recordFile: flags.out ?? defaultReportPath(`agent-${name.replace(/[^A-Za-z0-9._-]+/g, '_')}`, new Date()),
        signal,
        onAssigned: (sockets, workers) =>
          process.stderr.write(
            `wsload: agent ${name}: joined ${flags.coordinator}, holding ${plural(sockets, 'socket')} on ${plural(workers, 'worker')}\n`,
          ),
        onStandby: (reason) =>
          process.stderr.write(
            `wsload: agent ${name}: admitted to ${flags.coordinator} on standby (${reason}); it exits when the run ends\n`,
          ),
      });
    });
}

/** The token from --token or the environment; one line naming where it came from when it cannot be one. */
function agentToken(flag: string | undefined): string {
  const source = flag !== undefined ? '--token' : `env ${TOKEN_ENV}`;
  // An empty variable reads as unset (as shells and CI secrets leave it); an empty flag is refused as empty.
  const token = flag ?? (process.env[TOKEN_ENV] || undefined);
  if (token === undefined) throw new UsageError(`--token: a token is required (--token or env ${TOKEN_ENV})`);
  const problem = tokenProblem(token);
  if (problem) throw new UsageError(`${source}: ${problem}`);
  return token;
}

/** --name, else the Indexed Job's index, else <hostname>-<pid> (made a valid name). */
function agentName(flag: string | undefined): string {
  const index = process.env.JOB_COMPLETION_INDEX;
  const [name, source] =
    flag !== undefined
      ? [flag, '--name']
      : index !== undefined && index !== ''
        ? [index, 'env JOB_COMPLETION_INDEX']
        : [toAgentName(`${hostname()}-${process.pid}`), 'the default name'];
  const problem = agentNameProblem(name);
  if (problem) throw new UsageError(`${source}: ${problem}`);
  return name;
}
