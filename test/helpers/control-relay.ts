/**
 * The relay on loopback between real `wsload agent`s and a real coordinator: agents dial the relay,
 * which dials the coordinator with the same upgrade headers (a refusal comes back to the agent as it
 * was) and forwards every frame both ways, in order. It is how the tests give an agent on this
 * machine the clock, the network or the faults of another one, with no test switch in wsload itself.
 *
 * Two ways to alter the traffic, which compose:
 * - hooks, per direction, that may drop, duplicate or rewrite a frame, a delay per direction, and
 *   cuts of a direction while the TCP connections stay up (what a partition or a hung middlebox
 *   looks like): the hostile suite sets these as a case goes on;
 * - rewrites (`FrameRewrites`), fixed when the relay starts, that give an agent another clock:
 *   - `shiftMs`: the agent's clock reads `shiftMs` more than it does. Every time field an agent
 *     sends (its probe answers, its workers' receipt and close times) gains shiftMs, every one it is
 *     sent (publish records, ramp and drain times, timeline start) loses it, and its hello names
 *     another boot, so the coordinator must estimate the offset as it would for a remote machine: a
 *     right estimate converts every time back exactly; one of 0 or of the wrong sign is off by |shiftMs|.
 *   - `otherBoot`: only the hello is changed (same clock, estimated as a remote one).
 *   - `delayToAgentMs`: everything the coordinator sends reaches the agent this much later, in order
 *     (one leg of the link congested): clock probes then measure an asymmetric path, and the offset
 *     estimate is off by half the delay, within the ± half round trip it states (keep it under the
 *     coordinator's 2 s probe timeout, or no probe comes back in time).
 *   - `dropFinalTicks`: the agent's workers' final ticks never reach the coordinator.
 *   - `probeShiftMs`: only the agent's probe answers read this much ahead (its hello names another
 *     boot): the offset estimate is wrong by it, with the tight bound of a loopback round trip.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { AGENT_NAME_HEADER, AGENT_VERSION_HEADER } from '../../src/run/control-protocol.js';
import { startCoordinator, type StartedCoordinator } from './agents.js';

export type Direction = 'to-coordinator' | 'to-agent';

/** What to do with one frame: the frames to forward in its place (none: dropped). */
export type FrameHook = (frame: string, agent: string) => string[];

/** An agent's clock and ticks as the relay alters them (see the top of this file). */
export interface FrameRewrites {
  shiftMs?: number;
  otherBoot?: boolean;
  delayToAgentMs?: number;
  dropFinalTicks?: boolean;
  probeShiftMs?: number;
}

/** Frames passed on per direction (after the hooks), final ticks dropped and clock probes seen. */
export type RelayCounts = Record<Direction, number> & { dropped: number; probes: number };

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

/** An agent's frame as the coordinator gets it (null: dropped). */
function fromAgent(frame: Frame, opts: FrameRewrites, counts: RelayCounts): Frame | null {
  const s = opts.shiftMs ?? 0;
  const p = s + (opts.probeShiftMs ?? 0);
  if (frame.type === 'hello' && (opts.otherBoot === true || p !== 0)) return { ...frame, bootId: `relayed-${String(frame.bootId)}` };
  if (frame.type === 'probe-reply' && p !== 0) return { ...frame, t1: (frame.t1 as number) + p, t2: (frame.t2 as number) + p };
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
function toAgent(frame: Frame, opts: FrameRewrites, counts: RelayCounts): Frame {
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

export class ControlRelay {
  port = 0;
  /** ws://127.0.0.1:PORT for `wsload agent --coordinator`, once listening. */
  url = '';
  readonly counts: RelayCounts = { 'to-coordinator': 0, 'to-agent': 0, dropped: 0, probes: 0 };
  /** Per direction: frames pass through this hook (default: as they are, or as the rewrites make them). */
  readonly hooks: Record<Direction, FrameHook> = { 'to-coordinator': (f) => [f], 'to-agent': (f) => [f] };
  /** Per direction: each frame is held this long (order kept). */
  readonly delayMs: Record<Direction, number> = { 'to-coordinator': 0, 'to-agent': 0 };
  /** Per direction and agent name: frames are dropped from now on (the connections stay open). */
  private readonly cuts = new Set<string>();
  private readonly server = http.createServer((_req, res) => res.writeHead(404).end());
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 * 1024 });
  private readonly sockets = new Set<WebSocket>();

  constructor(
    private readonly coordinatorPort: number,
    rewrites: FrameRewrites = {},
  ) {
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    // Frames are parsed only when something is to be rewritten or counted by type.
    if (Object.keys(rewrites).length > 0) {
      this.hooks['to-coordinator'] = (f) => {
        const out = fromAgent(JSON.parse(f) as Frame, rewrites, this.counts);
        return out === null ? [] : [JSON.stringify(out)];
      };
      this.hooks['to-agent'] = (f) => [JSON.stringify(toAgent(JSON.parse(f) as Frame, rewrites, this.counts))];
      this.delayMs['to-agent'] = rewrites.delayToAgentMs ?? 0;
    }
  }

  /** A relay to the coordinator on `coordinatorPort`, listening on 127.0.0.1 (any free port). */
  static async start(coordinatorPort: number, rewrites: FrameRewrites = {}): Promise<ControlRelay> {
    const relay = new ControlRelay(coordinatorPort, rewrites);
    await relay.listen();
    return relay;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    this.url = `ws://127.0.0.1:${this.port}`;
    return this.url;
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
      res.on('end', () =>
        socket.end(`HTTP/1.1 ${res.statusCode} Refused\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`),
      );
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
          if (to.readyState !== WebSocket.OPEN || this.isCut(direction, agent)) return;
          this.counts[direction]++;
          to.send(f, { binary: isBinary });
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

/** A coordinator and the relay in front of it: agents dial `relay.url`, or `direct` to bypass it. */
export interface RelayedCoordinator extends StartedCoordinator {
  relay: ControlRelay;
  /** ws://127.0.0.1:PORT, the coordinator's own control address. */
  direct: string;
}

/** Starts `wsload run scenario --agents N --listen 127.0.0.1:0 …flags` and a relay to it (`rewrites`). */
export async function startRelayedCoordinator(
  scenario: string,
  agents: number,
  flags: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
  rewrites: FrameRewrites = {},
): Promise<RelayedCoordinator> {
  const c = await startCoordinator(scenario, agents, flags, opts);
  const relay = await ControlRelay.start(c.port, rewrites);
  return { ...c, relay, direct: `ws://127.0.0.1:${c.port}` };
}
