/**
 * The one clock every cross-thread timestamp uses. process.hrtime reads CLOCK_MONOTONIC, which
 * all threads of a process share, so a publish stamped on the main thread and a receipt stamped
 * in a worker subtract meaningfully. performance.now() would not do: each worker thread has its
 * own timeOrigin. Milliseconds as a float64 keep sub-microsecond precision for years of uptime.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
