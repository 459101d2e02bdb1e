/**
 * Phase 2 of a spread run: waits for every agent (bounded by the agent wait, or the interrupt),
 * then hands each its share of the plan's worker slices, exactly as one process would have run
 * them (global worker ids, the global ramp schedule, the coordinator's run tag). The agents'
 * worker messages go onto the same tick bus as local workers'; publishes are relayed to them.
 */
import { nowMs } from '../../clock.js';
import { formatDuration } from '../../duration.js';
import { setOpenCounts } from '../../run/publish-ring.js';
import type { WorkerSlice } from '../../run/protocol.js';
import type { WorkerPort } from '../../coordinator/coordinator.js';
import type { Coordination } from '../coordination.js';
import type { Measurement } from '../measurement.js';
import type { RunState } from '../run-state.js';
import { onWorkerMessage, slicesFor, startTicks, type Spawned } from './spawn.js';
import type { TargetPlan } from './start-target.js';

/** Waits for the agents and starts their workers. */
export async function spawnOnAgents(state: RunState, target: TargetPlan, m: Measurement, c: Coordination): Promise<Spawned> {
  const { coordinator, dist } = c;
  const joined = await coordinator.waitForAgents(nowMs() + dist.waitMs, formatDuration(dist.waitMs), state.aborted);
  state.phase = 'ramp';
  const slices = slicesFor(state, target, m).map((s) => ({ ...s, logOpens: true }));
  const ready = new Set<number>();
  if (!joined) {
    // Interrupted before every agent joined: no worker ever ran, so none crashed. Each is final
    // with nothing counted (the aggregate then ignores the bus's 'gone', which the timeline
    // still needs to close its intervals).
    for (const s of slices) {
      m.aggregate.markNotStarted(s.workerId);
      m.bus.workerGone(s.workerId, 'never started', nowMs());
    }
    state.warnings.push(
      `the run was interrupted before the ${dist.kind === 'shards' ? 'local shards' : 'agents'} joined: no worker started and no socket was opened`,
    );
    return { workers: slices.map(() => ({ postMessage: () => {}, terminate: async () => {} })), ready };
  }
  const away = coordinator.elsewhere();
  if (target.embedded && away.length > 0) {
    // Said up front: their connection failures would otherwise read like a target problem.
    state.warnings.push(
      `the embedded target listens on this machine's loopback (${target.url}); agents on other hosts cannot reach it: ${away.map((a) => `${a.name} (${a.host})`).join(', ')}`,
    );
  }
  const groups = groupSlices(slices, dist.count, dist.kind === 'shards');
  // Every worker's opens and closes, merged by time; a lost worker's sockets close when it is declared lost.
  m.bus.subscribe({
    onSnapshot: (msg) => {
      if (msg.openLog && m.aggregate.workers[msg.workerId]?.crashed === null) c.peakOpen.add(msg.openLog, msg.workerId);
    },
    onWorkerGone: (id, _reason, atMs) => c.peakOpen.closeWorker(id, atMs),
  });
  const ports = coordinator.assign(
    groups,
    m.ring.size,
    {
      onWorkerMessage: (msg) => onWorkerMessage(state, m, ready, msg.workerId, msg),
      onWorkerGone: (id, reason) => {
        m.bus.workerGone(id, reason, nowMs());
        state.poke();
      },
      onOpenCounts: (open, peak) => setOpenCounts(m.ring, open, peak),
      onReplacement: (_name, text) => state.warnings.push(text),
      onAgentLost: (name, reason) => {
        c.lost.push(`${name}: ${reason}`);
        state.warnings.push(`agent ${name} was lost during the run (${reason}); its last snapshot is kept, its sockets counted until then`);
        state.poke();
      },
    },
    slices[0]?.connect.tls ? c.tlsFiles : null,
  );
  state.publishListener = coordinator;
  const workers: WorkerPort[] = slices.map((s) => ports.get(s.workerId) ?? { postMessage: () => {}, terminate: async () => {} });
  state.workers = workers;
  startTicks(state, m);
  return { workers, ready };
}

/**
 * Worker w goes to agent w mod agents: with sockets interleaved over workers (socket i to worker
 * i mod W, W a multiple of the agents), each agent gets floor or floor + 1 of the sockets. Local
 * shards split the source addresses between them, so no two processes bind the same one, only
 * when the addresses are a multiple of the shards: an uneven split (3 over 2) would put half the
 * sockets on one shard's single address, past its ports while the run's total passes validation.
 * Otherwise every shard binds every address by global index, as one process would: each address
 * then carries at most ceil(sockets / addresses), and (address, port) stays distinct.
 */
export function groupSlices(slices: readonly WorkerSlice[], agents: number, splitAddresses: boolean): WorkerSlice[][] {
  const groups: WorkerSlice[][] = Array.from({ length: agents }, () => []);
  for (const s of slices) {
    const g = s.workerId % agents;
    const addrs = s.connect.localAddresses;
    const split = splitAddresses && addrs.length > 0 && addrs.length % agents === 0;
    const mine = split ? addrs.filter((_, i) => i % agents === g) : addrs;
    // The shard's sockets are every agents-th index: it spreads them over its addresses by that rank.
    const stride = split ? { shardStride: agents } : {};
    groups[g].push({ ...s, connect: { ...s.connect, localAddresses: mine, ...stride } });
  }
  return groups.filter((g) => g.length > 0);
}
