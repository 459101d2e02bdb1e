/**
 * `wsload run --dashboard` read by a real browser during a real run: headless Chromium opens the
 * page while the built CLI runs against the built-in target, sees the figures and charts change
 * from one interval to the next, sees a drop event the test injects (`/admin/drop`) turn the
 * verdict so far to failing (a `disconnects.total == 0` threshold fails for good), and at the end
 * opens the final HTML report from the page (kept in the page: the process has exited by then),
 * which says what the report file says. The page makes no request but to the dashboard itself.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWsload, type RunningCli } from '../helpers/cli.js';
import { missing, partPath } from '../helpers/real-parts.js';
import { closeAfterEach, tempDir } from '../helpers/run-helpers.js';
import { startTarget } from '../../src/target/server.js';
import type { Report } from '../../src/run/report.js';
import { CHROMIUM_ARGS } from '../helpers/chromium-pages.js';

const ARGS = CHROMIUM_ARGS;
const SOCKETS = 60;
const DROPPED = 20;

const skip = missing('chromium');
const track = closeAfterEach();
const dir = tempDir('wsload-dashboard-');
let browser: Browser | null = null;
const procs: RunningCli[] = [];

beforeAll(async () => {
  if (!skip) browser = await chromium.launch({ executablePath: partPath('chromium'), args: ARGS, timeout: 30_000 });
});
afterAll(async () => {
  for (const p of procs) p.kill('SIGKILL');
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Polls `read` on the page until `ok` holds for its value (bounded); returns that value. */
async function waitFor<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, limitMs: number): Promise<T> {
  const until = Date.now() + limitMs;
  let last: T = await read();
  while (!ok(last)) {
    if (Date.now() > until) throw new Error(`${what}: not within ${limitMs} ms; last seen ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await read();
  }
  return last;
}

/** What the page shows now: the figures a reader looks at. */
async function facts(page: Page): Promise<{
  conn: string;
  verdict: string | null;
  charts: number;
  points: number;
  phase: string;
  delivered: string;
  dropRows: number;
  thresholds: Record<string, string>;
}> {
  return page.evaluate(() => {
    const text = (sel: string): string => document.querySelector(sel)?.textContent ?? '';
    const thresholds: Record<string, string> = {};
    for (const row of document.querySelectorAll('#status table tr')) {
      const cells = [...row.querySelectorAll('td')].map((c) => c.textContent ?? '');
      if (cells.length === 4) thresholds[cells[0]] = `${cells[2]} ${cells[3]}`;
    }
    const visible = [...document.querySelectorAll('#charts svg.chart')].filter((svg) => svg.getBoundingClientRect().width > 0);
    return {
      conn: text('#conn'),
      verdict: document.querySelector('[data-live-verdict]')?.getAttribute('data-live-verdict') ?? null,
      charts: visible.length,
      // Points of the open-sockets line: one per interval so far.
      points: visible.find((svg) => svg.querySelector('title')?.textContent === 'Open sockets')?.querySelectorAll('circle').length ?? 0,
      phase: text('[data-tile="phase"]'),
      delivered: text('[data-tile="deliveries per second"]'),
      dropRows: document.querySelectorAll('#drops table tr').length - 1,
      thresholds,
    };
  });
}

describe.skipIf(skip)('wsload run --dashboard in headless Chromium', () => {
  it('shows the run live, interval by interval, a drop event as it happens, then offers the final report', async () => {
    const target = track(await startTarget());
    const scenarioFile = join(dir, 'live.json');
    writeFileSync(
      scenarioFile,
      JSON.stringify({
        name: 'live',
        target: { url: target.wsUrl },
        connections: SOCKETS,
        connectRate: 1000,
        duration: '14s',
        workers: 1,
        reconnect: { policy: 'backoff', min: '200ms', max: '1s' },
        // A timeline line is final a deadline after its interval: 1 s keeps the charts close behind.
        publish: { rate: 10, deadline: '1s' },
        report: { interval: '1s' },
        thresholds: { 'fanout.p99': '< 5s', 'connections.failed': '== 0', 'disconnects.total': '== 0', 'handshake.p99': '< 10s' },
      }),
    );
    const out = join(dir, 'live-report.json');
    const run = startWsload(['run', scenarioFile, '--dashboard', '127.0.0.1:0', '--out', out], { timeoutMs: 90_000 });
    procs.push(run);
    expect(await run.waitForStderr(/dashboard at http:\/\/127\.0\.0\.1:\d+\//, 20_000), run.stderr()).toBe(true);
    const url = /dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(run.stderr())?.[1] ?? '';

    const context = await (browser as Browser).newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url, { waitUntil: 'load', timeout: 20_000 });
    await waitFor(
      'the live connection',
      () => facts(page),
      (f) => f.conn.startsWith('live'),
      15_000,
    );

    // Values change between intervals: the charts gain a point per interval, the figures move.
    const first = await waitFor(
      'the first intervals drawn',
      () => facts(page),
      (f) => f.points >= 2 && f.phase === 'hold',
      40_000,
    );
    expect(first.charts).toBeGreaterThanOrEqual(4);
    expect(first.verdict).toBe('ok');
    expect(first.thresholds['connections.failed']).toBe('0 pass so far');
    expect(first.thresholds['disconnects.total']).toBe('0 pass so far');
    expect(first.thresholds['handshake.p99']).toBe('– known at the end');
    expect(first.thresholds['fanout.p99']).toMatch(/\d m?s pass so far$/);
    const later = await waitFor(
      'a later interval drawn',
      () => facts(page),
      (f) => f.points >= first.points + 1,
      15_000,
    );
    expect(later.delivered).not.toBe('');
    expect(later.phase, 'the drop below needs the hold').toBe('hold');

    // A mass drop: a drop event on the page once the sockets are back, the verdict failing for good.
    const dropped = await (await fetch(`${target.httpUrl}/admin/drop?mode=close&count=${DROPPED}`)).text();
    expect(Number(dropped), `open at the target ${target.clients()}; ${JSON.stringify(later)}; ${run.stderr()}`).toBe(DROPPED);
    const afterDrop = await waitFor(
      'the drop event and the failing verdict',
      () => facts(page),
      (f) => f.dropRows === 1 && f.verdict === 'failing',
      20_000,
    );
    expect(afterDrop.thresholds['disconnects.total']).toBe(`${DROPPED} FAILED`);

    // The end: the final report's banner, and its links (a blob kept in the page).
    await page.waitForSelector('#final a#report-open[href^="blob:"]', { timeout: 60_000 });
    const exit = await run.exited;
    expect(exit.code, exit.stderr).toBe(3);
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(await page.getAttribute('#final .verdict', 'data-exit-code')).toBe('3');
    expect(await page.textContent('#conn')).toContain('run finished');
    expect(await page.getAttribute('#report-save', 'download')).toBe('live-report.html');

    // The process is gone; the link still opens the report, and it says what the file says.
    const [opened] = await Promise.all([context.waitForEvent('page'), page.click('#report-open')]);
    await opened.waitForLoadState('load');
    expect(await opened.textContent('.verdict .head')).toMatch(/^THRESHOLDS FAILED/);
    const tileDelivered = await opened.evaluate(
      () =>
        [...document.querySelectorAll('.tile')].find((el) => el.querySelector('.k')?.textContent === 'delivered')?.querySelector('.v')
          ?.textContent ?? '',
    );
    expect(tileDelivered.replace(/,/g, '')).toBe(String(report.fanout.delivered));
    expect(await opened.$$eval('svg.chart', (svgs) => svgs.length)).toBeGreaterThan(4);
    const saved = await Promise.all([page.waitForEvent('download'), page.click('#report-save')]);
    const savedPath = join(dir, 'saved.html');
    await saved[0].saveAs(savedPath);
    expect(readFileSync(savedPath, 'utf8')).toContain('wsload report — live');

    // Offline: nothing but the dashboard (and the report kept in the page) was ever asked for.
    expect(requests.filter((r) => !r.startsWith(url) && !r.startsWith('blob:'))).toEqual([]);
    expect(errors.filter((e) => !/EventSource|ERR_CONNECTION_REFUSED/.test(e))).toEqual([]);
    expect(report.disconnects.total).toBeGreaterThanOrEqual(DROPPED);
    expect(report.disconnects.events).toHaveLength(1);
    await context.close();
  }, 150_000);
});
