/**
 * The body of the HTML comparison: both runs side by side (surviving cohorts, idle-timeout
 * estimate, drops), the metric table without rows that have no samples in either run, and — only
 * for what changed — both runs' curves on the same axes, so a reader is not shown handshake latency
 * for an idle-timeout change.
 */
import { formatDuration } from '../duration.js';
import type { Comparison, ComparisonRow } from '../report/compare.js';
import type { Report, TimelineLine } from '../run/report.js';
import { fmtCount, fmtCounts, fmtMs, fmtPct } from './format.js';
import { verdictText } from './compare-table.js';
import { CHARTED, COLORS, figure, histogramOrNull, t, table, warningsSection } from './html-page.js';
import { overlayTimeline, type OverlayMetric } from './html-timeline.js';
import { percentileChart } from './percentile-curve.js';

/** Each run's timeline, when there is one. */
export interface CompareTimelines {
  beforeTimeline?: readonly TimelineLine[] | null;
  afterTimeline?: readonly TimelineLine[] | null;
}

/** A row with no value in either run: nothing to compare. */
export function emptyRow(r: ComparisonRow): boolean {
  return r.before === null && r.after === null;
}

/**
 * Whether a row shows a change worth drawing: a counter that moved, a value in one run only, a
 * latency judged worse or better, or one left inconclusive that moved by more than 10% (and 1 ms)
 * — "too few samples" on two equal values is no change.
 */
export function rowChanged(r: ComparisonRow): boolean {
  if (emptyRow(r)) return false;
  if (r.before === null || r.after === null) return true;
  if (r.unit === 'count') return r.change !== 0;
  if (r.verdict === 'worse' || r.verdict === 'better') return true;
  if (r.verdict === 'same') return false;
  return Math.abs(r.after - r.before) > Math.max(1, 0.1 * Math.min(r.before, r.after));
}

/** Which timelines to overlay for the rows that changed. */
export function changedOverlays(rows: readonly ComparisonRow[], before: Report, after: Report): OverlayMetric[] {
  const changed = (pred: (metric: string) => boolean): boolean => rows.some((r) => pred(r.metric) && rowChanged(r));
  const out: OverlayMetric[] = [];
  if (changed((m) => m.startsWith('fanout.p') || m === 'fanout.max' || m.startsWith('completion.'))) out.push('fanout');
  if (changed((m) => m.startsWith('connections.') || m.startsWith('disconnects.'))) out.push('open');
  if (changed((m) => m === 'fanout.delivered' || m === 'fanout.lost')) out.push('deliveries');
  // An idle timeout that moved shifts when sockets close even when as many close.
  if (changed((m) => m === 'disconnects.total' || m.startsWith('disconnects.byCause.') || m === 'disconnects.idleTimeout'))
    out.push('closes');
  if (changed((m) => m === 'reconnects.total')) out.push('reconnects');
  const rssB = before.client.peakRssMb;
  const rssA = after.client.peakRssMb;
  if (Math.abs(rssA - rssB) > Math.max(10, 0.1 * Math.min(rssA, rssB))) out.push('rss');
  if (changed((m) => m.startsWith('client.eventLoopLag'))) out.push('lag');
  return out;
}

const ALL_OVERLAYS: Record<OverlayMetric, string> = {
  fanout: 'fan-out latency',
  open: 'open sockets',
  deliveries: 'deliveries/s',
  closes: 'closes',
  reconnects: 'reconnects',
  rss: 'RSS',
  lag: 'event-loop lag',
};

function compareCell(r: ComparisonRow, v: number | null): string {
  if (v === null) return '–';
  return r.unit === 'ms' ? fmtMs(v) : fmtCount(v);
}

function changeCell(r: ComparisonRow): string {
  if (r.change === null) return '–';
  if (r.change === 0) return '0';
  const sign = r.change > 0 ? '+' : '−';
  const abs = r.unit === 'ms' ? fmtMs(Math.abs(r.change)) : fmtCount(Math.abs(r.change));
  return `${sign}${abs}${r.changePct === null ? '' : ` (${sign}${fmtPct(Math.abs(r.changePct))})`}`;
}

function cohortState(r: Report, name: string): string {
  if (!r.scenario.cohorts.some((c) => c.name === name)) return 'not in this run';
  if (r.disconnects.survivingCohorts.includes(name)) return '✓ survived';
  return `✗ cut (${fmtCount(r.disconnects.byCohort[name]?.byCause['connection-lost'] ?? 0)} connection-lost)`;
}

/** The estimate in one line; "none" with its (often long) reason folded in a details element. HTML. */
function idleCell(r: Report): string {
  const d = r.disconnects;
  if (d.idleTimeout)
    return t(
      `${fmtMs(d.idleTimeout.estimateMs)} ± ${fmtMs(d.idleTimeout.spreadMs / 2)} (cohort ${d.idleTimeout.cohort}, ${fmtCount(d.idleTimeout.samples)} closes)`,
    );
  return d.idleTimeoutNote ? `<details class="cell"><summary>none (why)</summary>${t(d.idleTimeoutNote)}</details>` : 'none';
}

/** Fan-out p50 / p90 / p99 of a run, received deliveries only. */
function fanoutText(r: Report): string {
  const f = r.fanout.latencyMs;
  return f.count === 0 ? '–' : `${fmtMs(f.p50)} / ${fmtMs(f.p90)} / ${fmtMs(f.p99)}`;
}

/** Whether, and why, a run's client was saturated. */
function clientText(r: Report): string {
  if (!r.client.saturated) return 'not saturated';
  const cause =
    r.client.saturationCause === 'machine'
      ? 'machine busy (other processes)'
      : r.client.saturationCause === 'wsload'
        ? 'wsload itself the bottleneck'
        : 'saturated';
  return `${cause}; lag p99 ${fmtMs(r.client.eventLoopLagMs.p99)}${r.client.cpu ? `, others ${fmtPct(100 * r.client.cpu.otherProcesses)} of ${r.client.cpu.cores} cores` : ''}`;
}

/** The runs side by side, one column per run and one row per fact, so what differs is read across a row. */
function runsSideBySide(before: readonly Report[], after: readonly Report[]): string {
  const facts: [string, (r: Report) => string][] = [
    ['started', (r) => r.startedAt],
    ['host', (r) => r.environment.host],
    ['target', (r) => r.target.url],
    [
      'sockets · hold · publish',
      (r) =>
        `${fmtCount(r.scenario.connections)} · ${formatDuration(r.phases.holdMs)} · ${r.scenario.publish ? `${r.scenario.publish.rate}/s` : 'none'}`,
    ],
    ['fan-out p50 / p90 / p99', fanoutText],
    ['delivered / lost', (r) => `${fmtCount(r.fanout.delivered)} / ${fmtCount(r.fanout.lost)}`],
    ['disconnects', (r) => `${fmtCount(r.disconnects.total)}: ${fmtCounts(r.disconnects.byCause)}`],
    ['drop events', (r) => fmtCount(r.disconnects.events?.length ?? 0)],
  ];
  const all = [...before, ...after];
  const cohorts = [...new Set(all.flatMap((r) => r.scenario.cohorts.map((c) => c.name)))];
  for (const name of cohorts) facts.push([`cohort ${name}`, (r) => cohortState(r, name)]);
  facts.push(
    ['surviving cohorts', (r) => (r.disconnects.survivingCohorts.length > 0 ? r.disconnects.survivingCohorts.join(', ') : 'none')],
    ['idle-timeout estimate', idleCell],
    ['client', clientText],
    ['peak RSS', (r) => `${fmtCount(r.client.peakRssMb)} MB`],
  );
  const head = (side: string, n: number) => (n === 1 ? [side] : Array.from({ length: n }, (_, i) => `${side} ${i + 1}`));
  // Every cell is text but the idle-timeout estimate's, which folds its reason (HTML of its own).
  const cell = (k: string, get: (r: Report) => string, r: Report): string => (get === idleCell ? get(r) : t(get(r)));
  return table(
    ['', ...head('before', before.length), ...head('after', after.length)],
    facts.map(([k, get]) => [t(k), ...all.map((r) => cell(k, get, r))]),
    'sides',
  );
}

/** A row's note cell: the received-only values of a censored fan-out row, each run's value with several, then the note. */
function noteCell(r: ComparisonRow): string {
  const parts: string[] = [];
  if (r.basis === 'policy') parts.push(r.description);
  if (r.receivedOnly && (r.receivedOnly.before !== r.before || r.receivedOnly.after !== r.after)) {
    parts.push(`received only: ${compareCell(r, r.receivedOnly.before)} → ${compareCell(r, r.receivedOnly.after)}`);
  }
  if (r.runs)
    parts.push(
      `runs: ${r.runs.before.map((v) => compareCell(r, v)).join(', ')} → ${r.runs.after.map((v) => compareCell(r, v)).join(', ')}`,
    );
  if (r.note) parts.push(r.note);
  return parts.join('; ');
}

/** The gate's outcome in the banner's words. */
function gateBanner(c: Comparison): string {
  const g = c.gate;
  if (g.outcome === 'pass') return `<li>gate: all ${g.metrics.length} gated rows judged, none worse</li>`;
  if (g.outcome === 'undecided')
    return `<li>gate: could not decide ${t(g.undecided.join(', '))} (--fail-on-regression exits ${4} on these)</li>`;
  return `<li>gate: worse on ${t(g.worse.join(', '))}</li>`;
}

/** The banner on top: no regressions, or each worse row; and the gate's outcome. */
function verdictBanner(comparison: Comparison): string {
  const regress = comparison.regressions.length;
  return regress === 0
    ? `<div class="verdict ${comparison.gate.outcome === 'undecided' ? 'thresholds' : 'ok'}"><div class="head">NO REGRESSIONS</div><ul><li>no metric is shown to be worse after than before</li>${gateBanner(comparison)}</ul></div>`
    : `<div class="verdict failed"><div class="head">${regress} REGRESSION${regress === 1 ? '' : 'S'}</div><ul>${comparison.rows
        .filter((r) => r.verdict === 'worse')
        .map(
          (r) =>
            `<li><b>${t(r.metric)}</b>${r.basis === 'policy' ? ' (policy)' : ''}: ${t(compareCell(r, r.before))} → ${t(compareCell(r, r.after))}${r.note ? ` (${t(r.note)})` : ''}</li>`,
        )
        .join('')}${gateBanner(comparison)}</ul></div>`;
}

/** The metrics table, without the rows that say nothing (no samples; 0 = 0 where neither run published), named below it. */
function metricsSection(befores: readonly Report[], afters: readonly Report[], comparison: Comparison): string[] {
  // Delivery and publish rows of two runs that published nothing are all 0 = 0: noise, not news.
  const noPublishing = [...befores, ...afters].every((r) => r.scenario.publish === null);
  const unpublished = (r: ComparisonRow): boolean =>
    noPublishing && !emptyRow(r) && /^(fanout|completion|publish)\./.test(r.metric) && r.before === 0 && r.after === 0;
  const shown = comparison.rows.filter((r) => !emptyRow(r) && !unpublished(r));
  const omitted = comparison.rows.filter(emptyRow);
  const quiet = comparison.rows.filter(unpublished);
  const rows = shown.map((r) => [
    // A phone's narrow first column breaks a long name at its dots, not mid-word.
    t(`${r.metric}${r.gated ? ' *' : ''}`).replace(/\./g, '.<wbr>'),
    t(compareCell(r, r.before)),
    t(compareCell(r, r.after)),
    t(changeCell(r)),
    `<span class="${r.verdict}">${t(verdictText(r))}</span>`,
    `<span class="note">${t(noteCell(r))}</span>`,
  ]);
  const out = [
    '<h2>Metrics</h2>',
    table(['metric', 'before', 'after', 'change', 'verdict', 'note'], rows, 'compare'),
    '<p class="note">Rows marked * are gated (<code>--fail-on-regression</code>); with several runs per side, before and after are the mean of each run\'s value, listed in the note.</p>',
  ];
  if (omitted.length > 0)
    out.push(`<p class="note omitted">Omitted, no samples in either run: ${t(omitted.map((r) => r.metric).join(', '))}.</p>`);
  if (quiet.length > 0)
    out.push(`<p class="note omitted">Omitted, 0 in both runs (neither published): ${t(quiet.map((r) => r.metric).join(', '))}.</p>`);
  out.push(...comparison.notes.map((n) => `<p class="note">${t(n)}</p>`));
  return out;
}

/** The metrics that changed, drawn over time for both runs on one axis; or why nothing is drawn. */
function overTimeSection(before: Report, after: Report, comparison: Comparison, timelines: CompareTimelines): string[] {
  const overlays = changedOverlays(comparison.rows, before, after);
  const out = ['<h2>What changed, over time</h2>'];
  const bt = timelines.beforeTimeline;
  const at = timelines.afterTimeline;
  if (!bt || !at || bt.length === 0 || at.length === 0) {
    out.push('<p class="meta">Not drawn: the timeline (.ndjson) of one run or both is missing.</p>');
  } else if (overlays.length === 0) {
    out.push('<p class="meta">No metric with a timeline changed between the runs.</p>');
  } else {
    out.push(
      ...overlayTimeline(
        [
          { label: 'before', color: COLORS.before, report: before, lines: bt },
          { label: 'after', color: COLORS.after, report: after, lines: at },
        ],
        overlays,
      ),
    );
    const same = (Object.keys(ALL_OVERLAYS) as OverlayMetric[]).filter((m) => !overlays.includes(m));
    if (same.length > 0)
      out.push(`<p class="note">Not drawn, unchanged between the runs: ${t(same.map((m) => ALL_OVERLAYS[m]).join(', '))}.</p>`);
  }
  return out;
}

/** Each charted latency family that changed, before and after by percentile; the rest named. */
function distributionSection(before: Report, after: Report, comparison: Comparison): string[] {
  const out = ['<h2>Latency distribution</h2>'];
  const unchanged: string[] = [];
  const noSamples: string[] = [];
  for (const def of CHARTED) {
    const b = histogramOrNull(before, def.key);
    const a = histogramOrNull(after, def.key);
    if (!b && !a) {
      noSamples.push(def.label);
      continue;
    }
    const familyRows = comparison.rows.filter((r) => def.family !== null && r.metric.startsWith(`${def.family}.`));
    if (familyRows.length > 0 && !familyRows.some(rowChanged)) {
      unchanged.push(def.label);
      continue;
    }
    const title = `${def.chart} by percentile: before vs after`;
    const curves = [
      ...(b ? [{ name: 'before', color: COLORS.before, histogram: b }] : []),
      ...(a ? [{ name: 'after', color: COLORS.after, histogram: a }] : []),
    ];
    out.push(figure(title, (size) => percentileChart(title, curves, { width: size.width, height: 260 })));
  }
  if (unchanged.length > 0) out.push(`<p class="note">Not drawn, the same in both runs: ${t(unchanged.join(', '))}.</p>`);
  if (noSamples.length > 0) out.push(`<p class="note">Not drawn, no samples in either run: ${t(noSamples.join(', '))}.</p>`);
  return out;
}

/** The comparison page's body; with several runs per side, the first of each is drawn over time. */
export function compareBody(
  befores: readonly Report[],
  afters: readonly Report[],
  comparison: Comparison,
  timelines: CompareTimelines,
): string[] {
  const many = befores.length > 1 || afters.length > 1;
  return [
    verdictBanner(comparison),
    ...warningsSection(comparison.warnings),
    many ? `<h2>The runs (${befores.length} before, ${afters.length} after)</h2>` : '<h2>The two runs</h2>',
    runsSideBySide(befores, afters),
    ...metricsSection(befores, afters, comparison),
    ...overTimeSection(befores[0], afters[0], comparison, timelines),
    ...distributionSection(befores[0], afters[0], comparison),
  ];
}
