/**
 * A publish endpoint that sends its headers and then drips its body forever must not keep a run
 * alive past its duration: the stop of the publisher is bounded, and nothing left holding the
 * event loop keeps wsload from exiting once the report is written.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, startWsload } from '../helpers/cli.js';
import { startPublishTarget } from '../helpers/servers.js';
import { closeAfterEach } from '../helpers/run-helpers.js';
import { readReport } from '../../src/report/read.js';
import { expectExactBooks } from '../helpers/books.js';

let dir: string;
const track = closeAfterEach();

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'wsload-drip-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Answers 200 with headers at once, then one byte every 100 ms, never ending. */
async function startDrippingApi(): Promise<{ url: string; close(): Promise<void> }> {
  const open = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((_req, res) => {
    open.add(res);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.flushHeaders();
    const t = setInterval(() => res.write('.'), 100);
    timers.add(t);
    res.on('close', () => {
      clearInterval(t);
      timers.delete(t);
      open.delete(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/api?id={id}&value={seq}`,
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('wsload run against a publish endpoint that drips its body', () => {
  it('ends within a bound derived from the scenario, with its report and verdict', async () => {
    const target = track(await startPublishTarget());
    const api = track(await startDrippingApi());
    const scenario = join(dir, 'drip.scenario.json');
    writeFileSync(
      scenario,
      JSON.stringify({
        name: 'drip',
        target: { url: target.wsUrl },
        connections: 5,
        duration: '1s',
        workers: 1,
        publish: { rate: 5, url: api.url, timeout: '1s', deadline: '1s' },
      }),
    );
    const report = join(dir, 'drip.json');
    const startedAt = Date.now();
    const run = startWsload(['run', scenario, '--out', report, '--quiet'], { cwd: dir, timeoutMs: 60_000 });
    const r = await run.exited;
    // Start-up, 1 s hold, publish timeout 1 s + 2 s slack, 1 s drain, 3 s exit grace, and a loaded machine.
    expect(r.at - startedAt, r.stderr).toBeLessThan(20_000);
    expect(r.signal).toBeNull();
    expect(existsSync(report)).toBe(true);
    const written = await readReport(report);
    expect(written.publish.sent).toBeGreaterThan(0);
    // Every publish ran out its 1 s timeout: the run fails and says so; nothing owed, nothing lost.
    expect(written.publish.failures).toEqual({ timeout: written.publish.sent });
    expectExactBooks(written);
    expect(written.fanout.expected).toBe(0);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^wsload: FAILED: ${written.publish.sent} of ${written.publish.sent} publishes to \\S+ failed: ${written.publish.sent} × .*publish\\.timeout`,
        'm',
      ),
    );
  });
});
