/**
 * The target's core: an HTTP server that serves the demo page, /api publishes, /admin/drop
 * faults and WebSocket upgrades on /ws. startTarget() runs it as is; the test servers in
 * test/helpers/servers.ts run it with hooks that misbehave on purpose.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { TargetError } from '../errors.js';
import { DEMO_PAGE_HTML } from './demo-page.js';
import { rejectUpgrade, sendText } from './http-reply.js';
import { encodePush, parseDropQuery, parsePublishQuery, type DropRequest, type PublishRequest } from './protocol.js';
import { SocketHub } from './socket-hub.js';
import { targetMetricsText } from './metrics-text.js';
import type { LocalTarget, PublishContext, PublishReply, RunningTarget, TargetHooks, TargetRelay, TargetStats } from './types.js';

/** Where to listen, plus optional misbehaviour hooks (tests only). */
export interface ListenTargetOptions {
  host?: string;
  port?: number;
  hooks?: TargetHooks;
  /** Set in a process that shares its port with others: publishes, drops and stats go through it. */
  relay?: TargetRelay;
  /**
   * Accept permessage-deflate when a client offers it (`wsload serve --per-message-deflate`, an
   * embedded target of a scenario that offers it); default false: refused, as before.
   */
  perMessageDeflate?: boolean;
}

/**
 * The server's permessage-deflate when accepted: every push compressed (threshold 0, where ws's
 * default 1024 would leave the demo's small pushes plain), the client's parameters agreed to.
 */
const ACCEPT_DEFLATE = { threshold: 0 } as const;

const trackerOf = new WeakMap<Socket, Set<Socket>>();

function socketOnClose(this: Socket): void {
  trackerOf.get(this)?.delete(this);
}

/** What every handler of one target shares: its sockets, hooks, relay and counts. */
interface Core {
  readonly hub: SocketHub;
  readonly hooks: TargetHooks;
  readonly relay: TargetRelay | undefined;
  readonly local: LocalTarget;
  publishes: number;
  delivered: number;
  /** Set once close() began: new upgrades are refused from then on. */
  closing: Promise<void> | null;
}

/** Starts the target core; throws TargetError when it cannot listen. */
export async function listenTarget(opts: ListenTargetOptions = {}): Promise<RunningTarget> {
  const host = opts.host ?? '127.0.0.1';
  const core = newCore(opts);
  // Every TCP connection, upgraded or not, so close() can end the ones a hook holds open.
  const connections = new Set<Socket>();
  const wss = new WebSocketServer({
    noServer: true,
    // A broadcast must cost one framing per socket: no compression unless asked for, no library-side
    // client set (the hub keeps its own, in accept order), no UTF-8 checks on whatever clients send.
    perMessageDeflate: opts.perMessageDeflate === true ? ACCEPT_DEFLATE : false,
    clientTracking: false,
    skipUTF8Validation: true,
    maxPayload: 1024 * 1024,
  });
  const server = createServer((req, res) => {
    handleRequest(core, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendText(res, 500, `internal error: ${err instanceof Error ? err.message : String(err)}`);
      else res.destroy();
    });
  });
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    trackerOf.set(socket, connections);
    socket.on('close', socketOnClose);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => handleUpgrade(core, wss, req, socket, head));
  const port = await listenOn(server, host, opts.port ?? 0);
  const origin = hostPort(host, port);
  return {
    host,
    port,
    wsUrl: `ws://${origin}/ws`,
    httpUrl: `http://${origin}`,
    clients: () => core.hub.size(),
    local: core.local,
    close: () => {
      core.closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        core.hub.terminateAll();
        for (const socket of connections) socket.destroy();
        connections.clear();
        wss.close();
      });
      return core.closing;
    },
  };
}

function newCore(opts: ListenTargetOptions): Core {
  const hub = new SocketHub();
  const core: Core = {
    hub,
    hooks: opts.hooks ?? {},
    relay: opts.relay,
    local: {
      push: (push) => pushHere(core, push).delivered,
      drop: (mode, count) => hub.drop(mode, count),
      stats: () => ({ pid: process.pid, open: hub.size(), accepted: hub.acceptedCount(), delivered: core.delivered }),
    },
    publishes: 0,
    delivered: 0,
    closing: null,
  };
  return core;
}

/** Listens; the port bound (the one asked for, or a free one for 0). */
async function listenOn(server: Server, host: string, askedPort: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new TargetError(`cannot listen on ${hostPort(host, askedPort)}: ${listenReason(err)}`));
    };
    server.once('error', onError);
    server.listen({ host, port: askedPort, backlog: 4096 }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : askedPort;
}

/** A WebSocket upgrade: a hook may take it; only /ws is accepted, and none once closing. */
function handleUpgrade(core: Core, wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  if (core.closing) {
    socket.destroy();
    return;
  }
  if (core.hooks.upgrade?.(req, socket, head)) return;
  if (pathOf(req.url) !== '/ws') {
    rejectUpgrade(socket, 404, 'WebSocket endpoint is /ws');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    if (core.closing) {
      ws.terminate();
      return;
    }
    const index = core.hub.add(ws, socket);
    core.hooks.connection?.(ws, index);
  });
}

/** The HTTP routes: the demo page, /api, /admin/drop, /admin/stats, /metrics; /ws only upgrades. */
async function handleRequest(core: Core, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = parseUrl(req.url);
  if (url === null) {
    sendText(res, 400, 'malformed request URL');
    return;
  }
  const method = req.method ?? 'GET';
  switch (url.pathname) {
    case '/':
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(DEMO_PAGE_HTML),
        'cache-control': 'no-store',
      });
      res.end(DEMO_PAGE_HTML);
      return;
    case '/api':
      if (method !== 'GET' && method !== 'POST') return methodNotAllowed(res, 'GET, POST');
      return handlePublish(core, url.searchParams, res);
    case '/admin/drop':
      if (method !== 'GET' && method !== 'POST') return methodNotAllowed(res, 'GET, POST');
      return handleDrop(core, url.searchParams, res);
    case '/admin/stats': {
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
      const stats = core.relay ? await core.relay.stats() : statsHere(core);
      if (!res.destroyed) sendJson(res, stats);
      return;
    }
    case '/metrics':
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
      return handleMetrics(core, method, res);
    case '/ws':
      sendText(res, 426, 'this path takes WebSocket upgrades', { upgrade: 'websocket' });
      return;
    default:
      sendText(res, 404, 'not found (paths: /, /ws, /api?id=&value=, /admin/drop?mode=&count=, /admin/stats, /metrics)');
  }
}

async function handleDrop(core: Core, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const parsed = parseDropQuery(query);
  if (!parsed.ok) return sendText(res, 400, parsed.message);
  const ended = core.relay ? await core.relay.drop(parsed.value) : dropHere(core, parsed.value);
  if (!res.destroyed) sendText(res, 200, String(ended));
}

async function handleMetrics(core: Core, method: string, res: ServerResponse): Promise<void> {
  const stats = core.relay ? await core.relay.stats() : statsHere(core);
  if (res.destroyed) return;
  const body = targetMetricsText(stats);
  res.writeHead(200, {
    'content-type': 'text/plain; version=0.0.4; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(method === 'HEAD' ? undefined : body);
}

function dropHere(core: Core, req: DropRequest): number {
  return core.hub.drop(req.mode, req.count ?? Math.round((req.share ?? 0) * core.hub.size()));
}

function pushHere(core: Core, push: PublishRequest, skip?: (socketIndex: number) => boolean): ReturnType<SocketHub['broadcast']> {
  const result = core.hub.broadcast(encodePush(push), skip);
  core.delivered += result.delivered;
  return result;
}

function statsHere(core: Core): TargetStats {
  const own = core.local.stats();
  return { processes: 1, open: own.open, accepted: own.accepted, publishes: core.publishes, perProcess: [{ index: 0, ...own }] };
}

/** /api: through the relay in a shared-port process, else a hook or the normal publish to every socket. */
async function handlePublish(core: Core, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const parsed = parsePublishQuery(query);
  if (!parsed.ok) return sendText(res, 400, parsed.message);
  const push = parsed.value;
  if (core.relay) {
    core.publishes++;
    const n = await core.relay.publish(push);
    if (!res.destroyed) sendText(res, 200, sentTo(n));
    return;
  }
  const ctx: PublishContext = {
    id: push.id,
    value: push.value,
    seq: ++core.publishes,
    deliver: (skip) => pushHere(core, push, skip),
  };
  const reply = core.hooks.publish ? await core.hooks.publish(ctx) : publishToAll(ctx);
  if (!res.destroyed) sendText(res, reply.status, reply.body);
}

/** The normal publish: hand the push to every open socket, then answer 200 with the count. */
export function publishToAll(ctx: PublishContext): PublishReply {
  // Answered only after the push was handed to every socket, so a publisher's response time
  // bounds when the last socket could have been written to.
  const { delivered } = ctx.deliver();
  return { status: 200, body: sentTo(delivered) };
}

function sentTo(n: number): string {
  return `sent to ${n} socket${n === 1 ? '' : 's'}`;
}

function sendJson(res: ServerResponse, value: unknown): void {
  const text = `${JSON.stringify(value)}\n`;
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  sendText(res, 405, `method not allowed (use ${allow})`, { allow });
}

function parseUrl(raw: string | undefined): URL | null {
  try {
    return new URL(raw ?? '/', 'http://target.invalid');
  } catch {
    return null;
  }
}

function pathOf(raw: string | undefined): string | null {
  return parseUrl(raw)?.pathname ?? null;
}

/** host:port with IPv6 literals bracketed, as URLs need. */
function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function listenReason(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return 'address already in use';
    case 'EACCES':
      return 'permission denied (ports below 1024 need privileges)';
    case 'EADDRNOTAVAIL':
      return 'address not available on this machine';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    default:
      return err.message;
  }
}
