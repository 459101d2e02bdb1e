/**
 * The terminal summary of a finished run (printed after `wsload run` and by `wsload report`): one
 * module per rendered block in src/render/summary/; this module puts them in order and fits them to 100 columns.
 */
import type { Report } from '../run/report.js';
import { painter, wrap, type Paint } from './format.js';
import { observeSummary } from './observe-text.js';
import { streamSection } from './stream-summary.js';
import { publish } from './summary/publish.js';
import { thresholds, client } from './summary/client.js';
import { shards, mergedFigures } from './summary/shards.js';
import { disconnects } from './summary/disconnects.js';
import { fanout } from './summary/fanout.js';
import { connections, header } from './summary/header.js';

/** Options of renderSummary. */
export interface SummaryOptions {
  /** ANSI colour; off by default so the output is plain text unless a TTY asks for it. */
  color?: boolean;
}

function warnings(r: Report, paint: Paint): string[] {
  if (r.warnings.length === 0) return [];
  return ['Warnings', ...r.warnings.map((w) => paint(`  - ${w}`, 'yellow'))];
}

/** The run summary as text: headline, tables per area, thresholds, warnings. Fits 100 columns. */
export function renderSummary(report: Report, opts: SummaryOptions = {}): string {
  const color = opts.color ?? false;
  const paint = painter(color);
  const sections = [
    header(report, paint),
    connections(report, color),
    fanout(report, color, paint),
    streamSection(report, color, paint),
    publish(report, color),
    disconnects(report, color, paint),
    client(report),
    observeSummary(report),
    thresholds(report, color, paint),
    shards(report),
    mergedFigures(report),
    warnings(report, paint),
  ].filter((s) => s.length > 0);
  // Tables are laid out by cli-table3; free text is wrapped so the whole fits 100 columns.
  const text = (line: string): string => (line.includes('\n') ? line : wrap(line));
  return sections.map((s) => s.map(text).join('\n')).join('\n\n') + '\n';
}
