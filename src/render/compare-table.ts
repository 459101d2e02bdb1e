/** A Comparison as a terminal table (cli-table3), with the comparability warnings under it. */
import { NO_SAMPLES_NOTE, type Comparison, type ComparisonRow } from '../report/compare.js';
import Table from 'cli-table3';
import { fmtCount, fmtMs, fmtPct, painter, wrap, type Paint } from './format.js';

/** Options of renderCompareTable. */
export interface CompareTableOptions {
  color?: boolean;
}

function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '').length;
}

// Cause rows sit under disconnects.total; their full path would widen the table by a third.
function label(metric: string): string {
  const prefix = 'disconnects.byCause.';
  return metric.startsWith(prefix) ? `  ↳ ${metric.slice(prefix.length)}` : metric;
}

/** A row's before or after value as the table shows it ("–" for none). */
export function fmtRowValue(v: number | null, unit: ComparisonRow['unit']): string {
  if (v === null) return '–';
  return unit === 'ms' ? fmtMs(v) : fmtCount(v);
}

/** A row's change as the table shows it: "+12.0 ms (+8.5%)", "0", "–". */
export function fmtRowChange(r: ComparisonRow): string {
  if (r.change === null) return '–';
  if (r.change === 0) return '0';
  const sign = r.change > 0 ? '+' : '−';
  const abs = r.unit === 'ms' ? fmtMs(Math.abs(r.change)) : fmtCount(Math.abs(r.change));
  const pct = r.changePct === null ? (r.before === 0 ? ' (new)' : '') : ` (${sign}${fmtPct(Math.abs(r.changePct))})`;
  return `${sign}${abs}${pct}`;
}

function verdict(r: ComparisonRow, paint: Paint): string {
  if (r.verdict === 'worse') return paint('WORSE', 'red');
  if (r.verdict === 'better') return paint('better', 'green');
  return r.verdict;
}

/** The comparison as text: header, one table row per metric, then warnings. Fits 100 columns. */
export function renderCompareTable(c: Comparison, opts: CompareTableOptions = {}): string {
  const color = opts.color ?? false;
  const paint = painter(color);
  const head = ['metric', 'before', 'after', 'change', 'verdict'];
  // A row with nothing on either side says only "no samples": one line names them instead.
  const empty = c.rows.filter((r) => r.note === NO_SAMPLES_NOTE);
  const rows = c.rows.filter((r) => !empty.includes(r));
  const cells = rows.map((r) => [label(r.metric), fmtRowValue(r.before, r.unit), fmtRowValue(r.after, r.unit), fmtRowChange(r), verdict(r, paint)]);
  // Notes wrap inside whatever width the other columns leave of 100 (borders take 7).
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((row) => visibleLength(row[i]))) + 2);
  const noteWidth = Math.max(16, 100 - 7 - widths.reduce((a, b) => a + b, 0));
  const t = new Table({
    head: [...head, 'note'],
    colWidths: [...widths, noteWidth],
    wordWrap: true,
    style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [], compact: true },
  });
  rows.forEach((r, i) => t.push([...cells[i], r.note ?? '']));
  const out = [
    wrap(`before: ${c.before.name} · ${c.before.startedAt} · ${c.before.host} · ${c.before.target}`),
    wrap(`after:  ${c.after.name} · ${c.after.startedAt} · ${c.after.host} · ${c.after.target}`),
    t.toString(),
  ];
  if (empty.length > 0) out.push(wrap(`no samples in either run, not shown: ${empty.map((r) => r.metric).join(', ')}`, 100, 2));
  const worse = c.regressions.length;
  out.push(worse === 0 ? paint('no regressions', 'green') : paint(wrap(`${worse} regression${worse === 1 ? '' : 's'}: ${c.regressions.join(', ')}`, 100, 2), 'red'));
  if (c.notes.length > 0) out.push('', 'Notes', ...c.notes.map((n) => wrap(`  - ${n}`, 100, 4)));
  if (c.warnings.length > 0) out.push('', 'Warnings', ...c.warnings.map((w) => paint(wrap(`  - ${w}`), 'yellow')));
  return out.join('\n') + '\n';
}
