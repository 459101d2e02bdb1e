import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { expectDeliveredExactly, expectExactBooks } from '../helpers/books.js';
import { runExitCode, verdictLine } from '../../dist/report/verdict.js';

const track = closeAfterEach();

interface Seen {
  method: string;
  contentType: string | undefined;
  token: string | undefined;
  body: string;
}

interface PublishService {
  wsUrl: string;
  httpUrl: string;
  /** ws:// URL of the chat-style publisher endpoint. */
  chatUrl: string;
  requests: Seen[];
  /** Messages the chat endpoint received, in order, per publisher socket. */
  chat: string[][];
  /** Ends every publisher socket on /chat. */
  dropPublishers(): void;
  close(): Promise<void>;
}

/**
 * A small real service unlike the demo: subscribers on /ws; publishes are a POST /publish with a
 * token header and a JSON body {"seq": <number>, "value": "..."} answered `status`, or a "say"
 * message on /chat from a socket that logged in first (acknowledged with {"ack": "<value>"}
 * unless `ack` is false). Both push {"value": "..."} to every subscriber.
 */
async function startService(opts: { status?: number; ack?: boolean; chatUpgradeDelayMs?: number } = {}): Promise<PublishService> {
  const requests: Seen[] = [];
  const chat: string[][] = [];
  const subscribers = new WebSocketServer({ noServer: true });
  const chatServer = new WebSocketServer({ noServer: true });
  const push = (value: unknown): void => {
    const text = JSON.stringify({ value });
    for (const ws of subscribers.clients) ws.send(text);
  };
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        contentType: req.headers['content-type'],
        token: req.headers['x-token'] as string | undefined,
        body,
      });
      if (req.url !== '/publish' || req.method !== 'POST' || req.headers['x-token'] !== 'secret') {
        res.writeHead(403).end();
        return;
      }
      const parsed = JSON.parse(body) as { seq: unknown; value: unknown };
      push(parsed.value);
      res.writeHead(opts.status ?? 202).end();
    });
  });
  chatServer.on('connection', (ws) => {
    const seen: string[] = [];
    chat.push(seen);
    let loggedIn = false;
    ws.on('message', (data) => {
      const text = data.toString();
      seen.push(text);
      const msg = JSON.parse(text) as { type?: string; token?: string; value?: string };
      if (msg.type === 'login') loggedIn = msg.token === 'secret';
      else if (msg.type === 'say' && loggedIn) {
        push(msg.value);
        if (opts.ack !== false) ws.send(JSON.stringify({ ack: msg.value }));
      }
    });
  });
  server.on('upgrade', (req, socket, head) => {
    const wss = req.url === '/chat' ? chatServer : subscribers;
    const accept = (): void => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    if (wss === chatServer && opts.chatUpgradeDelayMs) setTimeout(accept, opts.chatUpgradeDelayMs);
    else accept();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    chatUrl: `ws://127.0.0.1:${port}/chat`,
    requests,
    chat,
    dropPublishers: () => {
      for (const ws of chatServer.clients) ws.terminate();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of [...subscribers.clients, ...chatServer.clients]) ws.terminate();
        server.close(() => resolve());
      }),
  };
}

const SOCKETS = 4;
const RATE = 10;

function postPublish(service: PublishService, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    rate: RATE,
    url: `${service.httpUrl}/publish`,
    headers: { 'X-Token': 'secret' },
    body: { seq: '{seq}', value: '{value}' },
    ...extra,
  };
}

describe('publish requests beyond the demo GET', () => {
  it('POSTs a templated JSON body with its headers, and every subscriber receipt is measured', async () => {
    const service = track(await startService());
    const scenario = scenarioFrom({
      target: { url: service.wsUrl },
      connections: SOCKETS,
      duration: '1s',
      workers: 1,
      publish: postPublish(service),
    });
    const report = await runQuietly(scenario);
    expect(report.publish.sent).toBe(RATE);
    expectDeliveredExactly(report, SOCKETS);
    expect(report.fanout.delivered).toBe(RATE * SOCKETS);
    expect(report.fanout.unmatched).toBe(0);
    const first = service.requests[0];
    expect(first.method).toBe('POST');
    expect(first.contentType).toBe('application/json');
    // "{seq}" alone becomes the number; "{value}" the run-tagged value.
    expect(JSON.parse(first.body)).toEqual({ seq: 1, value: `${report.publish.runTag}-1` });
    expect(report.scenario.publish?.request?.method).toBe('POST');
  });

  it('counts an answer outside publish.status as a failed publish with the status as its reason', async () => {
    // Before: any 2xx was success, so a service answering 202 to a request it should have taken
    // with 200 looked healthy.
    const service = track(await startService({ status: 202 }));
    const scenario = scenarioFrom({
      target: { url: service.wsUrl },
      connections: 2,
      duration: '500ms',
      workers: 1,
      publish: postPublish(service, { status: [200, 201] }),
    });
    const report = await runQuietly(scenario);
    expect(report.publish.sent).toBe(5);
    expect(report.publish.failed).toBe(5);
    expect(report.publish.failures).toEqual({ 'http-202': 5 });
    expectExactBooks(report);
    expect(runExitCode(report)).toBe(1);
    expect(verdictLine(report)).toMatch(/^FAILED: 5 of 5 publishes to \S+ failed: 5 × /);
  });
});

describe('publish.via "websocket"', () => {
  function chatPublish(service: PublishService, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      via: 'websocket',
      rate: RATE,
      socket: { url: service.chatUrl, open: [{ send: { type: 'login', token: 'secret' } }] },
      body: { type: 'say', value: '{value}' },
      ...extra,
    };
  }

  it('sends the templated message on the publisher socket after its open messages; acked publishes are delivered like HTTP ones', async () => {
    const service = track(await startService());
    const scenario = scenarioFrom({
      target: { url: service.wsUrl },
      connections: SOCKETS,
      duration: '1s',
      workers: 1,
      publish: chatPublish(service, { ack: '"ack":"([^"]+)"' }),
    });
    const report = await runQuietly(scenario);
    expect(report.publish.sent).toBe(RATE);
    expectDeliveredExactly(report, SOCKETS);
    expect(report.fanout.delivered).toBe(RATE * SOCKETS);
    expect(report.target.publishUrl).toBe(service.chatUrl);
    expect(service.chat).toHaveLength(1);
    expect(JSON.parse(service.chat[0][0])).toEqual({ type: 'login', token: 'secret' });
    expect(JSON.parse(service.chat[0][1])).toEqual({ type: 'say', value: `${report.publish.runTag}-1` });
    expect(report.publish.latencyMs.count).toBe(RATE);
  });

  it("opens the publisher socket before the hold, so its handshake is not the first publishes' latency", async () => {
    // Before: the socket opened on the first publish, whose fan-out latency then held the whole handshake.
    const service = track(await startService({ chatUpgradeDelayMs: 1000 }));
    const scenario = scenarioFrom({
      target: { url: service.wsUrl },
      connections: 2,
      duration: '1s',
      workers: 1,
      publish: chatPublish(service),
    });
    const report = await runQuietly(scenario);
    expectDeliveredExactly(report, 2);
    expect(report.fanout.delivered).toBe(RATE * 2);
    // Loopback deliveries take milliseconds; the margin is for a loaded machine.
    expect(report.fanout.latencyMs.max).toBeLessThan(600);
  });

  it('fails publishes whose ack never comes as "timeout" within publish.timeout', async () => {
    const service = track(await startService({ ack: false }));
    const scenario = scenarioFrom({
      target: { url: service.wsUrl },
      connections: 2,
      duration: '500ms',
      workers: 1,
      publish: chatPublish(service, { ack: '"ack":"([^"]+)"', timeout: '300ms', deadline: '1s' }),
    });
    const started = Date.now();
    const report = await runQuietly(scenario);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(report.publish.sent).toBe(5);
    expect(report.publish.failures).toEqual({ timeout: 5 });
    // The messages did go out: subscribers got them, but the publishes count failed.
    expect(service.chat[0].length).toBe(6);
    expectExactBooks(report);
    expect(runExitCode(report)).toBe(1);
    expect(verdictLine(report)).toMatch(new RegExp(`^FAILED: 5 of 5 publishes to ${service.chatUrl} failed: 5 × `));
  });

  it('an interrupted run cuts publishes waiting for their ack at once, counted "aborted"', async () => {
    const service = track(await startService({ ack: false }));
    const scenario = scenarioFrom({
      target: { url: service.wsUrl },
      connections: 2,
      duration: '30s',
      workers: 1,
      publish: chatPublish(service, { ack: '"ack":"([^"]+)"', timeout: '20s', deadline: '20s' }),
    });
    const controller = new AbortController();
    let stoppedAt = 0;
    const report = await runQuietly(scenario, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase !== 'hold' || stoppedAt > 0 || service.chat.length === 0 || service.chat[0].length < 4) return;
        stoppedAt = Date.now();
        controller.abort('test');
      },
    });
    expect(stoppedAt).toBeGreaterThan(0);
    // Well under the 20 s publish.timeout each unacked publish would otherwise hold the drain.
    expect(Date.now() - stoppedAt).toBeLessThan(8000);
    // Cut by the user's own stop, not failed by the target: counted apart (publish.aborted).
    expect(report.publish.aborted).toBe(report.publish.sent);
    expect(report.publish.sent).toBeGreaterThanOrEqual(3);
    expect(report.publish.failed).toBe(0);
    expect(report.publish.failures).toEqual({});
    expectExactBooks(report);
    expect(runExitCode(report)).toBe(1);
    expect(verdictLine(report)).toBe('interrupted (test)');
  });

  it('reports a publisher socket that cannot connect as failed publishes with the reason, without holding the run', async () => {
    const service = track(await startService());
    const refused = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const scenario = scenarioFrom({
      target: { url: service.wsUrl },
      connections: 2,
      duration: '1s',
      workers: 1,
      publish: { ...chatPublish(service), deadline: '1s', socket: { url: `ws://127.0.0.1:${refused}/chat` } },
    });
    const started = Date.now();
    const report = await runQuietly(scenario);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(report.publish.sent).toBe(RATE);
    expect(report.publish.failed).toBe(RATE);
    expect(report.publish.failures).toEqual({ 'ws-refused': RATE });
    expect(report.fanout.delivered).toBe(0);
    expectExactBooks(report);
    expect(runExitCode(report)).toBe(1);
    expect(verdictLine(report)).toMatch(
      new RegExp(`^FAILED: ${RATE} of ${RATE} publishes to ws://127\\.0\\.0\\.1:${refused}/chat failed: ${RATE} × `),
    );
  });

  it('without an ack, a publish completes once written; a dropped publisher socket is reopened (open messages again) on the next publish', async () => {
    const service = track(await startService());
    const scenario = scenarioFrom({
      target: { url: service.wsUrl },
      connections: 2,
      duration: '1s',
      workers: 1,
      publish: chatPublish(service, { deadline: '1s' }),
    });
    let dropped = false;
    const report = await runQuietly(scenario, {
      onProgress: (p) => {
        if (p.phase !== 'hold' || dropped || service.chat.length === 0 || service.chat[0].length < 3) return;
        dropped = true;
        service.dropPublishers();
      },
    });
    expect(dropped).toBe(true);
    expect(report.publish.sent).toBe(RATE);
    // A message written as the socket died may be lost or fail as "ws-closed"; every other one went out.
    expect(report.publish.failed).toBeLessThanOrEqual(1);
    expect(service.chat).toHaveLength(2);
    expect(JSON.parse(service.chat[1][0])).toEqual({ type: 'login', token: 'secret' });
    expect(service.chat[0].length - 1 + service.chat[1].length - 1).toBeGreaterThanOrEqual(RATE - 1);
    expectExactBooks(report);
    // At most the one publish written as the socket died is missing; every other was delivered to both sockets.
    expect(report.fanout.lost).toBeLessThanOrEqual(2);
    expect(report.fanout.delivered).toBeGreaterThanOrEqual((RATE - 1) * 2);
  });
});
