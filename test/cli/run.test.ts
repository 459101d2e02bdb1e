import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startFailingPublishTarget, startRejectingTarget, startSilentTarget } from '../helpers/servers.js';
import { closeAfterEach, tempDir } from '../helpers/run-helpers.js';
import { wsload } from '../helpers/cli.js';
import type { Report } from '../../dist/run/report.js';
import { expectDeliveredExactly, expectExactBooks } from '../helpers/books.js';

function writeScenario(dir: string, scenario: Record<string, unknown>): string {
  const file = join(dir, 'scenario.json');
  writeFileSync(file, JSON.stringify({ name: 'cli-test', workers: 2, ...scenario }));
  return file;
}

async function freePortNobodyListensOn(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const track = closeAfterEach();

describe('wsload run (CLI)', () => {
  it('rejects an invalid scenario with exit 2, the JSON path, and no stack trace', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, { connections: 0, duration: '5 minutes', publish: { rat: 5 } });
    const r = await wsload(['run', file, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('connections');
    expect(r.stderr).toContain('duration');
    expect(r.stderr).toContain('publish.rat');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects a bad flag value with exit 2 naming the flag', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, { connections: 10, duration: '1s' });
    const r = await wsload(['run', file, '--connections', 'many', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--connections');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('classifies an unreachable target as refused, exits 5 (no socket connected) and still writes the report', async () => {
    const dir = tempDir();
    const port = await freePortNobodyListensOn();
    const file = writeScenario(dir, {
      target: { url: `ws://127.0.0.1:${port}/ws` },
      connections: 40,
      connectRate: 400,
      duration: '1s',
      publish: { rate: 5 },
    });
    const out = join(dir, 'report.json');
    const r = await wsload(['run', file, '--out', out, '--quiet']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^wsload: no socket connected to ws:\/\/127\.0\.0\.1:\d+\/ws after 40 attempts: 40 connection refused/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(report.connections.failures).toEqual({ refused: 40 });
    expect(report.connections.opened).toBe(0);
    expectExactBooks(report);
  });

  it('classifies a 503 on the upgrade as http-503, exits 5 (no socket connected) and writes the report', async () => {
    const target = track(await startRejectingTarget(503));
    const dir = tempDir();
    const file = writeScenario(dir, { target: { url: target.wsUrl }, connections: 30, connectRate: 300, duration: '1s' });
    const out = join(dir, 'report.json');
    const r = await wsload(['run', file, '--out', out, '--quiet']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('after 30 attempts: 30 HTTP 503 on upgrade');
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(report.connections.failures).toEqual({ 'http-503': 30 });
  });

  it('classifies handshakes that never complete as timeouts', async () => {
    const target = track(await startSilentTarget());
    const dir = tempDir();
    const file = writeScenario(dir, {
      target: { url: target.wsUrl },
      connections: 10,
      connectRate: 100,
      handshakeTimeout: '500ms',
      duration: '1s',
    });
    const out = join(dir, 'report.json');
    const r = await wsload(['run', file, '--out', out, '--quiet']);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe(`wsload: no socket connected to ${target.wsUrl} after 10 attempts: 10 handshake timed out\n`);
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(report.connections.failures).toEqual({ timeout: 10 });
  });

  it('counts publishes answered with 500 as failed publishes, not as lost deliveries', async () => {
    const target = track(await startFailingPublishTarget(500));
    const dir = tempDir();
    const file = writeScenario(dir, {
      target: { url: target.wsUrl },
      connections: 20,
      connectRate: 400,
      duration: '1500ms',
      publish: { rate: 4, deadline: '1s' },
    });
    const out = join(dir, 'report.json');
    const r = await wsload(['run', file, '--out', out, '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/publishes to http:\/\/127\.0\.0\.1:\d+\/api\?id=\{id\}&value=\{value\} failed: \d+ × HTTP 500/);
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(report.publish.sent).toBeGreaterThanOrEqual(4);
    expect(report.publish.failed).toBe(report.publish.sent);
    expect(report.publish.failures).toEqual({ 'http-500': report.publish.sent });
    expect(report.fanout.lost).toBe(0);
    expect(report.fanout.expected).toBe(0);
    expectExactBooks(report);
  });

  it('runs the shipped fanout scenario shape on the embedded target and exits 0 with a summary', async () => {
    const dir = tempDir();
    const file = writeScenario(dir, { target: 'embedded', connections: 200, connectRate: 1000, duration: '2s', publish: { rate: 5 } });
    const out = join(dir, 'report.json');
    const r = await wsload(['run', file, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/200 sockets \/ 2 workers, ramp 1000\/s/);
    expect(r.stdout).toContain('Fan-out');
    expect(r.stderr).toContain('wsload: ok');
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expectDeliveredExactly(report, 200);
    expect(report.target.embedded).toBe(true);
    expect(existsSync(join(dir, 'report.ndjson'))).toBe(true);
    expect(existsSync(join(dir, 'report.hlog'))).toBe(true);
  });
});
