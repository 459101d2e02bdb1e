/**
 * The live dashboard without a browser: run()'s `dashboard` option serves the page and its
 * server-sent events during a real run (status every tick, charts every interval, the final report
 * at the end), then closes; a bad or busy address is one clear error before any socket opens.
 * What a browser makes of it: dashboard-chromium.test.ts.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// The built package: its workers run from dist/.
import { run, UsageError } from '../../dist/api.js';
import { assertBuilt, wsload } from '../helpers/cli.js';
import { tempDir } from '../helpers/run-helpers.js';

/** Reads a server-sent event stream until an event named `until` arrived (bounded); the events in order. */
async function readEvents(url: string, until: string, limitMs: number): Promise<{ name: string; data: unknown }[]> {
  const res = await fetch(url);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = setTimeout(() => void reader.cancel(), limitMs);
  try {
    while (!text.includes(`event: ${until}\n`) || !text.slice(text.indexOf(`event: ${until}\n`)).includes('\n\n')) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    clearTimeout(deadline);
    await reader.cancel().catch(() => {});
  }
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event: '))
    .map((block) => {
      const [head, data] = block.split('\n');
      return { name: head.slice('event: '.length), data: JSON.parse(data.slice('data: '.length)) as unknown };
    });
}

describe('the dashboard option of run()', () => {
  it('serves the page and its events while the run goes, the final report at the end, then closes', async () => {
    assertBuilt();
    const handle = run(
      {
        name: 'dash-api',
        target: 'embedded',
        connections: 20,
        connectRate: 1000,
        duration: '4s',
        workers: 1,
        publish: { rate: 5, deadline: '1s' },
        report: { interval: '1s' },
        thresholds: { 'fanout.lost': '== 0' },
      },
      { dashboard: '127.0.0.1:0', tickMs: 250 },
    );
    const url = await new Promise<string>((resolve) => handle.once('dashboard', resolve));
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>wsload live — dash-api</title>');
    expect((await fetch(`${url}report.html`)).status).toBe(404);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);

    const events = await readEvents(`${url}events`, 'report', 60_000);
    const report = await handle;
    const names = events.map((e) => e.name);
    // The state at connect, then updates: several statuses (every tick), charts with svg once an interval is in.
    expect(names.filter((n) => n === 'status').length).toBeGreaterThan(3);
    expect(events.some((e) => e.name === 'charts' && String(e.data).includes('<svg '))).toBe(true);
    const statuses = events.filter((e) => e.name === 'status').map((e) => String(e.data));
    expect(new Set(statuses).size).toBeGreaterThan(2);
    const final = events.find((e) => e.name === 'report')?.data as { part: string; html: string };
    expect(final.part).toContain('data-exit-code="0"');
    expect(final.html).toContain('<title>wsload report — dash-api</title>');
    expect(final.html).toContain(`>${report.fanout.delivered.toLocaleString('en-US')}<`);
    // Closed with the run.
    await expect(fetch(url)).rejects.toThrow();
  }, 90_000);

  it('a malformed address rejects the run with one line naming the option', async () => {
    const err = await run({ name: 'x', connections: 1, duration: '1s' }, { dashboard: 'nowhere' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(
      'dashboard (option): expected HOST:PORT like "127.0.0.1:8089" (or a port, on 127.0.0.1), got "nowhere"',
    );
  });
});

describe('wsload run --dashboard', () => {
  it('a port in use is exit 2 and one line, before anything starts', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const dir = tempDir('wsload-dash-cli-');
    try {
      const out = join(dir, 'r.json');
      const r = await wsload(
        ['run', 'scenarios/fanout.json', '--dashboard', String(port), '--out', out, '--connections', '5', '--duration', '1s'],
        { timeoutMs: 30_000 },
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`wsload: --dashboard 127.0.0.1:${port}: cannot serve the dashboard: the port is already in use (EADDRINUSE)\n`);
      expect(existsSync(out)).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 40_000);
});
