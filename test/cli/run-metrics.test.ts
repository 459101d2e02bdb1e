/**
 * `wsload run --metrics HOST:PORT` as a user types it: the URL announced, a bad address or a port in
 * use refused with exit 2 and one line naming the flag (or the JSON path) before any socket opens,
 * and SIGINT mid-run still leaving nothing listening.
 */
import { request } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listenTarget } from '../../src/target/listen-target.js';
import { startWsload, wsload } from '../helpers/cli.js';
import { closeAfterEach } from '../helpers/run-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'wsload-run-metrics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const track = closeAfterEach();

function scenarioFile(name: string, body: Record<string, unknown>): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, connections: 5, duration: '2s', workers: 1, ...body }));
  return file;
}

async function occupiedPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('wsload run --metrics', () => {
  it('a port in use: exit 2, one line naming --metrics, before any socket is opened', async () => {
    let accepted = 0;
    const counting = track(await listenTarget({ hooks: { connection: () => accepted++ } }));
    const busy = track(await occupiedPort());
    const file = scenarioFile('busy', { target: { url: counting.wsUrl } });
    const r = await wsload(['run', file, '--metrics', `127.0.0.1:${busy.port}`, '--out', join(dir, 'busy-report.json')], {
      timeoutMs: 30_000,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`wsload: --metrics 127.0.0.1:${busy.port}: cannot serve metrics: the port is already in use (EADDRINUSE)\n`);
    expect(accepted).toBe(0);
  }, 40_000);

  it('the same from the scenario names metrics.listen', async () => {
    const busy = track(await occupiedPort());
    const file = scenarioFile('busy-key', { metrics: { listen: `127.0.0.1:${busy.port}` } });
    const r = await wsload(['run', file, '--out', join(dir, 'busy-key-report.json')], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`wsload: metrics.listen 127.0.0.1:${busy.port}: cannot serve metrics: the port is already in use (EADDRINUSE)\n`);
  }, 40_000);

  it('a bad address: exit 2, one line naming the flag or the JSON path', async () => {
    const file = scenarioFile('bad', {});
    const expected = 'expected HOST:PORT like "127.0.0.1:9464", "[::1]:9464" or "0.0.0.0:9464" (port 0: any free port)';
    for (const bad of ['9464', '127.0.0.1:70000', 'a b:1', '::1:9464']) {
      const r = await wsload(['run', file, '--metrics', bad], { timeoutMs: 30_000 });
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toBe(`wsload: ${file}: --metrics: ${expected}, got ${JSON.stringify(bad)}\n`);
    }
    const keyed = scenarioFile('bad-key', { metrics: { listen: 'localhost' } });
    const r = await wsload(['validate', keyed], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`wsload: ${keyed}: metrics.listen: ${expected}, got "localhost"\n`);
  }, 60_000);

  it('announces the URL, serves during the run, and nothing listens after SIGINT', async () => {
    const file = scenarioFile('sigint', { duration: '60s' });
    const cli = startWsload(['run', file, '--metrics', '127.0.0.1:0', '--out', join(dir, 'sigint-report.json')], { timeoutMs: 40_000 });
    expect(await cli.waitForStderr(/\[\d+\.\d+s\] hold/, 20_000)).toBe(true);
    const url = /wsload: metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)\n/.exec(cli.stderr())?.[1] ?? '';
    expect(url).not.toBe('');
    expect(await status(url)).toBe(200);
    cli.kill('SIGINT');
    const exit = await cli.exited;
    // Interrupted runs exit 130 with their report written.
    expect(exit.code).toBe(130);
    await expect(status(url)).rejects.toThrow(/ECONNREFUSED/);
  }, 60_000);
});
