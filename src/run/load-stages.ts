/**
 * Load shapes (k6-like stages), pure: when each socket opens and closes as the open-socket target
 * moves linearly from stage to stage, and when publish n is due as the publish rate does. Workers
 * compute their own sockets' events from the stages in their WorkerSlice and the shared ramp clock,
 * so every process (local shards, agents) derives the same schedule without talking.
 */
import { formatDuration } from '../duration.js';
import type { LoadStage } from './scenario.js';

/** The highest target of the stages (the peak of open sockets, or the peak publish rate). */
export function peakTarget(stages: readonly LoadStage[], start = 0): number {
  return stages.reduce((max, s) => Math.max(max, s.target), start);
}

/** Sum of the stage durations: the length of the timeline they shape. */
export function stagesTotalMs(stages: readonly LoadStage[]): number {
  return stages.reduce((sum, s) => sum + s.durationMs, 0);
}

/**
 * A worker's socket events in time order: `atMs` since the ramp start, and `socket` the local
 * socket number k for an open, or ~k (negative) for a close.
 */
export interface SocketEvents {
  atMs: Float64Array;
  socket: Int32Array;
}

/**
 * Events of the sockets with the given global indices (ascending). Socket i is wanted while the
 * target curve (linear within a stage, from 0 at the start) is ≥ i + 1: it opens when the curve
 * first reaches i + 1 and closes when it falls below, again and again as the curve moves. Within
 * a ramp up sockets open lowest index first, within a ramp down the highest index closes first.
 */
export function socketEvents(stages: readonly LoadStage[], indices: readonly number[]): SocketEvents {
  const at: number[] = [];
  const socket: number[] = [];
  let from = 0;
  let t0 = 0;
  for (const stage of stages) {
    const to = stage.target;
    const d = stage.durationMs;
    if (to > from) {
      // Levels from + 1 … to are reached, in index order.
      for (let k = 0; k < indices.length; k++) {
        const level = indices[k] + 1;
        if (level <= from) continue;
        if (level > to) break;
        at.push(d === 0 ? t0 : t0 + (d * (level - from)) / (to - from));
        socket.push(k);
      }
    } else if (to < from) {
      // Levels from … to + 1 are left, highest first.
      for (let k = indices.length - 1; k >= 0; k--) {
        const level = indices[k] + 1;
        if (level > from) continue;
        if (level <= to) break;
        at.push(d === 0 ? t0 : t0 + (d * (from - level)) / (from - to));
        socket.push(~k);
      }
    }
    from = to;
    t0 += d;
  }
  return { atMs: Float64Array.from(at), socket: Int32Array.from(socket) };
}

/**
 * The publish schedule under a rate that moves linearly from `startRate` through the stages
 * (k6's ramping-arrival-rate) and stays at the last target after them: publish n (0-based) is due
 * when the integral of the rate reaches n, so identical runs publish the same count at the same times.
 */
export class RateSchedule {
  /** Publishes due within `totalMs` (the integral over it, floored). */
  readonly count: number;
  /** Each segment: start time (ms), start rate and end rate (/s), duration (ms), publishes before it. */
  private readonly segments: { t0: number; a: number; b: number; d: number; before: number; after: number }[] = [];
  private cursor = 0;

  constructor(startRate: number, stages: readonly LoadStage[], totalMs: number) {
    let rate = startRate;
    let t0 = 0;
    let before = 0;
    for (const stage of stages) {
      if (stage.durationMs > 0) {
        const after = before + ((rate + stage.target) / 2) * (stage.durationMs / 1000);
        this.segments.push({ t0, a: rate, b: stage.target, d: stage.durationMs, before, after });
        before = after;
      }
      rate = stage.target;
      t0 += stage.durationMs;
    }
    // After the stages the rate stays at the last target (to the end of the hold).
    const rest = Math.max(0, totalMs - t0);
    this.segments.push({ t0, a: rate, b: rate, d: Math.max(rest, 1), before, after: Infinity });
    this.count = Math.floor(before + (rate * rest) / 1000 + 1e-9);
  }

  /** When publish n (0-based, n < count) is due, in ms since the schedule's start; call with rising n. */
  offsetOf(n: number): number {
    const segs = this.segments;
    // The first segment whose integral reaches n: the rate may sit at 0 for a while in between.
    while (this.cursor < segs.length - 1 && segs[this.cursor].after < n - 1e-9) this.cursor++;
    const s = segs[this.cursor];
    const x = Math.max(0, n - s.before);
    if (x === 0) return s.t0;
    const slope = (s.b - s.a) / (s.d / 1000);
    // Solves a·τ + slope·τ²/2 = x in the form that stays exact when slope is 0 or a is 0.
    const disc = s.a * s.a + 2 * slope * x;
    const tau = (2 * x) / (s.a + Math.sqrt(Math.max(0, disc)));
    return s.t0 + tau * 1000;
  }
}

/** The shape in words: "0→1000 in 1m, hold 5m, 1000→200 in 30s, step to 600, hold 2m". */
export function describeStages(stages: readonly LoadStage[], start = 0, unit = ''): string {
  let from = start;
  const parts: string[] = [];
  for (const s of stages) {
    if (s.durationMs === 0) parts.push(s.target === from ? 'step to the same' : `step to ${s.target}${unit}`);
    else if (s.target === from) parts.push(`hold ${formatDuration(s.durationMs)}`);
    else parts.push(`${from}→${s.target}${unit} in ${formatDuration(s.durationMs)}`);
    from = s.target;
  }
  return parts.join(', ');
}

/** The publish rate as the plan line and `wsload validate` name it: "10/s", or "5/s, then 5→50/s in 2m, …" with publish.stages. */
export function describePublishRate(rate: number, stages: readonly LoadStage[] | undefined): string {
  return stages ? `${rate}/s, then ${describeStages(stages, rate, '/s')}` : `${rate}/s`;
}
