/**
 * Percentile names users write and read: "p95", "p99.9", "p99.99". The set a report carries and
 * every table, page and comparison shows by default is declared once here (SHOWN_PERCENTILES);
 * thresholds take any pNN or pNN.N (up to 3 decimals) between 0 and 100, read off the histogram.
 */
import type { PercentileSet } from './report.js';

/** Percentiles a report's percentile sets carry, and the ones shown by default, in order ("p999" is 99.9). */
export const SHOWN_PERCENTILES = ['p50', 'p75', 'p90', 'p95', 'p99', 'p999'] as const;
export type ShownPercentile = (typeof SHOWN_PERCENTILES)[number];

/** Set keys added after the first report format: reports of older versions lack them. */
export const LATER_PERCENTILES: readonly ShownPercentile[] = ['p75', 'p95'];

/** What a percentile name means: its percent (99.9), its set key when the report carries it, its label ("p99.9"). */
export interface PercentileName {
  percent: number;
  key: ShownPercentile | null;
  label: string;
}

const PNN = /^p(\d+)(?:\.(\d+))?$/;
const MAX_DECIMALS = 3;

/** The percent a set key stands for (p999 is 99.9, the name reports have always used). */
export function percentOfKey(key: ShownPercentile): number {
  return key === 'p999' ? 99.9 : Number(key.slice(1));
}

/** "p99.9" for p999, the key itself otherwise. */
export function percentileLabel(key: ShownPercentile): string {
  return key === 'p999' ? 'p99.9' : key;
}

/**
 * Reads an aggregation name as a percentile: the set keys (p999 included), and any pNN or pNN.N
 * above 0 and below 100 with at most 3 decimals. Null when the name is not percentile-shaped at
 * all ("max", "mean"); `{ error }` says what is wrong with one that is ("p100", "p99.9999").
 */
export function parsePercentile(name: string): PercentileName | { error: string } | null {
  if (name === 'p999') return { percent: 99.9, key: 'p999', label: 'p99.9' };
  const m = PNN.exec(name);
  if (!m) return null;
  const decimals = m[2] ?? '';
  const percent = Number(`${m[1]}${decimals ? `.${decimals}` : ''}`);
  if (decimals.length > MAX_DECIMALS)
    return { error: `"${name}" has more than ${MAX_DECIMALS} decimals; expected a percentile like p99.999 at the finest` };
  if (percent <= 0) return { error: `"${name}" is no percentile (the minimum is "min"); expected p1 … p99.999, like p95` };
  if (percent >= 100)
    return {
      error: `"${name}" is no percentile (the largest value is "max"${/^p9{3,}$/.test(name) ? `; for ${name.slice(1, 3)}.${name.slice(3)}% write p${name.slice(1, 3)}.${name.slice(3)}` : ''}); expected a percentile below 100, like p99.9`,
    };
  const label = `p${percent}`;
  const key = SHOWN_PERCENTILES.find((k) => percentOfKey(k) === percent) ?? null;
  return { percent, key, label };
}

/**
 * A shown percentile of a set, or undefined when the set lacks it: sets of reports written before
 * p75 and p95 were kept. Callers that must judge rather than show use atLeast.
 */
export function percentileOf(set: PercentileSet, key: ShownPercentile): number | undefined {
  return set[key];
}

/**
 * A shown percentile of a set, or the next one above it the set carries when it lacks it (an
 * older report without p75 gives its p90): a value on the safe side, never below the true one.
 */
export function atLeast(set: PercentileSet, key: ShownPercentile): number {
  const from = SHOWN_PERCENTILES.indexOf(key);
  for (const k of SHOWN_PERCENTILES.slice(from)) {
    const v = set[k];
    if (v !== undefined) return v;
  }
  return set.max;
}
