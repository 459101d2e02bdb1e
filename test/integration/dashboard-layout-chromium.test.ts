/**
 * Issue 23's owed check: the live dashboard (`wsload run --dashboard`) of a real run, read in
 * headless Chromium at phone width (390 px) and on a desktop (1440 px) while the run goes on, after
 * a drop event the target makes (once the drop and its reconnects are drawn): the page never scrolls
 * sideways, the charts (the client's and the observed target's) are visible and readable (the same
 * checks as the HTML report's layout test), and the live numbers are readable: every tile on screen,
 * apart, in type no smaller than the report's. Screenshots of both widths are kept in a temp dir
 * whose path the test prints.
 */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTarget } from '../../dist/target/server.js';
import { startWsload, type RunningCli } from '../helpers/cli.js';
import {
  DESKTOP,
  PHONE,
  expectApart,
  expectReadableChart,
  launchChromium,
  layoutOf,
  pageAt,
  screenshot,
  type Box,
} from '../helpers/chromium-pages.js';
import { missing } from '../helpers/real-parts.js';
import { closeAfterEach } from '../helpers/run-helpers.js';

const skip = missing('chromium');
const track = closeAfterEach();
// Kept after the test on purpose: the lead looks at the screenshots.
const dir = mkdtempSync(join(tmpdir(), 'wsload-dashboard-shots-'));
let browser: Browser | null = null;
const procs: RunningCli[] = [];

beforeAll(async () => {
  if (!skip) browser = await launchChromium();
});
afterAll(async () => {
  for (const p of procs) p.kill('SIGKILL');
  await browser?.close();
});

/** The live numbers as drawn: each tile's value box and its rendered font size. */
function tilesOf(page: Page): Promise<{ key: string; box: Box; fontPx: number; text: string }[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('.tile')].map((el) => {
      const v = el.querySelector('.v') as HTMLElement;
      const r = el.getBoundingClientRect();
      return {
        key: el.querySelector('.k')?.textContent ?? '',
        box: { left: r.left, right: r.right, top: r.top, bottom: r.bottom },
        fontPx: parseFloat(getComputedStyle(v).fontSize),
        text: v.textContent ?? '',
      };
    }),
  );
}

async function waitFor<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, limitMs: number): Promise<T> {
  const until = Date.now() + limitMs;
  let last = await read();
  while (!ok(last)) {
    if (Date.now() > until) throw new Error(`${what}: not within ${limitMs} ms; last seen ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    last = await read();
  }
  return last;
}

const progress = (page: Page): Promise<{ points: number; drops: number; reconnectBars: number; listed: number; state: string }> =>
  page.evaluate(() => {
    const chart = (title: string): Element | undefined =>
      [...document.querySelectorAll('#charts svg.chart')].find((svg) => svg.querySelector('title')?.textContent === title);
    const open = chart('Open sockets');
    return {
      points: open?.querySelectorAll('circle').length ?? 0,
      drops: open?.querySelectorAll('rect.drop-event').length ?? 0,
      // A bar's hover box: an interval with reconnects in it has been drawn.
      reconnectBars: chart('Reconnects per interval')?.querySelectorAll('rect.hover').length ?? 0,
      listed: document.querySelectorAll('#drops table tr').length - 1,
      state: document.querySelector('#status')?.textContent?.slice(0, 300) ?? '',
    };
  });

describe.skipIf(skip)('the live dashboard at 390 and 1440 px in headless Chromium', () => {
  it('no sideways page, charts visible and readable, the live numbers on screen and readable, at both widths', async () => {
    const target = track(await startTarget());
    const scenarioFile = join(dir, 'live.json');
    writeFileSync(
      scenarioFile,
      JSON.stringify({
        name: 'live-layout',
        target: { url: target.wsUrl },
        connections: 40,
        connectRate: 1000,
        duration: '45s',
        workers: 1,
        reconnect: { policy: 'backoff', min: '200ms', max: '1s' },
        publish: { rate: 10, deadline: '1s' },
        report: { interval: '1s' },
        observe: [{ name: 'target', url: `${target.httpUrl}/metrics`, series: ['wsload_target_open_sockets'] }],
        thresholds: { 'fanout.p99': '< 5s', 'connections.failed': '== 0' },
      }),
    );
    const run = startWsload(['run', scenarioFile, '--dashboard', '127.0.0.1:0', '--out', join(dir, 'live.json.report')], {
      timeoutMs: 90_000,
    });
    procs.push(run);
    expect(await run.waitForStderr(/dashboard at http:\/\/127\.0\.0\.1:\d+\//, 60_000), run.stderr()).toBe(true);
    const url = /dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(run.stderr())?.[1] ?? '';

    const pages = await Promise.all([PHONE, DESKTOP].map(async (width) => ({ width, ...(await pageAt(browser as Browser, width)) })));
    for (const p of pages) await p.page.goto(url, { waitUntil: 'load', timeout: 20_000 });
    // The CLI takes seconds to start on a busy machine: the drop waits for the sockets at the target.
    await waitFor(
      'every socket open at the target',
      () => Promise.resolve(target.clients()),
      (n) => n === 40,
      60_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${run.stderr()}`);
    });
    const dropped = await (await fetch(`${target.httpUrl}/admin/drop?mode=close&count=20`)).text();
    expect(Number(dropped), run.stderr()).toBe(20);
    // The drop is listed (and marked on the charts) once the detector has seen it end and recover,
    // on its own clock; the interval holding the reconnects is drawn once its publishes are judged
    // (publish.deadline later), on another. Neither comes first for sure: wait for both.
    for (const p of pages)
      await waitFor(
        `the drop and its reconnects on the charts at ${p.width} px`,
        () => progress(p.page),
        (f) => f.listed === 1 && f.drops === 1 && f.reconnectBars > 0,
        30_000,
      );

    for (const { width, page, errors } of pages) {
      const layout = await layoutOf(page, '#charts');
      expect(layout.scrollWidth, `the page scrolls sideways at ${width} px`).toBeLessThanOrEqual(width);
      const titles = layout.charts.map((c) => c.title);
      for (const want of ['Fan-out latency per interval', 'Open sockets', 'Deliveries per second', 'target: wsload_target_open_sockets'])
        expect(titles, want).toContain(want);
      for (const c of layout.charts) expectReadableChart(c, width, 8);
      const tiles = await tilesOf(page);
      expect(tiles.map((x) => x.key)).toEqual([
        'phase',
        'sockets open',
        'deliveries per second',
        'fan-out p99 so far',
        'lost so far',
        'reconnects',
      ]);
      for (const x of tiles) {
        expect(x.box.left, `tile ${x.key} off the left at ${width} px`).toBeGreaterThanOrEqual(0);
        expect(x.box.right, `tile ${x.key} off the right at ${width} px`).toBeLessThanOrEqual(width + 0.5);
        expect(x.fontPx, `tile ${x.key}: its number too small at ${width} px`).toBeGreaterThanOrEqual(16);
        expect(x.text, `tile ${x.key} empty`).not.toBe('');
      }
      expectApart(
        tiles.map((x) => x.box),
        `tiles at ${width} px`,
      );
      // The thresholds so far: the result column on screen.
      const result = await page.evaluate(() => {
        const th = [...document.querySelectorAll('#status th')].find((h) => h.textContent === 'result');
        const r = th?.getBoundingClientRect();
        const scroller = th?.closest('.scroll') as HTMLElement | null | undefined;
        return { found: th !== undefined, right: r?.right ?? 0, scrolls: scroller ? scroller.scrollWidth > scroller.clientWidth : false };
      });
      expect(result.found).toBe(true);
      if (result.right > width)
        expect(result.scrolls, `the result column off screen at ${width} px in a box that does not scroll`).toBe(true);
      const shot = await screenshot(page, dir, `dashboard.${width}.png`);
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      expect(errors.filter((e) => !/EventSource|ERR_CONNECTION_REFUSED/.test(e))).toEqual([]);
    }
    for (const p of pages) await p.page.close();
    // Seen what was needed: end the run early (an interrupted run still writes its report).
    run.kill('SIGINT');
    await run.exited;
  }, 300_000);
});
