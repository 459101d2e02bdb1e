/**
 * A relay on loopback between real `wsload agent`s and a real coordinator, for the hostile suite:
 * agents dial the relay, which dials the coordinator with the same upgrade headers (a refusal comes
 * back to the agent as it was) and forwards every frame both ways, through hooks that may delay,
 * drop, duplicate or rewrite it, or cut a direction altogether while the TCP connections stay up
 * (what a partition or a hung middlebox looks like).
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { AGENT_NAME_HEADER, AGENT_VERSION_HEADER } from '../../src/run/control-protocol.js';

export type Direction = 'to-coordinator' | 'to-agent';

/** What to do with one frame: the frames to forward in its place (none: dropped). */
export type FrameHook = (frame: string, agent: string) => string[];

export class ControlRelay {
  port = 0;
  /** Per direction: frames pass through this hook (default: as they are). */
  readonly hooks: Record<Direction, FrameHook> = { 'to-coordinator': (f) => [f], 'to-agent': (f) => [f] };
  /** Per direction: each frame is held this long (order kept). */
  readonly delayMs: Record<Direction, number> = { 'to-coordinator': 0, 'to-agent': 0 };
  /** Per direction and agent name: frames are dropped from now on (the connections stay open). */
  private readonly cuts = new Set<string>();
  private readonly server = http.createServer((_req, res) => res.writeHead(404).end());
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 * 1024 });
  private readonly sockets = new Set<WebSocket>();

  constructor(private readonly coordinatorPort: number) {
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return `ws://127.0.0.1:${this.port}`;
  }

  /** From now on, frames of `agent` (every agent: '*') in `direction` vanish. */
  cut(direction: Direction, agent = '*'): void {
    this.cuts.add(`${direction}:${agent}`);
  }

  close(): void {
    for (const s of this.sockets) s.terminate();
    this.wss.close();
    this.server.close();
    this.server.closeAllConnections();
  }

  private isCut(direction: Direction, agent: string): boolean {
    return this.cuts.has(`${direction}:*`) || this.cuts.has(`${direction}:${agent}`);
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const agent = String(req.headers[AGENT_NAME_HEADER] ?? '');
    const headers: Record<string, string> = {};
    for (const h of ['authorization', AGENT_NAME_HEADER, AGENT_VERSION_HEADER]) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const upstream = new WebSocket(`ws://127.0.0.1:${this.coordinatorPort}${req.url ?? '/'}`, { headers, maxPayload: 256 * 1024 * 1024 });
    upstream.once('unexpected-response', (_r, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => socket.end(`HTTP/1.1 ${res.statusCode} Refused\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`));
    });
    upstream.once('error', () => socket.destroy());
    upstream.once('open', () => {
      this.wss.handleUpgrade(req, socket, head, (client) => this.pipe(agent, client, upstream));
    });
  }

  private pipe(agent: string, client: WebSocket, upstream: WebSocket): void {
    this.sockets.add(client);
    this.sockets.add(upstream);
    this.forward(agent, client, upstream, 'to-coordinator');
    this.forward(agent, upstream, client, 'to-agent');
    client.on('error', () => {});
    upstream.on('error', () => {});
  }

  /** Frames and then the close of `from`, passed on to `to` in order, each after the direction's delay. */
  private forward(agent: string, from: WebSocket, to: WebSocket, direction: Direction): void {
    let lastAt = 0;
    const later = (fn: () => void): void => {
      const delay = this.delayMs[direction];
      if (delay <= 0 && lastAt <= Date.now()) return fn();
      // Held, in order: nothing overtakes what came before it, a close included.
      const at = Math.max(Date.now() + delay, lastAt);
      lastAt = at;
      setTimeout(fn, at - Date.now());
    };
    from.on('message', (data: Buffer, isBinary: boolean) => {
      if (this.isCut(direction, agent)) return;
      const frames = isBinary ? [data] : this.hooks[direction](data.toString(), agent);
      for (const f of frames) {
        later(() => {
          if (to.readyState === WebSocket.OPEN && !this.isCut(direction, agent)) to.send(f, { binary: isBinary });
        });
      }
    });
    // A close is passed on (a code that cannot be sent in a frame becomes a cut connection).
    from.on('close', (code: number, reason: Buffer) => {
      later(() => {
        if (code >= 1000 && code < 5000 && code !== 1004 && code !== 1005 && code !== 1006) to.close(code, reason);
        else to.terminate();
      });
    });
  }
}
