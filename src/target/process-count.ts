/**
 * How many processes the built-in target needs, and how a count of sockets to end is spread over
 * them. Pure: the open-files limit comes in as a number (src/machine-limits.ts reads it).
 */

/** Files a target process keeps for itself (stdio, IPC, epoll, libuv, HTTP publishers). */
export const TARGET_RESERVED_OPEN_FILES = 256;

/**
 * Share of the remaining files a target process fills with sockets. A target at its exact limit
 * fails accept() with EMFILE on the next reconnect, which a run would blame on the gateway.
 */
export const TARGET_FILL = 0.9;

/** Upper bound of `--processes`: more processes than this only adds broadcast hops. */
export const MAX_TARGET_PROCESSES = 64;

/** Sockets one target process holds under `openFiles` (null = unknown or unlimited: no cap). */
export function socketsPerTargetProcess(openFiles: number | null): number | null {
  if (openFiles === null) return null;
  return Math.max(1, Math.floor((openFiles - TARGET_RESERVED_OPEN_FILES) * TARGET_FILL));
}

/** Target processes that hold `connections` sockets under `openFiles`: 1 when the limit is unknown. */
export function targetProcessesFor(connections: number, openFiles: number | null): number {
  const each = socketsPerTargetProcess(openFiles);
  if (each === null || connections <= each) return 1;
  return Math.min(MAX_TARGET_PROCESSES, Math.ceil(connections / each));
}

/**
 * Splits `n` sockets to end over processes holding `open[i]` sockets each, in proportion to what
 * each holds (largest remainder, ties to the lower index), never more than a process holds; the
 * result sums to min(n, total open).
 */
export function spreadOverProcesses(n: number, open: readonly number[]): number[] {
  const total = open.reduce((a, b) => a + b, 0);
  const want = Math.max(0, Math.min(n, total));
  if (want === 0) return open.map(() => 0);
  const exact = open.map((o) => (want * o) / total);
  const out = exact.map((x) => Math.floor(x));
  let left = want - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, rest: x - Math.floor(x) })).sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left === 0) break;
    if (out[i] < open[i]) {
      out[i]++;
      left--;
    }
  }
  return out;
}
