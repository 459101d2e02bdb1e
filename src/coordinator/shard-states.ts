/**
 * The agents that hold sockets, as the report and the memory samples give them: read from the
 * links at the end (or at each sample), in the order of their index.
 */
import type { AgentLink } from './agent-link.js';
import type { ShardState } from './coordinator-types.js';

/** The links given a group of slices (index ≥ 0), in index order. */
function assignedInOrder(links: readonly AgentLink[]): AgentLink[] {
  return links.filter((l) => l.index >= 0).sort((a, b) => a.index - b.index);
}

/** Resident memory of each shard still in the run at its last stats message, by shard name, in index order. */
export function shardMemory(links: readonly AgentLink[]): { shard: string; rssBytes: number }[] {
  return assignedInOrder(links)
    .filter((l) => l.lost === null && !l.closed)
    .map((l) => ({ shard: l.id.name, rssBytes: Math.round(l.rssMb * 1048576) }));
}

/** The shards as the report gives them, in index order. */
export function shardStates(links: readonly AgentLink[]): ShardState[] {
  return assignedInOrder(links).map((l) => ({
    index: l.index,
    name: l.id.name,
    host: l.id.host,
    pid: l.id.pid,
    workerIds: l.workerIds,
    clockOffsetMs: l.clock.offsetMs,
    clockUncertaintyMs: l.sameClock ? 0 : l.clockTrack.uncertaintyMs,
    clockDriftMs: l.clockTrack.driftMs,
    peakRssMb: l.peakRssMb,
    lost: l.lost,
  }));
}
