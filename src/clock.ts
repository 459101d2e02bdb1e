/**
 * The one clock every cross-thread timestamp uses. process.hrtime reads CLOCK_MONOTONIC, which
 * all threads of a process share, so a publish stamped on the main thread and a receipt stamped
 * in a worker subtract meaningfully. performance.now() would not do: each worker thread has its
 * own timeOrigin. Milliseconds as a float64 keep sub-microsecond precision for years of uptime.
 */
export function nowMs(): number {
  // The [seconds, nanoseconds] form of the same clock: it allocates a small array, not a BigInt,
  // and costs less than half of Number(process.hrtime.bigint()) on the per-message path (issue 22).
  const t = process.hrtime();
  return t[0] * 1e3 + t[1] / 1e6;
}

/**
 * Wall-clock (epoch ms) minus nowMs(), read once: nowMs() + this is the wall-clock time of a
 * nowMs() reading, sub-millisecond and monotonic-derived (no per-message Date.now(), no jumps when
 * NTP steps the clock mid-run). performance.timeOrigin + performance.now() is this thread's wall
 * clock; both it and nowMs() count CLOCK_MONOTONIC, so their difference holds for the run.
 */
export function wallClockOffsetMs(): number {
  return performance.timeOrigin + performance.now() - nowMs();
}
