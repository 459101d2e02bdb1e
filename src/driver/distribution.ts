/**
 * Whether a run is spread over processes, and how: local shards (wsload agents this process
 * spawns on loopback) when the scenario asks for more than one or the open-file limit needs more,
 * or remote agents when the caller says so. Either way one mechanism runs it (src/coordinator).
 */
import { randomBytes } from 'node:crypto';
import { formatDuration } from '../duration.js';
import type { MachineLimits } from '../machine-limits.js';
import type { Scenario } from '../run/scenario.js';
import { MAX_SHARDS, reservedOpenFiles, shardsNeeded } from '../run/shard-sizing.js';
import type { AgentsOptions } from '../run/run-options.js';

/**
 * A coordinated run: the agents' settings as the library takes them (local shards get theirs
 * made up here), plus how many and why (for the plan line).
 */
export interface Distribution extends Omit<AgentsOptions, 'onListening'> {
  kind: 'shards' | 'agents';
  /** Worker threads over all agents. */
  totalWorkers: number;
  /** Said after the plan line. */
  why: string;
}

/** Local shards wait this long for their children to join. */
const LOCAL_SHARD_WAIT_MS = 30_000;

/** The distribution of a run, or null when this process runs it alone. */
export function distributionFor(scenario: Scenario, agents: AgentsOptions | undefined, limits: MachineLimits): Distribution | null {
  if (agents) {
    return {
      kind: 'agents',
      count: agents.count,
      host: agents.host,
      port: agents.port,
      token: agents.token,
      waitMs: agents.waitMs,
      tls: agents.tls,
      ...(agents.silentLimitMs !== undefined ? { silentLimitMs: agents.silentLimitMs } : {}),
      // Each agent is its own machine: every one runs the scenario's worker count.
      totalWorkers: Math.min(scenario.connections, scenario.workers * agents.count),
      why: `over ${agents.count} agent${agents.count === 1 ? '' : 's'} (waiting up to ${formatDuration(agents.waitMs)} for them)`,
    };
  }
  const { count, reason } = localShards(scenario, limits);
  if (count <= 1) return null;
  // One machine: the shards share its CPUs, so the worker count is split, at least one each.
  const perShard = Math.max(1, Math.ceil(scenario.workers / count));
  return {
    kind: 'shards',
    count,
    host: '127.0.0.1',
    port: 0,
    token: randomBytes(24).toString('base64url'),
    waitMs: LOCAL_SHARD_WAIT_MS,
    tls: null,
    totalWorkers: Math.min(scenario.connections, perShard * count),
    why: `${count} local shards (${reason})`,
  };
}

/** How many local shards, and why: as asked, or as many as the open-file limit needs. */
export function localShards(scenario: Scenario, limits: MachineLimits): { count: number; reason: string } {
  const cap = (n: number): number => Math.max(1, Math.min(MAX_SHARDS, n, scenario.connections));
  if (scenario.shards !== undefined && scenario.shards !== null) return { count: cap(scenario.shards), reason: 'shards' };
  if (limits.openFiles === null) return { count: 1, reason: 'open-file limit unknown' };
  const count = cap(shardsNeeded(scenario.connections, scenario.workers, limits.openFiles));
  const perProcess = Math.max(0, limits.openFiles - reservedOpenFiles(scenario.workers));
  return { count, reason: `open-file limit ${limits.openFiles}: at most ${perProcess} sockets per process` };
}
