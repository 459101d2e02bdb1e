/**
 * The coordinating side of a run spread over agents (remote `wsload agent`s or local shards, which
 * are agents on loopback): admits the expected agents, estimates their clocks, hands each its
 * worker slices, relays driver messages and publish records to them and their workers' messages
 * back, and notices an agent lost (connection closed, or silent too long) so its workers go
 * `gone` instead of hanging the run.
 */
import type { WebSocket } from 'ws';
import { nowMs } from '../clock.js';
import { hostClockIdentity } from '../host-clock.js';
import { CoordinationError } from '../errors.js';
import { formatDuration } from '../duration.js';
import type { DriverMessage, WorkerMessage, WorkerSlice } from '../run/protocol.js';
import { parseControlFrame, type AgentToCoordinator, type TlsFiles } from '../run/control-protocol.js';
import { AgentLink } from './agent-link.js';
import { listenForAgents, type ControlListen } from './control-server.js';

/** Clock probes when an agent joins, and at each re-estimate. */
const JOIN_PROBES = 8;
const REESTIMATE_PROBES = 4;
/** Clocks drift: long runs re-estimate the offsets this often. */
const REESTIMATE_EVERY_MS = 30_000;
/** An agent sends stats twice a second; silent this long (by default), it is lost. */
export const SILENT_LIMIT_MS = 15_000;
/** A socket that upgraded but said no hello in this time is dropped. */
const HELLO_LIMIT_MS = 10_000;

/** What the driver hears from the agents' workers. */
export interface CoordinatorEvents {
  onWorkerMessage(msg: WorkerMessage): void;
  onWorkerGone(workerId: number, reason: string): void;
  /** Sockets open now over all agents, and the sum of their own peaks. */
  onOpenCounts(open: number, peakSum: number): void;
  onAgentLost(name: string, reason: string): void;
}

/** A worker as the driver drives it, wherever it runs. */
export interface WorkerPort {
  postMessage(msg: DriverMessage): void;
  terminate(): Promise<unknown>;
}

/** What the report says about one shard. */
export interface ShardState {
  index: number;
  name: string;
  host: string;
  pid: number;
  workerIds: number[];
  /** The offset in use last. */
  clockOffsetMs: number;
  /** The largest uncertainty of an offset in use over the run, drift between probe rounds included. */
  clockUncertaintyMs: number;
  /** The largest change of its offset between two probe rounds (0 on the same clock). */
  clockDriftMs: number;
  peakRssMb: number;
  lost: string | null;
}

export interface CoordinatorOptions extends ControlListen {
  expected: number;
  /** Probe the clocks even of agents on this host (tests the estimator path end to end). */
  forceClockProbe: boolean;
  /** An agent silent this long is lost (default SILENT_LIMIT_MS). */
  silentLimitMs?: number;
}

export class Coordinator {
  readonly port: number;
  private readonly links: AgentLink[] = [];
  /** Names taken at the upgrade (a socket not yet said hello included). */
  private readonly names = new Set<string>();
  private events: CoordinatorEvents | null = null;
  private assigned = false;
  private ending = false;
  private wake: (() => void) | null = null;
  private failure: string | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly closeServer: () => void;
  private readonly me = hostClockIdentity();

  private constructor(
    private readonly opts: CoordinatorOptions,
    server: { port: number; close: () => void },
  ) {
    this.port = server.port;
    this.closeServer = server.close;
  }

  /** Starts listening; agents may join from now on. */
  static async start(opts: CoordinatorOptions): Promise<Coordinator> {
    let self: Coordinator | null = null;
    const server = await listenForAgents(
      opts,
      (name) => self?.admit(name) ?? 503,
      (ws, name) => self?.accept(ws, name),
    );
    self = new Coordinator(opts, server);
    return self;
  }

  /** Agents that joined and whose clock is known. */
  get joined(): AgentLink[] {
    return this.links.filter((l) => !l.closed && Number.isFinite(l.clock.uncertaintyMs));
  }

  /** Names and hosts of joined agents on another host than this one. */
  elsewhere(): { name: string; host: string }[] {
    return this.joined.filter((l) => l.id.host !== this.me.host).map((l) => ({ name: l.id.name, host: l.id.host }));
  }

  /** A local shard that ended before joining: the wait fails at once with its words. */
  failJoin(message: string): void {
    if (this.assigned || this.failure) return;
    this.failure = message;
    this.poke();
  }

  /**
   * Resolves true once every expected agent has joined, false when `aborted` resolves first;
   * throws a CoordinationError naming who is missing at `untilMs`.
   */
  async waitForAgents(untilMs: number, waitText: string, aborted: Promise<void>): Promise<boolean> {
    let interrupted = false;
    void aborted.then(() => {
      interrupted = true;
      this.poke();
    });
    while (this.joined.length < this.opts.expected && !interrupted && !this.failure && nowMs() < untilMs) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, Math.max(1, Math.min(250, untilMs - nowMs())));
      });
    }
    if (this.failure) throw new CoordinationError(this.failure);
    if (interrupted) return false;
    const joined = this.joined;
    if (joined.length < this.opts.expected) {
      const missing = this.opts.expected - joined.length;
      const who = joined.length > 0 ? `joined: ${joined.map((l) => `${l.id.name} (${l.id.host})`).join(', ')}` : 'none joined';
      throw new CoordinationError(`--agent-wait ${waitText}: ${missing} of ${this.opts.expected} agents did not join (${who})`);
    }
    return true;
  }

  /**
   * Hands each joined agent its group of slices (group i to the i-th agent to join) and returns
   * a port per global worker id; from here on their workers' messages go to `events`.
   */
  assign(groups: WorkerSlice[][], ringSize: number, events: CoordinatorEvents, tlsFiles: TlsFiles | null = null): Map<number, WorkerPort> {
    this.assigned = true;
    this.events = events;
    const ports = new Map<number, WorkerPort>();
    const links = this.joined.slice(0, groups.length);
    links.forEach((link, i) => {
      link.index = i;
      link.workerIds = groups[i].map((s) => s.workerId);
      const off = link.clock.offsetMs;
      const slices = groups[i].map(({ ring: _ring, ...rest }) => ({
        ...rest,
        timeline: rest.timeline ? { ...rest.timeline, startMs: rest.timeline.startMs + off } : null,
      }));
      link.send({ type: 'assign', slices, ringSize, ...(tlsFiles ? { tlsFiles } : {}) });
      for (const id of link.workerIds) {
        ports.set(id, {
          postMessage: (msg) => link.sendDriver(id, msg),
          terminate: async () => link.send({ type: 'terminate', workerId: id }),
        });
      }
    });
    this.timers.push(setInterval(() => this.watchSilence(), 1_000));
    this.timers.push(setInterval(() => this.reestimate(), REESTIMATE_EVERY_MS));
    return ports;
  }

  /** Tells every agent about a publish just announced in the coordinator's ring. */
  announced(seq: number, scheduledMs: number, sentMs: number, topic = 0): void {
    for (const l of this.links) {
      const off = l.clock.offsetMs;
      // The topic index is left out when 0, so a run without topics sends the records it always did.
      if (l.index >= 0) l.send({ type: 'publish', seq, scheduledMs: scheduledMs + off, sentMs: sentMs + off, ...(topic !== 0 ? { topic } : {}) });
    }
  }

  /** Tells every agent the outcome of a publish. */
  settled(seq: number, ok: boolean, ackMs: number): void {
    for (const l of this.links) if (l.index >= 0) l.send({ type: 'settle', seq, ok, ackMs: ackMs + l.clock.offsetMs });
  }

  /** Resident memory of each shard still in the run at its last stats message, by shard name, in index order. */
  shardMemory(): { shard: string; rssBytes: number }[] {
    return this.links
      .filter((l) => l.index >= 0 && l.lost === null && !l.closed)
      .sort((a, b) => a.index - b.index)
      .map((l) => ({ shard: l.id.name, rssBytes: Math.round(l.rssMb * 1048576) }));
  }

  /** The shards as the report gives them, in index order. */
  shards(): ShardState[] {
    return this.links
      .filter((l) => l.index >= 0)
      .sort((a, b) => a.index - b.index)
      .map((l) => ({
        index: l.index,
        name: l.id.name,
        host: l.id.host,
        pid: l.id.pid,
        workerIds: l.workerIds,
        clockOffsetMs: l.clock.offsetMs,
        clockUncertaintyMs: l.sameClock ? 0 : l.clockTrack.uncertaintyMs,
        clockDriftMs: l.clockTrack.driftMs,
        peakRssMb: l.peakRssMb,
        lost: l.lost,
      }));
  }

  /**
   * The receipts are all in: one more round of probes for every agent still in the run on another
   * clock, so the bound of the offset used since the last round covers its drift up to the end.
   * Bounded by `limitMs`: an agent that does not answer keeps the bound it had.
   */
  async closeClocks(limitMs: number): Promise<void> {
    const probing = this.links.filter((l) => l.index >= 0 && l.lost === null && !l.closed && !l.sameClock).map((l) => l.estimateClock(REESTIMATE_PROBES));
    if (probing.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(probing), new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)))]);
    clearTimeout(timer);
  }

  /** The run is over: tells the agents to exit and stops listening. */
  close(): void {
    this.ending = true;
    for (const t of this.timers) clearInterval(t);
    for (const l of this.links) {
      l.send({ type: 'end' });
      l.close();
    }
    this.closeServer();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private admit(name: string): number {
    if (this.assigned || this.names.size >= this.opts.expected) return 503;
    if (name === '' || this.names.has(name)) return 409;
    this.names.add(name);
    return 0;
  }

  private accept(ws: WebSocket, name: string): void {
    let link: AgentLink | null = null;
    const helloTimer = setTimeout(() => ws.terminate(), HELLO_LIMIT_MS);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      const msg = parseControlFrame<AgentToCoordinator>(data.toString());
      if (!msg) return;
      if (!link) {
        if (msg.type !== 'hello') return;
        clearTimeout(helloTimer);
        const sameClock = !this.opts.forceClockProbe && msg.host === this.me.host && msg.bootId !== null && msg.bootId === this.me.bootId;
        link = new AgentLink({ name, host: msg.host, pid: msg.pid, bootId: msg.bootId }, sameClock, ws);
        this.links.push(link);
        const joining = link;
        void joining.estimateClock(JOIN_PROBES).then(() => this.poke());
        return;
      }
      this.onMessage(link, msg);
    });
    ws.on('close', () => {
      clearTimeout(helloTimer);
      if (link) this.onClose(link, 'its control connection closed');
      else this.names.delete(name);
    });
    ws.on('error', () => {});
  }

  private onMessage(link: AgentLink, msg: AgentToCoordinator): void {
    link.lastSeenMs = nowMs();
    const events = this.events;
    if (msg.type === 'probe-reply') link.onProbeReply(msg);
    else if (!events || link.lost) return;
    else if (msg.type === 'worker') {
      const m = msg.msg;
      if (m.type === 'tick' && m.final) link.settled.add(m.workerId);
      if (m.type === 'fatal') link.settled.add(m.workerId);
      events.onWorkerMessage(link.toLocal(m));
    } else if (msg.type === 'gone') {
      if (link.settled.has(msg.workerId)) return;
      link.settled.add(msg.workerId);
      events.onWorkerGone(msg.workerId, msg.reason);
    } else if (msg.type === 'stats') {
      link.open = msg.open;
      link.peak = msg.peak;
      link.peakRssMb = Math.max(link.peakRssMb, msg.peakRssMb);
      link.rssMb = msg.rssMb ?? msg.peakRssMb;
      this.tellOpenCounts();
    }
  }

  /** Sockets open over the agents still in the run (a lost one's died with it), and the sum of every agent's peak. */
  private tellOpenCounts(): void {
    let open = 0;
    let peak = 0;
    for (const l of this.links) {
      if (l.lost === null) open += l.open;
      peak += l.peak;
    }
    this.events?.onOpenCounts(open, peak);
  }

  private onClose(link: AgentLink, reason: string): void {
    if (link.closed) return;
    link.closed = true;
    if (!this.assigned) {
      // Left before the run started: its place is free for another (a restarted pod).
      this.links.splice(this.links.indexOf(link), 1);
      this.names.delete(link.id.name);
      this.poke();
      return;
    }
    if (link.index < 0 || this.ending || (link.finished && link.drainSent)) return;
    // An agent that left on its own (stopped by a signal) took its sockets out of the run early.
    this.markLost(link, link.finished ? 'it stopped before the run ended' : reason);
  }

  private markLost(link: AgentLink, reason: string): void {
    if (link.lost) return;
    link.lost = reason;
    const events = this.events;
    events?.onAgentLost(link.id.name, reason);
    this.tellOpenCounts();
    for (const id of link.workerIds) {
      if (link.settled.has(id)) continue;
      link.settled.add(id);
      events?.onWorkerGone(id, `agent ${link.id.name} lost: ${reason}`);
    }
  }

  private watchSilence(): void {
    const now = nowMs();
    for (const l of this.links) {
      if (l.index < 0 || l.closed || l.finished || now - l.lastSeenMs < (this.opts.silentLimitMs ?? SILENT_LIMIT_MS)) continue;
      this.markLost(l, `silent for ${formatDuration(now - l.lastSeenMs)}`);
      l.terminate();
    }
  }

  private reestimate(): void {
    for (const l of this.links) if (!l.closed && !l.sameClock) void l.estimateClock(REESTIMATE_PROBES);
  }
}
