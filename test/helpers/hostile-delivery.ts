/**
 * A small WebSocket + HTTP server speaking the demo protocol (/ws, /api?id=&value=) with exactly
 * one fault per mode, for tests of delivery accounting under hostile targets. It counts what it
 * did, so a test can assert wsload's counts exactly against the server's.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';

export type HostileMode =
  /** Pushes `{"meta":{"value":"x"},"id":…,"value":…}`: the match field also nested, first. */
  | 'nested'
  /** Pushes the value as a JSON number with a fraction (`3.9` for publish 3). */
  | 'decimal'
  /** Pushes every publish twice to every socket. */
  | 'duplicate'
  /** Pushes every publish at once, and the first `resendCount` again `resendAfterMs` later. */
  | 'resend'
  /** Answers odd publishes at once but pushes them only after the next (even) one: every socket gets n+1 before n. */
  | 'reorder'
  /**
   * Pushes odd publishes at once to the first half of the sockets only, leaves their request
   * unanswered, and pushes them to the other half after the next (even) publish.
   */
  | 'reorder-unacked'
  /** Also pushes, for every publish, another run's value and a bare number (as a {seq}-only run would). */
  | 'foreign'
  /** Pushes odd publishes with another id than the request's. */
  | 'wrong-id'
  /** Pushes, answers 200 headers, then drips the body one byte every 100 ms and never ends it. */
  | 'drip'
  /** Pushes, never answers the request. */
  | 'stall'
  /** Neither pushes nor answers. */
  | 'stall-silent';

export interface HostileTarget {
  wsUrl: string;
  /** /api calls received. */
  publishes(): number;
  /** Frames handed to sockets. */
  frames(): number;
  /** (socket, publish) pairs handed over after a later publish on the same socket. */
  reordered(): number;
  /** Frames of other runs handed to sockets. */
  foreignFrames(): number;
  /** Re-sent frames handed to sockets. */
  resent(): number;
  close(): Promise<void>;
}

export interface HostileOptions {
  resendAfterMs?: number;
  resendCount?: number;
}

/** Starts a hostile target on 127.0.0.1 and a free port. */
export async function startHostileTarget(mode: HostileMode, opts: HostileOptions = {}): Promise<HostileTarget> {
  const sockets: WebSocket[] = [];
  const connections = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const held: { id: string; value: string; res: ServerResponse | null }[] = [];
  const counts = { publishes: 0, frames: 0, reordered: 0, foreign: 0, resent: 0 };

  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const open = (): WebSocket[] => sockets.filter((ws) => ws.readyState === WebSocket.OPEN);
  const send = (targets: WebSocket[], text: string): number => {
    for (const ws of targets) ws.send(text);
    counts.frames += targets.length;
    return targets.length;
  };
  const push = (id: string, value: string): string => JSON.stringify({ id, value });

  const onPublish = (id: string, value: string, res: ServerResponse): void => {
    counts.publishes++;
    const seq = Number(value.slice(value.lastIndexOf('-') + 1));
    const ok = (): void => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
    };
    switch (mode) {
      case 'nested':
        send(open(), `{"meta":{"value":"x","id":"x"},"id":${JSON.stringify(id)},"value":${JSON.stringify(value)}}`);
        return ok();
      case 'decimal':
        send(open(), `{"id":${JSON.stringify(id)},"value":${seq}.9}`);
        return ok();
      case 'duplicate':
        send(open(), push(id, value));
        send(open(), push(id, value));
        return ok();
      case 'resend': {
        send(open(), push(id, value));
        if (seq <= (opts.resendCount ?? 0)) later(opts.resendAfterMs ?? 1500, () => (counts.resent += send(open(), push(id, value))));
        return ok();
      }
      case 'reorder':
        if (seq % 2 === 1) {
          const h = { id, value, res: null };
          held.push(h);
          // An odd publish with no even one after it (the last) goes out in order.
          later(600, () => flushHeld(open(), false, h));
          return ok();
        }
        send(open(), push(id, value));
        flushHeld(open(), true);
        return ok();
      case 'reorder-unacked': {
        const all = open();
        if (seq % 2 === 1) {
          send(all.slice(0, Math.ceil(all.length / 2)), push(id, value));
          const h = { id, value, res };
          held.push(h);
          later(600, () => flushHeld(open().slice(Math.ceil(open().length / 2)), false, h));
          return;
        }
        send(all, push(id, value));
        flushHeld(all.slice(Math.ceil(all.length / 2)), true);
        return ok();
      }
      case 'foreign':
        send(open(), push(id, value));
        counts.foreign += send(open(), push(id, `zzzzzzzz-${seq}`));
        counts.foreign += send(open(), push(id, String(seq)));
        return ok();
      case 'wrong-id':
        send(open(), push(seq % 2 === 1 ? `not-${id}` : id, value));
        return ok();
      case 'drip': {
        send(open(), push(id, value));
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
        const drip = setInterval(() => {
          if (res.destroyed) return clearInterval(drip);
          res.write('.');
        }, 100);
        res.on('close', () => clearInterval(drip));
        return;
      }
      case 'stall':
        send(open(), push(id, value));
        return;
      case 'stall-silent':
        return;
    }
  };

  /** Pushes held odd publishes to `targets`; `afterLater` when a later publish already went to them. */
  function flushHeld(targets: WebSocket[], afterLater: boolean, only?: (typeof held)[number]): void {
    const due = only ? held.filter((h) => h === only) : held.slice();
    for (const h of due) {
      held.splice(held.indexOf(h), 1);
      const n = send(targets, push(h.id, h.value));
      if (afterLater) counts.reordered += n;
      if (h.res && !h.res.headersSent) {
        h.res.writeHead(200, { 'content-type': 'text/plain' });
        h.res.end('ok\n');
      }
    }
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const id = url.searchParams.get('id');
    const value = url.searchParams.get('value');
    if (url.pathname !== '/api' || id === null || value === null) {
      res.writeHead(404).end();
      return;
    }
    onPublish(id, value, res);
  });
  server.on('connection', (s: Socket) => {
    connections.add(s);
    s.on('close', () => connections.delete(s));
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {});
      sockets.push(ws);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    publishes: () => counts.publishes,
    frames: () => counts.frames,
    reordered: () => counts.reordered,
    foreignFrames: () => counts.foreign,
    resent: () => counts.resent,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const ws of sockets) ws.terminate();
      for (const s of connections) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
