/**
 * What the coordinator and the driver say to each other (src/coordinator/coordinator.ts): the
 * events the driver hears from the agents' workers, a worker port, a shard as the report gives it,
 * and the coordinator's options (coordinator.ts re-exports them for its importers).
 */
import type { DriverMessage, WorkerMessage } from '../run/protocol.js';
import type { ControlListen } from './control-server.js';

/** What the driver hears from the agents' workers. */
export interface CoordinatorEvents {
  onWorkerMessage(msg: WorkerMessage): void;
  onWorkerGone(workerId: number, reason: string): void;
  /** Sockets open now over all agents, and the sum of their own peaks. */
  onOpenCounts(open: number, peakSum: number): void;
  onAgentLost(name: string, reason: string): void;
  /** A lost agent's replacement joined mid-run (it holds no sockets): a sentence for the report. */
  onReplacement(name: string, text: string): void;
}

/** A worker as the driver drives it, wherever it runs. */
export interface WorkerPort {
  postMessage(msg: DriverMessage): void;
  terminate(): Promise<unknown>;
}

/** What the report says about one shard. */
export interface ShardState {
  index: number;
  name: string;
  host: string;
  pid: number;
  workerIds: number[];
  /** The offset in use last. */
  clockOffsetMs: number;
  /** The largest uncertainty of an offset in use over the run, drift between probe rounds included. */
  clockUncertaintyMs: number;
  /** The largest change of its offset between two probe rounds (0 on the same clock). */
  clockDriftMs: number;
  peakRssMb: number;
  lost: string | null;
}

export interface CoordinatorOptions extends ControlListen {
  expected: number;
  /** An agent silent this long is lost (default SILENT_LIMIT_MS). */
  silentLimitMs?: number;
  /** One line about an agent refused, dropped, replaced or gone before the run (the CLI prints it as a warning). */
  log?: (line: string) => void;
  /** One line about an agent that joined (the CLI prints it). */
  info?: (line: string) => void;
  /** Taking in a frame that passed every check threw: a bug of this process, not the agent's. */
  onInternalError?: (err: Error) => void;
}
