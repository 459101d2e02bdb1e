/**
 * Self-contained HTML reports: one file, inline CSS and SVG, no scripts and no network requests
 * (a Content-Security-Policy forbids them), so it can be attached to a ticket or opened offline.
 */
import { formatDuration } from '../duration.js';
import type { Histogram } from '../metrics/histogram.js';
import { lookupMetric } from '../metrics/names.js';
import type { Comparison, ComparisonRow } from '../report/compare.js';
import { reportHistogram } from '../report/read.js';
import type { Report, TimelineLine } from '../run/report.js';
import { HISTOGRAMS, cohortHistogramKey, type HistogramDef } from '../run/registry.js';
import { fmtCount, fmtCounts, fmtLatency, fmtMs, fmtPct } from './format.js';
import { histogramSamples, percentileChart } from './percentile-curve.js';
import { barChart, escapeXml, lineChart, niceTicks, type Bar } from './svg-chart.js';

/** Options of renderReportHtml. */
export interface ReportHtmlOptions {
  /** The run's .ndjson timeline, when it exists. */
  timeline?: readonly TimelineLine[] | null;
}

const COLORS = { before: '#7a7a7a', after: '#c0392b', main: '#2c6fbb', second: '#d98c1f' };

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1000px;padding:0 16px;color:#1d1d1f}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555}.loud{background:#fdecea;border:1px solid #e6a39b;color:#8a1f11;padding:8px 12px;margin:8px 0;font-weight:600}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 10px;text-align:right}th{background:#f4f4f6}
td:first-child,th:first-child,table.compare td:last-child,table.compare th:last-child,table.headline td{text-align:left}.fail,.worse{color:#b3261e;font-weight:600}.pass,.better{color:#1e7b34}.inconclusive{color:#7a4b00}
.note{color:#666;text-align:left}.warnings li{color:#7a4b00}
svg.chart{display:block;margin:8px 0;max-width:100%;height:auto;font-size:11px}
svg .grid{stroke:#eee}svg .axis{stroke:#888;fill:none}svg .tick,svg .legend{fill:#444}svg .axis-label{fill:#555}
svg .chart-title{font-weight:600;font-size:13px;fill:#222}
`;

function page(title: string, body: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(title)}</title><style>${CSS}</style></head><body>`,
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}

function table(head: readonly string[] | null, rows: readonly (readonly string[])[], cls?: string): string {
  const th = head ? `<tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>` : '';
  return `<table${cls ? ` class="${cls}"` : ''}>${th}${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</table>`;
}

/** Histograms drawn as percentile curves, in registry order (src/run/registry.ts). */
const REGISTERED: readonly HistogramDef[] = HISTOGRAMS;
const CHARTED: readonly (HistogramDef & { chart: string })[] = REGISTERED.filter((h): h is HistogramDef & { chart: string } => h.chart !== null);

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Escaped cell text. */
const t = (s: string): string => escapeXml(s);

function loudLines(r: Report): string[] {
  const out: string[] = [];
  if (r.interrupted) out.push(`Interrupted${r.interruptReason ? ` (${r.interruptReason})` : ''}: results cover only part of the planned run.`);
  if (r.client.saturated) {
    const why = r.client.saturationReasons?.length ? r.client.saturationReasons.join('; ') : `event-loop lag p99 ${fmtMs(r.client.eventLoopLagMs.p99)}`;
    out.push(`Client saturated during the hold (${why}); latencies include its own delay.`);
  }
  if (r.merged && !r.merged.overlapping) out.push(`Merged runs did not overlap in time: the ${r.merged.reports} runs' sums describe different periods.`);
  if (r.target.tlsInsecure) out.push('TLS verification disabled (tls.insecure): certificates were not checked.');
  for (const w of r.client.workers) if (w.crashed !== null) out.push(`Worker ${w.worker} crashed (${w.sockets} sockets): ${w.crashed}`);
  return out.map((l) => `<div class="loud">${t(l)}</div>`);
}

function headline(r: Report): string {
  const c = r.connections;
  const f = r.fanout;
  const d = r.disconnects;
  const lostPct = f.expected === 0 ? 0 : (100 * f.lost) / f.expected;
  const idle = d.idleTimeout
    ? `${fmtMs(d.idleTimeout.estimateMs)} ± ${fmtMs(d.idleTimeout.spreadMs / 2)} (cohort ${d.idleTimeout.cohort}, ${fmtCount(d.idleTimeout.samples)} closes)`
    : `none${d.idleTimeoutNote ? ` (${d.idleTimeoutNote})` : ''}`;
  const rows: [string, string][] = [
    ['connections target / opened / failed', `${fmtCount(c.target)} / ${fmtCount(c.opened)} / ${fmtCount(c.failed)}`],
    ['failed by reason', fmtCounts(c.failures)],
    ['peak open / open at end', `${fmtCount(c.peakOpen)} / ${fmtCount(c.openAtEnd)}`],
    ['handshake p50 / p99', `${fmtLatency(r.handshake.latencyMs, 'p50')} / ${fmtLatency(r.handshake.latencyMs, 'p99')}`],
    ['published / expected / delivered', `${fmtCount(f.published)} / ${fmtCount(f.expected)} / ${fmtCount(f.delivered)}`],
    ['lost / duplicated / out of order', `${fmtCount(f.lost)} (${fmtPct(lostPct)}) / ${fmtCount(f.duplicated)} / ${fmtCount(f.outOfOrder)}`],
    [
      'fan-out p50 / p90 / p99 / p99.9 / max',
      (['p50', 'p90', 'p99', 'p999', 'max'] as const).map((k) => fmtLatency(f.latencyMs, k)).join(' / '),
    ],
    ['completion p99', fmtLatency(f.completionMs, 'p99')],
    ['publish sent / failed / skipped', `${fmtCount(r.publish.sent)} / ${fmtCount(r.publish.failed)} / ${fmtCount(r.publish.skipped)}`],
    ['publish latency p50 / p99', `${fmtLatency(r.publish.latencyMs, 'p50')} / ${fmtLatency(r.publish.latencyMs, 'p99')}`],
    ['closes by code', fmtCounts(r.closes.byCode)],
    ['disconnects by cause', `${fmtCount(d.total)}: ${fmtCounts(d.byCause)}`],
    ['idle at close p50', fmtLatency(d.idleAtCloseMs, 'p50')],
    ['idle timeout estimate', idle],
    ['reconnects', fmtCount(r.reconnects.total)],
    ['client event-loop lag p99 / max', `${fmtMs(r.client.eventLoopLagMs.p99)} / ${fmtMs(r.client.eventLoopLagMs.max)}`],
  ];
  const turn = r.client.turnMs;
  if (turn && turn.count > 0) rows.push(['client handling per loop turn p50 / p99', `${fmtLatency(turn, 'p50')} / ${fmtLatency(turn, 'p99')}`]);
  if (r.merged) for (const [field, why] of Object.entries(r.merged.estimates)) rows.push([`estimate: ${field === '*' ? 'every figure' : field}`, why]);
  if (d.recommendation) rows.push(['recommendation', d.recommendation]);
  return table(null, rows.map(([k, v]) => [t(k), t(v)]), 'headline');
}

function thresholdsSection(r: Report): string[] {
  if (r.thresholds.length === 0) return [];
  const rows = r.thresholds.map((th) => {
    const unit = lookupMetric(th.metric)?.unit;
    const actual = th.noData === true ? 'no data' : th.expression.includes('%') ? fmtPct(th.actual) : unit === 'ms' ? fmtMs(th.actual) : fmtCount(th.actual);
    return [t(th.metric), t(th.expression), t(actual), th.pass ? '<span class="pass">pass</span>' : '<span class="fail">FAIL</span>'];
  });
  return ['<h2>Thresholds</h2>', table(['metric', 'expression', 'actual', 'result'], rows)];
}

function dropEventsSection(r: Report): string[] {
  const events = r.disconnects.events ?? [];
  if (events.length === 0) return [];
  const rows = events.map((e) => [
    t(e.startedAt),
    t(`+${fmtMs(e.startMs)}`),
    t(fmtMs(e.endMs - e.startMs)),
    t(fmtCount(e.count)),
    t(fmtCounts(e.byCause)),
    t(fmtCounts(e.byCode)),
    t(`${fmtCount(e.openBefore)} → ${fmtCount(e.lowestOpen)}`),
    t(e.recoveryMs === null ? 'not back' : fmtMs(e.recoveryMs)),
  ]);
  return [
    '<h2>Drop events</h2>',
    '<p class="meta">Closes that came together in time: a restart, a rollout, a mass drop. "Back after": until reconnects brought the open count back.</p>',
    table(['start', 'since run start', 'lasted', 'closes', 'by cause', 'by code', 'open before → lowest', 'back after'], rows),
  ];
}

function warningsSection(warnings: readonly string[]): string[] {
  if (warnings.length === 0) return [];
  return ['<h2>Warnings</h2>', `<ul class="warnings">${warnings.map((w) => `<li>${t(w)}</li>`).join('')}</ul>`];
}

function histogramOrNull(r: Report, key: string): Histogram | null {
  const h = reportHistogram(r, key);
  return h && h.totalCount > 0 ? h : null;
}

function timelineSection(lines: readonly TimelineLine[] | null | undefined): string[] {
  if (!lines || lines.length === 0) return ['<h2>Timeline</h2>', '<p class="meta">No timeline (.ndjson) beside this report.</p>'];
  const xs = lines.map((l) => l.elapsedMs);
  const xTicks = niceTicks(Math.max(...xs), (v) => (v === 0 ? '0s' : formatDuration(v)));
  const x = { label: 'time since start', min: 0, max: xTicks.max, ticks: xTicks.ticks };
  const chart = (title: string, unit: (v: number) => string, series: { name: string; color: string; get: (l: TimelineLine, i: number) => number }[]): string => {
    const points = series.map((s) => lines.map((l, i) => [l.elapsedMs, s.get(l, i)] as const));
    const y = niceTicks(Math.max(0, ...points.flat().map((p) => p[1])), unit);
    return lineChart({
      title,
      x,
      y: { label: '', min: 0, max: y.max, ticks: y.ticks },
      series: series.map((s, i) => ({ name: s.name, color: s.color, points: points[i] })),
      height: 220,
    });
  };
  const perSecond = (l: TimelineLine, i: number): number => {
    const span = l.elapsedMs - (i === 0 ? 0 : lines[i - 1].elapsedMs);
    return span > 0 ? (l.deliveries * 1000) / span : 0;
  };
  const count = (v: number): string => fmtCount(v);
  return [
    '<h2>Timeline</h2>',
    chart('Open sockets', count, [{ name: 'open', color: COLORS.main, get: (l) => l.open }]),
    chart('Deliveries per second', count, [{ name: 'deliveries/s', color: COLORS.main, get: perSecond }]),
    chart('Fan-out latency per interval', fmtMs, [
      { name: 'p99', color: COLORS.after, get: (l) => l.fanoutMs.p99 },
      { name: 'p50', color: COLORS.main, get: (l) => l.fanoutMs.p50 },
    ]),
    chart('Closes per interval', count, [
      { name: 'all closes', color: COLORS.main, get: (l) => l.closes },
      { name: 'connection-lost', color: COLORS.after, get: (l) => l.closesByCause['connection-lost'] ?? 0 },
    ]),
  ];
}

/** Histogram of `h` (ms) in `bins` equal bins from 0, as bars with sample counts. */
function bars(h: Histogram, bins: number): { bars: Bar[]; maxX: number; ticks: ReturnType<typeof niceTicks> } {
  const ticks = niceTicks(h.maxValue / 1000, fmtMs);
  const width = ticks.max / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const s of histogramSamples(h)) counts[Math.min(bins - 1, Math.floor(s.value / width))] += s.weight;
  return { bars: counts.map((value, i) => ({ from: i * width, to: (i + 1) * width, value })), maxX: ticks.max, ticks };
}

function idleSection(r: Report): string[] {
  const cohortKeys = Object.keys(r.histograms)
    .filter((k) => k.startsWith(cohortHistogramKey('idleAtClose', '')))
    .sort();
  const keys = cohortKeys.length > 0 ? cohortKeys : ['idleAtClose'];
  const charts: string[] = [];
  for (const key of keys) {
    const h = histogramOrNull(r, key);
    if (!h) continue;
    const cohort = key.includes(':') ? key.slice(key.indexOf(':') + 1) : 'all cohorts';
    const b = bars(h, 40);
    const y = niceTicks(Math.max(...b.bars.map((x) => x.value)), (v) => fmtCount(v));
    charts.push(
      barChart({
        title: `Idle time at close — cohort ${cohort} (${fmtCount(h.totalCount)} closes)`,
        x: { label: 'time since the last frame received, at close', min: 0, max: b.maxX, ticks: b.ticks.ticks },
        y: { label: 'closes', min: 0, max: y.max, ticks: y.ticks },
        bars: b.bars,
      }),
    );
  }
  const intro = '<p class="meta">A spike at one value is a gateway idle timeout: the cohorts that stayed quiet longer than it were cut.</p>';
  return ['<h2>Idle time at close</h2>', ...(charts.length > 0 ? [intro, ...charts] : ['<p class="meta">No sockets closed during the run.</p>'])];
}

function latencySection(r: Report): string[] {
  const out = ['<h2>Latency distribution</h2>'];
  let drawn = 0;
  for (const def of CHARTED) {
    const key = def.key;
    const title = `${capitalize(def.label)} by percentile`;
    const h = histogramOrNull(r, key);
    if (!h) continue;
    out.push(percentileChart(title, [{ name: key, color: COLORS.main, histogram: h }]));
    drawn++;
  }
  if (drawn === 0) out.push('<p class="meta">No latency samples in this report.</p>');
  return out;
}

function runMeta(r: Report): string {
  return (
    `<p class="meta">${t(r.target.embedded ? 'embedded target' : 'target')} <code>${t(r.target.url)}</code> · ` +
    `${t(r.startedAt)} → ${t(r.endedAt)} · ramp ${t(formatDuration(r.phases.rampMs))}, hold ${t(formatDuration(r.phases.holdMs))} · ` +
    `${r.scenario.connections} connections · ${r.scenario.workers} worker${r.scenario.workers === 1 ? '' : 's'} · host ${t(r.environment.host)} · wsload ${t(r.environment.wsload)}</p>`
  );
}

/** A run report as one self-contained HTML page: headline table, percentile, timeline and idle charts. */
export function renderReportHtml(report: Report, opts: ReportHtmlOptions = {}): string {
  const title = `wsload report — ${report.scenario.name}`;
  return page(title, [
    `<h1>${t(title)}</h1>`,
    runMeta(report),
    ...loudLines(report),
    '<h2>Summary</h2>',
    headline(report),
    ...thresholdsSection(report),
    ...latencySection(report),
    ...timelineSection(opts.timeline),
    ...dropEventsSection(report),
    ...idleSection(report),
    ...warningsSection(report.warnings),
  ]);
}

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

/** Two runs compared as one self-contained HTML page: the table and both percentile curves on shared axes. */
export function renderCompareHtml(before: Report, after: Report, comparison: Comparison): string {
  const title = `wsload compare — ${before.scenario.name} vs ${after.scenario.name}`;
  const rows = comparison.rows.map((r) => [
    t(r.metric),
    t(compareCell(r, r.before)),
    t(compareCell(r, r.after)),
    t(changeCell(r)),
    `<span class="${r.verdict}">${r.verdict === 'worse' ? 'WORSE' : r.verdict}</span>`,
    `<span class="note">${t(r.note ?? '')}</span>`,
  ]);
  const charts: string[] = [];
  for (const { key, chart: name } of CHARTED) {
    const b = histogramOrNull(before, key);
    const a = histogramOrNull(after, key);
    const curves = [
      ...(b ? [{ name: 'before', color: COLORS.before, histogram: b }] : []),
      ...(a ? [{ name: 'after', color: COLORS.after, histogram: a }] : []),
    ];
    if (curves.length > 0) charts.push(percentileChart(`${name} by percentile: before vs after`, curves));
  }
  const regress = comparison.regressions.length;
  return page(title, [
    `<h1>${t(title)}</h1>`,
    `<p class="meta">before: ${t(comparison.before.startedAt)} · ${t(comparison.before.host)} · <code>${t(comparison.before.target)}</code><br>` +
      `after: ${t(comparison.after.startedAt)} · ${t(comparison.after.host)} · <code>${t(comparison.after.target)}</code></p>`,
    regress === 0 ? '<p class="better">No regressions.</p>' : `<div class="loud">${regress} regression${regress === 1 ? '' : 's'}: ${t(comparison.regressions.join(', '))}</div>`,
    ...warningsSection(comparison.warnings),
    '<h2>Metrics</h2>',
    table(['metric', 'before', 'after', 'change', 'verdict', 'note'], rows, 'compare'),
    ...comparison.notes.map((n) => `<p class="note">${t(n)}</p>`),
    '<h2>Latency distribution</h2>',
    ...(charts.length > 0 ? charts : ['<p class="meta">No latency samples in either report.</p>']),
  ]);
}
