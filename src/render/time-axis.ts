/**
 * A wall-clock (UTC) time axis for timelines: ticks at round clock times (every 10 s, 1 min,
 * 15 min…) counted from the run's start, so a chart says *when* something happened, not only how
 * long after the start.
 */
import type { Tick } from './svg-chart.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const STEPS: readonly number[] = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  24 * HOUR,
];

const pad = (v: number): string => String(v).padStart(2, '0');

/** "14:31:20" (or "14:31" when `seconds` is false), UTC. */
export function clockLabel(epochMs: number, seconds: boolean): string {
  const d = new Date(epochMs);
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return seconds ? `${hm}:${pad(d.getUTCSeconds())}` : hm;
}

/**
 * Ticks (positions in ms since `startEpochMs`) at round UTC clock times over [0, spanMs], at most
 * about `target` of them.
 */
export function clockTicks(startEpochMs: number, spanMs: number, target: number): Tick[] {
  const span = Math.max(spanMs, SECOND);
  const step = STEPS.find((s) => span / s <= target) ?? STEPS[STEPS.length - 1];
  const seconds = step < MINUTE;
  const ticks: Tick[] = [];
  for (let t = Math.ceil(startEpochMs / step) * step; t <= startEpochMs + span; t += step) {
    ticks.push({ at: t - startEpochMs, label: clockLabel(t, seconds) });
  }
  return ticks;
}
