/**
 * Headless Chromium for the page-layout tests (the HTML report with observed endpoints, the live
 * dashboard): one browser per test file, a page opened at a width with a full-page screenshot, and
 * what a reader sees measured in the page (the same checks as html-layout-chromium.test.ts: no
 * sideways page, drop labels apart, ticks inside their chart, values on hover).
 * Call only after `missing('chromium')` said the part is there.
 */
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { partPath } from './real-parts.js';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const PHONE = 390;
export const DESKTOP = 1440;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: partPath('chromium'), args: CHROMIUM_ARGS, timeout: 30_000 });
}

export interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** One visible `svg.chart`, measured. */
export interface ChartLayout {
  title: string;
  box: Box;
  /** The drop events' shaded rectangles (`rect.drop-event`): where on the time axis each event is. */
  drops: Box[];
  labels: Box[];
  ticks: { text: string; box: Box }[];
  /** Elements that show a value on hover (points and bar hover areas). */
  hovers: number;
  /** Font size of the tick labels in CSS px, as rendered (an SVG scaled down shrinks its text). */
  tickFontPx: number;
}

export interface PageLayout {
  scrollWidth: number;
  viewportWidth: number;
  charts: ChartLayout[];
  text: string;
}

/** Measures the page as it is now; `within` limits the charts to those under a selector. */
export function layoutOf(page: Page, within = 'body'): Promise<PageLayout> {
  return page.evaluate((sel) => {
    const box = (el: Element): Box => {
      const r = el.getBoundingClientRect();
      return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
    };
    const charts = [...document.querySelectorAll(`${sel} svg.chart`)]
      .filter((svg) => svg.getBoundingClientRect().width > 0)
      .map((svg) => {
        const tick = svg.querySelector('text.tick');
        return {
          title: svg.querySelector('title')?.textContent ?? '',
          box: box(svg),
          drops: [...svg.querySelectorAll('rect.drop-event')].map(box),
          labels: [...svg.querySelectorAll('text.drop-label')].map(box),
          ticks: [...svg.querySelectorAll('text.tick')].map((tk) => ({ text: tk.textContent ?? '', box: box(tk) })),
          hovers: svg.querySelectorAll('circle > title, rect.hover > title').length,
          tickFontPx: tick ? tick.getBoundingClientRect().height : 0,
        };
      });
    return { scrollWidth: document.documentElement.scrollWidth, viewportWidth: window.innerWidth, charts, text: document.body.innerText };
  }, within);
}

/** A new page at `width` px collecting its errors (page errors and console errors). */
export async function pageAt(browser: Browser, width: number): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return { page, errors };
}

/** A full-page screenshot in `dir` (or WSLOAD_SHOTS_DIR), its path printed for a human to look at. */
export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  const shot = join(process.env.WSLOAD_SHOTS_DIR ?? dir, name);
  // A live page keeps redrawing, and the machine is shared: a generous bound.
  await page.screenshot({ path: shot, fullPage: true, timeout: 90_000 });
  process.stdout.write(`screenshot: ${shot}\n`);
  return shot;
}

export const overlaps = (a: Box, b: Box): boolean => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/** Every pair of boxes apart. */
export function expectApart(boxes: readonly Box[], what: string): void {
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++)
      expect(overlaps(boxes[i], boxes[j]), `${what}: labels ${i + 1} and ${j + 1} overlap`).toBe(false);
  }
}

/**
 * What every chart must show a reader at any width: inside the page, drop labels apart and inside
 * the chart, every time tick whole, values on hover, tick text no smaller than `minFontPx`.
 */
export function expectReadableChart(c: ChartLayout, width: number, minFontPx: number): void {
  const what = `${c.title} at ${width} px`;
  expect(c.box.left, `${what}: starts off the page`).toBeGreaterThanOrEqual(-0.5);
  expect(c.box.right, `${what}: ends past the page`).toBeLessThanOrEqual(width + 0.5);
  expect(c.box.bottom - c.box.top, `${what}: too flat to read`).toBeGreaterThan(80);
  expectApart(c.labels, what);
  for (const l of c.labels) expect(l.right, `${what}: a drop label past the chart`).toBeLessThanOrEqual(c.box.right + 0.5);
  for (const tk of c.ticks) {
    expect(tk.box.right, `${what}: tick ${tk.text} cut at the right edge`).toBeLessThanOrEqual(c.box.right + 0.5);
    expect(tk.box.left, `${what}: tick ${tk.text} cut at the left edge`).toBeGreaterThanOrEqual(c.box.left - 0.5);
  }
  expect(c.tickFontPx, `${what}: tick labels too small to read`).toBeGreaterThanOrEqual(minFontPx);
  expect(c.hovers, `${what}: values on hover`).toBeGreaterThan(0);
}
