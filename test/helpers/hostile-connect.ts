/**
 * A small hostile WebSocket server with one fault per mode, at the connect level: the upgrade is
 * never answered, answered with a plain HTTP status, answered with a wrong Sec-WebSocket-Accept,
 * or completed and followed by frames no publish could have sent (binary, invalid UTF-8 text).
 * Written on node:http directly rather than on the demo target, so each fault is exactly the one
 * named and nothing else about the server differs from a plain `ws` server.
 */
import { createServer, STATUS_CODES, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/** The fault a HostileConnectServer plays. */
export type HostileConnectMode =
  /** Reads the upgrade request and never answers (client handshake timeouts). */
  | 'no-answer'
  /** Answers the upgrade with 200 OK and a body, as a misrouted gateway does. */
  | 'http-200'
  /** Answers the upgrade with 503 Service Unavailable. */
  | 'http-503'
  /** Answers 101 with a Sec-WebSocket-Accept that does not match the key. */
  | 'wrong-accept'
  /** Completes the upgrade, then sends `frames` binary frames to each socket. */
  | 'binary-after-open'
  /** Completes the upgrade, then sends `frames` text frames holding invalid UTF-8. */
  | 'invalid-utf8-after-open';

/** A running hostile server on 127.0.0.1. */
export interface HostileConnectServer {
  mode: HostileConnectMode;
  /** ws://127.0.0.1:port/ws */
  wsUrl: string;
  /** http://127.0.0.1:port (GET /api answers 200 and pushes nothing). */
  httpUrl: string;
  /** Upgrade requests received. */
  upgrades(): number;
  /** WebSockets opened (modes that complete the upgrade). */
  opened(): number;
  /** Frames sent after open, over all sockets. */
  framesSent(): number;
  /** Destroys every connection and closes the server. */
  close(): Promise<void>;
}

/** Bytes that are not UTF-8: 0xC3 must be followed by a continuation byte, 0x28 is not one. */
const INVALID_UTF8 = Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0x7d]);

/** Starts a server playing `mode`; `frames` is how many frames the *-after-open modes send per socket. */
export async function startHostileConnectServer(mode: HostileConnectMode, opts: { frames?: number } = {}): Promise<HostileConnectServer> {
  const frames = opts.frames ?? 3;
  let upgrades = 0;
  let opened = 0;
  let framesSent = 0;
  const connections = new Set<Socket>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  const server = createServer((req, res) => {
    // /api exists so the default publish URL answers; it pushes nothing in any mode.
    res.writeHead(req.url?.startsWith('/api') ? 200 : 404, { 'content-type': 'text/plain', connection: 'close' });
    res.end('hostile\n');
  });
  server.on('connection', (socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });

  const onOpen = (ws: WebSocket): void => {
    opened++;
    for (let i = 0; i < frames; i++) {
      if (mode === 'binary-after-open') ws.send(Buffer.from([0, 1, 2, i]), { binary: true });
      else ws.send(INVALID_UTF8, { binary: false }); // ws does not validate what it sends
      framesSent++;
    }
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrades++;
    switch (mode) {
      case 'no-answer':
        return; // held until the client gives up or close() destroys it
      case 'http-200':
      case 'http-503': {
        const status = mode === 'http-200' ? 200 : 503;
        const body = `not a WebSocket endpoint (${status})\n`;
        socket.end(
          `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        );
        return;
      }
      case 'wrong-accept':
        // A syntactically valid accept value, for some other key.
        socket.write(
          'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        );
        return;
      case 'binary-after-open':
      case 'invalid-utf8-after-open':
        wss.handleUpgrade(req, socket, head, onOpen);
        return;
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    mode,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    upgrades: () => upgrades,
    opened: () => opened,
    framesSent: () => framesSent,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      for (const socket of connections) socket.destroy();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
