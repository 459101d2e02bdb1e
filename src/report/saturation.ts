/**
 * Whether the client limited a run, judged on the hold only: event-loop lag of every worker and
 * of the main thread (which runs the publish schedule), how busy each worker's loop was, and how
 * much of fan-out latency is the workers' own handling time; and, when it did, why: wsload itself
 * (its loops busy) or the machine (other processes kept the cores busy while wsload's loops were
 * mostly idle, so its threads waited to be scheduled). Pure: numbers in, a verdict out.
 */
import type { LagSummary } from '../run/protocol.js';
import type { LoopLagReading } from '../metrics/loop-lag.js';
import type { HostCpu, PercentileSet } from '../run/report.js';

/** Event-loop lag p99 above which a thread is called saturated: receipt or send times are then late. */
export const SATURATED_LAG_P99_MS = 50;
export const SATURATED_LAG_MAX_MS = 500;
/** A worker loop busy this share of the hold has no slack left for the next burst. */
export const SATURATED_UTILIZATION = 0.9;
/** Client time counts as a cause once it is at least this long and this share of fan-out p99. */
export const CLIENT_SHARE_MIN_MS = 10;
export const CLIENT_SHARE = 0.5;
/** Other processes using this share of all cores or more make the machine busy... */
export const MACHINE_BUSY_OTHERS = 0.25;
/** ...when wsload's busiest loop was busy less than this share of the hold (it was waiting, not working)... */
export const IDLE_LOOP_UTILIZATION = 0.5;
/** ...or when wsload got less CPU than this share of the time its loops counted busy (they waited for a core). */
export const STARVED_SHARE = 0.5;

export interface SaturationInput {
  workers: readonly { workerId: number; lag: LagSummary; crashed: string | null }[];
  /** The main thread's lag during the hold; null when there was no hold. */
  mainLag: LoopLagReading | null;
  /** Per event-loop turn message-handling time of the workers. */
  turn: PercentileSet;
  fanout: PercentileSet;
  /** Length of the hold, ms: nothing is judged without one (no socket connected, say). Absent: a hold took place. */
  holdMs?: number;
  /** Sockets opened in the run: none (target down) is not judged, whatever the hold. Absent: some. */
  opened?: number;
  /** This machine's CPU during the hold; null or absent: not measured. */
  cpu?: HostCpu | null;
}

/** Who limited a saturated run: wsload itself, the machine (other processes), or unknown (no CPU figures). */
export type SaturationCause = 'wsload' | 'machine' | 'unknown';

export interface SaturationVerdict {
  saturated: boolean;
  /** Plain reasons, empty when not saturated. */
  reasons: string[];
  /** Worker lag p99 + handling p99 per turn: what the client itself can add to one delivery, ms. */
  clientMs: number;
  /** Null when not saturated. */
  cause: SaturationCause | null;
  /** What to do about it, fitting the cause; null when not saturated. */
  advice: string | null;
}

const ms = (n: number): string => `${n.toFixed(1)} ms`;

/** Judges saturation; see the README ("A saturated client is not a slow gateway"). */
export function judgeSaturation(input: SaturationInput): SaturationVerdict {
  const reasons: string[] = [];
  // No hold (no socket connected): the loops' readings cover a moment, not a run; a utilization
  // read over a few milliseconds says "busy 100%" of nothing.
  // No socket at all (target down): the loops' only work was failing handshakes, which says
  // nothing about how the client would keep up with deliveries.
  if ((input.holdMs !== undefined && input.holdMs <= 0) || input.opened === 0)
    return { saturated: false, reasons, clientMs: 0, cause: null, advice: null };
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
  if (busiest && busiest.u > SATURATED_UTILIZATION)
    reasons.push(`worker ${busiest.id} was busy ${Math.round(busiest.u * 100)}% of the hold`);
  const clientMs = lagP99 + (input.turn.count > 0 ? input.turn.p99 : 0);
  if (input.fanout.count > 0 && clientMs >= CLIENT_SHARE_MIN_MS && clientMs >= CLIENT_SHARE * input.fanout.p99) {
    reasons.push(
      `client time ${ms(clientMs)} (lag p99 ${ms(lagP99)} + message handling p99 ${ms(input.turn.p99)} per loop turn) ` +
        `is ${Math.round((100 * clientMs) / Math.max(input.fanout.p99, 0.001))}% of fan-out p99 ${ms(input.fanout.p99)}`,
    );
  }
  if (reasons.length === 0) return { saturated: false, reasons, clientMs, cause: null, advice: null };
  const utilization = busiest?.u ?? 0;
  // Loop time counted busy, in cores: wall-clock time inside callbacks, a wait for a core included.
  const busyCores = live.reduce((sum, w) => sum + (w.lag.utilization ?? 0), 0) + (main?.utilization ?? 0);
  const cause = saturationCause(utilization, main?.utilization ?? 0, busyCores, input.cpu ?? null);
  return { saturated: true, reasons, clientMs, cause, advice: adviceFor(cause, utilization, input.cpu ?? null) };
}

/**
 * A loop busy most of the hold on a core of its own is wsload's own work. A loop's "busy" share
 * is wall-clock time inside callbacks, so a thread that waits for a core mid-callback reads busy
 * too: when other processes used a good part of the cores and wsload got far less CPU than its
 * loops were "busy" (or its loops were mostly idle and still ran late), it was waiting for the
 * machine, not working.
 */
function saturationCause(workerUtilization: number, mainUtilization: number, busyCores: number, cpu: HostCpu | null): SaturationCause {
  const busiest = Math.max(workerUtilization, mainUtilization);
  if (cpu === null) return busiest > SATURATED_UTILIZATION ? 'wsload' : 'unknown';
  const othersBusy = cpu.otherProcesses >= MACHINE_BUSY_OTHERS;
  const usedCores = cpu.wsload * cpu.cores;
  if (othersBusy && usedCores < STARVED_SHARE * busyCores) return 'machine';
  if (busiest > SATURATED_UTILIZATION) return 'wsload';
  if (othersBusy && busiest < IDLE_LOOP_UTILIZATION) return 'machine';
  return 'wsload';
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;

function adviceFor(cause: SaturationCause, utilization: number, cpu: HostCpu | null): string {
  if (cause === 'machine' && cpu) {
    return (
      `this machine was busy: other processes used ${pct(cpu.otherProcesses)} of its ${cpu.cores} cores during the hold (wsload ${pct(cpu.wsload)}), ` +
      `and wsload's loops (busiest ${pct(utilization)} of the hold, a wait for a core included) mostly waited: latency figures include the machine's scheduling delay; ` +
      'run on a quieter machine (or move the target off it), and compare only with runs made under the same load'
    );
  }
  if (cause === 'wsload') {
    return (
      `wsload itself was the bottleneck (busiest worker loop busy ${pct(utilization)} of the hold${cpu ? `, wsload used ${pct(cpu.wsload)} of ${cpu.cores} cores` : ''}): ` +
      'latency figures include its own delay; use more workers or shards, or fewer sockets per process, before blaming the gateway'
    );
  }
  return "latency figures include wsload's own delay; use more workers or fewer sockets per process before blaming the gateway";
}
