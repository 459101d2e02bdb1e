/**
 * A loopback push service shaped like real ones (issue 12), unlike the demo target: a socket must
 * present a token, send a subscribe message and get an ack before it receives anything, receives
 * only its topic's pushes, and pushes are nested JSON. Publishing is a POST with a Bearer header or
 * a chat-style message on another WebSocket. Counters let tests assert exact deliveries.
 *
 * Protocol (every frame is JSON text unless `binary` is set for pushes):
 * - Upgrade on any path. Token from `?token=` or `Authorization: Bearer <token>` (or `x-token`);
 *   with `tokens` set, a missing or unknown one is refused with HTTP 401.
 * - Client → `{"type":"subscribe","topic":"t"}`; server → `{"type":"subscribed","topic":"t"}`
 *   (after `ackDelayMs`), or `{"type":"error","topic":"t","reason":"…"}` for a topic in
 *   `refuseTopics`, a malformed subscribe, or when `ack` is false (no reply at all then).
 *   A socket may subscribe to several topics. With `requireSubscribe: false` a socket is
 *   subscribed at open to `?topic=` (or to every topic when there is none) without any message.
 * - POST /publish, `Authorization: Bearer <publishToken>`, JSON body `{"topic":"t","seq":N,…}` →
 *   every subscriber of t gets `{"type":"event","data":{…body, "ts": <Date.now()>}}`; replies 200
 *   `{"delivered":n}`; 401 wrong/missing token, 400 body not a JSON object with a string topic,
 *   405 other methods, 404 other paths. `GET /publish?topic=t&seq=N&auth=<publishToken>` does the
 *   same with the other query parameters as data (all-digit values as JSON numbers), for wsload's
 *   URL-template publisher.
 * - Client → `{"type":"publish","topic":"t",…}` (chat): the same push, to every subscriber of t
 *   except the sender; the sender gets `{"type":"published","topic":"t","delivered":n}`. A `ref`
 *   in the publish (a client's request id, as Phoenix or Centrifugo take) is echoed in that reply
 *   (`…,"ref":"<ref>"}`) so a client can tell which publish it acknowledges, and is not pushed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { rejectUpgrade } from '../../src/target/http-reply.js';

/** Options of startServiceTarget; all optional. */
export interface ServiceTargetOptions {
  /** Tokens accepted on the upgrade; undefined: no token needed. */
  tokens?: readonly string[];
  /** Bearer token POST /publish requires (default "publish-secret"). */
  publishToken?: string;
  /** Sockets must subscribe by message before they get pushes (default true). */
  requireSubscribe?: boolean;
  /** Answer subscribes with the ack (default true); false: silence, for ack-timeout tests. */
  ack?: boolean;
  /** Delay before each ack, ms (default 0). */
  ackDelayMs?: number;
  /** Topics whose subscribe is answered with `{"type":"error"}`. */
  refuseTopics?: readonly string[];
  /** Send pushes as binary frames (UTF-8 JSON bytes) instead of text (default false). */
  binary?: boolean;
  /** Builds each push's text instead of the default `{"type":"event","data":{…}}` shape. */
  pushText?: (data: Record<string, unknown>) => string;
  /** A routing bug: every topic's pushes go to every socket subscribed to any topic (default false). */
  misroute?: boolean;
}

/** A running service target. */
export interface ServiceTarget {
  /** ws://127.0.0.1:port/ws */
  wsUrl: string;
  /** http://127.0.0.1:port */
  httpUrl: string;
  /** http://127.0.0.1:port/publish */
  publishUrl: string;
  port: number;
  /** Sockets accepted so far (index = accept order). */
  accepted(): number;
  /** Upgrades refused for their token. */
  refused(): number;
  /** Subscribe acks sent (one per socket and topic). */
  subscribed(): number;
  /** Publishes accepted (POST and chat). */
  publishes(): number;
  /** Pushes sent to each socket, by accept index. */
  pushesPerSocket(): number[];
  /** Pushes sent per topic (summed over sockets). */
  pushesByTopic(): Record<string, number>;
  /** Total pushes sent. */
  delivered(): number;
  /** Tokens of the sockets, by accept index (null: none given). */
  tokensSeen(): (string | null)[];
  /** Every text message sockets sent, by accept index (for subscribe/template assertions). */
  received(): string[][];
  /** Pushes `data` (ts added) to topic's subscribers now, as the server's own stream; returns the count. */
  push(topic: string, data: Record<string, unknown>): number;
  /** Ends every socket and the server. */
  close(): Promise<void>;
}

interface Conn {
  ws: WebSocket;
  index: number;
  /** Subscribed topics; null: every topic. */
  topics: Set<string> | null;
}

function tokenOf(req: IncomingMessage, url: URL): string | null {
  const q = url.searchParams.get('token');
  if (q !== null) return q;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  const x = req.headers['x-token'];
  return typeof x === 'string' ? x : null;
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Starts the service on 127.0.0.1:0. */
export async function startServiceTarget(opts: ServiceTargetOptions = {}): Promise<ServiceTarget> {
  const publishToken = opts.publishToken ?? 'publish-secret';
  const requireSubscribe = opts.requireSubscribe ?? true;
  const ack = opts.ack ?? true;
  const ackDelayMs = opts.ackDelayMs ?? 0;
  const refuseTopics = new Set(opts.refuseTopics ?? []);
  const tokens = opts.tokens === undefined ? null : new Set(opts.tokens);
  const conns: Conn[] = [];
  const perSocket: number[] = [];
  const tokensSeen: (string | null)[] = [];
  const receivedText: string[][] = [];
  const byTopic: Record<string, number> = {};
  const timers = new Set<NodeJS.Timeout>();
  let refused = 0;
  let subscribed = 0;
  let publishes = 0;
  let delivered = 0;

  const fanOut = (topic: string, data: Record<string, unknown>, except: Conn | null): number => {
    const body = { ...data, topic, ts: Date.now() };
    const text = opts.pushText ? opts.pushText(body) : JSON.stringify({ type: 'event', data: body });
    const payload = opts.binary ? Buffer.from(text, 'utf8') : text;
    let n = 0;
    for (const c of conns) {
      if (c === except || c.ws.readyState !== WebSocket.OPEN) continue;
      if (c.topics !== null && !c.topics.has(topic) && !(opts.misroute === true && c.topics.size > 0)) continue;
      c.ws.send(payload, { binary: opts.binary === true });
      perSocket[c.index]++;
      n++;
    }
    byTopic[topic] = (byTopic[topic] ?? 0) + n;
    delivered += n;
    return n;
  };

  const onClientMessage = (c: Conn, text: string): void => {
    receivedText[c.index].push(text);
    const msg = parseObject(text);
    if (msg === null) return;
    const topic = msg.topic;
    if (msg.type === 'subscribe') {
      if (typeof topic !== 'string' || topic === '') {
        c.ws.send(JSON.stringify({ type: 'error', reason: 'subscribe needs a topic' }));
        return;
      }
      if (refuseTopics.has(topic)) {
        c.ws.send(JSON.stringify({ type: 'error', topic, reason: 'topic refused' }));
        return;
      }
      if (!ack) return;
      const done = (): void => {
        if (c.ws.readyState !== WebSocket.OPEN) return;
        if (c.topics === null) c.topics = new Set();
        c.topics.add(topic);
        subscribed++;
        c.ws.send(JSON.stringify({ type: 'subscribed', topic }));
      };
      if (ackDelayMs <= 0) done();
      else {
        const t = setTimeout(() => {
          timers.delete(t);
          done();
        }, ackDelayMs);
        timers.add(t);
      }
      return;
    }
    if (msg.type === 'publish' && typeof topic === 'string') {
      publishes++;
      const { type: _type, ref, ...data } = msg;
      const n = fanOut(topic, data, c);
      c.ws.send(JSON.stringify(ref === undefined ? { type: 'published', topic, delivered: n } : { type: 'published', topic, delivered: n, ref }));
    }
  };

  // wsload before issue 12's item 4 publishes by GET only: the same publish as query parameters.
  const getPublish = (url: URL, res: ServerResponse): void => {
    if (url.searchParams.get('auth') !== publishToken) return json(res, 401, { error: 'bad token' });
    const topic = url.searchParams.get('topic');
    if (topic === null) return json(res, 400, { error: 'expected ?topic=' });
    const data: Record<string, unknown> = {};
    for (const [k, v] of url.searchParams) {
      if (k === 'auth' || k === 'topic') continue;
      // Digits become a JSON number, as a service's own counter would be; anything else stays text.
      data[k] = /^[0-9]+$/.test(v) ? Number(v) : v;
    }
    publishes++;
    json(res, 200, { delivered: fanOut(topic, data, null) });
  };

  const wss = new WebSocketServer({ noServer: true });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/publish') return json(res, 404, { error: 'not found' });
    if (req.method === 'GET') return getPublish(url, res);
    if (req.method !== 'POST') return json(res, 405, { error: 'POST or GET only' });
    const chunks: Buffer[] = [];
    req.on('data', (b: Buffer) => chunks.push(b));
    req.on('end', () => {
      if (req.headers.authorization !== `Bearer ${publishToken}`) return json(res, 401, { error: 'bad token' });
      const body = parseObject(Buffer.concat(chunks).toString('utf8'));
      if (body === null || typeof body.topic !== 'string') return json(res, 400, { error: 'expected {"topic": …}' });
      publishes++;
      const { topic, ...data } = body;
      json(res, 200, { delivered: fanOut(topic, data, null) });
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const token = tokenOf(req, url);
    if (tokens !== null && (token === null || !tokens.has(token))) {
      refused++;
      rejectUpgrade(socket, 401, 'bad token');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const index = conns.length;
      const queryTopic = url.searchParams.get('topic');
      const c: Conn = { ws, index, topics: requireSubscribe ? new Set() : queryTopic === null ? null : new Set([queryTopic]) };
      conns.push(c);
      perSocket.push(0);
      tokensSeen.push(token);
      receivedText.push([]);
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (!isBinary) onClientMessage(c, data.toString('utf8'));
      });
      ws.on('error', () => {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const httpUrl = `http://127.0.0.1:${port}`;
  return {
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    httpUrl,
    publishUrl: `${httpUrl}/publish`,
    port,
    accepted: () => conns.length,
    refused: () => refused,
    subscribed: () => subscribed,
    publishes: () => publishes,
    pushesPerSocket: () => [...perSocket],
    pushesByTopic: () => ({ ...byTopic }),
    delivered: () => delivered,
    tokensSeen: () => [...tokensSeen],
    received: () => receivedText.map((r) => [...r]),
    push: (topic, data) => fanOut(topic, data, null),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const c of conns) c.ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
