/**
 * The spread of a scenario's key figures over repeated runs (`wsload run --repeat N`): how much
 * one set-up moves from run to run on this machine, which is the smallest change a single pair of
 * runs can be trusted to show, and what `wsload compare BEFORE… --vs AFTER…` takes into account.
 */
import Table from 'cli-table3';
import type { Report } from '../run/report.js';
import { fmtCount, fmtMs, fmtPct } from './format.js';

/** One key figure of a run; null when the run has none. */
interface Figure {
  name: string;
  unit: 'ms' | 'count';
  get: (r: Report) => number | null;
}

const latency = (set: (r: Report) => { count: number } & Record<'p50' | 'p90' | 'p99', number>, p: 'p50' | 'p90' | 'p99') => (r: Report) =>
  set(r).count > 0 ? set(r)[p] : null;

export const REPEAT_FIGURES: readonly Figure[] = [
  { name: 'fanout.p50', unit: 'ms', get: latency((r) => r.fanout.latencyMs, 'p50') },
  { name: 'fanout.p90', unit: 'ms', get: latency((r) => r.fanout.latencyMs, 'p90') },
  { name: 'fanout.p99', unit: 'ms', get: latency((r) => r.fanout.latencyMs, 'p99') },
  { name: 'completion.p99', unit: 'ms', get: latency((r) => r.fanout.completionMs, 'p99') },
  { name: 'handshake.p99', unit: 'ms', get: latency((r) => r.handshake.latencyMs, 'p99') },
  { name: 'stream.staleness.p99', unit: 'ms', get: (r) => (r.stream && r.stream.stalenessMs.count > 0 ? r.stream.stalenessMs.p99 : null) },
  { name: 'fanout.delivered', unit: 'count', get: (r) => (r.scenario.publish ? r.fanout.delivered : null) },
  { name: 'fanout.lost', unit: 'count', get: (r) => (r.scenario.publish ? r.fanout.lost : null) },
  { name: 'disconnects.total', unit: 'count', get: (r) => r.disconnects.total },
  { name: 'client.eventLoopLag.p99', unit: 'ms', get: (r) => r.client.eventLoopLagMs.p99 },
];

/** Min, median and max of one figure over the runs; null when no run has it. */
export interface FigureSpread {
  name: string;
  unit: 'ms' | 'count';
  values: (number | null)[];
  min: number;
  median: number;
  max: number;
  /** (max − min) / median, %; null when the median is 0. */
  spreadPct: number | null;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Each key figure's spread over the runs, figures no run has left out. */
export function repeatSpread(reports: readonly Report[]): FigureSpread[] {
  return REPEAT_FIGURES.flatMap((f) => {
    const values = reports.map(f.get);
    const present = values.filter((v): v is number => v !== null);
    if (present.length === 0) return [];
    const med = median(present);
    const min = Math.min(...present);
    const max = Math.max(...present);
    return [{ name: f.name, unit: f.unit, values, min, median: med, max, spreadPct: med === 0 ? null : (100 * (max - min)) / med }];
  });
}

/** The spread as a table: one row per figure, min / median / max, the spread, each run's value (as many as fit). */
export function renderRepeatSpread(reports: readonly Report[], opts: { color?: boolean } = {}): string {
  const rows = repeatSpread(reports);
  const fmt = (v: number | null, unit: 'ms' | 'count'): string => (v === null ? '–' : unit === 'ms' ? fmtMs(v) : fmtCount(v));
  const shownRuns = Math.min(reports.length, 5);
  const head = ['figure', 'min', 'median', 'max', 'spread', ...Array.from({ length: shownRuns }, (_, i) => `#${i + 1}`)];
  const t = new Table({ head, style: { head: opts.color ? ['cyan'] : [], border: opts.color ? ['grey'] : [], compact: true } });
  for (const r of rows) {
    t.push([
      r.name,
      fmt(r.min, r.unit),
      fmt(r.median, r.unit),
      fmt(r.max, r.unit),
      r.spreadPct === null ? '–' : fmtPct(r.spreadPct),
      ...r.values.slice(0, shownRuns).map((v) => fmt(v, r.unit)),
    ]);
  }
  const more = reports.length > shownRuns ? ` (runs #${shownRuns + 1}–#${reports.length} are in their reports)` : '';
  return `Spread over ${reports.length} runs of one set-up${more}: a change smaller than this is not the target's\n${t.toString()}\n`;
}
