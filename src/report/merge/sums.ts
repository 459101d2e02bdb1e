/** How the mergers of src/report/merge/ add numbers up: counts by key, sums, percentile sets without a histogram, field order. */
import { atLeast, type ShownPercentile } from '../../run/percentiles.js';
import type { PercentileSet } from '../../run/report.js';

export type Counts = Partial<Record<string, number>>;

export function sumCounts<T extends Counts>(records: readonly T[]): T {
  const out: Counts = {};
  for (const rec of records) {
    for (const [k, v] of Object.entries(rec)) out[k] = (out[k] ?? 0) + (v ?? 0);
  }
  return out as T;
}

export const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

export function byKey<T>(records: readonly Record<string, T>[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const rec of records) {
    for (const [k, v] of Object.entries(rec)) out.set(k, [...(out.get(k) ?? []), v]);
  }
  return out;
}

export function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** `obj` with its keys in the order `shape` declares them (keys the shape lacks keep their order, last). */
export function inShapeOrder<T extends object>(obj: T, shape: object): T {
  const keys = [...new Set([...Object.keys(shape), ...Object.keys(obj)])].filter((k) => k in obj);
  return Object.fromEntries(keys.map((k) => [k, obj[k as keyof T]])) as T;
}

/** Best available set when no histogram backs it: exact count, min, max, mean; percentiles are upper bounds. */
export function approximateSet(sets: readonly PercentileSet[]): PercentileSet {
  const withData = sets.filter((s) => s.count > 0);
  if (withData.length === 0) return { count: 0, min: 0, mean: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  const count = sum(withData.map((s) => s.count));
  // A set of an older report without p75 or p95 counts with the next percentile it has (an upper bound still).
  const max = (k: ShownPercentile | 'max'): number => Math.max(...withData.map((s) => (k === 'max' ? s.max : atLeast(s, k))));
  return {
    count,
    min: Math.min(...withData.map((s) => s.min)),
    mean: Math.round((sum(withData.map((s) => s.mean * s.count)) / count) * 1000) / 1000,
    p50: max('p50'),
    p75: max('p75'),
    p90: max('p90'),
    p95: max('p95'),
    p99: max('p99'),
    p999: max('p999'),
    max: max('max'),
  };
}
