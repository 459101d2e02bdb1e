/**
 * What the target's primary process and its worker processes (`wsload serve --processes N`) tell
 * each other over the cluster IPC channel. Workers forward the HTTP requests that must reach every
 * process; the primary fans commands out and answers once every worker has acknowledged.
 */
import type { DropMode } from './protocol.js';
import type { ProcessStats, TargetStats } from './types.js';

/** Worker → primary. */
export type WorkerMessage =
  | { t: 'listening'; port: number }
  | { t: 'error'; message: string }
  /** A forwarded /api publish (`rid` names the HTTP request waiting in the worker). */
  | { t: 'publish'; rid: number; id: string; value: string }
  /** A forwarded /admin/drop. */
  | { t: 'drop'; rid: number; mode: DropMode; count: number | null; share: number | null }
  /** A forwarded /admin/stats. */
  | { t: 'stats'; rid: number }
  /** Done with command `cid`: `n` sockets pushed to or ended, and this process's counts after it. */
  | { t: 'ack'; cid: number; n: number; stats: ProcessStats };

/** Primary → worker. */
export type PrimaryMessage =
  | { t: 'push'; cid: number; id: string; value: string }
  | { t: 'end'; cid: number; mode: DropMode; count: number }
  | { t: 'count'; cid: number }
  /** The answer to forwarded request `rid`: a total (publish, drop) or the stats. */
  | { t: 'reply'; rid: number; n: number; stats: TargetStats | null };

const WORKER_TYPES = new Set(['listening', 'error', 'publish', 'drop', 'stats', 'ack']);
const PRIMARY_TYPES = new Set(['push', 'end', 'count', 'reply']);

/** True for a message a worker sends (the shape is trusted: both ends are this code). */
export function isWorkerMessage(msg: unknown): msg is WorkerMessage {
  return typeof msg === 'object' && msg !== null && WORKER_TYPES.has(String((msg as { t?: unknown }).t));
}

/** True for a message the primary sends. */
export function isPrimaryMessage(msg: unknown): msg is PrimaryMessage {
  return typeof msg === 'object' && msg !== null && PRIMARY_TYPES.has(String((msg as { t?: unknown }).t));
}

/** The argv word that makes a target process (embedded child, cluster worker) accept permessage-deflate. */
export const DEFLATE_ARG = 'deflate';
