/** What a server stream's figures need said: the clock caveat of its staleness, and what it means for idle timeouts. */
import type { IdleTimeoutVerdict } from '../metrics/idle-timeout.js';

/** Below this many ms, staleness says nothing without synchronised clocks (typical NTP accuracy over a network). */
export const CLOCK_CAVEAT_FLOOR_MS = 10;

/** The caveat: how far down staleness figures mean anything, raised by any skew the run saw (`aheadMaxMs`). */
export function clockCaveat(aheadMaxMs: number): string {
  const x = Math.max(CLOCK_CAVEAT_FLOOR_MS, Math.ceil(aheadMaxMs));
  const seen = aheadMaxMs > 0 ? ` (the service's clock was seen up to ${Math.ceil(aheadMaxMs)} ms ahead)` : '';
  return (
    "staleness includes the offset between the service's clock and this machine's; figures below about " +
    `${x} ms are not meaningful unless the clocks are synchronised (NTP)${seen}`
  );
}

/**
 * A server stream keeps its sockets receiving, so a close at an idle time within two of the
 * stream's per-socket message intervals is no idle timeout (the rule close screening applies to
 * publishes and pongs, whose interval is known in advance; a stream's is only known afterwards).
 * Returns the verdict without such an estimate, saying why; unchanged otherwise.
 */
export function withoutStreamIdleEstimate(verdict: IdleTimeoutVerdict, stream: { messages: number; unmatched: number } | undefined, socketMs: number): IdleTimeoutVerdict {
  const received = (stream?.messages ?? 0) + (stream?.unmatched ?? 0);
  const estimate = verdict.estimate;
  if (!estimate || received === 0 || socketMs <= 0) return verdict;
  const everyMs = socketMs / received;
  if (estimate.estimateMs > 2 * everyMs) return verdict;
  return {
    ...verdict,
    estimate: null,
    recommendation: null,
    note: `the sockets received the server's stream about every ${Math.round(everyMs)} ms: closes after ${Math.round(estimate.estimateMs)} ms of quiet were no idle timeout`,
  };
}
