/**
 * Real servers of the push protocols wsload speaks, on loopback, for the protocol tests: a Socket.IO
 * v4 server (the `socket.io` package) and an MQTT broker with a WebSocket listener (Aedes with its
 * server factory). Each also answers the demo's HTTP publish, `GET /api?id=&value=[&topic=]`, by
 * pushing `{"id": …, "value": …}` to every subscriber (io.emit / a broker PUBLISH), so the run's
 * ordinary HTTP publisher drives them. Both listen on /ws (Socket.IO's `path`), so the gateway
 * helpers (nginx, HAProxy: WebSocket-aware on /ws) proxy them unchanged.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as IoServer } from 'socket.io';
import { Aedes } from 'aedes';
import { createServer as createBrokerServer } from 'aedes-server-factory';

export interface ProtocolServer {
  /** ws:// URL a wsload socket dials. */
  wsUrl: string;
  /** http://127.0.0.1:port */
  httpUrl: string;
  port: number;
  /** /api publishes accepted. */
  publishes(): number;
  /** Connected (and, for MQTT, subscribed) clients now. */
  clients(): number;
  /**
   * Clients the protocol has subscribed, where that comes after connecting (graphql-ws: the
   * subscribe follows connection_ack): what a test that ends subscribed sockets waits for.
   */
  subscribed?(): number;
  /** The server ends every client with its protocol's own disconnect. */
  disconnectAll(): void;
  close(): Promise<void>;
}

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** The publish of GET /api?id=&value=[&topic=], or null after answering 400/404 itself. */
function apiPublish(req: IncomingMessage, res: ServerResponse): { id: string; value: string; topic: string | null } | null {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname !== '/api') {
    res.writeHead(404).end();
    return null;
  }
  const id = url.searchParams.get('id');
  const value = url.searchParams.get('value');
  if (id === null || value === null) {
    res.writeHead(400).end('id and value required');
    return null;
  }
  return { id, value, topic: url.searchParams.get('topic') };
}

export interface SocketIoServerOptions {
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  /** Namespace the /api publishes go to (default "/"). */
  namespace?: string;
  /** Event name of the pushes (default "message"). */
  event?: string;
  /** Engine.IO path (default "/ws", which the gateway helpers proxy; Socket.IO's own default is "/socket.io"). */
  path?: string;
  /** Port (default: a free one). */
  port?: number;
}

/**
 * Socket.IO v4 on /ws. A "join" event (room, ack) joins the room and acknowledges; /api with
 * `topic` emits to that room only.
 */
export async function startSocketIoServer(opts: SocketIoServerOptions = {}): Promise<ProtocolServer> {
  let publishes = 0;
  const nsName = opts.namespace ?? '/';
  const event = opts.event ?? 'message';
  const http = createServer();
  const path = opts.path ?? '/ws';
  const io = new IoServer(http, {
    path,
    transports: ['websocket'],
    pingInterval: opts.pingIntervalMs ?? 25_000,
    pingTimeout: opts.pingTimeoutMs ?? 20_000,
    serveClient: false,
  });
  const ns = io.of(nsName);
  ns.on('connection', (socket) => {
    socket.on('join', (room: unknown, ack?: (reply: string) => void) => {
      if (typeof room === 'string') void socket.join(room);
      if (typeof ack === 'function') ack('joined');
    });
    // A client's publish: {id, value, topic?} pushed as `event` (to the topic's room), acknowledged;
    // id "refused" is acknowledged with an error and pushed nowhere (a publish the service fails).
    socket.on('publish', (msg: unknown, ack?: (reply: unknown) => void) => {
      const m = (msg ?? {}) as { id?: unknown; value?: unknown; topic?: unknown };
      if (String(m.id) === 'refused') return void (typeof ack === 'function' && ack({ error: 'refused' }));
      publishes++;
      const payload = { id: m.id, value: m.value };
      if (typeof m.topic === 'string') ns.to(m.topic).emit(event, payload);
      else ns.emit(event, payload);
      if (typeof ack === 'function') ack({ ok: true });
    });
  });
  http.on('request', (req, res) => {
    // Engine.IO answers its own path; everything else is ours.
    if ((req.url ?? '').startsWith(path)) return;
    const p = apiPublish(req, res);
    if (p === null) return;
    publishes++;
    const payload = { id: p.id, value: p.value };
    if (p.topic !== null) ns.to(p.topic).emit(event, payload);
    else ns.emit(event, payload);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  const port = await listen(http, opts.port);
  return {
    wsUrl: `ws://127.0.0.1:${port}${path}/?EIO=4&transport=websocket`,
    httpUrl: `http://127.0.0.1:${port}`,
    port,
    publishes: () => publishes,
    clients: () => ns.sockets.size,
    disconnectAll: () => void ns.disconnectSockets(true),
    close: () =>
      new Promise<void>((resolve) => {
        void io.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

export interface MqttBrokerOptions {
  /** false: the broker never answers SUBSCRIBE (its authorizeSubscribe never calls back). */
  answerSubscribe?: boolean;
  /** A client PUBLISH to this topic is refused (authorizePublish errs: Aedes closes that client's connection). */
  refusePublishTo?: string;
  /** QoS of the /api PUBLISHes (default 1; the bench's 0, as its subscribers ask). */
  publishQos?: 0 | 1;
  /** Port (default: a free one). */
  port?: number;
}

/** An Aedes broker with its WebSocket listener (any path, /ws used); /api PUBLISHes (QoS 1 by default) to `topic` (default "news"). */
export async function startMqttBroker(opts: MqttBrokerOptions = {}): Promise<ProtocolServer> {
  let publishes = 0;
  const refused = opts.refusePublishTo;
  const broker = await Aedes.createBroker({
    ...(opts.answerSubscribe === false
      ? {
          authorizeSubscribe: () => {
            // Never calls back: SUBSCRIBE gets no SUBACK.
          },
        }
      : {}),
    ...(refused === undefined
      ? {}
      : {
          authorizePublish: (_c: unknown, packet: { topic: string }, cb: (err?: Error | null) => void) =>
            cb(packet.topic === refused ? new Error('refused') : null),
        }),
  });
  // Client PUBLISHes (wsload's publisher connection) count like /api publishes; the broker's own ($SYS) have no client.
  broker.on('publish', (_packet, client) => {
    if (client) publishes++;
  });
  const http = createBrokerServer(broker, { ws: true }) as Server;
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const p = apiPublish(req, res);
    if (p === null) return;
    publishes++;
    broker.publish(
      {
        cmd: 'publish',
        topic: p.topic ?? 'news',
        payload: Buffer.from(JSON.stringify({ id: p.id, value: p.value })),
        qos: opts.publishQos ?? 1,
        retain: false,
        dup: false,
      },
      (err?: Error) => {
        if (err) res.writeHead(500).end(String(err));
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      },
    );
  });
  const port = await listen(http, opts.port);
  return {
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    port,
    publishes: () => publishes,
    clients: () => broker.connectedClients,
    disconnectAll: () => {
      for (const client of Object.values((broker as unknown as { clients: Record<string, { close(): void }> }).clients)) client.close();
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => broker.close(() => resolve()));
      }),
  };
}

/**
 * Once `n` clients are subscribed (connected, for a protocol without a separate subscribe), waits
 * `afterMs` and has the server disconnect them all; bounded by `withinMs`. Returns a cancel.
 * Waiting for connections alone let a loaded machine close graphql-ws sockets whose subscribe had not
 * been read yet: those count as subscribe failures, not as disconnects (11 of 20 once).
 */
export function disconnectOnceConnected(server: ProtocolServer, n: number, afterMs: number, withinMs = 20_000): () => void {
  const deadline = Date.now() + withinMs;
  const ready = (): number => (server.subscribed ? server.subscribed() : server.clients());
  let timer: NodeJS.Timeout = setTimeout(function poll() {
    if (ready() >= n) timer = setTimeout(() => server.disconnectAll(), afterMs);
    else if (Date.now() < deadline) timer = setTimeout(poll, 50);
  }, 50);
  return () => clearTimeout(timer);
}
