/**
 * The built-in push service (`wsload serve --service`): the protocol of the shipped real-service
 * scenarios (subscribe, topics, post-publish, chat-publish, match-nested, server-stream,
 * chat-rooms), shaped like real push services and unlike the demo target: a socket may present a
 * token, subscribes to topics by message (and waits for the ack) or by `?topic=` in its URL,
 * receives only its topics' pushes, and pushes are nested JSON. Publishing is a POST with a Bearer
 * header, a GET with the token in the query, or a chat-style message on another WebSocket; the
 * service also pushes a stream of its own (prices) with a timestamp and a sequence number. The
 * tests run it too (test/helpers/service-target.ts), with its counters and its misbehaviour options.
 *
 * Protocol (every frame JSON text, pushes binary UTF-8 JSON when `binary` is set):
 * - Upgrade on any path. Token from `?token=` or `Authorization: Bearer <token>` (or `x-token`);
 *   with `tokens` set, a missing or unknown one is refused with HTTP 401 (the publish token is
 *   known: a chat publisher's socket presents it).
 * - `?topic=t` in the upgrade URL subscribes the socket to t at once, with no message.
 * - Client → `{"type":"subscribe","topic":"t"}`; server → `{"type":"subscribed","topic":"t"}`
 *   (after `ackDelayMs`), or `{"type":"error","topic":"t","reason":"…"}` for a topic in
 *   `refuseTopics` or a malformed subscribe; no reply at all when `ack` is false. A socket may
 *   subscribe to several topics. With `requireSubscribe: false` a socket without `?topic=` gets
 *   every topic until it subscribes to one.
 * - POST /publish, `Authorization: Bearer <publishToken>`, JSON body `{"topic":"t",…}` → every
 *   subscriber of t gets `{"type":"event","data":{…body, "ts": <Date.now()>}}`; replies 200
 *   `{"delivered":n}`; 401 wrong or missing token, 400 a body that is not a JSON object with a
 *   string topic, 405 other methods. `GET /publish?topic=t&seq=N&auth=<publishToken>` does the same
 *   with the other query parameters as data (all-digit values as JSON numbers), for a publish URL
 *   template.
 * - Client → `{"type":"publish","topic":"t",…}` (chat): the same push, to every subscriber of t
 *   except the sender; the sender gets `{"type":"published","topic":"t","delivered":n}`. A `ref`
 *   in the publish (a client's request id, as Phoenix or Centrifugo take) is echoed in that reply
 *   and not pushed.
 * - The server's own stream (`stream`): every interval, `{"seq": n, "price": …}` pushed to the
 *   stream topic's subscribers (n counts up from 1; `ts` added like any push).
 * - `GET /admin/stats`: JSON counts (open, accepted, refused, subscribed, publishes, delivered,
 *   byTopic); `GET /` a one-page text description of this protocol; 404 elsewhere.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { TargetError } from '../errors.js';
import { rejectUpgrade, sendText } from './http-reply.js';

/** The publish token of the shipped scenarios (a placeholder they tell users to replace). */
export const SHIPPED_PUBLISH_TOKEN = 'change-me';
/** Port the shipped real-service scenarios address (ws://127.0.0.1:8080/…). */
export const SHIPPED_SERVICE_PORT = 8080;
/** The stream server-stream.json subscribes to: topic `prices`, 10 messages a second. */
export const SHIPPED_STREAM = { topic: 'prices', intervalMs: 100 } as const;

/** Options of startService; all optional. */
export interface ServiceOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Tokens accepted on the upgrade; undefined: no token needed. */
  tokens?: readonly string[];
  /** Bearer token the publish API requires (default SHIPPED_PUBLISH_TOKEN). */
  publishToken?: string;
  /** A socket without `?topic=` must subscribe by message before it gets pushes (default true); false: it gets every topic. */
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
  /** The server's own stream, or null (default): none. */
  stream?: { topic: string; intervalMs: number } | null;
  /** Keep every text message each socket sent, for received() (default false: memory grows with them). */
  recordMessages?: boolean;
}

/** The service's counts, as `GET /admin/stats` answers them. */
export interface ServiceStats {
  open: number;
  accepted: number;
  refused: number;
  subscribed: number;
  publishes: number;
  delivered: number;
  byTopic: Record<string, number>;
}

/** A running service. */
export interface RunningService {
  host: string;
  port: number;
  /** ws://host:port/ws */
  wsUrl: string;
  /** http://host:port */
  httpUrl: string;
  /** http://host:port/publish */
  publishUrl: string;
  /** Sockets accepted so far (index = accept order). */
  accepted(): number;
  /** Upgrades refused for their token. */
  refused(): number;
  /** Subscribe acks sent (one per socket and topic). */
  subscribed(): number;
  /** Publishes accepted (POST, GET and chat). */
  publishes(): number;
  /** Pushes sent to each socket, by accept index. */
  pushesPerSocket(): number[];
  /** Pushes sent per topic (summed over sockets). */
  pushesByTopic(): Record<string, number>;
  /** Total pushes sent. */
  delivered(): number;
  /** Tokens of the sockets, by accept index (null: none given). */
  tokensSeen(): (string | null)[];
  /** Every text message sockets sent, by accept index (empty lists unless recordMessages). */
  received(): string[][];
  /** Open sockets now. */
  clients(): number;
  stats(): ServiceStats;
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

const HELP = `wsload push service: the protocol of the shipped real-service scenarios
  WebSocket on any path; ?token=T or Authorization: Bearer T; ?topic=t subscribes at once
  -> {"type":"subscribe","topic":"t"}       <- {"type":"subscribed","topic":"t"}
  -> {"type":"publish","topic":"t",...}     <- {"type":"published","topic":"t","delivered":n} (chat)
  POST /publish  Authorization: Bearer PUBLISH-TOKEN  {"topic":"t",...}
  GET  /publish?topic=t&seq=1&auth=PUBLISH-TOKEN
  pushes: {"type":"event","data":{...,"topic":"t","ts":<epoch ms>}}
  GET /admin/stats  counts as JSON
`;

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
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** host:port with IPv6 literals bracketed, as URLs need. */
function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Starts the service; throws TargetError when it cannot listen. */
export async function startService(opts: ServiceOptions = {}): Promise<RunningService> {
  const host = opts.host ?? '127.0.0.1';
  const publishToken = opts.publishToken ?? SHIPPED_PUBLISH_TOKEN;
  const requireSubscribe = opts.requireSubscribe ?? true;
  const ack = opts.ack ?? true;
  const ackDelayMs = opts.ackDelayMs ?? 0;
  const refuseTopics = new Set(opts.refuseTopics ?? []);
  const tokens = opts.tokens === undefined ? null : new Set(opts.tokens);
  const record = opts.recordMessages === true;
  // Open sockets only, in accept order: a soak's reconnects must not keep closed ones in the fan-out.
  const open = new Set<Conn>();
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
    // One encoding per publish, whatever the number of sockets.
    const payload = opts.binary ? Buffer.from(text, 'utf8') : text;
    let n = 0;
    for (const c of open) {
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

  const onSubscribe = (c: Conn, topic: unknown): void => {
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
    if (ackDelayMs <= 0) return done();
    const t = setTimeout(() => {
      timers.delete(t);
      done();
    }, ackDelayMs);
    timers.add(t);
  };

  const onClientMessage = (c: Conn, text: string): void => {
    if (record) receivedText[c.index].push(text);
    const msg = parseObject(text);
    if (msg === null) return;
    if (msg.type === 'subscribe') return onSubscribe(c, msg.topic);
    const topic = msg.topic;
    if (msg.type === 'publish' && typeof topic === 'string') {
      publishes++;
      const { type: _type, ref, ...data } = msg;
      const n = fanOut(topic, data, c);
      c.ws.send(JSON.stringify(ref === undefined ? { type: 'published', topic, delivered: n } : { type: 'published', topic, delivered: n, ref }));
    }
  };

  // A publish URL template publishes by GET: the same publish as query parameters.
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

  const postPublish = (req: IncomingMessage, res: ServerResponse): void => {
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
  };

  const stats = (): ServiceStats => ({ open: open.size, accepted: perSocket.length, refused, subscribed, publishes, delivered, byTopic: { ...byTopic } });

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: 1024 * 1024 });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/publish') {
      if (req.method === 'GET') return getPublish(url, res);
      if (req.method === 'POST') return postPublish(req, res);
      return json(res, 405, { error: 'POST or GET only' });
    }
    if (url.pathname === '/admin/stats' && req.method === 'GET') return json(res, 200, stats());
    if (url.pathname === '/' && req.method === 'GET') return sendText(res, 200, HELP.replaceAll('PUBLISH-TOKEN', publishToken === SHIPPED_PUBLISH_TOKEN ? publishToken : '<token>'));
    json(res, 404, { error: 'not found (paths: /publish, /admin/stats, WebSocket upgrades on any path)' });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const token = tokenOf(req, url);
    // The publish token also opens a socket: a chat publisher authenticates with it.
    if (tokens !== null && (token === null || (token !== publishToken && !tokens.has(token)))) {
      refused++;
      rejectUpgrade(socket, 401, 'bad token');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const index = perSocket.length;
      const queryTopic = url.searchParams.get('topic');
      const topics = queryTopic !== null ? new Set([queryTopic]) : requireSubscribe ? new Set<string>() : null;
      const c: Conn = { ws, index, topics };
      open.add(c);
      perSocket.push(0);
      tokensSeen.push(token);
      receivedText.push([]);
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (!isBinary) onClientMessage(c, data.toString('utf8'));
      });
      ws.on('close', () => open.delete(c));
      ws.on('error', () => {});
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)' : err.message;
      reject(new TargetError(`cannot listen on ${hostPort(host, opts.port ?? 0)}: ${why}`));
    };
    server.once('error', onError);
    server.listen({ host, port: opts.port ?? 0, backlog: 4096 }, () => {
      server.off('error', onError);
      resolve();
    });
  });

  let streamSeq = 0;
  const streamTimer =
    opts.stream && opts.stream.intervalMs > 0
      ? setInterval((topic: string) => {
          streamSeq++;
          fanOut(topic, { seq: streamSeq, price: 100 + (streamSeq % 7) }, null);
        }, opts.stream.intervalMs, opts.stream.topic)
      : null;

  const port = (server.address() as AddressInfo).port;
  const origin = hostPort(host, port);
  let closing: Promise<void> | null = null;
  return {
    host,
    port,
    wsUrl: `ws://${origin}/ws`,
    httpUrl: `http://${origin}`,
    publishUrl: `http://${origin}/publish`,
    accepted: () => perSocket.length,
    refused: () => refused,
    subscribed: () => subscribed,
    publishes: () => publishes,
    pushesPerSocket: () => [...perSocket],
    pushesByTopic: () => ({ ...byTopic }),
    delivered: () => delivered,
    tokensSeen: () => [...tokensSeen],
    received: () => receivedText.map((r) => [...r]),
    clients: () => open.size,
    stats,
    push: (topic, data) => fanOut(topic, data, null),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        if (streamTimer) clearInterval(streamTimer);
        for (const t of timers) clearTimeout(t);
        for (const c of open) c.ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
