/**
 * The live dashboard's pure parts: thresholds judged so far (report/live-thresholds.ts) and the
 * page's parts (render/dashboard.ts): the report's charts and tables, the script allowed by hash
 * and nothing else. The browser side is test/integration/dashboard-chromium.test.ts.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { liveThresholds, liveVerdict, type LiveFigures } from '../../src/report/live-thresholds.js';
import {
  DASHBOARD_SCRIPT,
  dashboardCharts,
  dashboardDrops,
  dashboardFinal,
  dashboardStatus,
  renderDashboardPage,
  type LiveScenario,
  type LiveView,
} from '../../src/render/dashboard.js';
import { renderReportHtml } from '../../src/render/html.js';
import type { DropEvent, TimelineLine } from '../../src/run/report.js';
import { fakeReport, fakeTimeline } from '../helpers/fake-report.js';

const figures = (over: Partial<LiveFigures> = {}): LiveFigures => ({
  target: 1000,
  failed: 0,
  lost: 0,
  closes: 0,
  reconnects: 0,
  fanoutP99Ms: 12,
  stalenessP99Ms: null,
  linesDelivered: 9_000,
  linesLost: 0,
  ...over,
});

describe('thresholds so far', () => {
  it('judges what a run knows while it goes, and leaves the rest to the report', () => {
    const thresholds = {
      'fanout.p99': '< 250ms',
      'fanout.lost': '== 0',
      'connections.failed': '< 1%',
      'handshake.p99': '< 1s',
      'fanout.p50': '< 10ms',
    };
    expect(liveThresholds(thresholds, figures()).map((t) => [t.metric, t.state, t.actual])).toEqual([
      ['fanout.p99', 'pass', 12],
      ['fanout.lost', 'pass', 0],
      ['connections.failed', 'pass', 0],
      ['handshake.p99', 'pending', null],
      ['fanout.p50', 'pending', null],
    ]);
  });

  it('a growing count past an upper limit has failed for good; a latency or a percentage is failing so far', () => {
    const f = figures({ lost: 3, failed: 20, fanoutP99Ms: 400, linesDelivered: 900, linesLost: 100, closes: 5 });
    const got = liveThresholds(
      {
        'fanout.lost': '== 0',
        'fanout.lost ': '< 1%',
        'connections.failed': '< 1%',
        'fanout.p99': '< 250ms',
        'disconnects.total': '<= 4',
        'reconnects.total': '>= 1',
      },
      f,
    );
    expect(got.map((t) => [t.metric, t.state])).toEqual([
      ['fanout.lost', 'failed'],
      // An unknown name (the trailing space) is no metric: never judged here (validation refuses it earlier).
      ['fanout.lost ', 'pending'],
      ['connections.failed', 'failing'],
      ['fanout.p99', 'failing'],
      ['disconnects.total', 'failed'],
      ['reconnects.total', 'failing'],
    ]);
    expect(got[2].actual).toBe(2); // 20 of 1,000 sockets: 2 %
    expect(liveThresholds({ 'fanout.lost': '< 1%' }, f)[0]).toMatchObject({ state: 'failing', actual: 10, percent: true });
  });

  it('a percentage with no base yet, or a latency with no sample yet, waits', () => {
    const f = figures({ linesDelivered: 0, linesLost: 0, fanoutP99Ms: null });
    expect(liveThresholds({ 'fanout.lost': '< 1%', 'fanout.p99': '< 1s' }, f).map((t) => t.state)).toEqual(['pending', 'pending']);
  });

  it('the verdict so far fails on failed connections, lost deliveries or a failing threshold, and says which', () => {
    expect(liveVerdict(figures(), [])).toEqual({ failing: false, reasons: [] });
    const f = figures({ failed: 1, lost: 2 });
    const v = liveVerdict(f, liveThresholds({ 'fanout.p99': '< 5ms' }, f));
    expect(v.failing).toBe(true);
    expect(v.reasons).toEqual([
      '1 connection attempt failed (connections.failed)',
      '2 deliveries lost (fanout.lost)',
      'threshold fanout.p99 < 5ms failing so far',
    ]);
  });
});

/** A drop of 20 of 100 sockets by server closes at `startMs` of the run, recovered in 0.9 s. */
function dropAt(startMs: number): DropEvent {
  return {
    startMs,
    startedAt: new Date(Date.UTC(2026, 0, 1) + startMs).toISOString(),
    endMs: startMs + 100,
    count: 20,
    byCause: { 'server-close': 20 },
    byCode: { '1001': 20 },
    openBefore: 100,
    lowestOpen: 80,
    recoveryMs: 900,
  };
}
function view(over: Partial<LiveView> = {}): LiveView {
  const report = fakeReport();
  const s = report.scenario;
  const scenario: LiveScenario = {
    name: s.name,
    connections: s.connections,
    thresholds: s.thresholds,
    intervalMs: s.report.intervalMs,
    deadlineMs: s.publish?.deadlineMs ?? null,
  };
  return {
    scenario,
    plan: '100 sockets / 2 workers',
    progress: {
      phase: 'hold',
      elapsedMs: 12_000,
      open: 100,
      target: 100,
      failed: 0,
      published: 50,
      deliveriesPerSec: 1000,
      p99Ms: 20,
      lost: 0,
      closes: 0,
      lagMs: 2,
    },
    lines: [],
    events: [],
    startedAt: report.startedAt,
    ...over,
  };
}

describe('the dashboard page', () => {
  it('allows its one script by hash and requests to its own origin only; the report page allows none', () => {
    const html = renderDashboardPage(view(), null);
    const hash = createHash('sha256').update(DASHBOARD_SCRIPT).digest('base64');
    expect(html).toContain(`script-src 'sha256-${hash}'; connect-src 'self'">`);
    expect(html).toContain(`<script>${DASHBOARD_SCRIPT}</script>`);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/https?:\/\//);
    const report = renderReportHtml(fakeReport());
    expect(report).not.toContain('<script');
    expect(report).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  });

  it("draws the report's timeline charts once an interval is in, saying how far they trail", () => {
    const report = fakeReport();
    expect(dashboardCharts(view())).toMatch(
      /^<p class="meta">Charts come with the first interval: one point every .*\(publish\.deadline\)/,
    );
    const lines: TimelineLine[] = fakeTimeline(report, 6);
    const charts = dashboardCharts(view({ lines }));
    for (const title of [
      'Fan-out latency per interval',
      'Open sockets',
      'Deliveries per second',
      'Closes per interval, by cause',
      'Memory (RSS) of wsload',
    ])
      expect(charts).toContain(`<title>${title}</title>`);
    // The same charts as the report drawn from the same lines.
    const reportHtml = renderReportHtml(report, { timeline: lines });
    expect((charts.match(/<svg /g) ?? []).length).toBe(
      (
        reportHtml.match(
          /<title>(Fan-out latency per interval|Open sockets|Connect failures per interval|Deliveries per second|Lost deliveries per interval|Closes per interval, by cause|Reconnects per interval|Memory \(RSS\) of wsload|Event-loop lag of the workers)<\/title>/g,
        ) ?? []
      ).length,
    );
  });

  it('every count chart has values on hover before anything was counted in it (a drop listed before its reconnects are drawn)', () => {
    const report = fakeReport();
    // The drop detector hands out an event on its own clock; the interval holding its reconnects may
    // still wait for its publishes' deadline: the charts then have closes, or none, and no reconnect.
    const lines: TimelineLine[] = fakeTimeline(report, 4).map((l) => ({ ...l, closes: 0, closesByCause: {}, reconnects: 0 }));
    const event = dropAt(3500);
    const charts = dashboardCharts(view({ lines, events: [event] }));
    const svgs = charts.split('<svg ').slice(1);
    for (const title of ['Reconnects per interval', 'Closes per interval, by cause']) {
      const svg = svgs.find((x) => x.includes(`<title>${title}</title>`)) ?? '';
      expect(svg, title).not.toBe('');
      // One value per interval (and the start), each 0: what a reader hovering sees, not an empty plot.
      const values = [...svg.matchAll(/<circle [^>]*><title>([^<]*)<\/title>/g)].map((m) => m[1]);
      expect(values, title).toHaveLength(lines.length + 1);
      for (const v of values) expect(v, title).toMatch(/: 0$/);
    }
  });

  it('status: the figures so far, the thresholds so far, a failing verdict with its reasons', () => {
    const v = view({ scenario: { ...view().scenario, thresholds: { 'fanout.p99': '< 10ms', 'handshake.p99': '< 1s' } } });
    const status = dashboardStatus(v);
    expect(status).toContain('data-live-verdict="failing"');
    expect(status).toContain('<li>threshold fanout.p99 &lt; 10ms failing so far</li>');
    expect(status).toMatch(
      /<td>fanout\.p99<\/td><td>&lt; 10ms<\/td><td>20(\.0)? ms<\/td><td><span class="fail">failing so far<\/span><\/td>/,
    );
    expect(status).toContain('<td>handshake.p99</td><td>&lt; 1s</td><td>–</td><td><span class="pending">known at the end</span></td>');
    expect(dashboardStatus(view({ progress: null }))).toContain('Starting: waiting for the first progress sample.');
    expect(dashboardStatus({ ...v, ended: true })).not.toContain('data-live-verdict');
  });

  it("drop events as the report lists them, one row each; the final part carries the report's own banner", () => {
    expect(dashboardDrops(view())).toContain('None so far');
    const event = dropAt(4000);
    const drops = dashboardDrops(view({ events: [event] }));
    expect((drops.match(/<tr>/g) ?? []).length).toBe(2);
    expect(drops).toContain('<td>100 → 80</td>');
    const final = dashboardFinal(fakeReport(), 'run-1.html');
    expect(final).toContain('class="verdict ');
    expect(final).toContain('download="run-1.html"');
  });
});
