import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { startServiceTarget, type ServiceTarget } from '../helpers/service-target.js';
import { closeAfterEach, runQuietly, scenarioFrom, tempDir } from '../helpers/run-helpers.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import { runExitCode, verdictLine } from '../../dist/report/verdict.js';

const track = closeAfterEach();

/**
 * wsload's publisher sends GET /api?id=…&value=…; the service target publishes by POST. This bridge
 * turns each GET into the service's own push to `topic`, flat ({"value": …}) so the default match reads it.
 */
async function startBridge(service: ServiceTarget, topic: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const value = new URL(req.url ?? '/', 'http://x').searchParams.get('value') ?? '';
    const n = service.push(topic, { value });
    res.end(`sent to ${n}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api?id={id}&value={value}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const flat = (data: Record<string, unknown>): string => JSON.stringify({ value: data.value });

/** An identities CSV of n users, user i with token "tok-i" and topic `topicOf(i)`, in a fresh directory. */
function identitiesCsv(n: number, topicOf: (i: number) => string = () => 'news'): string {
  const file = join(tempDir('wsload-ids-'), 'users.csv');
  const rows = Array.from({ length: n }, (_, i) => `u${i},tok-${i},${topicOf(i)}`);
  writeFileSync(file, ['user,token,topic', ...rows].join('\n'));
  return file;
}

const SUBSCRIBE = {
  send: { type: 'subscribe', topic: '{identity.topic}', user: '{identity.user}', conn: '{conn}' },
  ack: { pointer: '/type', equals: 'subscribed' },
  reject: { pointer: '/type', equals: 'error' },
  timeout: '2s',
};

describe('target.open and identities against a service that needs a token, a subscribe and its ack', () => {
  it('subscribes every socket with its own token and message, and counts every delivery', async () => {
    const N = 30;
    const service = track(
      await startServiceTarget({ tokens: Array.from({ length: N }, (_, i) => `tok-${i}`), pushText: flat, ackDelayMs: 30 }),
    );
    const bridge = track(await startBridge(service, 'news'));
    const report = await runQuietly(
      scenarioFrom({
        target: { url: `${service.wsUrl}?token={identity.token}`, open: [SUBSCRIBE] },
        identities: { file: identitiesCsv(N) },
        connections: N,
        connectRate: 300,
        duration: '2s',
        workers: 2,
        publish: { url: bridge.url, rate: 5, deadline: '2s' },
      }),
    );
    expect(report.connections.failed).toBe(0);
    expect(report.connections.opened).toBe(N);
    expect(service.subscribed()).toBe(N);
    // Each socket sent exactly its own filled-in subscribe, with its own token on the upgrade.
    const sent = service.received().map((msgs) => msgs.map((m) => JSON.parse(m) as Record<string, string>));
    expect(sent.every((msgs) => msgs.length === 1)).toBe(true);
    const byConn = new Map(sent.map((msgs, accept) => [Number(msgs[0].conn), { msg: msgs[0], token: service.tokensSeen()[accept] }]));
    for (let i = 0; i < N; i++) {
      expect(byConn.get(i)?.msg).toEqual({ type: 'subscribe', topic: 'news', user: `u${i}`, conn: String(i) });
      expect(byConn.get(i)?.token).toBe(`tok-${i}`);
    }
    // Every publish reached every socket and was counted: nothing lost, nothing unmatched (acks are consumed).
    expect(report.fanout.published).toBeGreaterThanOrEqual(5);
    expectDeliveredExactly(report, N);
    expect(report.fanout.unmatched).toBe(0);
    // The report keeps the identities' file, fields and count, never their values (tokens).
    expect(report.scenario.identities).toMatchObject({ fields: ['user', 'token', 'topic'], count: N, rows: [] });
  }, 30_000);

  it('identities from JSON lines go into headers, reused round robin when allowed', async () => {
    const N = 6;
    const service = track(await startServiceTarget({ tokens: ['a', 'b', 'c'], requireSubscribe: false }));
    const f = join(tempDir('wsload-ids-'), 'users.jsonl');
    writeFileSync(f, '{"token":"a"}\n{"token":"b"}\n{"token":"c"}\n');
    const report = await runQuietly(
      scenarioFrom({
        target: { url: service.wsUrl, headers: { Authorization: 'Bearer {identity.token}' } },
        identities: { file: f, reuse: true },
        connections: N,
        duration: '200ms',
        workers: 2,
      }),
    );
    expect(report.connections.failed).toBe(0);
    expect(report.connections.opened).toBe(N);
    // Socket i takes identity i mod 3: each token twice (accept order between workers may vary).
    expect([...service.tokensSeen()].sort()).toEqual(['a', 'a', 'b', 'b', 'c', 'c']);
  }, 30_000);

  it('a wrong token is an HTTP 401 failure and a refused subscribe is "subscribe-rejected", each socket closed', async () => {
    const N = 10;
    // Identity 3 has a token the service does not know; identity 7 subscribes to a refused topic.
    const service = track(
      await startServiceTarget({
        tokens: Array.from({ length: N }, (_, i) => (i === 3 ? 'other' : `tok-${i}`)),
        refuseTopics: ['secret'],
        pushText: flat,
      }),
    );
    const report = await runQuietly(
      scenarioFrom({
        target: { url: `${service.wsUrl}?token={identity.token}`, open: [SUBSCRIBE] },
        identities: { file: identitiesCsv(N, (i) => (i === 7 ? 'secret' : 'news')) },
        connections: N,
        duration: '300ms',
        workers: 1,
      }),
    );
    expect(report.connections.failures).toEqual({ 'http-401': 1, 'subscribe-rejected': 1 });
    expect(report.connections.opened).toBe(N - 2);
    expect(service.subscribed()).toBe(N - 2);
    expect(report.disconnects.total).toBe(0);
    expect(runExitCode(report)).toBe(1);
    expect(verdictLine(report)).toMatch(
      new RegExp(`^FAILED: 2 connection attempts failed, 2 of ${N} sockets never connected: 1 \\S.*, 1 \\S`),
    );
  }, 30_000);

  it('no ack within the timeout is "subscribe-timeout", and the socket is closed', async () => {
    const N = 8;
    const service = track(await startServiceTarget({ ack: false }));
    const started = Date.now();
    const report = await runQuietly(
      scenarioFrom({
        target: { url: service.wsUrl, open: [{ ...SUBSCRIBE, send: { type: 'subscribe', topic: 'news' }, timeout: '300ms' }] },
        connections: N,
        duration: '1s',
        workers: 1,
      }),
    );
    expect(report.connections.failures).toEqual({ 'subscribe-timeout': N });
    expect(report.connections.opened).toBe(0);
    expect(runExitCode(report)).toBe(5);
    expect(verdictLine(report)).toMatch(new RegExp(`^no socket connected to ${service.wsUrl} after ${N} attempts: ${N} \\S`));
    expect(report.connections.openAtEnd).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 30_000);

  it('a reconnect subscribes again; publishes before its ack are missed, not lost', async () => {
    const N = 6;
    const subscribes: number[] = new Array<number>(N).fill(0);
    const subscribed = new Set<WebSocket>();
    // Pushes go only to subscribed sockets, as a real service does; /api is wsload's publish.
    const server = createServer((req, res) => {
      const value = new URL(req.url ?? '/', 'http://x').searchParams.get('value') ?? '';
      for (const ws of subscribed) ws.send(JSON.stringify({ value }));
      res.end('ok');
    });
    const wss = new WebSocketServer({ server });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    track({
      close: () =>
        new Promise<void>((resolve) => {
          for (const c of wss.clients) c.terminate();
          wss.close();
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    });
    wss.on('connection', (ws: WebSocket, req) => {
      const conn = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('c'));
      ws.on('close', () => subscribed.delete(ws));
      ws.on('message', (data: Buffer) => {
        if (data.toString() !== `SUB ${conn}`) return;
        subscribes[conn]++;
        const again = subscribes[conn] > 1;
        // The second subscription is acknowledged (and starts receiving) only after 700 ms.
        setTimeout(
          () => {
            if (ws.readyState !== ws.OPEN) return;
            subscribed.add(ws);
            ws.send('OK');
            // The first subscription of each socket is cut by the server shortly after its ack.
            if (!again) setTimeout(() => ws.close(4000, 'go away'), 300);
          },
          again ? 700 : 0,
        );
      });
    });
    const port = (server.address() as AddressInfo).port;
    const report = await runQuietly(
      scenarioFrom({
        target: { url: `ws://127.0.0.1:${port}/ws?c={conn}`, open: [{ send: 'SUB {conn}', ack: { regex: '^OK$' }, timeout: '3s' }] },
        connections: N,
        duration: '2500ms',
        workers: 1,
        reconnect: { policy: 'immediate' },
        publish: { url: `http://127.0.0.1:${port}/api?id={id}&value={value}`, rate: 10, deadline: '2s' },
      }),
    );
    expect(subscribes).toEqual(new Array<number>(N).fill(2));
    expect(report.connections.failed).toBe(0);
    expect(report.connections.opened).toBe(2 * N);
    expect(report.disconnects.byCause).toEqual({ 'server-close': N });
    expect(report.reconnects.total).toBe(N);
    // Publishes sent while a socket waited for its second ack reached it never: missed (it was
    // not subscribed), not lost. Every (socket, publish) pair is either delivered or missed.
    expect(report.reconnects.missedPublishes).toBeGreaterThanOrEqual(N * 3);
    expectDeliveredExactly(report);
    expect(report.fanout.delivered + report.reconnects.missedPublishes).toBe(report.fanout.published * N);
    // Every socket was cut once: "most sockets dropped" is the verdict, though nothing was lost.
    // and what they missed while reconnecting is said beside lost.
    expect(verdictLine(report)).toBe(
      `FAILED: most sockets dropped: ${N} closes before the end for ${N} sockets (${N} server-close); lost 0, missed while reconnecting ${report.reconnects.missedPublishes} (closes before the end: 100% of sockets)`,
    );
  }, 30_000);
});
