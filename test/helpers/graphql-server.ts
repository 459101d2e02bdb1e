/**
 * A real GraphQL subscription server for the graphql-ws tests: `graphql-ws`'s `useServer` over a
 * `ws` server on /ws (the path the gateway helpers proxy), the schema built by `graphql`, and a
 * PubSub giving each subscriber its own async iterator. `GET /api?id=&value=[&topic=]` publishes
 * `{"id", "value"}` as `news` to every subscriber of that topic (all of them without `topic`), like
 * the demo, so the run's ordinary HTTP publisher drives it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ProtocolServer } from './protocol-servers.js';

// graphql ships CJS ("main") and ESM ("module") builds and checks schemas with instanceof: Node loads
// the CJS one for graphql-ws, vitest's resolver would give this file the ESM one. Take Node's.
const graphql = createRequire(import.meta.url)('graphql') as typeof import('graphql');

const SCHEMA = graphql.buildSchema(`
  type News { id: String!, value: String! }
  type Query { hello: String }
  type Subscription { news(topic: String): News }
`);

/** The same schema with a `publish` mutation, for publishes through the protocol (opt-in: `mutation: true`). */
const SCHEMA_WITH_MUTATION = graphql.buildSchema(`
  type News { id: String!, value: String! }
  type Query { hello: String }
  type Mutation { publish(id: String!, value: String!, topic: String): Boolean }
  type Subscription { news(topic: String): News }
`);

interface Subscriber {
  topic: string | null;
  push(event: unknown): void;
}

/** Subscribers by topic; each gets an async iterator fed by publish() and ended by the subscription's return(). */
class PubSub {
  private readonly subs = new Set<Subscriber>();

  get size(): number {
    return this.subs.size;
  }

  publish(topic: string | null, event: unknown): void {
    for (const s of this.subs) if (topic === null || s.topic === null || s.topic === topic) s.push(event);
  }

  subscribe(topic: string | null): AsyncIterableIterator<unknown> {
    const queue: unknown[] = [];
    let wake: ((r: IteratorResult<unknown>) => void) | null = null;
    let done = false;
    const sub: Subscriber = {
      topic,
      push: (event) => {
        if (wake === null) {
          queue.push(event);
          return;
        }
        const w = wake;
        wake = null;
        w({ value: event, done: false });
      },
    };
    this.subs.add(sub);
    const finish = (): Promise<IteratorResult<unknown>> => {
      done = true;
      this.subs.delete(sub);
      wake?.({ value: undefined, done: true });
      wake = null;
      return Promise.resolve({ value: undefined, done: true });
    };
    const it: AsyncIterableIterator<unknown> = {
      next: () => {
        if (queue.length > 0) return Promise.resolve({ value: queue.shift(), done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (wake = resolve));
      },
      return: finish,
      throw: finish,
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }
}

export interface GraphqlServerOptions {
  /** connection_init must come within this (graphql-ws closes with 4408 after it); default 3 s. */
  initTimeoutMs?: number;
  /** connection_init's payload must carry this token (else 4403 Forbidden); default: any payload. */
  token?: string;
  /** WebSocket path (default "/ws", which the gateway helpers proxy). */
  path?: string;
  /** Port (default: a free one). */
  port?: number;
  /** Serve a `publish(id, value, topic)` mutation that publishes to the PubSub (id "refused" fails with a GraphQL error). */
  mutation?: boolean;
}

export interface GraphqlServer extends ProtocolServer {
  /** Subscriptions the PubSub holds now. */
  subscriptions(): number;
  /** Client `ping` messages received (graphql-ws answers each with a pong). */
  pings(): number;
  /** Closes every socket with a graphql-ws close code (as a server does when a token expires: 4401). */
  closeAllWith(code: number, reason: string): void;
}

export async function startGraphqlServer(opts: GraphqlServerOptions = {}): Promise<GraphqlServer> {
  let publishes = 0;
  const pubsub = new PubSub();
  const http: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const id = url.searchParams.get('id');
    const value = url.searchParams.get('value');
    if (url.pathname !== '/api') return void res.writeHead(404).end();
    if (id === null || value === null) return void res.writeHead(400).end('id and value required');
    publishes++;
    pubsub.publish(url.searchParams.get('topic'), { news: { id, value } });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  const wss = new WebSocketServer({ server: http, path: opts.path ?? '/ws' });
  let pings = 0;
  wss.on('connection', (ws: WebSocket) =>
    ws.on('message', (data: Buffer) => {
      if (data.includes('"type":"ping"')) pings++;
    }),
  );
  const token = opts.token;
  const disposable = useServer(
    {
      schema: opts.mutation ? SCHEMA_WITH_MUTATION : SCHEMA,
      roots: {
        subscription: { news: ({ topic }: { topic?: string | null }) => pubsub.subscribe(topic ?? null) },
        // A client's publish through the protocol; id "refused" fails with a GraphQL error and pushes nothing.
        ...(opts.mutation
          ? {
              mutation: {
                publish: ({ id, value, topic }: { id: string; value: string; topic?: string | null }) => {
                  if (id === 'refused') throw new Error('publish refused');
                  publishes++;
                  pubsub.publish(topic ?? null, { news: { id, value } });
                  return true;
                },
              },
            }
          : {}),
      },
      connectionInitWaitTimeout: opts.initTimeoutMs ?? 3_000,
      onConnect: token === undefined ? undefined : (ctx) => ctx.connectionParams?.token === token,
    },
    wss,
  );
  const port = await new Promise<number>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, '127.0.0.1', () => resolve((http.address() as AddressInfo).port));
  });
  const each = (f: (ws: WebSocket) => void): void => wss.clients.forEach(f);
  return {
    wsUrl: `ws://127.0.0.1:${port}${opts.path ?? '/ws'}`,
    httpUrl: `http://127.0.0.1:${port}`,
    port,
    publishes: () => publishes,
    clients: () => wss.clients.size,
    subscriptions: () => pubsub.size,
    subscribed: () => pubsub.size,
    pings: () => pings,
    disconnectAll: () => each((ws) => ws.close(4401, 'Unauthorized')),
    closeAllWith: (code, reason) => each((ws) => ws.close(code, reason)),
    close: async () => {
      each((ws) => ws.terminate());
      await disposable.dispose();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

export interface PingingServer {
  wsUrl: string;
  /** Server pings whose pong came back. */
  pongs(): number;
  close(): Promise<void>;
}

/**
 * A bare graphql-ws speaker (ws, by hand) for heartbeat tests: acks connection_init, answers
 * nothing else. `pingEveryMs` > 0: sends `{"type":"ping"}` that often and closes a socket with 4408
 * when a pong is missing at the next ping (a server's own keepalive). `answerPings` false: a client
 * ping after the first gets no pong (a server whose heartbeat died once subscribed; the first ping's
 * pong is the one wsload's subscribe waits for).
 */
export async function startPingingServer(opts: { pingEveryMs: number; answerPings: boolean }): Promise<PingingServer> {
  const { WebSocketServer: Wss } = await import('ws');
  const wss = new Wss({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (p: Set<string>) => (p.has('graphql-transport-ws') ? 'graphql-transport-ws' : false),
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  let pongs = 0;
  const timers = new Set<NodeJS.Timeout>();
  wss.on('connection', (ws: WebSocket) => {
    let awaiting = false;
    let answered = 0;
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as { type: string };
      if (m.type === 'connection_init') ws.send('{"type":"connection_ack"}');
      else if (m.type === 'pong') {
        awaiting = false;
        pongs++;
      } else if (m.type === 'ping' && (opts.answerPings || answered === 0)) {
        answered++;
        ws.send('{"type":"pong"}');
      }
    });
    if (opts.pingEveryMs > 0) {
      const t = setInterval(() => {
        if (awaiting) return void ws.close(4408, 'no pong');
        awaiting = true;
        ws.send('{"type":"ping"}');
      }, opts.pingEveryMs);
      timers.add(t);
      ws.on('close', () => {
        clearInterval(t);
        timers.delete(t);
      });
    }
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    pongs: () => pongs,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearInterval(t);
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
