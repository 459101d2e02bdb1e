/**
 * How many local shards (wsload processes) a run needs under the open-files limit: the planner
 * (driver/distribution.ts) sizes a run with it, and validation (scenario/limit-rules.ts) refuses a
 * scenario that would need more than MAX_SHARDS. One declaration below both, so the plan line and
 * the validation message always agree.
 */

/** File descriptors kept for wsload itself (publisher sockets, report files, stdio, the embedded target's pipes). */
export const RESERVED_OPEN_FILES = 256;

/**
 * File descriptors each worker thread costs on top of its sockets. Measured on Linux (Node 20,
 * /proc/<pid>/fd during a run with 1 and 16 workers): 4 per worker — its own epoll fd, an eventfd
 * and the two ends of a pipe for its message port. Doubled for libuv's lazily opened handles.
 */
export const OPEN_FILES_PER_WORKER = 8;

/** Open files wsload keeps for itself with `workers` worker threads. */
export function reservedOpenFiles(workers: number): number {
  return RESERVED_OPEN_FILES + workers * OPEN_FILES_PER_WORKER;
}

/** Most local shards a scenario may ask for (the scenario schema's bound on `shards`). */
export const MAX_SHARDS = 64;

/** Local shards (processes) that `connections` sockets need under an open-files limit, at least 1. */
export function shardsNeeded(connections: number, workers: number, openFiles: number): number {
  const perProcess = Math.max(1, openFiles - reservedOpenFiles(workers));
  return Math.max(1, Math.ceil(connections / perProcess));
}
