/**
 * The live dashboard's page (`wsload run --dashboard`): the HTML report's frame, timeline charts
 * and drop-event table (html-page, html-timeline, html), filled in as the run goes. The page's one
 * inline script listens to the dashboard's server-sent events and swaps in the parts rendered
 * here; at the end it keeps the final HTML report in the page (a blob), so the report can be
 * opened and saved after wsload has exited. Everything is inline: the page works offline.
 */
import type { Progress } from '../run/run-options.js';
import { formatDuration } from '../duration.js';
import { liveThresholds, liveVerdict, type LiveFigures, type LiveThreshold } from '../report/live-thresholds.js';
import type { DropEvent, Report, TimelineLine } from '../run/report.js';
import type { Scenario } from '../run/scenario.js';
import { fmtCount, fmtMs, fmtPct } from './format.js';
import { dropEventsTable } from './html.js';
import { page, t, table } from './html-page.js';
import { timelineCharts } from './html-timeline.js';
import { verdictBanner } from './html-verdict.js';

/** What the page needs of the scenario (plain data: it crosses to the dashboard's thread). */
export interface LiveScenario {
  name: string;
  connections: number;
  thresholds: Record<string, string>;
  /** report.interval, ms. */
  intervalMs: number;
  /** publish.deadline, ms; null when wsload publishes nothing. */
  deadlineMs: number | null;
}

/** The scenario as the page needs it. */
export function liveScenario(s: Scenario): LiveScenario {
  return {
    name: s.name,
    connections: s.connections,
    thresholds: { ...s.thresholds },
    intervalMs: s.report.intervalMs,
    deadlineMs: s.publish === null ? null : s.publish.deadlineMs,
  };
}

/** What the dashboard knows of a run so far. */
export interface LiveView {
  scenario: LiveScenario;
  /** The plan line, once the target is known. */
  plan: string | null;
  /** The latest progress sample. */
  progress: Progress | null;
  /** Every timeline line so far (final intervals). */
  lines: readonly TimelineLine[];
  /** Drop events so far, each once it ended. */
  events: readonly DropEvent[];
  /** The run's start, ISO; null until the first sample says when. */
  startedAt: string | null;
  /** The run has ended: the final report's verdict stands above, the live one is gone. */
  ended?: boolean;
}

/** Ids of the parts the script replaces, and the event that carries each. */
export const LIVE_PARTS = { status: 'status', charts: 'charts', drops: 'drops', final: 'final' } as const;

/**
 * The page's script: one EventSource; each event's data is JSON. `report` carries the final HTML
 * report and the verdict: kept as a blob so its links work once the server is gone.
 */
export const DASHBOARD_SCRIPT = `(() => {
  const set = (id, html) => { const el = document.getElementById(id); if (el) el.innerHTML = html; };
  const conn = (text, cls) => { const el = document.getElementById('conn'); if (el) { el.textContent = text; el.className = 'conn ' + cls; } };
  const es = new EventSource('events');
  for (const id of ['status', 'charts', 'drops']) es.addEventListener(id, (e) => set(id, JSON.parse(e.data)));
  es.addEventListener('open', () => conn('live: updated every interval', 'on'));
  es.addEventListener('report', (e) => {
    const final = JSON.parse(e.data);
    const url = URL.createObjectURL(new Blob([final.html], { type: 'text/html' }));
    set('final', final.part);
    for (const a of document.querySelectorAll('#final a.report')) a.href = url;
    es.close();
    conn('run finished: the final report is below', 'done');
  });
  es.addEventListener('error', () => { if (es.readyState !== EventSource.CLOSED) conn('connection to wsload lost: retrying', 'off'); });
})();`;

const DASHBOARD_CSS = `<style>
.conn{display:inline-block;border-radius:12px;padding:2px 10px;font-size:13px;background:#eef0f4;color:#1f2937}
.conn.on{background:#e8f5ec;color:#14532d}.conn.off{background:#fdecea;color:#7a1a10}.conn.done{background:#fff4e0;color:#6b3d00}
.verdict.running{background:#eef4fb;border-color:#2c6fbb;color:#12325a}
.pending{color:#555}.final-links a{font-weight:600;margin-right:16px}
</style>`;

/** What a run knows so far, as the thresholds read it. */
export function liveFigures(view: LiveView): LiveFigures {
  const p = view.progress;
  let reconnects = 0;
  let delivered = 0;
  let lost = 0;
  for (const l of view.lines) {
    reconnects += l.reconnects ?? 0;
    delivered += l.deliveries;
    lost += l.lost;
  }
  return {
    target: p?.target ?? view.scenario.connections,
    failed: p?.failed ?? 0,
    lost: Math.max(p?.lost ?? 0, lost),
    closes: p?.closes ?? 0,
    reconnects,
    fanoutP99Ms: p?.p99Ms ?? null,
    stalenessP99Ms: p?.stalenessP99Ms ?? null,
    linesDelivered: delivered,
    linesLost: lost,
  };
}

function tile(key: string, value: string, sub: string, bad = false): string {
  return `<div class="tile${bad ? ' bad' : ''}"><div class="k">${t(key)}</div><div class="v" data-tile="${t(key)}">${t(value)}</div><div class="s">${t(sub)}</div></div>`;
}

function tiles(view: LiveView, f: LiveFigures): string {
  const p = view.progress;
  if (p === null) return '<p class="meta">Starting: waiting for the first progress sample.</p>';
  const last = view.lines[view.lines.length - 1];
  const stream = p.stalenessP99Ms !== undefined;
  const items = [
    tile('phase', p.phase, `${formatDuration(p.elapsedMs)} since the start`),
    tile(
      'sockets open',
      `${fmtCount(p.open)} / ${fmtCount(p.target)}`,
      `${fmtCount(p.failed)} failed · ${fmtCount(p.closes)} closed`,
      p.failed > 0,
    ),
    stream
      ? tile(
          'messages per second',
          fmtCount(Math.round(p.deliveriesPerSec)),
          `staleness p99 so far ${p.stalenessP99Ms === null || p.stalenessP99Ms === undefined ? '–' : fmtMs(p.stalenessP99Ms)}`,
        )
      : tile('deliveries per second', fmtCount(Math.round(p.deliveriesPerSec)), `${fmtCount(p.published)} published`),
    tile(
      'fan-out p99 so far',
      p.p99Ms === null ? '–' : fmtMs(p.p99Ms),
      last && last.fanoutMs.count > 0
        ? `last interval p50 ${fmtMs(last.fanoutMs.p50)} · p99 ${fmtMs(last.fanoutMs.p99)}`
        : 'no delivery yet',
    ),
    tile(
      'lost so far',
      fmtCount(f.lost),
      f.linesDelivered + f.linesLost > 0
        ? `${fmtPct((100 * f.linesLost) / (f.linesDelivered + f.linesLost))} of ${fmtCount(f.linesDelivered + f.linesLost)} judged in the intervals drawn`
        : "counted once a publish's deadline passed",
      f.lost > 0,
    ),
    tile('reconnects', fmtCount(f.reconnects), `event-loop lag ${fmtMs(p.lagMs)}`),
  ];
  return `<div class="tiles">${items.join('')}</div>`;
}

function actualText(th: LiveThreshold): string {
  if (th.actual === null) return '–';
  if (th.percent) return fmtPct(th.actual);
  return th.unit === 'ms' ? fmtMs(th.actual) : fmtCount(th.actual);
}

const STATE_TEXT: Record<LiveThreshold['state'], string> = {
  pass: '<span class="pass">pass so far</span>',
  failing: '<span class="fail">failing so far</span>',
  failed: '<span class="fail">FAILED</span>',
  pending: '<span class="pending">known at the end</span>',
};

/** The status part: the verdict so far, the figures so far and the thresholds so far. */
export function dashboardStatus(view: LiveView): string {
  const f = liveFigures(view);
  const thresholds = liveThresholds(view.scenario.thresholds, f);
  const verdict = liveVerdict(f, thresholds);
  const phase = view.progress?.phase ?? 'starting';
  const head = verdict.failing ? 'FAILING SO FAR' : `RUNNING · OK SO FAR`;
  const items = verdict.reasons.length > 0 ? verdict.reasons : [`nothing failed so far (${phase})`];
  const banner = `<div class="verdict ${verdict.failing ? 'failed' : 'running'}" data-live-verdict="${verdict.failing ? 'failing' : 'ok'}"><div class="head">${t(head)}</div><ul>${items.map((i) => `<li>${t(i)}</li>`).join('')}</ul></div>`;
  const rows = thresholds.map((th) => [t(th.metric), t(th.expression), t(actualText(th)), STATE_TEXT[th.state]]);
  const thresholdsPart =
    thresholds.length === 0
      ? '<p class="meta">No thresholds in this scenario.</p>'
      : table(['metric', 'expression', 'so far', 'result'], rows, 'nums');
  const plan = view.plan === null ? '' : `<p class="meta">${t(view.plan)}</p>`;
  if (view.ended === true) {
    return [
      plan,
      '<h2>Live figures at the last sample</h2>',
      '<p class="meta">The run has ended: the final report above has its verdict.</p>',
      tiles(view, f),
      thresholdsPart,
    ].join('\n');
  }
  return [plan, banner, tiles(view, f), '<h2>Thresholds so far</h2>', thresholdsPart].join('\n');
}

/** The charts part: the report's timeline charts over the intervals so far. */
export function dashboardCharts(view: LiveView): string {
  const intervalMs = view.scenario.intervalMs;
  // A line is final once every publish scheduled in it is judged: the charts trail by the deadline.
  const deadlineMs = view.scenario.deadlineMs ?? 0;
  const lag =
    deadlineMs > 0
      ? `, drawn once every publish in it has been judged: ${fmtMs(deadlineMs)} (publish.deadline) after it ends; the figures above are live`
      : '';
  if (view.lines.length === 0 || view.startedAt === null) {
    return `<p class="meta">Charts come with the first interval: one point every ${t(fmtMs(intervalMs))} (report.interval)${t(lag)}.</p>`;
  }
  const peakRssMb = view.lines.reduce((max, l) => Math.max(max, l.rssMb), 0);
  // The lag p99 over the hold is the report's; so far only each interval's largest lag is known.
  return timelineCharts(
    {
      intervalMs,
      startedAt: view.startedAt,
      events: view.events,
      publishes: view.scenario.deadlineMs !== null,
      peakRssMb: peakRssMb > 0 ? peakRssMb : null,
      lagP99Ms: null,
    },
    view.lines,
  )
    .concat(lag === '' ? [] : [`<p class="meta">Each interval is${t(lag)}.</p>`])
    .join('\n');
}

/** The drop events part: the report's table, one row per event once it ended. */
export function dashboardDrops(view: LiveView): string {
  const rows = dropEventsTable(view.events);
  return rows.length > 0
    ? rows.join('\n')
    : '<h2>Drop events</h2><p class="meta">None so far (closes that come together in time: a restart, a rollout, a mass drop).</p>';
}

/** The final part: the report's own verdict banner, and links the script points at the report kept in the page. */
export function dashboardFinal(report: Report, fileName: string): string {
  return [
    '<h2>Final report</h2>',
    verdictBanner(report),
    `<p class="final-links"><a class="report" id="report-open" target="_blank" rel="noopener">Open the final HTML report</a><a class="report" id="report-save" download="${t(fileName)}">Save it as ${t(fileName)}</a></p>`,
    '<p class="meta">The report is kept in this page: both links work after wsload has exited.</p>',
  ].join('\n');
}

/** The whole page as it stands now (a browser that connects later starts from here). */
export function renderDashboardPage(view: LiveView, final: string | null): string {
  const title = `wsload live — ${view.scenario.name}`;
  return page(
    title,
    [
      DASHBOARD_CSS,
      `<h1>${t(title)}</h1>`,
      '<p class="meta"><span id="conn" class="conn">connecting…</span></p>',
      `<div id="${LIVE_PARTS.final}">${final ?? ''}</div>`,
      `<div id="${LIVE_PARTS.status}">${dashboardStatus(view)}</div>`,
      '<h2>Timeline</h2>',
      `<div id="${LIVE_PARTS.charts}">${dashboardCharts(view)}</div>`,
      `<div id="${LIVE_PARTS.drops}">${dashboardDrops(view)}</div>`,
    ],
    { script: DASHBOARD_SCRIPT },
  );
}
