import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { TargetError } from '../../src/errors.js';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { openClient, type RecordingClient } from '../helpers/servers.js';

let target: RunningTarget | undefined;
let clients: RecordingClient[] = [];

afterEach(async () => {
  for (const c of clients) c.ws.terminate();
  clients = [];
  await target?.close();
  target = undefined;
});

async function started(): Promise<RunningTarget> {
  target = await startTarget();
  return target;
}

async function connect(t: RunningTarget, n: number): Promise<RecordingClient[]> {
  const opened = await Promise.all(Array.from({ length: n }, () => openClient(t.wsUrl)));
  clients.push(...opened);
  // The server registers a socket a moment after the client sees 'open'.
  for (let i = 0; i < 100 && t.clients() < n; i++) await new Promise((r) => setTimeout(r, 10));
  return opened;
}

async function get(url: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

describe('demo target', () => {
  it('listens on 127.0.0.1 and a free port by default, with matching URLs', async () => {
    const t = await started();
    expect(t.host).toBe('127.0.0.1');
    expect(t.port).toBeGreaterThan(0);
    expect(t.wsUrl).toBe(`ws://127.0.0.1:${t.port}/ws`);
    expect(t.httpUrl).toBe(`http://127.0.0.1:${t.port}`);
  });

  it('pushes exactly {"id":"8","value":"300"} as a text frame to every open socket', async () => {
    const t = await started();
    const cs = await connect(t, 3);
    expect(t.clients()).toBe(3);
    const res = await get(`${t.httpUrl}/api?id=8&value=300`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('sent to 3 sockets');
    for (const c of cs) {
      expect(await c.waitForMessages(1)).toEqual(['{"id":"8","value":"300"}']);
      expect(c.binaryMessages).toBe(0);
    }
  });

  it('keeps publishes in order and treats id and value as opaque URL-decoded strings', async () => {
    const t = await started();
    const [c] = await connect(t, 1);
    await get(`${t.httpUrl}/api?id=5&value=600`);
    await get(`${t.httpUrl}/api?id=a%20b&value=%22quoted%22%26more`);
    expect(await c.waitForMessages(2)).toEqual(['{"id":"5","value":"600"}', '{"id":"a b","value":"\\"quoted\\"&more"}']);
  });

  it("delivers long values intact, interleaved with pongs to the client's pings", async () => {
    const t = await started();
    const [c] = await connect(t, 1);
    let pongs = 0;
    c.ws.on('pong', () => pongs++);
    const long = 'v'.repeat(5000);
    for (let i = 0; i < 20; i++) {
      c.ws.ping();
      c.ws.send('heartbeat');
      expect((await get(`${t.httpUrl}/api?id=${i}&value=${i % 2 ? long : i}`)).status).toBe(200);
    }
    const got = await c.waitForMessages(20);
    expect(got.map((m) => JSON.parse(m) as { id: string; value: string })).toEqual(
      Array.from({ length: 20 }, (_, i) => ({ id: String(i), value: i % 2 ? long : String(i) })),
    );
    for (let i = 0; i < 50 && pongs < 20; i++) await new Promise((r) => setTimeout(r, 10));
    expect(pongs).toBe(20);
  });

  it('answers 400 with a short text when id or value is missing, and pushes nothing', async () => {
    const t = await started();
    const [c] = await connect(t, 1);
    const noValue = await get(`${t.httpUrl}/api?id=8`);
    expect(noValue).toMatchObject({ status: 400, body: 'missing value (try /api?id=8&value=300)\n' });
    expect(noValue.type).toContain('text/plain');
    expect((await get(`${t.httpUrl}/api?value=300`)).status).toBe(400);
    expect((await get(`${t.httpUrl}/api`)).status).toBe(400);
    await get(`${t.httpUrl}/api?id=1&value=2`);
    expect(await c.waitForMessages(1)).toEqual(['{"id":"1","value":"2"}']);
  });

  it('answers 404 on other paths, for HTTP and for WebSocket upgrades', async () => {
    const t = await started();
    expect((await get(`${t.httpUrl}/nope`)).status).toBe(404);
    expect((await get(`${t.httpUrl}/api/extra?id=1&value=2`)).status).toBe(404);
    await expect(openClient(`ws://127.0.0.1:${t.port}/other`)).rejects.toThrow(/404/);
  });

  it('serves a self-contained page with the id/value table and a /ws socket script', async () => {
    const t = await started();
    const page = await get(`${t.httpUrl}/`);
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    expect(page.body).toMatch(/<table[^>]*>/);
    expect(page.body).toMatch(/<th>id<\/th><th>value<\/th>/);
    expect(page.body).toContain('new WebSocket(');
    expect(page.body).toContain("'/ws'");
    // No external fetches: nothing loaded from elsewhere.
    expect(page.body).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(page.body).not.toMatch(/@import|url\(/);
  });

  it('/admin/stats answers JSON counts of its one process', async () => {
    const t = await started();
    await connect(t, 2);
    await get(`${t.httpUrl}/api?id=1&value=1`);
    const res = await fetch(`${t.httpUrl}/admin/stats`);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({
      processes: 1,
      open: 2,
      accepted: 2,
      publishes: 1,
      perProcess: [{ index: 0, pid: process.pid, open: 2, accepted: 2, delivered: 2 }],
    });
    expect((await get(`${t.httpUrl}/admin/stats?x=1`)).status).toBe(200);
    expect((await fetch(`${t.httpUrl}/admin/stats`, { method: 'POST' })).status).toBe(405);
  });

  it('/admin/drop?mode=close sends close 1001 "going away" to that many sockets, oldest first', async () => {
    const t = await started();
    const cs = await connect(t, 3);
    const res = await get(`${t.httpUrl}/admin/drop?mode=close&count=2`);
    expect(res).toMatchObject({ status: 200, body: '2\n' });
    expect(await cs[0].closed).toEqual({ code: 1001, reason: 'going away' });
    expect(await cs[1].closed).toEqual({ code: 1001, reason: 'going away' });
    expect(cs[2].ws.readyState).toBe(WebSocket.OPEN);
    expect(t.clients()).toBe(1);
    await get(`${t.httpUrl}/api?id=1&value=1`);
    expect(await cs[2].waitForMessages(1)).toEqual(['{"id":"1","value":"1"}']);
  });

  it('/admin/drop?mode=destroy ends connections with no close frame (clients see 1006)', async () => {
    const t = await started();
    const cs = await connect(t, 2);
    expect(await get(`${t.httpUrl}/admin/drop?mode=destroy&share=1`)).toMatchObject({ status: 200, body: '2\n' });
    for (const c of cs) expect((await c.closed).code).toBe(1006);
  });

  it('/admin/drop?mode=reset resets connections (1006) and counts only open sockets', async () => {
    const t = await started();
    const cs = await connect(t, 2);
    expect((await get(`${t.httpUrl}/admin/drop?mode=reset&count=5`)).body).toBe('2\n');
    for (const c of cs) expect((await c.closed).code).toBe(1006);
    expect((await get(`${t.httpUrl}/admin/drop?mode=close&count=5`)).body).toBe('0\n');
  });

  it('/admin/drop rejects a bad query with 400', async () => {
    const t = await started();
    const res = await get(`${t.httpUrl}/admin/drop?mode=explode&count=1`);
    expect(res.status).toBe(400);
    expect(res.body).toContain('mode must be close, destroy or reset');
  });

  it('close() ends every socket and stops listening', async () => {
    const t = await started();
    const cs = await connect(t, 2);
    await t.close();
    for (const c of cs) expect((await c.closed).code).toBe(1006);
    await expect(fetch(`${t.httpUrl}/`)).rejects.toThrow();
    await t.close(); // idempotent
  });

  it('throws TargetError naming the address when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const err = await startTarget({ port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TargetError);
      expect((err as TargetError).message).toBe(`cannot listen on 127.0.0.1:${port}: address already in use`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});
