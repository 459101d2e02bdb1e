/**
 * How a ws socket (and its TCP/TLS socket) finds its pool: listeners are module-level functions
 * that read the worker-local socket number and the pool off the socket (as ws itself does), so
 * 10,000 sockets cost no closures. Also the createConnection hooks that time DNS, TCP and TLS.
 */
import dns from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import type { LookupFunction } from '../net/connect-options.js';

export const kIndex = Symbol('wsload.index');
export const kPool = Symbol('wsload.pool');
/** The Sec-WebSocket-Extensions the server answered, kept from 'upgrade' to 'open' (only with permessage-deflate offered). */
export const kAnswered = Symbol('wsload.extensions');

/** What the listeners call on the pool; each call is one direct method call (the message path is hot). */
export interface PoolEvents {
  onOpen(k: number): void;
  onMessage(k: number, data: Buffer, isBinary: boolean): void;
  onPong(k: number): void;
  onPing(k: number, ws: WebSocket): void;
  onError(k: number, err: NodeJS.ErrnoException): void;
  onClose(k: number, code: number): void;
  onSocketError(k: number, err: NodeJS.ErrnoException): void;
  onSocketFinish(k: number): void;
  onLookup(k: number): void;
  onTcp(k: number): void;
  onTls(k: number): void;
  /** An upgrade completed with these extensions accepted ("" none): called before onOpen, only when some are offered. */
  onNegotiated(answered: string): void;
}

export interface PooledSocket extends WebSocket {
  [kIndex]: number;
  [kPool]: PoolEvents;
  [kAnswered]?: string;
}

export interface ConnectOptions extends WebSocket.ClientOptions {
  lookup?: LookupFunction;
  localAddress?: string;
  localPort?: number;
  [kIndex]: number;
  [kPool]: PoolEvents;
}

export function wsOnOpen(this: WebSocket): void {
  const ws = this as PooledSocket;
  const answered = ws[kAnswered];
  if (answered !== undefined) ws[kPool].onNegotiated(answered);
  ws[kPool].onOpen(ws[kIndex]);
}

/**
 * Keeps the server's Sec-WebSocket-Extensions answer (listened to only when permessage-deflate is
 * offered): counted at 'open', since ws may still refuse the answer after 'upgrade'.
 */
export function wsOnUpgrade(this: WebSocket, res: IncomingMessage): void {
  const header = res.headers['sec-websocket-extensions'];
  (this as PooledSocket)[kAnswered] = typeof header === 'string' ? header.trim() : '';
}

export function wsOnMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  const ws = this as PooledSocket;
  ws[kPool].onMessage(ws[kIndex], data, isBinary);
}

export function wsOnPong(this: WebSocket): void {
  const ws = this as PooledSocket;
  ws[kPool].onPong(ws[kIndex]);
}

export function wsOnPing(this: WebSocket): void {
  const ws = this as PooledSocket;
  ws[kPool].onPing(ws[kIndex], ws);
}

export function wsOnError(this: WebSocket, err: Error): void {
  const ws = this as PooledSocket;
  ws[kPool].onError(ws[kIndex], err as NodeJS.ErrnoException);
}

export function wsOnClose(this: WebSocket, code: number): void {
  const ws = this as PooledSocket;
  ws[kPool].onClose(ws[kIndex], code);
}

interface WatchedSocket extends net.Socket {
  [kIndex]: number;
  [kPool]: PoolEvents;
}

function socketOnError(this: net.Socket, err: Error): void {
  const socket = this as WatchedSocket;
  socket[kPool].onSocketError(socket[kIndex], err as NodeJS.ErrnoException);
}

function socketOnFinish(this: net.Socket): void {
  const socket = this as WatchedSocket;
  socket[kPool].onSocketFinish(socket[kIndex]);
}

function watchSocketErrors(socket: net.Socket, pool: PoolEvents, k: number): void {
  const watched = socket as WatchedSocket;
  watched[kIndex] = k;
  watched[kPool] = pool;
  socket.on('error', socketOnError);
  // 'on', not 'once' (which wraps the listener in a closure per connection): 'finish' comes once anyway.
  socket.on('finish', socketOnFinish);
}

/**
 * Times DNS apart from TCP by wrapping the lookup net.connect will call (a 'lookup' listener would
 * miss a `resolve` mapping, which answers synchronously inside net.connect). IPs need no lookup.
 */
function timeLookup(options: net.NetConnectOpts, pool: PoolEvents, k: number): void {
  const opts = options as { host?: string; lookup?: LookupFunction };
  const host = opts.host ?? '';
  if (host === '' || net.isIP(host) !== 0) return;
  const inner = opts.lookup ?? (dns.lookup as unknown as LookupFunction);
  opts.lookup = (hostname, lookupOptions, callback) =>
    inner(hostname, lookupOptions, (err, address, family) => {
      pool.onLookup(k);
      callback(err, address, family);
    });
}

// Our own createConnection (ws calls it with the merged options) so the TCP and TLS phases of
// each handshake can be timed; otherwise identical to ws's netConnect / tlsConnect.
export function netConnectTimed(netOptions: net.NetConnectOpts): net.Socket {
  const options = netOptions as unknown as ConnectOptions;
  const pool = options[kPool];
  const k = options[kIndex];
  timeLookup(netOptions, pool, k);
  const socket = net.connect(netOptions);
  socket.once('connect', () => pool.onTcp(k));
  watchSocketErrors(socket, pool, k);
  return socket;
}

export function tlsConnectTimed(netOptions: net.NetConnectOpts): net.Socket {
  const options = netOptions as unknown as ConnectOptions;
  const pool = options[kPool];
  const k = options[kIndex];
  const opts = netOptions as unknown as tls.ConnectionOptions & { path?: string };
  opts.path = undefined;
  if (!opts.servername && opts.servername !== '') opts.servername = net.isIP(opts.host ?? '') ? '' : opts.host;
  timeLookup(netOptions, pool, k);
  const socket = tls.connect(opts);
  socket.once('connect', () => pool.onTcp(k));
  socket.once('secureConnect', () => pool.onTls(k));
  watchSocketErrors(socket, pool, k);
  return socket;
}
