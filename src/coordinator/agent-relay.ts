/**
 * What passes between the driver and an agent holding sockets once the run is assigned: its
 * slices and a port per worker (driver → agent, times on the agent's clock), and its workers'
 * messages and its stats (agent → driver, times already converted by AgentLink.toLocal).
 */
import type { AgentToCoordinator, TlsFiles } from '../run/control-protocol.js';
import type { WorkerSlice } from '../run/protocol.js';
import type { AgentLink } from './agent-link.js';
import type { CoordinatorEvents, WorkerPort } from './coordinator-types.js';

/** A `gone` reason or a lost reason is kept to this length in the report. */
export const MAX_REASON = 300;

/**
 * Makes `link` the holder of group `index`: sends it the slices (the worker's ring stays here, the
 * timeline starts on its clock) and adds a port per worker id to `ports`.
 */
export function assignLink(
  link: AgentLink,
  index: number,
  group: WorkerSlice[],
  ringSize: number,
  tlsFiles: TlsFiles | null,
  ports: Map<number, WorkerPort>,
): void {
  link.index = index;
  link.workerIds = group.map((s) => s.workerId);
  link.checks.assigned(group);
  const off = link.clock.offsetMs;
  const slices = group.map(({ ring: _ring, ...rest }) => ({
    ...rest,
    timeline: rest.timeline ? { ...rest.timeline, startMs: rest.timeline.startMs + off } : null,
  }));
  link.send({ type: 'assign', slices, ringSize, ...(tlsFiles ? { tlsFiles } : {}) });
  for (const id of link.workerIds) {
    ports.set(id, {
      postMessage: (msg) => link.sendDriver(id, msg),
      terminate: async () => link.send({ type: 'terminate', workerId: id }),
    });
  }
}

/** The frames of an assigned agent that the driver hears (hello and probe replies are the coordinator's own). */
export type RelayedFrame = Exclude<AgentToCoordinator, { type: 'hello' } | { type: 'probe-reply' }>;

/** Hands a frame of an assigned agent still in the run to the driver; true when its open counts changed. */
export function relayToDriver(link: AgentLink, msg: RelayedFrame, events: CoordinatorEvents): boolean {
  if (msg.type === 'worker') {
    const m = msg.msg;
    if (m.type === 'tick' && m.final) link.settled.add(m.workerId);
    if (m.type === 'fatal') link.settled.add(m.workerId);
    events.onWorkerMessage(link.toLocal(m));
    return false;
  }
  if (msg.type === 'gone') {
    link.settled.add(msg.workerId);
    events.onWorkerGone(msg.workerId, msg.reason.slice(0, MAX_REASON));
    return false;
  }
  link.open = msg.open;
  link.peak = msg.peak;
  link.peakRssMb = Math.max(link.peakRssMb, msg.peakRssMb);
  link.rssMb = msg.rssMb ?? msg.peakRssMb;
  return true;
}

/** Sockets open over the agents holding sockets and still in the run (a lost one's died with it), and the sum of their peaks. */
export function openCounts(links: readonly AgentLink[]): { open: number; peak: number } {
  let open = 0;
  let peak = 0;
  for (const l of links) {
    if (l.index < 0) continue;
    if (l.lost === null) open += l.open;
    peak += l.peak;
  }
  return { open, peak };
}
