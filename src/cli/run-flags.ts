/**
 * The flags of `wsload run` beyond the scenario overrides, and those checked together before
 * anything loads: --repeat, and --agents with its listen address, token and control TLS.
 */
import type { ScenarioOverrides } from '../scenario/overrides.js';
import { UsageError } from '../errors.js';
import { TOKEN_ENV } from '../run/control-protocol.js';
import type { AgentsOptions } from '../run/run-options.js';
import { parseDurationFlag } from './duration-flag.js';
import { parseListenAddress } from '../net/listen-address.js';
import { tokenProblem } from '../coordinator/token.js';
import { controlTlsProblem } from '../coordinator/control-tls.js';

/** What commander hands the run command (src/cli/commands/run.ts declares the options). */
export interface RunFlags extends ScenarioOverrides {
  out?: string;
  repeat?: string;
  quiet?: boolean;
  json?: boolean;
  junit?: string;
  agents?: string;
  listen?: string;
  token?: string;
  agentWait: string;
  agentSilence: string;
  controlCert?: string;
  controlKey?: string;
  dashboard?: string;
  color?: boolean;
}

/** `--repeat N`: null without it. */
export function repeatFromFlag(value: string | undefined): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 1000)
    throw new UsageError(`--repeat: expected an integer from 1 to 1000, got "${value}"`);
  return n;
}

/** The --agents flags, checked together; undefined without --agents. */
export function agentsFromFlags(flags: RunFlags): AgentsOptions | undefined {
  const tlsGiven = flags.controlCert !== undefined || flags.controlKey !== undefined;
  if (flags.agents === undefined) {
    for (const [given, name] of [
      [flags.listen, '--listen'],
      [flags.controlCert, '--control-cert'],
      [flags.controlKey, '--control-key'],
    ] as const) {
      if (given !== undefined) throw new UsageError(`${name}: only with --agents`);
    }
    return undefined;
  }
  const count = Number(flags.agents);
  if (!/^\d+$/.test(flags.agents.trim()) || !Number.isSafeInteger(count) || count < 1 || count > 1000) {
    throw new UsageError(`--agents: expected an integer from 1 to 1000, got ${JSON.stringify(flags.agents)}`);
  }
  // Local shards split this machine's sockets over processes; agents are other machines, each
  // running the scenario's workers: asking for both would silently drop one of them.
  if (flags.shards !== undefined)
    throw new UsageError(
      "--shards: not with --agents (each agent holds its share of the sockets with the scenario's workers; run more agents instead)",
    );
  if (flags.listen === undefined)
    throw new UsageError('--listen: required with --agents (HOST:PORT the agents reach this run at, e.g. 0.0.0.0:7070)');
  const listen = parseListenAddress(flags.listen);
  if (!listen)
    throw new UsageError(
      `--listen: expected HOST:PORT like 0.0.0.0:7070 or [::1]:7070 (port 0: any free port), got ${JSON.stringify(flags.listen)}`,
    );
  const tokenSource = flags.token !== undefined ? '--token' : `env ${TOKEN_ENV}`;
  // An empty variable reads as unset (as shells and CI secrets leave it); an empty flag is refused as empty.
  const token = flags.token ?? (process.env[TOKEN_ENV] || undefined);
  if (token === undefined) throw new UsageError(`--token: required with --agents (--token or env ${TOKEN_ENV})`);
  const problem = tokenProblem(token);
  if (problem) throw new UsageError(`${tokenSource}: ${problem}`);
  if (tlsGiven && (flags.controlCert === undefined || flags.controlKey === undefined)) {
    throw new UsageError(
      flags.controlCert === undefined ? '--control-cert: required with --control-key' : '--control-key: required with --control-cert',
    );
  }
  const tls = flags.controlCert !== undefined && flags.controlKey !== undefined ? { cert: flags.controlCert, key: flags.controlKey } : null;
  if (tls) {
    const tlsProblem = controlTlsProblem(tls, { ca: '--control-ca', cert: '--control-cert', key: '--control-key' });
    if (tlsProblem) throw new UsageError(tlsProblem);
  }
  return {
    count,
    host: listen.host,
    port: listen.port,
    token,
    waitMs: parseDurationFlag('--agent-wait', flags.agentWait),
    tls,
    silentLimitMs: parseDurationFlag('--agent-silence', flags.agentSilence),
  };
}
