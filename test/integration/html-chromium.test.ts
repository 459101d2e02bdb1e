import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../../src/report/compare.js';
import { readReport, readTimeline } from '../../src/report/read.js';
import { renderCompareHtml, renderReportHtml } from '../../src/render/html.js';
import { fixturePair, writeFixturePair } from '../helpers/fake-report.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let browser: Browser;
let dir: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is required for this test and was not found at ${CHROMIUM}; install it with \`apt-get install -y chromium\` (as root).`);
  }
  dir = mkdtempSync(join(tmpdir(), 'wsload-html-'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface PageFacts {
  errors: string[];
  requests: string[];
  charts: { title: string; paths: number; drawn: number; ticks: string[] }[];
  tables: number;
  text: string;
}

/** Opens an HTML file in Chromium and collects what a reader (and a security review) would check. */
async function open(file: string): Promise<PageFacts> {
  const page = await browser.newPage();
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
      svgs.map((svg) => {
        const paths = [...svg.querySelectorAll('path.series, path.bars')];
        return {
          title: svg.querySelector('title')?.textContent ?? '',
          paths: paths.length,
          // A path that draws something has at least two points and a non-zero bounding box.
          drawn: paths.filter((p) => {
            const box = (p as SVGGraphicsElement).getBBox();
            return (p.getAttribute('d') ?? '').length > 10 && box.width > 0;
          }).length,
          ticks: [...svg.querySelectorAll('text.tick')].map((t) => t.textContent ?? ''),
        };
      }),
    );
    const tables = await page.$$eval('table', (t) => t.length);
    const text = await page.evaluate(() => document.body.innerText);
    return { errors, requests, charts, tables, text };
  } finally {
    await page.close();
  }
}

describe('HTML report in headless Chromium', () => {
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
    expect(titles).toEqual([
      'Fan-out latency by percentile',
      'Publish completion (last socket) by percentile',
      'Handshake latency by percentile',
      'Open sockets',
      'Deliveries per second',
      'Fan-out latency per interval',
      'Closes per interval',
      'Idle time at close — cohort ping (100 closes)',
      'Idle time at close — cohort quiet (100 closes)',
    ]);
    const fanout = facts.charts[0];
    expect(fanout.drawn).toBe(1);
    expect(fanout.ticks).toEqual(expect.arrayContaining(['0%', '90%', '99%', '99.9%', '99.99%']));
    for (const c of facts.charts) expect(c.drawn, c.title).toBeGreaterThan(0);
    expect(facts.tables).toBeGreaterThanOrEqual(2);
    expect(facts.text).toContain('fan-out p50 / p90 / p99 / p99.9 / max');
    expect(facts.text).toContain('fanout.p99');
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

  it('draws both runs on the same percentile axes in the comparison', async () => {
    const { before, after } = fixturePair();
    const html = join(dir, 'compare.html');
    writeFileSync(html, renderCompareHtml(before, after, compare(before, after)));
    const facts = await open(html);
    expect(facts.errors).toEqual([]);
    expect(facts.requests).toEqual([pathToFileURL(html).href]);
    const fanout = facts.charts.find((c) => c.title === 'Fan-out latency by percentile: before vs after');
    expect(fanout?.paths).toBe(2);
    expect(fanout?.drawn).toBe(2);
    expect(facts.text).toMatch(/4 regressions: fanout\.delivered/);
    expect(facts.text).toContain('inconclusive');
    expect(facts.text).toContain('used the old per-delivery intervals');
  });

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
