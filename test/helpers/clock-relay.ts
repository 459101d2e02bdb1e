/**
 * A relay on loopback between `wsload agent`s and their coordinator: agents dial the relay, which
 * dials the coordinator with the same upgrade headers (a refusal is passed back with its status)
 * and carries every control frame both ways, in order, altered only as asked. It is how the tests
 * give an agent on this machine the clock, the network or the faults of another one, with no test
 * switch in wsload itself:
 *
 * - `shiftMs`: the agent's clock reads `shiftMs` more than it does. Every time field an agent sends
 *   (its probe answers, its workers' receipt and close times) gains shiftMs, every one it is sent
 *   (publish records, ramp and drain times, timeline start) loses it, and its hello names another
 *   boot, so the coordinator must estimate the offset as it would for a remote machine: a right
 *   estimate converts every time back exactly; one of 0 or of the wrong sign is off by |shiftMs|.
 * - `otherBoot`: only the hello is changed (same clock, estimated as a remote one).
 * - `delayToAgentMs`: everything the coordinator sends reaches the agent this much later, in order
 *   (one leg of the link congested): clock probes then measure an asymmetric path, and the offset
 *   estimate is off by half the delay, within the ± half round trip it states (keep it under the
 *   coordinator's 2 s probe timeout, or no probe comes back in time).
 * - `dropFinalTicks`: the agent's workers' final ticks never reach the coordinator.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

export interface RelayOptions {
  /** ws://HOST:PORT of the coordinator. */
  coordinator: string;
  shiftMs?: number;
  otherBoot?: boolean;
  delayToAgentMs?: number;
  dropFinalTicks?: boolean;
}

export interface ControlRelay {
  /** ws://127.0.0.1:PORT for `wsload agent --coordinator`. */
  url: string;
  /** Frames each way, and those dropped. */
  counts: { toCoordinator: number; toAgent: number; dropped: number; probes: number };
  close(): Promise<void>;
}

type Frame = Record<string, unknown> & { type?: string };

const CLOSE_FIELDS = 5;

/** Adds `by` to every time in a worker tick (close log, open log, last receipts), in place. */
function shiftTick(msg: Frame, by: number): void {
  const closeLog = msg.closeLog as number[] | undefined;
  if (closeLog) for (let i = 0; i < closeLog.length; i += CLOSE_FIELDS) closeLog[i] += by;
  const openLog = msg.openLog as number[] | undefined;
  if (openLog) for (let i = 0; i < openLog.length; i += 2) openLog[i] += by;
  for (const r of (msg.seqResults as { lastReceiptMs: number }[] | undefined) ?? []) if (r.lastReceiptMs > 0) r.lastReceiptMs += by;
}

/** An agent's frame as the coordinator gets it. */
function fromAgent(frame: Frame, opts: RelayOptions, counts: ControlRelay['counts']): Frame | null {
  const s = opts.shiftMs ?? 0;
  if (frame.type === 'hello' && (opts.otherBoot === true || s !== 0)) return { ...frame, bootId: `relayed-${String(frame.bootId)}` };
  if (frame.type === 'probe-reply' && s !== 0) return { ...frame, t1: (frame.t1 as number) + s, t2: (frame.t2 as number) + s };
  if (frame.type === 'worker') {
    const msg = frame.msg as Frame;
    if (opts.dropFinalTicks === true && msg.type === 'tick' && msg.final === true) {
      counts.dropped++;
      return null;
    }
    if (s !== 0 && msg.type === 'tick') shiftTick(msg, s);
  }
  return frame;
}

/** A coordinator's frame as the agent gets it. */
function toAgent(frame: Frame, opts: RelayOptions, counts: ControlRelay['counts']): Frame {
  const s = opts.shiftMs ?? 0;
  if (frame.type === 'probe') counts.probes++;
  if (s === 0) return frame;
  if (frame.type === 'publish') return { ...frame, scheduledMs: (frame.scheduledMs as number) - s, sentMs: (frame.sentMs as number) - s };
  if (frame.type === 'settle') return { ...frame, ackMs: (frame.ackMs as number) - s };
  if (frame.type === 'assign') {
    const slices = (frame.slices as Frame[]).map((slice) => {
      const tl = slice.timeline as { startMs: number; intervalMs: number } | null;
      return tl ? { ...slice, timeline: { ...tl, startMs: tl.startMs - s } } : slice;
    });
    return { ...frame, slices };
  }
  if (frame.type === 'driver') {
    const msg = frame.msg as Frame;
    if (msg.type === 'start') return { ...frame, msg: { ...msg, rampStartMs: (msg.rampStartMs as number) - s } };
    if (msg.type === 'drain') return { ...frame, msg: { ...msg, deadlineAtMs: (msg.deadlineAtMs as number) - s } };
  }
  return frame;
}

/** Headers the coordinator checks at the upgrade, passed on as the agent sent them. */
function upgradeHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['authorization', 'x-wsload-agent', 'x-wsload-version']) {
    const v = req.headers[name];
    if (typeof v === 'string') out[name] = v;
  }
  return out;
}

/** Starts a relay to `opts.coordinator` on 127.0.0.1 (any free port). */
export async function startControlRelay(opts: RelayOptions): Promise<ControlRelay> {
  const counts = { toCoordinator: 0, toAgent: 0, dropped: 0, probes: 0 };
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 * 1024 });
  const open = new Set<WebSocket>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const upstream = new WebSocket(`${opts.coordinator.replace(/\/+$/, '')}${req.url ?? '/'}`, { headers: upgradeHeaders(req), maxPayload: 256 * 1024 * 1024 });
    upstream.once('unexpected-response', (_r, res) => {
      socket.end(`HTTP/1.1 ${res.statusCode ?? 502} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      upstream.terminate();
    });
    upstream.once('error', () => socket.destroy());
    upstream.once('open', () => {
      wss.handleUpgrade(req, socket, head, (agent) => {
        open.add(agent);
        open.add(upstream);
        agent.on('message', (data: RawData) => {
          const out = fromAgent(JSON.parse(data.toString()) as Frame, opts, counts);
          if (out === null || upstream.readyState !== WebSocket.OPEN) return;
          counts.toCoordinator++;
          upstream.send(JSON.stringify(out));
        });
        upstream.on('message', (data: RawData) => {
          const out = JSON.stringify(toAgent(JSON.parse(data.toString()) as Frame, opts, counts));
          const deliver = (): void => {
            if (agent.readyState !== WebSocket.OPEN) return;
            counts.toAgent++;
            agent.send(out);
          };
          // A constant delay keeps the order: timers of equal delay fire in the order they were set.
          const delay = opts.delayToAgentMs ?? 0;
          if (delay <= 0) return deliver();
          const t = setTimeout(() => {
            timers.delete(t);
            deliver();
          }, delay);
          timers.add(t);
        });
        // A close on either side closes the other, after what was already on its way to the agent.
        agent.on('close', (code) => upstream.close(code === 1005 || code === 1006 ? 1000 : code));
        upstream.on('close', (code) => {
          const end = (): void => agent.close(code === 1005 || code === 1006 ? 1000 : code);
          const delay = opts.delayToAgentMs ?? 0;
          if (delay > 0) setTimeout(end, delay);
          else end();
        });
        agent.on('error', () => {});
        upstream.on('error', () => {});
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    counts,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const ws of open) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
