/** The shown percentiles (src/run/percentiles.ts) as table cells: the summary's latency tables and the stream's. */
import type { PercentileSet } from '../run/report.js';
import { SHOWN_PERCENTILES, percentileLabel, type ShownPercentile } from '../run/percentiles.js';
import { fmtCount, fmtLatency } from './format.js';

/** A latency table's head: its first column, the shown percentiles (src/run/percentiles.ts), max, samples. */
export function latencyHead(first: string): string[] {
  return [first, ...SHOWN_PERCENTILES.map(percentileLabel), 'max', 'samples'];
}

/**
 * A percentile set's cells under latencyHead; `lowerBoundAtMs`: a value at or above it is a lower
 * bound (every expected delivery, lost ones counted at the deadline), marked "≥".
 */
export function latencyCells(set: PercentileSet, lowerBoundAtMs?: number): string[] {
  const cell = (k: ShownPercentile | 'max'): string => {
    const v = set[k];
    return `${lowerBoundAtMs !== undefined && v !== undefined && v >= lowerBoundAtMs ? '≥' : ''}${fmtLatency(set, k)}`;
  };
  return [...SHOWN_PERCENTILES.map(cell), cell('max'), fmtCount(set.count)];
}

/** "p50 / p75 / p90 / p95 / p99 / p99.9 / max" and the set's values in that order, for one-line rows (HTML). */
export function shownPercentilesRow(name: string, set: PercentileSet): [string, string] {
  const keys = [...SHOWN_PERCENTILES, 'max'] as const;
  return [
    `${name} ${keys.map((k) => (k === 'max' ? k : percentileLabel(k))).join(' / ')}`,
    keys.map((k) => fmtLatency(set, k)).join(' / '),
  ];
}
