/**
 * The HTML report and compare page as a reader sees them on a phone (390 px) and a desktop
 * (1440 px), in headless Chromium: screenshots taken, and what they must show measured in the
 * page — drop-event labels that never overlap (events seconds apart on a long axis), every time
 * tick inside its drawing (the last one was cut to "09:00:5"), the columns that matter (threshold
 * result; compare's after, change and verdict) on screen or in a box that visibly scrolls, no
 * sideways scrolling of the page itself, compare's idle-timeout cell folded, a value on hover for
 * every point and bar, and the lost and connect-failure charts.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../../src/report/compare.js';
import { renderCompareHtml, renderReportHtml } from '../../src/render/html.js';
import type { DropEvent, Report, TimelineLine } from '../../src/run/report.js';
import { fakeTimeline, fixturePair } from '../helpers/fake-report.js';
import { missing, partPath } from '../helpers/real-parts.js';
import { CHROMIUM_ARGS } from '../helpers/chromium-pages.js';

const noChromium = missing('chromium');
const ARGS = CHROMIUM_ARGS;
const WIDTHS = [390, 1440] as const;

let browser: Browser;
let dir: string;

beforeAll(async () => {
  if (noChromium) return;
  dir = mkdtempSync(join(tmpdir(), 'wsload-html-layout-'));
  browser = await chromium.launch({ executablePath: partPath('chromium'), args: ARGS, timeout: 30_000 });
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A drop event `atMs` into the run (which started at 09:00:00 UTC). */
function dropAt(atMs: number, count: number): DropEvent {
  return {
    startMs: atMs,
    startedAt: new Date(Date.parse('2025-03-02T09:00:00.000Z') + atMs).toISOString(),
    endMs: atMs + 300,
    count,
    byCause: { 'connection-lost': count },
    byCode: { '1006': count },
    openBefore: 200,
    lowestOpen: 200 - count,
    recoveryMs: 800,
  };
}

/** A run with what crowded the old pages: drop events close together, lost deliveries and failed connects, a failed threshold, a partial end. */
function crowdedRun(): { before: Report; after: Report; timeline: TimelineLine[] } {
  const { before, after } = fixturePair();
  after.disconnects.events = [
    dropAt(20_000, 40),
    dropAt(20_900, 35),
    dropAt(21_800, 30),
    dropAt(31_000, 12),
    dropAt(31_400, 8),
    dropAt(50_000, 20),
  ];
  after.thresholds.push({ metric: 'fanout.lost', expression: '== 0', actual: after.fanout.lost, pass: false });
  // soak.json's longest threshold name: the result column must stay reachable beside it.
  after.thresholds.push({ metric: 'client.eventLoopLag.p99', expression: '< 100ms', actual: 35.7, pass: true });
  before.disconnects.idleTimeout = null;
  before.disconnects.idleTimeoutNote = 'no estimate: ' + "the closes before the end were not spread like an idle timeout's cut, ".repeat(6);
  const timeline = fakeTimeline(after).map((l, i) => ({
    ...l,
    lost: i === 3 ? 30 : i === 4 ? 20 : 0,
    connectFailures: i === 1 ? 7 : 0,
    reconnects: i === 4 ? 12 : 0,
  }));
  return { before, after, timeline };
}

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** What the page shows at this width, measured in the page. */
interface Layout {
  errors: string[];
  scrollWidth: number;
  /** Per visible chart: its title, its box, its drop labels' and tick labels' boxes, how many elements carry a hover title. */
  charts: { title: string; box: Box; labels: Box[]; ticks: { text: string; box: Box }[]; hovers: number; bars: number }[];
  /** Per table whose header row names `column`: is that column's header on screen, and does its box scroll sideways (and say so on a phone)? */
  columns: { column: string; visible: boolean; scrollable: boolean; hintShown: boolean }[];
  text: string;
}

async function layoutOf(page: Page, columns: readonly string[]): Promise<Layout> {
  return page.evaluate((wanted) => {
    const box = (el: Element): Box => {
      const r = el.getBoundingClientRect();
      return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
    };
    const charts = [...document.querySelectorAll('svg.chart')]
      .filter((svg) => svg.getBoundingClientRect().width > 0)
      .map((svg) => ({
        title: svg.querySelector('title')?.textContent ?? '',
        box: box(svg),
        labels: [...svg.querySelectorAll('text.drop-label')].map(box),
        ticks: [...svg.querySelectorAll('text.tick')].map((tk) => ({ text: tk.textContent ?? '', box: box(tk) })),
        hovers: [...svg.querySelectorAll('circle > title, rect.hover > title')].length,
        bars: svg.querySelectorAll('path.bars').length,
      }));
    const found: { column: string; visible: boolean; scrollable: boolean; hintShown: boolean }[] = [];
    for (const column of wanted) {
      for (const th of document.querySelectorAll('th')) {
        if (th.textContent !== column) continue;
        const scroller = th.closest('.scroll') as HTMLElement | null;
        const r = th.getBoundingClientRect();
        const hint = scroller?.previousElementSibling;
        found.push({
          column,
          visible: r.left >= 0 && r.right <= window.innerWidth + 0.5,
          scrollable: scroller !== null && getComputedStyle(scroller).overflowX === 'auto' && scroller.scrollWidth > scroller.clientWidth,
          hintShown: hint?.classList.contains('scroll-hint') === true && hint.getBoundingClientRect().height > 0,
        });
      }
    }
    return { errors: [], scrollWidth: document.documentElement.scrollWidth, charts, columns: found, text: document.body.innerText };
  }, columns);
}

/** Opens `file` at `width` px, takes a full-page screenshot beside it, measures the layout. */
async function open(file: string, width: number, columns: readonly string[]): Promise<Layout & { shot: string }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  try {
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 20_000 });
    // WSLOAD_SHOTS_DIR keeps the screenshots for a look (the temp dir is removed after the file).
    const shot = join(process.env.WSLOAD_SHOTS_DIR ?? dir, `${basename(file)}.${width}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    return { ...(await layoutOf(page, columns)), errors, shot };
  } finally {
    await page.close();
  }
}

const overlaps = (a: Box, b: Box): boolean => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/** Every pair of boxes apart. */
function expectApart(boxes: readonly Box[], what: string): void {
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++)
      expect(overlaps(boxes[i], boxes[j]), `${what}: labels ${i + 1} and ${j + 1} overlap`).toBe(false);
}

const TIMELINES = [
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

describe.skipIf(noChromium)('HTML pages at 390 and 1440 px in headless Chromium', () => {
  it.each(WIDTHS)(
    'the run report at %i px: labels apart, ticks inside, the threshold result reachable, values on hover, lost and connect-failure charts',
    async (width) => {
      const { after, timeline } = crowdedRun();
      const html = join(dir, `report-${width}.html`);
      writeFileSync(html, renderReportHtml(after, { timeline }));
      const page = await open(html, width, ['result']);
      expect(statSync(page.shot).size).toBeGreaterThan(10_000);
      expect(page.errors).toEqual([]);
      expect(page.scrollWidth).toBeLessThanOrEqual(width);

      const timelines = page.charts.filter((c) => TIMELINES.includes(c.title));
      expect(timelines.map((c) => c.title)).toEqual(TIMELINES);
      for (const c of timelines) {
        // Six events, three within two seconds of each other: numbered labels, never on top of each other.
        expect(c.labels.length, c.title).toBeGreaterThanOrEqual(2);
        expectApart(c.labels, `${c.title} at ${width} px`);
        for (const l of c.labels) expect(l.right, `${c.title}: a drop label past the chart`).toBeLessThanOrEqual(c.box.right + 0.5);
        // Every time tick whole, the last one included.
        for (const tk of c.ticks)
          expect(tk.box.right, `${c.title}: tick ${tk.text} cut at the right edge`).toBeLessThanOrEqual(c.box.right + 0.5);
        expect(c.hovers, `${c.title}: values on hover`).toBeGreaterThan(0);
      }
      // The new charts draw their intervals as bars.
      for (const title of ['Connect failures per interval', 'Lost deliveries per interval'])
        expect(timelines.find((c) => c.title === title)?.bars, title).toBeGreaterThan(0);
      // The events' names are listed once, by number.
      expect(page.text).toMatch(/6 drop events, numbered on every timeline:\s*09:00:20 drop: 40 closes\s*09:00:20 drop: 35 closes/);

      // The thresholds table's result column: on screen, or in a box that scrolls and says so.
      const result = page.columns.find((c) => c.column === 'result');
      expect(result).toBeDefined();
      if (result && !result.visible) {
        expect(result.scrollable).toBe(true);
        expect(result.hintShown).toBe(true);
      }
    },
    30_000,
  );

  it.each(WIDTHS)(
    'the compare page at %i px: after, change and verdict reachable, the idle-timeout cell folded, no sideways page',
    async (width) => {
      const { before, after } = crowdedRun();
      const html = join(dir, `compare-${width}.html`);
      writeFileSync(
        html,
        renderCompareHtml(before, after, compare(before, after), {
          beforeTimeline: fakeTimeline(before),
          afterTimeline: crowdedRun().timeline,
        }),
      );
      const page = await open(html, width, ['after', 'change', 'verdict']);
      expect(statSync(page.shot).size).toBeGreaterThan(10_000);
      expect(page.errors).toEqual([]);
      expect(page.scrollWidth).toBeLessThanOrEqual(width);
      const metrics = page.columns.filter((c) => ['change', 'verdict'].includes(c.column));
      expect(metrics.map((c) => c.column)).toEqual(['change', 'verdict']);
      for (const c of page.columns) {
        if (c.visible) continue;
        expect(c.scrollable, `${c.column} off screen in a box that does not scroll`).toBe(true);
        expect(c.hintShown, `${c.column} off screen with no hint that the table scrolls`).toBe(true);
      }
      // On a desktop the whole metrics table is in view.
      if (width === 1440) for (const c of metrics) expect(c.visible, c.column).toBe(true);
      // The long reason for "no estimate" is folded: one short line until opened.
      expect(page.text).toMatch(/idle-timeout estimate\s+none \(why\)\s+60\.1 s/);
      expect(page.text).not.toContain("the closes before the end were not spread like an idle timeout's cut");
      for (const c of page.charts.filter((ch) => ch.title.endsWith('before vs after') && ch.ticks.length > 0)) {
        for (const tk of c.ticks) expect(tk.box.right, `${c.title}: tick ${tk.text} cut`).toBeLessThanOrEqual(c.box.right + 0.5);
      }
    },
    30_000,
  );
});
