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

/** A row's verdict as the table shows it. */
export function verdictText(r: ComparisonRow): string {
  return r.verdict === 'worse' ? 'WORSE' : r.verdict;
}

function verdict(r: ComparisonRow, paint: Paint): string {
  // The gate's rows are marked where the table has room: beside the verdict.
  const text = `${verdictText(r)}${r.gated ? '*' : ''}`;
  if (r.verdict === 'worse') return paint(text, 'red');
  if (r.verdict === 'better') return paint(text, 'green');
  return text;
}

/** The gate in one line: what it looked at and what it found. */
export function gateLine(c: Comparison): string {
  const g = c.gate;
  const family = g.family > 0 ? `, ${g.family} statistical under Holm's control` : '';
  const head = `gate (verdicts marked *): ${g.metrics.length} row${g.metrics.length === 1 ? '' : 's'}${family}`;
  if (g.outcome === 'regression') return `${head}: REGRESSION on ${g.worse.join(', ')}`;
  if (g.outcome === 'undecided') return `${head}: could not decide ${g.undecided.join(', ')}`;
  return `${head}: pass`;
}

/** The rows whose per-run values the runs table lists, in this order. */
const RUN_FIGURES = [
  'fanout.p50',
  'fanout.p90',
  'fanout.p99',
  'completion.p99',
  'stream.staleness.p99',
  'fanout.lost',
  'disconnects.total',
];

/** Each run's own figures, one line per run, when a side has several runs. */
export function runFigures(
  c: Comparison,
): { head: string[]; lines: { side: 'before' | 'after'; startedAt: string; cells: string[] }[] } | null {
  const rows = RUN_FIGURES.map((m) => c.rows.find((r) => r.metric === m && r.runs !== null && r.note !== NO_SAMPLES_NOTE)).filter(
    (r): r is ComparisonRow => r !== undefined,
  );
  if (rows.length === 0) return null;
  const lines = (['before', 'after'] as const).flatMap((side) =>
    c.runs[side].map((run, i) => ({
      side,
      startedAt: run.startedAt,
      cells: rows.map((r) => fmtRowValue(r.runs?.[side][i] ?? null, r.unit)),
    })),
  );
  return { head: rows.map((r) => r.metric), lines };
}

/** A row's note, with the rate it was judged on and the received-only value of a censored fan-out row. */
function noteText(r: ComparisonRow): string {
  const parts: string[] = [];
  // A policy's verdict is no statistical call: the note says which policy.
  if (r.basis === 'policy') parts.push(r.description);
  if (r.receivedOnly && r.receivedOnly.before !== r.before) {
    parts.push(`received only: ${fmtRowValue(r.receivedOnly.before, 'ms')} → ${fmtRowValue(r.receivedOnly.after, 'ms')}`);
  } else if (r.receivedOnly && r.receivedOnly.after !== r.after) {
    parts.push(`received only: ${fmtRowValue(r.receivedOnly.before, 'ms')} → ${fmtRowValue(r.receivedOnly.after, 'ms')}`);
  }
  if (r.note) parts.push(r.note);
  return parts.join('; ');
}

/** The comparison as text: header, one table row per metric, then warnings. Fits 100 columns. */
export function renderCompareTable(c: Comparison, opts: CompareTableOptions = {}): string {
  const color = opts.color ?? false;
  const paint = painter(color);
  const head = ['metric', 'before', 'after', 'change', 'verdict'];
  // A row with nothing on either side says only "no samples": one line names them instead.
  const empty = c.rows.filter((r) => r.note === NO_SAMPLES_NOTE);
  const rows = c.rows.filter((r) => !empty.includes(r));
  const cells = rows.map((r) => [
    label(r.metric),
    fmtRowValue(r.before, r.unit),
    fmtRowValue(r.after, r.unit),
    fmtRowChange(r),
    verdict(r, paint),
  ]);
  // Notes wrap inside whatever width the other columns leave of 100 (borders take 7).
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((row) => visibleLength(row[i]))) + 2);
  const noteWidth = Math.max(16, 100 - 7 - widths.reduce((a, b) => a + b, 0));
  const t = new Table({
    head: [...head, 'note'],
    colWidths: [...widths, noteWidth],
    wordWrap: true,
    style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [], compact: true },
  });
  rows.forEach((r, i) => t.push([...cells[i], noteText(r)]));
  const side = (name: string, runs: Comparison['runs']['before']): string => {
    const first = runs[0];
    const many = runs.length > 1 ? ` (${runs.length} runs, mean of each run's value; first)` : '';
    return wrap(`${name}${many}: ${first.name} · ${first.startedAt} · ${first.host} · ${first.target}`);
  };
  const out = [side('before', c.runs.before), side('after ', c.runs.after), t.toString()];
  if (empty.length > 0) out.push(wrap(`no samples in either run, not shown: ${empty.map((r) => r.metric).join(', ')}`, 100, 2));
  const worse = c.regressions.length;
  out.push(
    worse === 0
      ? paint('no regressions', 'green')
      : paint(wrap(`${worse} regression${worse === 1 ? '' : 's'}: ${c.regressions.join(', ')}`, 100, 2), 'red'),
  );
  const gate = gateLine(c);
  out.push(
    wrap(c.gate.outcome === 'regression' ? paint(gate, 'red') : c.gate.outcome === 'undecided' ? paint(gate, 'yellow') : gate, 100, 2),
  );
  const figures = runFigures(c);
  if (figures) {
    const label = (l: { side: string; startedAt: string }): string => `${l.side} ${l.startedAt.slice(11, 19)}`;
    // As many figures as fit in 100 columns (each: its widest cell, padding and a border).
    const width = (i: number): number => Math.max(figures.head[i].length, ...figures.lines.map((l) => l.cells[i].length)) + 3;
    let used = Math.max(3, ...figures.lines.map((l) => label(l).length)) + 4;
    let n = 0;
    while (n < figures.head.length && used + width(n) <= 100) used += width(n++);
    const rt = new Table({
      head: ['run', ...figures.head.slice(0, n)],
      style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [], compact: true },
    });
    for (const l of figures.lines) rt.push([label(l), ...l.cells.slice(0, n)]);
    out.push('', 'Each run', rt.toString());
  }
  if (c.notes.length > 0) out.push('', 'Notes', ...c.notes.map((n) => wrap(`  - ${n}`, 100, 4)));
  if (c.warnings.length > 0) out.push('', 'Warnings', ...c.warnings.map((w) => paint(wrap(`  - ${w}`), 'yellow')));
  return out.join('\n') + '\n';
}
