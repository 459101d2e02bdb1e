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
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { TargetError } from '../errors.js';
import { rejectUpgrade } from './http-reply.js';
import { ServiceHub } from './service-hub.js';
import { serviceRoutes } from './service-http.js';
import { SHIPPED_PUBLISH_TOKEN, type ServiceOptions, type ServiceStats } from './service-options.js';

export { SHIPPED_PUBLISH_TOKEN, SHIPPED_SERVICE_PORT, SHIPPED_STREAM, type ServiceOptions, type ServiceStats } from './service-options.js';

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

function tokenOf(req: IncomingMessage, url: URL): string | null {
  const q = url.searchParams.get('token');
  if (q !== null) return q;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  const x = req.headers['x-token'];
  return typeof x === 'string' ? x : null;
}

/** host:port with IPv6 literals bracketed, as URLs need. */
function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Listens on host:port (0: any free port); a port in use or not allowed is a TargetError naming it. */
function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const why =
        err.code === 'EADDRINUSE'
          ? 'address already in use'
          : err.code === 'EACCES'
            ? 'permission denied (ports below 1024 need privileges)'
            : err.message;
      reject(new TargetError(`cannot listen on ${hostPort(host, port)}: ${why}`));
    };
    server.once('error', onError);
    server.listen({ host, port, backlog: 4096 }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** The server's own stream: `{seq, price}` to the stream topic's subscribers every interval; null without one. */
function startStream(hub: ServiceHub, stream: ServiceOptions['stream']): NodeJS.Timeout | null {
  if (!stream || stream.intervalMs <= 0) return null;
  let seq = 0;
  return setInterval(
    (topic: string) => {
      seq++;
      hub.fanOut(topic, { seq, price: 100 + (seq % 7) }, null);
    },
    stream.intervalMs,
    stream.topic,
  );
}

/** Starts the service; throws TargetError when it cannot listen. */
export async function startService(opts: ServiceOptions = {}): Promise<RunningService> {
  const host = opts.host ?? '127.0.0.1';
  const publishToken = opts.publishToken ?? SHIPPED_PUBLISH_TOKEN;
  const tokens = opts.tokens === undefined ? null : new Set(opts.tokens);
  const hub = new ServiceHub(opts);

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: 1024 * 1024 });
  const server = createServer(serviceRoutes(hub, publishToken));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const token = tokenOf(req, url);
    // The publish token also opens a socket: a chat publisher authenticates with it.
    if (tokens !== null && (token === null || (token !== publishToken && !tokens.has(token)))) {
      hub.refused++;
      rejectUpgrade(socket, 401, 'bad token');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => hub.accept(ws, token, url.searchParams.get('topic')));
  });
  await listen(server, host, opts.port ?? 0);
  const streamTimer = startStream(hub, opts.stream);

  const port = (server.address() as AddressInfo).port;
  const origin = hostPort(host, port);
  let closing: Promise<void> | null = null;
  return {
    host,
    port,
    wsUrl: `ws://${origin}/ws`,
    httpUrl: `http://${origin}`,
    publishUrl: `http://${origin}/publish`,
    accepted: () => hub.perSocket.length,
    refused: () => hub.refused,
    subscribed: () => hub.subscribed,
    publishes: () => hub.publishes,
    pushesPerSocket: () => [...hub.perSocket],
    pushesByTopic: () => ({ ...hub.byTopic }),
    delivered: () => hub.delivered,
    tokensSeen: () => [...hub.tokensSeen],
    received: () => hub.receivedText.map((r) => [...r]),
    clients: () => hub.open.size,
    stats: () => hub.stats(),
    push: (topic, data) => hub.fanOut(topic, data, null),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        if (streamTimer) clearInterval(streamTimer);
        hub.close();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
