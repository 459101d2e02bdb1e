/**
 * Self-contained HTML reports: one file, inline CSS and SVG, no scripts and no network requests
 * (a Content-Security-Policy forbids them), so it can be attached to a ticket or opened offline.
 * The page answers "did it go well, and if not, what and when" first: a verdict banner, the key
 * numbers, then timelines on a wall-clock axis, then the details.
 */
import { extensionsLine } from './extensions-text.js';
import { shownPercentilesRow } from './latency-cells.js';
import { plural } from '../text/plural.js';
import { describeStages } from '../run/load-stages.js';
import { formatDuration } from '../duration.js';
import type { Histogram } from '../metrics/histogram.js';
import type { Comparison } from '../report/compare.js';
import type { DropEvent, Report, TimelineLine } from '../run/report.js';
import { cohortHistogramKey } from '../run/registry.js';
import { fmtCount, fmtCounts, fmtLatency, fmtMs, fmtPct } from './format.js';
import { compareBody } from './html-compare.js';
import { memoryTrendText } from './memory-text.js';
import { CHARTED, COLORS, figure, histogramOrNull, page, t, table, warningsSection, type ChartSize } from './html-page.js';
import { reportTimeline } from './html-timeline.js';
import { cohortFanoutSection, topicsSection } from './html-topics.js';
import { streamTiles, withStreamRows } from './html-stream.js';
import { thresholdActual, verdictBanner } from './html-verdict.js';
import { noSocketConnected } from '../report/verdict.js';
import { histogramSamples, percentileChart } from './percentile-curve.js';
import { barChart, niceTicks, type Bar } from './svg-chart.js';

/** Options of renderReportHtml. */
export interface ReportHtmlOptions {
  /** The run's .ndjson timeline, when it exists. */
  timeline?: readonly TimelineLine[] | null;
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Loud notes beside the verdict: what makes the numbers read differently. */
function loudLines(r: Report): string[] {
  const out: string[] = [];
  if (r.client.saturated) {
    const why = r.client.saturationReasons?.length
      ? r.client.saturationReasons.join('; ')
      : `event-loop lag p99 ${fmtMs(r.client.eventLoopLagMs.p99)}`;
    out.push(`Client saturated during the hold (${why}); latencies include its own delay.`);
  }
  if (r.merged && !r.merged.overlapping)
    out.push(`Merged runs did not overlap in time: the ${r.merged.reports} runs' sums describe different periods.`);
  if (r.target.tlsInsecure) out.push('TLS verification disabled (tls.insecure): certificates were not checked.');
  return out.map((l) => `<div class="loud">${t(l)}</div>`);
}

function tile(key: string, value: string, sub: string, bad = false): string {
  return `<div class="tile${bad ? ' bad' : ''}"><div class="k">${t(key)}</div><div class="v">${t(value)}</div><div class="s">${t(sub)}</div></div>`;
}

function tiles(r: Report): string {
  const c = r.connections;
  const f = r.fanout;
  const d = r.disconnects;
  const lostPct = f.expected === 0 ? 0 : (100 * f.lost) / f.expected;
  const items = [
    tile(
      'sockets: peak open',
      fmtCount(c.peakOpen),
      `of ${fmtCount(c.target)} · ${fmtCount(c.failed)} failed · ${fmtCount(c.openAtEnd)} at end`,
      c.failed > 0,
    ),
    tile('delivered', fmtCount(f.delivered), `lost ${fmtCount(f.lost)} (${fmtPct(lostPct)}) · dup ${fmtCount(f.duplicated)}`, f.lost > 0),
    tile('fan-out p99', fmtLatency(f.latencyMs, 'p99'), `p50 ${fmtLatency(f.latencyMs, 'p50')} · max ${fmtLatency(f.latencyMs, 'max')}`),
    tile(
      'disconnects',
      fmtCount(d.total),
      `${fmtCounts(d.byCause)}${(d.events?.length ?? 0) > 0 ? ` · ${plural(d.events?.length ?? 0, 'drop event')}` : ''}`,
      d.total > 0,
    ),
    tile('reconnects', fmtCount(r.reconnects.total), `missed publishes ${fmtCount(r.reconnects.missedPublishes)}`),
    tile(
      'peak RSS',
      `${fmtCount(r.client.peakRssMb)} MB`,
      `lag p99 ${fmtMs(r.client.eventLoopLagMs.p99)} · max ${fmtMs(r.client.eventLoopLagMs.max)}`,
    ),
    tile(
      'idle timeout estimate',
      d.idleTimeout ? fmtMs(d.idleTimeout.estimateMs) : 'none',
      d.idleTimeout ? `cohort ${d.idleTimeout.cohort} · ${fmtCount(d.idleTimeout.samples)} closes` : 'no idle-timeout closes',
    ),
  ];
  // The server published: its stream's figures stand where delivered and fan-out p99 would.
  if (r.stream) items.splice(1, 2, ...streamTiles(r.stream, tile));
  return `<div class="tiles">${items.join('')}</div>`;
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
    [
      'lost / duplicated / out of order',
      `${fmtCount(f.lost)} (${fmtPct(lostPct)}) / ${fmtCount(f.duplicated)} / ${fmtCount(f.outOfOrder)}`,
    ],
    [
      'lost before close / on open sockets / late',
      `${fmtCount(f.lostBeforeClose ?? 0)} / ${fmtCount(f.lostOpen ?? Math.max(0, f.lost - f.late))} / ${fmtCount(f.late)}`,
    ],
    shownPercentilesRow('fan-out', f.latencyMs),
    ['completion p99', fmtLatency(f.completionMs, 'p99')],
    ['publish sent / failed / skipped', `${fmtCount(r.publish.sent)} / ${fmtCount(r.publish.failed)} / ${fmtCount(r.publish.skipped)}`],
    [
      "publish latency p50 / p99 (net of wsload's own delay)",
      `${fmtLatency(r.publish.latencyMs, 'p50')} / ${fmtLatency(r.publish.latencyMs, 'p99')}`,
    ],
    ...(r.publish.measuredLatencyMs
      ? ([
          [
            'publish latency as measured p50 / p99',
            `${fmtLatency(r.publish.measuredLatencyMs, 'p50')} / ${fmtLatency(r.publish.measuredLatencyMs, 'p99')}`,
          ],
        ] as [string, string][])
      : []),
    ['closes by code', fmtCounts(r.closes.byCode)],
    ['disconnects by cause', `${fmtCount(d.total)}: ${fmtCounts(d.byCause)}`],
    ['idle at close p50', fmtLatency(d.idleAtCloseMs, 'p50')],
    ['idle timeout estimate', idle],
    ['cohorts with no connection-lost closes', d.survivingCohorts.length > 0 ? d.survivingCohorts.join(', ') : 'none'],
    ['reconnects', fmtCount(r.reconnects.total)],
    ['client event-loop lag p99 / max', `${fmtMs(r.client.eventLoopLagMs.p99)} / ${fmtMs(r.client.eventLoopLagMs.max)}`],
    ['peak RSS', `${fmtCount(r.client.peakRssMb)} MB`],
    ...(r.client.memory ? ([['client memory, later half of the hold', memoryTrendText(r.client.memory)]] as [string, string][]) : []),
  ];
  const turn = r.client.turnMs;
  if (turn && turn.count > 0)
    rows.push(['client handling per loop turn p50 / p99', `${fmtLatency(turn, 'p50')} / ${fmtLatency(turn, 'p99')}`]);
  if (r.merged)
    for (const [field, why] of Object.entries(r.merged.estimates)) rows.push([`estimate: ${field === '*' ? 'every figure' : field}`, why]);
  if (d.recommendation) rows.push(['recommendation', d.recommendation]);
  const shown = r.stream ? withStreamRows(rows, r.stream) : rows;
  return table(
    null,
    shown.map(([k, v]) => [t(k), t(v)]),
    'headline',
  );
}

function thresholdsSection(r: Report): string[] {
  if (r.thresholds.length === 0) return [];
  // With no socket connected nothing was there to judge (the verdict says why): not a FAIL each.
  const unjudged = noSocketConnected(r) && !r.interrupted;
  const result = (pass: boolean): string =>
    unjudged ? '<span class="fail">not judged</span>' : pass ? '<span class="pass">pass</span>' : '<span class="fail">FAIL</span>';
  // A long name breaks at its dots on a phone, so that the result column stays on screen.
  const rows = r.thresholds.map((th) => [
    t(th.metric).replace(/\./g, '.<wbr>'),
    t(th.expression),
    unjudged ? '–' : t(thresholdActual(th)),
    result(th.pass),
  ]);
  return ['<h2>Thresholds</h2>', table(['metric', 'expression', 'actual', 'result'], rows, 'nums thresholds')];
}

function dropEventsSection(r: Report): string[] {
  return dropEventsTable(r.disconnects.events ?? []);
}

/** The drop events table (nothing when there were none): the report's, and the live dashboard's. */
export function dropEventsTable(events: readonly DropEvent[]): string[] {
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
    t(e.idleTimeoutCut === true ? 'idle timeout' : e.idleTimeoutCut === false ? 'drop' : '–'),
  ]);
  return [
    '<h2>Drop events</h2>',
    '<p class="meta">Closes that came together in time: a restart, a rollout, a mass drop, or an idle timeout\'s cut (marked on the timelines). "Back after": until reconnects brought the open count back. "Idle timeout": only idle sockets closed, while sockets active within the timeout stayed open.</p>',
    table(
      ['start', 'since run start', 'lasted', 'closes', 'by cause', 'by code', 'open before → lowest', 'back after', 'kind'],
      rows,
      'nums',
    ),
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
    const title = `Idle time at close — cohort ${cohort} (${fmtCount(h.totalCount)} closes)`;
    const draw = (size: ChartSize): string => {
      const b = bars(h, size.width > 600 ? 60 : 30);
      const y = niceTicks(Math.max(...b.bars.map((x) => x.value)), (v) => fmtCount(v), 4);
      const x = niceTicks(b.maxX, fmtMs, size.xTicks);
      return barChart({
        title,
        x: { label: 'time since the last frame received, at close', min: 0, max: b.maxX, ticks: x.ticks.filter((tk) => tk.at <= b.maxX) },
        y: { label: '', min: 0, max: y.max, ticks: y.ticks },
        bars: b.bars,
        width: size.width,
        height: 220,
        margin: { left: 56, right: 24, top: 10, bottom: 40 },
        drawTitle: false,
      });
    };
    charts.push(figure(title, draw));
  }
  const intro =
    '<p class="meta">A spike at one value is a gateway idle timeout: the cohorts that stayed quiet longer than it were cut.</p>';
  return [
    '<h2>Idle time at close</h2>',
    ...(charts.length > 0 ? [intro, ...charts] : ['<p class="meta">No sockets closed during the run.</p>']),
  ];
}

function latencySection(r: Report): string[] {
  const out = ['<h2>Latency distribution</h2>'];
  const empty: string[] = [];
  for (const def of CHARTED) {
    const h = histogramOrNull(r, def.key);
    if (!h) {
      empty.push(def.label);
      continue;
    }
    const title = `${capitalize(def.label)} by percentile`;
    out.push(
      figure(title, (size) =>
        percentileChart(title, [{ name: def.key, color: COLORS.main, histogram: h }], { width: size.width, height: 260 }),
      ),
    );
  }
  if (empty.length === CHARTED.length) out.push('<p class="meta">No latency samples in this report.</p>');
  else if (empty.length > 0) out.push(`<p class="meta">Not drawn, no samples: ${t(empty.join(', '))}.</p>`);
  return out;
}

/** The publish shape and the stages' own closes, as the text summary says them: without them the HTML shows a ramp-down as nothing at all. */
function shapeMeta(r: Report): string {
  const parts: string[] = [];
  const p = r.scenario.publish;
  if (p?.stages) parts.push(`publish stages: ${describeStages(p.stages, p.rate, '/s')}`);
  if (r.connections.rampDownCloses) parts.push(`${fmtCount(r.connections.rampDownCloses)} ramp-down closes by wsload (not disconnects)`);
  if (r.connections.reopened) parts.push(`${fmtCount(r.connections.reopened)} re-opened by the stages`);
  const negotiated = extensionsLine(r);
  if (negotiated !== null) parts.push(negotiated);
  return parts.map((part) => ` · ${t(part)}`).join('');
}

function runMeta(r: Report): string {
  return (
    `<p class="meta">${t(r.target.embedded ? 'embedded target' : 'target')} <code>${t(r.target.url)}</code> · ` +
    `${t(r.startedAt)} → ${t(r.endedAt)} · ramp ${t(formatDuration(r.phases.rampMs))}, hold ${t(formatDuration(r.phases.holdMs))} · ` +
    `${r.scenario.connections} connections${r.scenario.stages ? ` (stages: ${t(describeStages(r.scenario.stages))})` : ''}${shapeMeta(r)} · ${plural(r.scenario.workers, 'worker')} · host ${t(r.environment.host)} · wsload ${t(r.environment.wsload)}</p>`
  );
}

/** A run report as one self-contained HTML page: verdict, key numbers, timelines, tables, distributions. */
export function renderReportHtml(report: Report, opts: ReportHtmlOptions = {}): string {
  const title = `wsload report — ${report.scenario.name}`;
  return page(title, [
    `<h1>${t(title)}</h1>`,
    runMeta(report),
    verdictBanner(report),
    ...loudLines(report),
    tiles(report),
    ...reportTimeline(report, opts.timeline),
    ...dropEventsSection(report),
    '<h2>Summary</h2>',
    headline(report),
    ...thresholdsSection(report),
    ...topicsSection(report),
    ...cohortFanoutSection(report),
    ...latencySection(report),
    ...idleSection(report),
    ...warningsSection(report.warnings),
  ]);
}

/** Options of renderCompareHtml. */
export interface CompareHtmlOptions {
  /** Each run's .ndjson timeline, when it exists: the changed metrics are drawn over time. */
  beforeTimeline?: readonly TimelineLine[] | null;
  afterTimeline?: readonly TimelineLine[] | null;
}

/** Two runs compared as one self-contained HTML page: runs side by side, the table without empty rows, changed metrics on shared axes. */
export function renderCompareHtml(
  before: Report | readonly Report[],
  after: Report | readonly Report[],
  comparison: Comparison,
  opts: CompareHtmlOptions = {},
): string {
  const bs: readonly Report[] = Array.isArray(before) ? before : [before as Report];
  const as: readonly Report[] = Array.isArray(after) ? after : [after as Report];
  const runs = (n: number): string => (n > 1 ? ` (${n} runs)` : '');
  const title = `wsload compare — ${bs[0].scenario.name}${runs(bs.length)} vs ${as[0].scenario.name}${runs(as.length)}`;
  return page(title, [`<h1>${t(title)}</h1>`, ...compareBody(bs, as, comparison, opts)]);
}
