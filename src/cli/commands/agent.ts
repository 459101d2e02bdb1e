import { hostname } from 'node:os';
import type { Command } from 'commander';
import { runAgent } from '../../agent/agent.js';
import { UsageError } from '../../errors.js';
import { COORDINATOR_SILENT_LIMIT_MS, TOKEN_ENV } from '../../run/control-protocol.js';
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
    .option('--name <name>', 'this agent\'s name in the report (default: env JOB_COMPLETION_INDEX, else <hostname>-<pid>)')
    .option('--control-ca <file>', 'trust this PEM CA for a wss:// coordinator')
    .option('--connect-timeout <duration>', 'keep retrying to reach the coordinator this long', '120s')
    .option('--coordinator-silence <duration>', 'give up on a coordinator not heard this long: close the sockets, write what was measured (--out), exit 1', formatDuration(COORDINATOR_SILENT_LIMIT_MS))
    .option('--out <file>', 'where what this agent measured is written if it gives up on its coordinator (default reports/agent-<name>-<UTC time>.json)')
    .action(async (flags: AgentFlags) => {
      if (!/^wss?:\/\/[^/]+/i.test(flags.coordinator)) throw new UsageError(`--coordinator: expected ws://HOST:PORT or wss://HOST:PORT, got "${flags.coordinator}"`);
      const token = flags.token ?? process.env[TOKEN_ENV] ?? '';
      if (token === '') throw new UsageError(`--token: a token is required (--token or env ${TOKEN_ENV})`);
      const connectTimeoutMs = parseDurationFlag('--connect-timeout', flags.connectTimeout);
      const silenceLimitMs = parseDurationFlag('--coordinator-silence', flags.coordinatorSilence);
      const index = process.env.JOB_COMPLETION_INDEX;
      const name = flags.name ?? (index !== undefined && index !== '' ? index : `${hostname()}-${process.pid}`);
      const signal = claimInterrupts((sig) => process.stderr.write(`wsload: agent ${name}: ${sig} received, closing its sockets and sending what it measured\n`));
      // Test only: delays the publish records, so pushes outrun them (the held-receipt path).
      const publishDelayMs = Number(process.env.WSLOAD_TEST_DELAY_PUBLISH_MS ?? 0) || 0;
      await runAgent({
        coordinator: flags.coordinator,
        token,
        name,
        ca: flags.controlCa ?? null,
        connectTimeoutMs,
        silenceLimitMs,
        // A name is free text (a pod index, a host-pid): only safe characters go into the file name.
        recordFile: flags.out ?? defaultReportPath(`agent-${name.replace(/[^A-Za-z0-9._-]+/g, '_')}`, new Date()),
        signal,
        publishDelayMs,
        onAssigned: (sockets, workers) => process.stderr.write(`wsload: agent ${name}: joined ${flags.coordinator}, holding ${sockets} sockets on ${workers} worker${workers === 1 ? '' : 's'}\n`),
        onStandby: (reason) => process.stderr.write(`wsload: agent ${name}: admitted to ${flags.coordinator} on standby (${reason}); it exits when the run ends\n`),
      });
    });
}
