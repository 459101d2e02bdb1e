/**
 * What a server stream's figures need said: the clock caveat of its staleness, how much of the
 * stream could be judged at all, and what it means for idle timeouts.
 */
import type { IdleTimeoutVerdict } from '../metrics/idle-timeout.js';
import { AHEAD_TOLERANCE_MS } from '../run/stream-counters.js';
import type { StreamStats } from '../run/report.js';

/** Below this many ms, staleness says nothing without synchronised clocks (typical NTP accuracy over a network). */
export const CLOCK_CAVEAT_FLOOR_MS = AHEAD_TOLERANCE_MS;

/**
 * Share of a stream's messages that must have been judged (every configured figure measured: the
 * sequence read as a safe integer, the timestamp read and not ahead of the receipt) for its figures
 * to describe the stream. Below it the run fails, and staleness thresholds have no data: 5 judged
 * messages of 200 say nothing about the other 195. Other message types the service mixes in (its
 * own heartbeats) count as unjudged too; half leaves room for one beside every stream message.
 */
export const STREAM_JUDGED_FLOOR = 0.5;

type StreamCounts = Pick<StreamStats, 'messages' | 'unmatched'> & { ahead?: number };

/** Messages judged and messages received (judged, unmatched, or stamped ahead). */
export function streamJudged(s: StreamCounts): { judged: number; received: number } {
  return { judged: s.messages - (s.ahead ?? 0), received: s.messages + s.unmatched };
}

/** True when enough of the stream was judged for its figures to stand (nothing received: true, nothing to judge). */
export function streamJudgedEnough(s: StreamCounts): boolean {
  const { judged, received } = streamJudged(s);
  return received === 0 || judged >= STREAM_JUDGED_FLOOR * received;
}

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
export function withoutStreamIdleEstimate(
  verdict: IdleTimeoutVerdict,
  stream: { messages: number; unmatched: number } | undefined,
  socketMs: number,
): IdleTimeoutVerdict {
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
