/**
 * The control channel between a coordinating `wsload run` and its agents (`wsload agent`, local
 * shards included): plain JSON text frames over one WebSocket. Times are on the clock of the
 * process that receives them: the coordinator converts with its estimate of the agent's offset
 * (t_agent = t_coord + offset) both ways, so agents and workers never know another clock.
 */
import type { DriverMessage, WorkerMessage, WorkerSlice } from './protocol.js';

/** Path the coordinator listens on; the token goes in the upgrade's Authorization header. */
export const CONTROL_PATH = '/wsload-control';
/** Header naming the agent at the upgrade, so a duplicate is refused before it joins. */
export const AGENT_NAME_HEADER = 'x-wsload-agent';
/** Header carrying the agent's wsload version: the control protocol is only kept between equal versions. */
export const AGENT_VERSION_HEADER = 'x-wsload-version';
/** Env var carrying the token to agents and coordinators (never on the command line of local shards). */
export const TOKEN_ENV = 'WSLOAD_TOKEN';

/**
 * Heartbeats both ways: each side hears the other at least this often while both are well. The
 * agent's `stats` (every AGENT_STATS_MS, from its hello on) is its heartbeat; the coordinator sends
 * `beat` every COORDINATOR_BEAT_MS to every agent, joined, waiting or on standby.
 */
export const AGENT_STATS_MS = 500;
export const COORDINATOR_BEAT_MS = 1_000;
/** The coordinator drops an agent it has not heard for this long (net of its own stalls). */
export const AGENT_SILENT_LIMIT_MS = 15_000;
/**
 * An agent gives up on a coordinator it has not heard for this long (net of its own stalls):
 * twice the coordinator's bound, so a coordinator that is only slow judges first.
 */
export const COORDINATOR_SILENT_LIMIT_MS = 30_000;
/**
 * A name taken by an agent not heard for this long is given to a newcomer with that name (a
 * restarted pod of a Kubernetes Indexed Job keeps its index): four missed heartbeats.
 */
export const REPLACE_SILENT_MS = 4 * AGENT_STATS_MS;
/** Close code with which the coordinator drops an agent; the close reason says why. */
export const DROPPED_CLOSE_CODE = 4400;

/** HTTP statuses of a refused upgrade and what the agent says about each. */
export const REFUSALS: Readonly<Record<number, string>> = {
  400: 'the agent name is empty or not a valid name (letters, digits, ".", "_", ":" and "-")',
  401: 'wrong or missing token',
  409: 'another agent with this name has already joined',
  412: 'the coordinator runs another wsload version (run the same version, e.g. one image, on both sides)',
  503: 'the coordinator already has all the agents it needs',
};

/** A worker's slice as it crosses the channel: the ring is the agent's own. */
export type AgentSlice = Omit<WorkerSlice, 'ring'>;

/**
 * The scenario's TLS files (PEM text), which an agent on another machine does not have at the
 * coordinator's paths: it writes them to a private temporary directory and points its slices there.
 */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

/**
 * Every frame of either side carries `n`, its number on this connection: 1 for the first, then one
 * more each. The receiver refuses a frame whose number is not the next one (a frame duplicated,
 * dropped or reordered on the way), since ticks carry deltas that would then count twice or never.
 */
export interface Numbered {
  n: number;
}

export type AgentToCoordinator =
  /** First frame: who the agent is; host + bootId tell the coordinator whether it shares its clock. */
  | { type: 'hello'; name: string; host: string; pid: number; bootId: string | null; version: string }
  /** Answer to a clock probe: t1 = received, t2 = sent, on the agent's clock. */
  | { type: 'probe-reply'; id: number; t0: number; t1: number; t2: number }
  /** A worker thread's message, untouched. */
  | { type: 'worker'; msg: WorkerMessage }
  /** A worker thread ended without its final tick (crash, exit, terminated). */
  | { type: 'gone'; workerId: number; reason: string }
  /**
   * The agent's sockets open now and at most so far (its own ring), its peak RSS and its RSS now;
   * sent every AGENT_STATS_MS from its hello on (its heartbeat; 0 sockets before its assignment).
   */
  | { type: 'stats'; open: number; peak: number; peakRssMb: number; rssMb?: number };

export type CoordinatorToAgent =
  | { type: 'probe'; id: number; t0: number }
  /** The worker threads to start, and the size of the agent's publish ring. */
  | { type: 'assign'; slices: AgentSlice[]; ringSize: number; tlsFiles?: TlsFiles }
  /** A driver message for one of the agent's workers (times already on the agent's clock). */
  | { type: 'driver'; workerId: number; msg: DriverMessage }
  /** Terminate one worker now (it did not finish in time). */
  | { type: 'terminate'; workerId: number }
  /** A publish announced in the coordinator's ring, times on the agent's clock. */
  | { type: 'publish'; seq: number; scheduledMs: number; sentMs: number; /** Topic index of the publish; absent: 0. */ topic?: number }
  | { type: 'settle'; seq: number; ok: boolean; ackMs: number }
  /** The run is over: the agent exits. */
  | { type: 'end' }
  /** The coordinator's heartbeat, every COORDINATOR_BEAT_MS. */
  | { type: 'beat' }
  /**
   * Admitted mid-run in the place of a lost agent of the same name: it holds no sockets in this run
   * (the lost agent's books were closed at its loss) and waits for `end`, so its Job completes.
   */
  | { type: 'standby'; reason: string };

/** The close reason of a dropped agent: a WebSocket close reason holds at most 123 bytes. */
export function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= 123) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const b = Buffer.byteLength(ch);
    // Room for the ellipsis (3 bytes) that says the reason was cut.
    if (bytes + b > 120) break;
    out += ch;
    bytes += b;
  }
  return `${out}…`;
}
