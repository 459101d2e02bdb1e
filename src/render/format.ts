/** Number, duration and colour formatting shared by the terminal and HTML renderers. */
import Table from 'cli-table3';
import type { PercentileSet } from '../run/report.js';

/** Milliseconds with precision that suits their size: "0.42 ms", "12.3 ms", "250 ms", "3.25 s", "61.2 s". */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const a = Math.abs(ms);
  if (a === 0) return '0 ms';
  if (a < 10) return `${ms.toFixed(2)} ms`;
  if (a < 100) return `${ms.toFixed(1)} ms`;
  if (a < 1000) return `${Math.round(ms)} ms`;
  if (a < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  if (a < 600_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** A latency aggregation, or "–" when its histogram is empty or the set lacks it (p75, p95 of an older report). */
export function fmtLatency(set: PercentileSet, key: keyof PercentileSet): string {
  const v = set[key];
  return set.count === 0 || v === undefined ? '–' : fmtMs(v);
}

/** An integer count with thousands separators: 12,345. */
export function fmtCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A percentage with two significant decimals for small values: 0.017%, 2.5%, 100%. */
export function fmtPct(pct: number): string {
  if (!Number.isFinite(pct)) return '–';
  const a = Math.abs(pct);
  if (a === 0) return '0%';
  if (a < 0.01) return `${pct.toPrecision(2)}%`;
  if (a < 10) return `${+pct.toFixed(2)}%`;
  if (a < 100) return `${+pct.toFixed(1)}%`;
  return `${Math.round(pct)}%`;
}

/** "refused: 3, timeout: 2", largest first; "none" when empty. */
export function fmtCounts(rec: Partial<Record<string, number>>): string {
  const entries = Object.entries(rec).filter((e): e is [string, number] => (e[1] ?? 0) > 0);
  if (entries.length === 0) return 'none';
  entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.map(([k, v]) => `${k}: ${fmtCount(v)}`).join(', ');
}

const ANSI = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1, dim: 2 } as const;

/** A colour function that is the identity when colour is off, so callers never branch on it. */
export type Paint = (text: string, style: keyof typeof ANSI) => string;

/** Paint for the given setting. */
export function painter(color: boolean): Paint {
  return color ? (text, style) => `\u001b[${ANSI[style]}m${text}\u001b[0m` : (text) => text;
}

/** A cli-table3 table whose header colour follows `color` (cli-table3 colours headers red by default). */
export function newTable(head: string[], color: boolean, colAligns?: ('left' | 'right' | 'center')[]): Table.Table {
  return new Table({
    head,
    style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [], compact: true },
    ...(colAligns ? { colAligns } : {}),
  });
}

// Lives in text/ so the CLI's help (cli/exit-codes.ts) wraps lines without loading cli-table3.
export { wrap } from '../text/wrap.js';
