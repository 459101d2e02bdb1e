/** client.memory in words, for the summary and the HTML: the RSS slope, its interval, and the call. */
import type { MemoryTrend } from '../run/report.js';
import { notJudgedLead } from './trend-reason.js';

const signed = (v: number): string => `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v).toFixed(1)}`;

/** "flat: RSS +0.4 MB/h (95 % −1.2 to +2.0) from 15 to 120 min, within 5 MB/h" and the like. */
export function memoryTrendText(m: MemoryTrend): string {
  const slope = `RSS ${signed(m.rssSlopeMbPerHour)} MB/h (95 % ${signed(m.ci[0])} to ${signed(m.ci[1])}) from ${Math.round(m.fromS / 60)} to ${Math.round(m.toS / 60)} min`;
  const tol = `${m.toleranceMbPerHour.toFixed(1)} MB/h${m.toleranceSet ? ' (set by the scenario)' : ''}`;
  if (m.flat === true) return `flat: ${slope}, within ${tol}`;
  if (m.flat === false) return `GROWING: ${slope}, above ${tol}`;
  return `${notJudgedLead(m.reason)}: ${slope}${m.note ? ` (${m.note})` : ''}`;
}
