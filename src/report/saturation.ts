/**
 * Whether the client limited a run, judged on the hold only: event-loop lag of every worker and
 * of the main thread (which runs the publish schedule), how busy each worker's loop was, and how
 * much of fan-out latency is the workers' own handling time. Pure: numbers in, a verdict out.
 */
import type { LagSummary } from '../run/protocol.js';
import type { LoopLagReading } from '../metrics/loop-lag.js';
import type { PercentileSet } from '../run/report.js';

/** Event-loop lag p99 above which a thread is called saturated: receipt or send times are then late. */
export const SATURATED_LAG_P99_MS = 50;
export const SATURATED_LAG_MAX_MS = 500;
/** A worker loop busy this share of the hold has no slack left for the next burst. */
export const SATURATED_UTILIZATION = 0.9;
/** Client time counts as a cause once it is at least this long and this share of fan-out p99. */
export const CLIENT_SHARE_MIN_MS = 10;
export const CLIENT_SHARE = 0.5;

export interface SaturationInput {
  workers: readonly { workerId: number; lag: LagSummary; crashed: string | null }[];
  /** The main thread's lag during the hold; null when there was no hold. */
  mainLag: LoopLagReading | null;
  /** Per event-loop turn message-handling time of the workers. */
  turn: PercentileSet;
  fanout: PercentileSet;
}

export interface SaturationVerdict {
  saturated: boolean;
  /** Plain reasons, empty when not saturated. */
  reasons: string[];
  /** Worker lag p99 + handling p99 per turn: what the client itself can add to one delivery, ms. */
  clientMs: number;
}

const ms = (n: number): string => `${n.toFixed(1)} ms`;

/** Judges saturation; see the README ("A saturated client is not a slow gateway"). */
export function judgeSaturation(input: SaturationInput): SaturationVerdict {
  const reasons: string[] = [];
  const live = input.workers.filter((w) => w.crashed === null);
  const lagP99 = Math.max(0, ...live.map((w) => w.lag.p99Ms));
  const lagMax = Math.max(0, ...live.map((w) => w.lag.maxMs));
  if (lagP99 > SATURATED_LAG_P99_MS || lagMax > SATURATED_LAG_MAX_MS) {
    reasons.push(`worker event-loop lag p99 ${ms(lagP99)}, max ${ms(lagMax)}`);
  }
  const main = input.mainLag;
  if (main && (main.p99Ms > SATURATED_LAG_P99_MS || main.maxMs > SATURATED_LAG_MAX_MS)) {
    reasons.push(`main-thread (publisher) event-loop lag p99 ${ms(main.p99Ms)}, max ${ms(main.maxMs)}`);
  }
  const busiest = live.reduce<{ id: number; u: number } | null>((b, w) => {
    const u = w.lag.utilization ?? 0;
    return b === null || u > b.u ? { id: w.workerId, u } : b;
  }, null);
  if (busiest && busiest.u > SATURATED_UTILIZATION) reasons.push(`worker ${busiest.id} was busy ${Math.round(busiest.u * 100)}% of the hold`);
  const clientMs = lagP99 + (input.turn.count > 0 ? input.turn.p99 : 0);
  if (input.fanout.count > 0 && clientMs >= CLIENT_SHARE_MIN_MS && clientMs >= CLIENT_SHARE * input.fanout.p99) {
    reasons.push(
      `client time ${ms(clientMs)} (lag p99 ${ms(lagP99)} + message handling p99 ${ms(input.turn.p99)} per loop turn) ` +
        `is ${Math.round((100 * clientMs) / Math.max(input.fanout.p99, 0.001))}% of fan-out p99 ${ms(input.fanout.p99)}`,
    );
  }
  return { saturated: reasons.length > 0, reasons, clientMs };
}
