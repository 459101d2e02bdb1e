/**
 * Issue 26's proof on screen: the HTML report of a real run that observed the built-in target's
 * /metrics (and an endpoint with a counter and a byte gauge), with two mass drops injected at the
 * target, opened in headless Chromium at 390 px and 1440 px. The observed charts must sit on the
 * client's time axis (the same ticks, the drop events' shading at the same x as on "Open sockets"),
 * with drop labels apart, nothing off the page, and a value on hover. The screenshots are kept in
 * a temp dir whose path the test prints (WSLOAD_SHOTS_DIR picks another).
 */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../dist/render/html.js';
import type { Report, TimelineLine } from '../../dist/run/report.js';
import { startTarget } from '../../dist/target/server.js';
import { expectExactBooks } from '../helpers/books.js';
import {
  DESKTOP,
  PHONE,
  expectReadableChart,
  launchChromium,
  layoutOf,
  pageAt,
  screenshot,
  type ChartLayout,
} from '../helpers/chromium-pages.js';
import { missing } from '../helpers/real-parts.js';
import { runQuietly, scenarioFrom, sharedRun } from '../helpers/run-helpers.js';

const noChromium = missing('chromium');
const SOCKETS = 40;
const DROPS = [12, 8];

let browser: Browser | null = null;
// Kept after the test on purpose: the lead looks at the screenshots.
const dir = mkdtempSync(join(tmpdir(), 'wsload-observe-shots-'));

beforeAll(async () => {
  if (!noChromium) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** A real run against a separate built-in target, observed, with two drops the target makes. */
const run = sharedRun(async (): Promise<{ report: Report; lines: TimelineLine[]; html: string }> => {
  const target = await startTarget();
  const lines: TimelineLine[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    const scenario = scenarioFrom({
      target: { url: target.wsUrl },
      connections: SOCKETS,
      connectRate: 1000,
      duration: '12s',
      reconnect: { policy: 'backoff', min: '200ms', max: '1s' },
      publish: { rate: 10 },
      report: { interval: '1s' },
      observe: [
        {
          name: 'target',
          url: `${target.httpUrl}/metrics`,
          series: ['wsload_target_open_sockets', 'wsload_target_deliveries_total', 'process_resident_memory_bytes'],
        },
      ],
    });
    // Drops 4 s and 8 s into the run (the hold starts within a second: 40 sockets at 1000/s).
    for (const [i, count] of DROPS.entries()) {
      timers.push(
        setTimeout(() => void fetch(`${target.httpUrl}/admin/drop?mode=close&count=${count}`).catch(() => undefined), 4000 * (i + 1)),
      );
    }
    const report = await runQuietly(scenario, { onInterval: (l: TimelineLine) => lines.push(l) });
    const html = join(dir, 'observed-report.html');
    writeFileSync(html, renderReportHtml(report, { timeline: lines }));
    return { report, lines, html };
  } finally {
    for (const t of timers) clearTimeout(t);
    await target.close();
  }
});

const OBSERVED = ['target: wsload_target_open_sockets', 'target: wsload_target_deliveries_total', 'target: process_resident_memory_bytes'];

/** Left edges of a chart's drop shading, relative to the chart. */
const dropXs = (c: ChartLayout): number[] => c.drops.map((d) => d.left - c.box.left);

describe.skipIf(noChromium)('observed charts in the HTML report of a real run, in headless Chromium', () => {
  it('the run observed its target and saw both drops', async () => {
    const { report, lines } = await run();
    expectExactBooks(report);
    expect(report.disconnects.events?.length, JSON.stringify(report.disconnects.events)).toBe(DROPS.length);
    const observed = report.observe?.find((e) => e.name === 'target');
    expect(observed?.series.map((s) => s.name)).toEqual(OBSERVED.map((t) => t.slice('target: '.length)));
    // The gauge saw the drops: its min is below the peak by at least the smaller drop.
    const open = observed?.series.find((s) => s.name === 'wsload_target_open_sockets');
    expect(open?.max).toBe(SOCKETS);
    expect(lines.filter((l) => typeof l.observe?.target?.wsload_target_open_sockets === 'number').length).toBeGreaterThanOrEqual(8);
  }, 60_000);

  it.each([PHONE, DESKTOP])(
    'at %i px: observed charts on the client axis, drops at the same x, labels apart, on the page, values on hover',
    async (width) => {
      const { html } = await run();
      const { page, errors } = await pageAt(browser as Browser, width);
      try {
        await page.goto(pathToFileURL(html).href, { waitUntil: 'load', timeout: 20_000 });
        const shot = await screenshot(page, dir, `observed-report.${width}.png`);
        expect(statSync(shot).size).toBeGreaterThan(10_000);
        const layout = await layoutOf(page);
        expect(errors).toEqual([]);
        expect(layout.scrollWidth, 'the page scrolls sideways').toBeLessThanOrEqual(width);

        const client = layout.charts.find((c) => c.title === 'Open sockets');
        expect(client, 'the client chart "Open sockets"').toBeDefined();
        const observed = layout.charts.filter((c) => OBSERVED.includes(c.title));
        expect(observed.map((c) => c.title)).toEqual(OBSERVED);
        expect(layout.text).toContain('Observed endpoints');
        const ref = client as ChartLayout;
        expect(ref.drops.length, 'drop events shaded on the client chart').toBe(DROPS.length);
        for (const c of [ref, ...observed]) expectReadableChart(c, width, 8);
        for (const c of observed) {
          // The same time axis: the same width, the same tick labels at the same x, the drops at the same x.
          expect(c.box.right - c.box.left, c.title).toBeCloseTo(ref.box.right - ref.box.left, 0);
          expect(
            c.ticks.filter((t) => /:/.test(t.text)).map((t) => t.text),
            `${c.title}: time ticks`,
          ).toEqual(ref.ticks.filter((t) => /:/.test(t.text)).map((t) => t.text));
          const xOf = (ch: ChartLayout): number[] =>
            ch.ticks.filter((t) => /:/.test(t.text)).map((t) => (t.box.left + t.box.right) / 2 - ch.box.left);
          const refX = xOf(ref);
          xOf(c).forEach((x, i) => expect(Math.abs(x - refX[i]), `${c.title}: time tick ${i + 1} at another x`).toBeLessThan(1.5));
          expect(c.drops.length, `${c.title}: drop events marked`).toBe(DROPS.length);
          const refDrops = dropXs(ref);
          dropXs(c).forEach((x, i) => expect(Math.abs(x - refDrops[i]), `${c.title}: drop ${i + 1} at another x`).toBeLessThan(1.5));
          expect(c.labels.length, `${c.title}: drop labels`).toBe(DROPS.length);
        }
      } finally {
        await page.close();
      }
    },
    60_000,
  );
});
