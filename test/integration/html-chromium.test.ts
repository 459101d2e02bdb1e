import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../../src/report/compare.js';
import { readReport, readTimeline } from '../../src/report/read.js';
import { renderCompareHtml, renderReportHtml } from '../../src/render/html.js';
import type { TimelineLine } from '../../src/run/report.js';
import { fakeReport, fakeTimeline, fixturePair, writeFixturePair } from '../helpers/fake-report.js';
import { runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { startTarget } from '../../src/target/server.js';
import { missing, partPath } from '../helpers/real-parts.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import { CHROMIUM_ARGS } from '../helpers/chromium-pages.js';

// In CI a missing Chromium fails the file naming it; elsewhere the skip is named on stderr.
const noChromium = missing('chromium');
const ARGS = CHROMIUM_ARGS;

let browser: Browser;
let dir: string;

beforeAll(async () => {
  if (noChromium) return;
  dir = mkdtempSync(join(tmpdir(), 'wsload-html-'));
  browser = await chromium.launch({ executablePath: partPath('chromium'), args: ARGS, timeout: 30_000 });
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface PageFacts {
  errors: string[];
  requests: string[];
  /** The charts a reader sees at this width (each chart is drawn wide and narrow; CSS shows one). */
  charts: { title: string; paths: number; drawn: number; ticks: string[]; width: number }[];
  tables: number;
  text: string;
  /** document width beyond the viewport means the page scrolls sideways. */
  scrollWidth: number;
  partialMarks: number;
  dropMarks: number;
}

/** Opens an HTML file in Chromium at `width` px and collects what a reader (and a security review) would check. */
async function open(file: string, width = 1400): Promise<PageFacts> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  try {
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 20_000 });
    const charts = await page.$$eval('svg.chart', (svgs) =>
      svgs
        .filter((svg) => svg.getBoundingClientRect().width > 0)
        .map((svg) => {
          const paths = [...svg.querySelectorAll('path.series, path.bars, path.band')];
          return {
            title: svg.querySelector('title')?.textContent ?? '',
            paths: paths.length,
            // A path that draws something has at least two points and a non-zero bounding box.
            drawn: paths.filter((p) => {
              const box = (p as SVGGraphicsElement).getBBox();
              return (p.getAttribute('d') ?? '').length > 10 && box.width > 0;
            }).length,
            ticks: [...svg.querySelectorAll('text.tick')].map((t) => t.textContent ?? ''),
            width: svg.getBoundingClientRect().right,
          };
        }),
    );
    const tables = await page.$$eval('table', (t) => t.length);
    const text = await page.evaluate(() => document.body.innerText);
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    const partialMarks = await page.$$eval('svg.chart rect.partial', (r) => r.filter((e) => e.getBoundingClientRect().width > 0).length);
    const dropMarks = await page.$$eval('svg.chart rect.drop-event', (r) => r.filter((e) => e.getBoundingClientRect().width > 0).length);
    return { errors, requests, charts, tables, text, scrollWidth, partialMarks, dropMarks };
  } finally {
    await page.close();
  }
}

/** The fixture's timeline with its last interval cut short by the end of the run, as wsload writes it. */
function withPartialEnd(lines: TimelineLine[]): TimelineLine[] {
  const out = lines.map((l, i) => ({
    ...l,
    reconnects: i === 6 ? 12 : 0,
    durationMs: i === 0 ? l.elapsedMs : l.elapsedMs - lines[i - 1].elapsedMs,
  }));
  const prev = out[out.length - 2];
  out[out.length - 1] = {
    ...out[out.length - 1],
    elapsedMs: prev.elapsedMs + 2_000,
    durationMs: 2_000,
    open: 0,
    deliveries: 400,
    partial: true,
  };
  return out;
}

const TIMELINE_CHARTS = [
  'Fan-out latency per interval',
  'Open sockets',
  'Connect failures per interval',
  'Deliveries per second',
  'Lost deliveries per interval',
  'Closes per interval, by cause',
  'Reconnects per interval',
  'Memory (RSS) of wsload',
  'Event-loop lag of the workers',
];

describe.skipIf(noChromium)('HTML report in headless Chromium', () => {
  it('renders the run report with its charts, no errors and no network requests', async () => {
    const files = writeFixturePair(dir);
    const report = await readReport(files.before);
    const timeline = await readTimeline(files.before, report);
    expect(timeline).not.toBeNull();
    const html = join(dir, 'before.html');
    writeFileSync(html, renderReportHtml(report, { timeline }));
    const facts = await open(html);

    expect(facts.errors).toEqual([]);
    expect(facts.requests).toEqual([pathToFileURL(html).href]);
    const titles = facts.charts.map((c) => c.title);
    // Timelines first (what happened when), then the distributions.
    expect(titles).toEqual([
      'Fan-out latency per interval',
      'Open sockets',
      'Connect failures per interval',
      'Deliveries per second',
      'Lost deliveries per interval',
      'Closes per interval, by cause',
      'Memory (RSS) of wsload',
      'Event-loop lag of the workers',
      'Fan-out latency by percentile',
      'Publish completion (last socket) by percentile',
      'Handshake latency by percentile',
      'Idle time at close — cohort ping (100 closes)',
      'Idle time at close — cohort quiet (100 closes)',
    ]);
    expect(facts.text).toContain('Reconnects per interval: not in this timeline (written by an older wsload).');
    const fanout = facts.charts[8];
    expect(fanout.drawn).toBe(1);
    expect(fanout.ticks).toEqual(expect.arrayContaining(['0%', '90%', '99%', '99.9%', '99.99%']));
    for (const c of facts.charts) expect(c.drawn, c.title).toBeGreaterThan(0);
    // The band and both percentile lines.
    expect(facts.charts[0].drawn).toBe(3);
    // Wall-clock axis: the fixture started at 09:00:00 UTC.
    expect(facts.charts[1].ticks).toEqual(expect.arrayContaining(['09:00:10', '09:00:30', '09:00:50']));
    expect(facts.tables).toBeGreaterThanOrEqual(2);
    expect(facts.text).toContain('fan-out p50 / p75 / p90 / p95 / p99 / p99.9 / max');
    expect(facts.text).toContain('fanout.p99');
    expect(facts.text).toMatch(/peak RSS\s+\d+ MB/);
    expect(facts.text.split('\n')[2] ?? '').not.toBe('');
  });

  it('opens with a verdict banner naming the failed thresholds and failure counters', async () => {
    const { after } = fixturePair();
    after.thresholds.push({ metric: 'fanout.lost', expression: '== 0', actual: after.fanout.lost, pass: false });
    const html = join(dir, 'failing.html');
    writeFileSync(html, renderReportHtml(after, { timeline: fakeTimeline(after) }));
    const facts = await open(html);
    const banner = facts.text.slice(facts.text.indexOf('THRESHOLDS FAILED'));
    expect(facts.text.indexOf('THRESHOLDS FAILED')).toBeLessThan(facts.text.indexOf('Timeline'));
    expect(banner).toMatch(/^THRESHOLDS FAILED · 2 of 2/);
    expect(banner).toMatch(/threshold fanout\.p99 < 50ms failed: actual \d+(\.\d+)? ms/);
    expect(banner).toContain('threshold fanout.lost == 0 failed: actual 50');
    expect(banner).toMatch(/50 of [\d,]+ deliveries lost .* \(fanout\.lost\)/);

    const okFile = join(dir, 'ok.html');
    writeFileSync(okFile, renderReportHtml(fakeReport()));
    expect((await open(okFile)).text).toContain('OK\nno thresholds set; no failed connections, lost deliveries or failed publishes');
  });

  it('marks the partial last interval and drop events on every timeline, and draws reconnects', async () => {
    const { after } = fixturePair();
    after.disconnects.events = [
      {
        startMs: 25_000,
        startedAt: '2025-03-02T09:00:25.000Z',
        endMs: 25_400,
        count: 40,
        byCause: { 'connection-lost': 40 },
        byCode: { '1006': 40 },
        openBefore: 200,
        lowestOpen: 160,
        recoveryMs: 1_000,
      },
    ];
    const html = join(dir, 'partial.html');
    writeFileSync(html, renderReportHtml(after, { timeline: withPartialEnd(fakeTimeline(after)) }));
    const facts = await open(html);
    expect(facts.errors).toEqual([]);
    const timelines = facts.charts.filter((c) => TIMELINE_CHARTS.includes(c.title));
    expect(timelines.map((c) => c.title)).toEqual(TIMELINE_CHARTS);
    expect(facts.partialMarks).toBe(TIMELINE_CHARTS.length);
    expect(facts.dropMarks).toBe(TIMELINE_CHARTS.length);
    expect(facts.text).toContain('The last interval lasted 2.00 s: the run ended inside it');
    expect(facts.text).toContain('drop: 40 closes');
  });

  it('fits a phone: no sideways scrolling at 390 px, every chart within the viewport', async () => {
    const { after } = fixturePair();
    after.warnings = ['a warning with a very long unbroken token: ' + 'x'.repeat(200)];
    const html = join(dir, 'phone.html');
    writeFileSync(html, renderReportHtml(after, { timeline: withPartialEnd(fakeTimeline(after)) }));
    const facts = await open(html, 390);
    expect(facts.scrollWidth).toBeLessThanOrEqual(390);
    expect(facts.charts.length).toBeGreaterThanOrEqual(TIMELINE_CHARTS.length);
    for (const c of facts.charts) expect(c.width, c.title).toBeLessThanOrEqual(390);
    // The narrow drawing: fewer, readable time ticks.
    expect(facts.charts[0].ticks.length).toBeLessThanOrEqual(10); // y and x ticks of the narrow drawing

    const { before } = fixturePair();
    const cmp = join(dir, 'compare-phone.html');
    writeFileSync(
      cmp,
      renderCompareHtml(before, after, compare(before, after), {
        beforeTimeline: fakeTimeline(before),
        afterTimeline: fakeTimeline(after),
      }),
    );
    expect((await open(cmp, 390)).scrollWidth).toBeLessThanOrEqual(390);
  });

  it('renders a report without a timeline and says so', async () => {
    const { after } = fixturePair();
    const html = join(dir, 'after.html');
    writeFileSync(html, renderReportHtml(after, { timeline: null }));
    const facts = await open(html);
    expect(facts.errors).toEqual([]);
    expect(facts.requests).toEqual([pathToFileURL(html).href]);
    expect(facts.text).toContain('No timeline (.ndjson) beside this report.');
    expect(facts.text).toContain('idle timeout estimate');
    expect(facts.charts.find((c) => c.title.startsWith('Idle time at close — cohort quiet'))?.drawn).toBe(1);
  });

  it('draws both runs on the same axes for what changed, side by side, without rows of no samples', async () => {
    const { before, after } = fixturePair();
    const html = join(dir, 'compare.html');
    const comparison = compare(before, after);
    writeFileSync(
      html,
      renderCompareHtml(before, after, comparison, { beforeTimeline: fakeTimeline(before), afterTimeline: fakeTimeline(after) }),
    );
    const facts = await open(html);
    expect(facts.errors).toEqual([]);
    expect(facts.requests).toEqual([pathToFileURL(html).href]);
    const fanout = facts.charts.find((c) => c.title === 'Fan-out latency by percentile: before vs after');
    expect(fanout?.paths).toBe(2);
    expect(fanout?.drawn).toBe(2);
    const titles = facts.charts.map((c) => c.title);
    expect(titles).toContain('Fan-out latency per interval: before vs after');
    expect(titles).toContain('Closes per interval: before vs after');
    // Handshakes did not change between the runs: not drawn, and said so.
    expect(titles).not.toContain('Handshake latency by percentile: before vs after');
    expect(facts.text).toMatch(/Not drawn, the same in both runs: handshake latency/);
    expect(facts.text).toMatch(/5 REGRESSIONS/);
    expect(facts.text).toMatch(/gate: worse on fanout\.lost, fanout\.lost\.any/);
    expect(facts.text).toContain('fanout.delivered');
    expect(facts.text).toContain('inconclusive');
    expect(facts.text).toContain('used the old per-delivery intervals');
    // Surviving cohorts and the idle-timeout estimate of each run, side by side.
    expect(facts.text).toMatch(/cohort quiet\s+✓ survived\s+✗ cut \(40 connection-lost\)/);
    expect(facts.text).toMatch(/cohort ping\s+✓ survived\s+✓ survived/);
    expect(facts.text).toMatch(/idle-timeout estimate\s+none[^\n]*\s+60\.1 s ± 90\.0 ms \(cohort quiet, 40 closes\)/);
    // The idle timeout moved: when sockets closed is drawn for both runs.
    expect(titles).toContain('Open sockets: before vs after');
    const rowsText = facts.text.slice(facts.text.indexOf('Metrics'), facts.text.indexOf('What changed, over time'));
    expect(rowsText).not.toMatch(/\bno samples\b(?! in either run)/);
  });

  it('omits metric rows with no samples in either run and says which', async () => {
    const { before, after } = fixturePair();
    const comparison = compare(before, after);
    const empty = comparison.rows.find((r) => r.metric === 'handshake.p99');
    expect(empty).toBeDefined();
    if (empty) Object.assign(empty, { before: null, after: null, verdict: 'inconclusive', note: 'no samples' });
    const html = join(dir, 'compare-empty.html');
    writeFileSync(html, renderCompareHtml(before, after, comparison));
    const facts = await open(html);
    expect(facts.text).not.toMatch(/handshake\.p99\s+–\s+–/);
    expect(facts.text).toContain('Omitted, no samples in either run: handshake.p99.');
    expect(facts.text).toContain('Not drawn: the timeline (.ndjson) of one run or both is missing.');
  });

  it('draws a real short run: 1 s intervals, the drop marked, the partial end hatched, readable at 1400 and 390 px', async () => {
    const target = await startTarget({ host: '127.0.0.1', port: 0 });
    try {
      const scenario = scenarioFrom({
        target: { url: target.wsUrl },
        connections: 30,
        duration: '3s',
        workers: 1,
        publish: { rate: 10 },
        reconnect: { policy: 'immediate' },
      });
      const run = runQuietly(scenario, { reportFile: join(dir, 'real.json') });
      setTimeout(() => void fetch(`${target.httpUrl}/admin/drop?mode=destroy&count=12`), 1800);
      const report = await run;
      const timeline = await readTimeline(join(dir, 'real.json'), report);
      expect(report.scenario.report.intervalMs).toBe(1000);
      expect(timeline?.at(-1)?.partial).toBe(true);
      expect(report.disconnects.events?.length).toBeGreaterThanOrEqual(1);
      // The drop cost no delivery (missed while down is not lost): the books the page shows are exact.
      expectDeliveredExactly(report);
      const html = join(dir, 'real.html');
      writeFileSync(html, renderReportHtml(report, { timeline }));
      for (const width of [1400, 390]) {
        const facts = await open(html, width);
        expect(facts.errors).toEqual([]);
        expect(facts.requests).toEqual([pathToFileURL(html).href]);
        expect(facts.scrollWidth).toBeLessThanOrEqual(width);
        const timelines = facts.charts.filter((c) => TIMELINE_CHARTS.includes(c.title));
        expect(timelines.map((c) => c.title)).toEqual(TIMELINE_CHARTS);
        for (const c of timelines) expect(c.drawn, `${c.title} at ${width} px`).toBeGreaterThan(0);
        expect(facts.partialMarks).toBe(TIMELINE_CHARTS.length);
        expect(facts.dropMarks).toBeGreaterThanOrEqual(TIMELINE_CHARTS.length);
        // Wall-clock ticks, HH:MM:SS UTC.
        expect(timelines[1].ticks.filter((tick) => /^\d\d:\d\d:\d\d$/.test(tick)).length).toBeGreaterThanOrEqual(2);
        expect(facts.text).toMatch(/peak RSS\s+\d+ MB/);
      }
    } finally {
      await target.close();
    }
  }, 30_000);

  it('escapes names from the report instead of running them', async () => {
    const { before } = fixturePair();
    before.scenario.name = '<img src="http://127.0.0.1:9/x.png" onerror="console.error(1)">';
    before.warnings = ['<script>console.error("injected")</script>'];
    const html = join(dir, 'hostile.html');
    writeFileSync(html, renderReportHtml(before));
    const facts = await open(html);
    expect(facts.errors).toEqual([]);
    expect(facts.requests).toEqual([pathToFileURL(html).href]);
    expect(facts.text).toContain('<script>console.error("injected")</script>');
  });
});
