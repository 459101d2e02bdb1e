/**
 * The timeline interval when a scenario does not set `report.interval`: fine enough that a short
 * run draws a real curve, coarse enough that a soak's .ndjson stays small.
 */

/** Planned runs up to this long get 1 s intervals (a 30 s run: 30 points; 3 min: 180). */
export const FINE_UP_TO_MS = 3 * 60_000;
/** Planned runs up to this long get 5 s intervals; longer ones 10 s. */
export const MEDIUM_UP_TO_MS = 15 * 60_000;

/** The report interval (ms) for a run planned to last `plannedMs` (ramp + hold). */
export function autoReportIntervalMs(plannedMs: number): number {
  if (plannedMs <= FINE_UP_TO_MS) return 1_000;
  if (plannedMs <= MEDIUM_UP_TO_MS) return 5_000;
  return 10_000;
}
