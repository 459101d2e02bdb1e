/**
 * `wsload serve --processes N`: one port, sockets spread over N processes, every publish and drop
 * reaching all of them, no process outliving the primary.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { TargetStats } from '../../src/target/types.js';
import { startWsload, WSLOAD_BIN, type RunningCli } from '../helpers/cli.js';
import { openClient, type RecordingClient } from '../helpers/servers.js';
import { alive, until } from '../helpers/processes.js';

const LINE = /^wsload target listening on http:\/\/127\.0\.0\.1:(\d+) \(WebSocket ws:\/\/127\.0\.0\.1:\d+\/ws\)$/m;
const PIDS = /^ {2}(\d+) processes \(pids ([\d, ]+)\)/m;

let running: RunningCli | undefined;
let clients: RecordingClient[] = [];
const watched: number[] = [];

afterEach(() => {
  for (const c of clients) c.ws.terminate();
  clients = [];
  running?.kill('SIGKILL');
  running = undefined;
  // A test that failed half-way must not leave workers behind for the next one.
  for (const pid of watched.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

async function serve(args: string[]): Promise<{ cli: RunningCli; http: string; ws: string; pids: number[] }> {
  const cli = startWsload(['serve', '--port', '0', ...args], { timeoutMs: 60_000 });
  running = cli;
  expect(await until(() => PIDS.test(cli.stdout()) || cli.stderr() !== '', 15_000)).toBe(true);
  const port = Number(LINE.exec(cli.stdout())?.[1]);
  const m = PIDS.exec(cli.stdout());
  const pids = (m?.[2] ?? '').split(', ').map(Number);
  watched.push(...pids);
  return { cli, http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/ws`, pids };
}

async function stats(http: string): Promise<TargetStats> {
  const res = await fetch(`${http}/admin/stats`);
  expect(res.headers.get('content-type')).toContain('application/json');
  return (await res.json()) as TargetStats;
}

async function connect(url: string, n: number): Promise<RecordingClient[]> {
  const opened: RecordingClient[] = [];
  // In batches: 300 handshakes at once would only measure the loopback backlog.
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => openClient(url)));
    opened.push(...batch);
  }
  clients.push(...opened);
  return opened;
}

describe('wsload serve --processes', () => {
  it('spreads 300 sockets over 3 processes and pushes every publish to every socket exactly once', async () => {
    const s = await serve(['--processes', '3']);
    expect(s.pids).toHaveLength(3);
    expect(new Set(s.pids).size).toBe(3);
    expect(s.pids).not.toContain(s.cli.pid);
    const cs = await connect(s.ws, 300);
    expect(await until(async () => (await stats(s.http)).open === 300, 5000)).toBe(true);

    const before = await stats(s.http);
    expect(before.processes).toBe(3);
    expect(before.perProcess.map((p) => p.pid)).toEqual(s.pids);
    expect(before.perProcess.filter((p) => p.open > 0).length).toBeGreaterThan(1);
    expect(before.perProcess.reduce((a, p) => a + p.open, 0)).toBe(300);

    for (let i = 1; i <= 3; i++) {
      const res = await fetch(`${s.http}/api?id=${i}&value=v${i}`);
      expect(res.status).toBe(200);
      // The answer comes once every process has pushed: it counts all 300 sockets.
      expect(await res.text()).toBe('sent to 300 sockets\n');
    }
    const expected = [1, 2, 3].map((i) => `{"id":"${i}","value":"v${i}"}`);
    for (const c of cs) expect(await c.waitForMessages(3)).toEqual(expected);
    await new Promise((r) => setTimeout(r, 200));
    for (const c of cs) expect(c.messages).toHaveLength(3); // no duplicates arrived late

    const after = await stats(s.http);
    expect(after.publishes).toBe(3);
    for (const p of after.perProcess) expect(p.delivered).toBe(3 * p.open);
  });

  it('spreads /admin/drop over the processes in proportion to their sockets', async () => {
    const s = await serve(['--processes', '3']);
    const cs = await connect(s.ws, 90);
    expect(await until(async () => (await stats(s.http)).open === 90, 5000)).toBe(true);
    const before = (await stats(s.http)).perProcess.map((p) => p.open);
    const res = await fetch(`${s.http}/admin/drop?mode=close&count=30`);
    expect(await res.text()).toBe('30\n');
    const after = (await stats(s.http)).perProcess.map((p) => p.open);
    const ended = before.map((b, i) => b - after[i]);
    expect(ended.reduce((a, b) => a + b, 0)).toBe(30);
    for (let i = 0; i < 3; i++) expect(Math.abs(ended[i] - before[i] / 3)).toBeLessThanOrEqual(1);
    const codes: number[] = [];
    for (const c of cs) void c.closed.then((c2) => codes.push(c2.code));
    expect(await until(() => codes.length >= 30, 5000)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(codes).toEqual(Array.from({ length: 30 }, () => 1001));
    expect(await (await fetch(`${s.http}/admin/drop?mode=destroy&share=1`)).text()).toBe('60\n');
  });

  it('holds more sockets than one process may open: 500 sockets under an open-file limit of 300', async () => {
    const args = ['--nofile=300:300', process.execPath, WSLOAD_BIN, 'serve', '--port', '0', '--processes', '3'];
    const child = spawn('prlimit', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    try {
      expect(await until(() => /drop sockets/.test(stdout), 15_000)).toBe(true);
      watched.push(
        ...(PIDS.exec(stdout)?.[2] ?? '')
          .split(', ')
          .filter((p) => p !== '')
          .map(Number),
      );
      const port = Number(LINE.exec(stdout)?.[1]);
      const cs = await connect(`ws://127.0.0.1:${port}/ws`, 500);
      expect(await until(async () => (await stats(`http://127.0.0.1:${port}`)).open === 500, 5000)).toBe(true);
      expect(await (await fetch(`http://127.0.0.1:${port}/api?id=1&value=x`)).text()).toBe('sent to 500 sockets\n');
      for (const c of cs) expect(await c.waitForMessages(1)).toEqual(['{"id":"1","value":"x"}']);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('leaves no worker alive when the primary is SIGKILLed', async () => {
    const s = await serve(['--processes', '3']);
    await connect(s.ws, 30);
    for (const pid of s.pids) expect(alive(pid)).toBe(true);
    process.kill(s.cli.pid, 'SIGKILL');
    expect(await until(() => s.pids.every((pid) => !alive(pid)), 5000)).toBe(true);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('stops every process on %s and says how many sockets it closed', async (sig) => {
    const s = await serve(['--processes', '2']);
    await connect(s.ws, 20);
    expect(await until(async () => (await stats(s.http)).open === 20, 5000)).toBe(true);
    s.cli.kill(sig);
    const exit = await s.cli.exited;
    expect(exit.code).toBe(0);
    expect(exit.stderr).toBe('');
    expect(exit.stdout).toContain(`wsload target stopped (${sig}, closed 20 sockets)`);
    for (const pid of s.pids) expect(alive(pid)).toBe(false);
  });

  it('stops the others and exits 1 with a one-line reason when a worker dies', async () => {
    const s = await serve(['--processes', '2']);
    process.kill(s.pids[1], 'SIGKILL');
    const exit = await s.cli.exited;
    expect(exit.code).toBe(1);
    expect(exit.stderr).toBe(
      `wsload: serve: target process 2 of 2 (pid ${s.pids[1]}) exited (signal SIGKILL); stopping the other target processes\n`,
    );
    expect(alive(s.pids[0])).toBe(false);
  });

  it('rejects a bad --processes, a port in use, and --connections beyond what the processes can hold', async () => {
    const bad = startWsload(['serve', '--port', '0', '--processes', '0']);
    const exit = await bad.exited;
    expect(exit.code).toBe(2);
    expect(exit.stderr).toBe('wsload: --processes: expected an integer from 1 to 64 or auto, got "0"\n');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const inUse = await startWsload(['serve', '--port', String(port), '--processes', '3']).exited;
      expect(inUse.code).toBe(2);
      expect(inUse.stderr).toBe(
        `wsload: serve: cannot listen on 127.0.0.1:${port}: address already in use (choose another --port or --host)\n`,
      );
    } finally {
      await new Promise((r) => blocker.close(r));
    }
    const tooMany = await startWsload(['serve', '--port', '0', '--processes', '1', '--connections', '1000000']).exited;
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toMatch(
      /^wsload: --connections: 1000000 sockets need \d+ target processes under the open-file limit \d+ \(\d+ sockets each\); use --processes \d+ or --processes auto\n$/,
    );
  });
});
