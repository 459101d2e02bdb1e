import { describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../src/render/html.js';
import { timelineCharts } from '../../src/render/html-timeline.js';
import type { Report, TimelineLine } from '../../src/run/report.js';
import { fakeReport, fakeTimeline } from '../helpers/fake-report.js';

const MB = 1048576;

/** The wide SVG drawn for the figure captioned `title`, or undefined. */
function wideSvg(html: string, title: string): string | undefined {
  const at = html.indexOf(`<figcaption>${title}`);
  if (at < 0) return undefined;
  const start = html.indexOf('<div class="wide">', at);
  return html.slice(start, html.indexOf('</svg>', start) + 6);
}

const ticks = (svg: string): string[] =>
  [...svg.matchAll(/<text class="tick" x="([\d.]+)" y="[\d.]+" text-anchor="middle">([^<]*)<\/text>/g)].map((m) => `${m[1]}:${m[2]}`);
const drops = (svg: string): string[] =>
  [...svg.matchAll(/<rect class="drop-event" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => `${m[1]}+${m[2]}`);
const dotXs = (svg: string): number[] => [...svg.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1]));

/** A report observing a gateway (open connections, memory in bytes, a counter) with its timeline. */
function observedRun(): { report: Report; lines: TimelineLine[] } {
  const report = fakeReport();
  const series = (name: string, selector: string, kind: 'gauge' | 'counter') => ({
    name,
    selector,
    kind,
    first: 1,
    last: 1,
    min: 1,
    max: 1,
    samples: 12,
    absent: 0,
  });
  report.observe = [
    {
      name: 'gateway',
      url: 'http://127.0.0.1:8405/metrics',
      scrapes: 12,
      failures: { timeout: 0, status: 0, unparsable: 0, tooLarge: 0, connection: 0 },
      series: [
        series('cx_active', 'envoy_http_downstream_cx_active', 'gauge'),
        series('memory', 'envoy_server_memory_allocated_bytes', 'gauge'),
        series('cx_idle_timeout', 'envoy_http_downstream_cx_idle_timeout', 'counter'),
      ],
    },
  ];
  report.disconnects.events = [
    {
      startMs: 20_000,
      startedAt: '2025-01-01T10:00:20.000Z',
      endMs: 21_000,
      count: 30,
      byCause: { 'server-close': 30 },
      byCode: { '1011': 30 },
      openBefore: 100,
      lowestOpen: 70,
      recoveryMs: 500,
    },
  ];
  // The sixth scrape matched nothing: a gap, not a 0.
  const lines = fakeTimeline(report).map((l, i) => ({
    ...l,
    observe: { gateway: { cx_active: i === 5 ? null : 100 - i, memory: (200 + i) * MB, cx_idle_timeout: i * 0.5 } },
  }));
  return { report, lines };
}

describe('HTML report: observed series', () => {
  it('charts each kept series of each endpoint under the client`s charts, on the client`s time axis, drop events marked', () => {
    const { report, lines } = observedRun();
    const html = renderReportHtml(report, { timeline: lines });
    const rss = wideSvg(html, 'Memory (RSS) of wsload');
    expect(rss).toBeDefined();
    for (const title of ['gateway: cx_active', 'gateway: memory', 'gateway: cx_idle_timeout']) {
      const svg = wideSvg(html, title);
      expect(svg, title).toBeDefined();
      // Below the client's charts.
      expect(html.indexOf(`<figcaption>${title}`)).toBeGreaterThan(html.indexOf('<figcaption>Event-loop lag of the workers'));
      // The same time axis: the same clock ticks at the same places, the drop event at the same place.
      expect(ticks(svg as string)).toEqual(ticks(rss as string));
      expect(ticks(svg as string).length).toBeGreaterThan(2);
      expect(drops(svg as string)).toEqual(drops(rss as string));
      expect(drops(svg as string)).toHaveLength(1);
    }
    // Points at the interval ends, as the RSS's; the sixth scrape's gap is left out.
    const rssXs = dotXs(rss as string);
    expect(rssXs).toHaveLength(12);
    expect(dotXs(wideSvg(html, 'gateway: memory') as string)).toEqual(rssXs);
    expect(dotXs(wideSvg(html, 'gateway: cx_active') as string)).toEqual(rssXs.filter((_, i) => i !== 5));
    // Units: bytes in MB, a counter as a rate per second.
    expect(wideSvg(html, 'gateway: memory')).toContain('memory at 10:00:05: 200 MB');
    expect(wideSvg(html, 'gateway: cx_idle_timeout')).toContain('cx_idle_timeout at 10:00:10: 0.5/s');
  });

  it('charts the series the lines carry when no report says which (the live dashboard)', () => {
    const { report, lines } = observedRun();
    const html = timelineCharts(
      { intervalMs: 5000, startedAt: report.startedAt, events: [], publishes: true, peakRssMb: null, lagP99Ms: null },
      lines,
    ).join('\n');
    for (const title of ['gateway: cx_active', 'gateway: memory', 'gateway: cx_idle_timeout'])
      expect(wideSvg(html, title), title).toBeDefined();
    expect(ticks(wideSvg(html, 'gateway: memory') as string)).toEqual(ticks(wideSvg(html, 'Memory (RSS) of wsload') as string));
  });

  it('draws no observed chart for a run that observed nothing (older reports, lines without `observe`)', () => {
    const report = fakeReport();
    const html = renderReportHtml(report, { timeline: fakeTimeline(report) });
    expect(html).not.toContain('Observed endpoints');
    expect(html).toContain('<figcaption>Memory (RSS) of wsload');
  });
});
