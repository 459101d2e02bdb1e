/** What a worker counts of a server-originated stream, as it crosses to the main thread (see worker/stream-tracker.ts). */

/** Per-worker stream counters (cumulative), summed exactly across workers and processes. */
export interface StreamCounters {
  /** Messages judged: every configured field (timestamp, sequence) was readable. */
  messages: number;
  /** Messages with a configured field missing or not a number, and binary frames left unread. */
  unmatched: number;
  /** Times a socket's sequence jumped ahead by more than one. */
  gaps: number;
  /** Sequence numbers skipped by those jumps, less those that arrived later (out of order). */
  missing: number;
  /** Messages whose sequence number the socket had already received. */
  duplicated: number;
  /** Messages older than the socket's newest that it had not received (or too old to tell). */
  outOfOrder: number;
  /** Messages stamped later than their receipt (within AHEAD_TOLERANCE_MS: recorded as staleness 0). */
  negative: number;
  /** Of those, messages stamped more than AHEAD_TOLERANCE_MS after their receipt: no staleness recorded (it is unknown). */
  ahead: number;
  /** Messages stamped more than MAX_STALENESS_MS before their receipt: recorded as MAX_STALENESS_MS. */
  staleCapped: number;
  /** Largest amount, ms, by which a timestamp was later than its receipt (merged by max). */
  aheadMaxMs: number;
}

/**
 * How far a timestamp may lie after its receipt and still be read as "no staleness" rather than
 * a clock that runs ahead: about what NTP keeps two machines' clocks within. Beyond it the message's
 * staleness is unknown (not 0), and it does not count as judged.
 */
export const AHEAD_TOLERANCE_MS = 10;

/** Staleness recorded at most (365 days): a timestamp further back is counted at this value, not lost. */
export const MAX_STALENESS_MS = 365 * 86_400_000;

/** Zeroed stream counters. */
export function emptyStreamCounters(): StreamCounters {
  return {
    messages: 0,
    unmatched: 0,
    gaps: 0,
    missing: 0,
    duplicated: 0,
    outOfOrder: 0,
    negative: 0,
    ahead: 0,
    staleCapped: 0,
    aheadMaxMs: 0,
  };
}

/** Adds `from` into `into`. */
export function addStreamCounters(into: StreamCounters, from: StreamCounters): void {
  for (const key of Object.keys(into) as (keyof StreamCounters)[]) if (key !== 'aheadMaxMs') into[key] += from[key];
  into.aheadMaxMs = Math.max(into.aheadMaxMs, from.aheadMaxMs);
}
