/**
 * The coordinating side of a run spread over agents (remote `wsload agent`s or local shards, which
 * are agents on loopback): admits the expected agents, estimates their clocks, hands each its
 * worker slices, relays driver messages and publish records to them and their workers' messages
 * back. It trusts nothing an agent sends: every frame is checked (shape, numbers, frame order,
 * its own workers, their order) before it is taken in, and an agent that breaks a rule, closes its
 * connection or falls silent is dropped, its workers `gone`, never the run. Both sides send
 * heartbeats; silence is judged net of this process's own stalls (src/run/silence.ts). A dead
 * agent's name is free for its replacement (a restarted pod keeps its name): before the assignment
 * the replacement takes its place, after it the replacement stands by until the end.
 */
import type { WebSocket } from 'ws';
import { nowMs } from '../clock.js';
import { hostClockIdentity } from '../host-clock.js';
import { CoordinationError } from '../errors.js';
import { formatDuration } from '../duration.js';
import type { WorkerSlice } from '../run/protocol.js';
import {
  AGENT_SILENT_LIMIT_MS,
  COORDINATOR_BEAT_MS,
  DROPPED_CLOSE_CODE,
  REPLACE_SILENT_MS,
  type AgentToCoordinator,
  type TlsFiles,
} from '../run/control-protocol.js';
import { AgentLink } from './agent-link.js';
import { listenForAgents } from './control-server.js';
import { admission } from './admission.js';
import { checkedFrame } from './agent-frame.js';
import { missingAgentsText } from './missing-agents.js';
import { afterPendingIo } from './pending-io.js';
import { shardMemory, shardStates } from './shard-states.js';
import { assignLink, MAX_REASON, openCounts, relayToDriver } from './agent-relay.js';
import { shown } from './shown-name.js';
import { closeClocks, clockText, probeJoiningClock, reestimateClocks, REESTIMATE_EVERY_MS } from './agent-clocks.js';
import type { CoordinatorEvents, CoordinatorOptions, ShardState, WorkerPort } from './coordinator-types.js';

export type { CoordinatorEvents, CoordinatorOptions, ShardState, WorkerPort } from './coordinator-types.js';

/** An agent silent this long (by default) is lost. */
export const SILENT_LIMIT_MS = AGENT_SILENT_LIMIT_MS;
/** A socket that upgraded but said no hello in this time is dropped. */
const HELLO_LIMIT_MS = 10_000;
/** Log lines about agents at most; a scanner knocking on the port must not flood the log. */
const MAX_LOG_LINES = 200;

export class Coordinator {
  readonly port: number;
  private readonly links: AgentLink[] = [];
  /** Names admitted at the upgrade whose socket has not arrived yet, and since when. */
  private readonly reserved = new Map<string, number>();
  private events: CoordinatorEvents | null = null;
  private assigned = false;
  private ending = false;
  private wake: (() => void) | null = null;
  private failure: string | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly closeServer: () => void;
  private readonly me = hostClockIdentity();
  /** The highest publish seq announced: no agent may judge one above it. */
  private lastAnnounced = 0;
  private logLines = 0;

  private constructor(
    private readonly opts: CoordinatorOptions,
    server: { port: number; close: () => void },
  ) {
    this.port = server.port;
    this.closeServer = server.close;
    // Heartbeats and the silence watch run from the first agent on, not only once the run started:
    // an agent dead while the others join must free its place.
    this.timers.push(setInterval(() => this.beat(), COORDINATOR_BEAT_MS));
  }

  /** Starts listening; agents may join from now on. */
  static async start(opts: CoordinatorOptions): Promise<Coordinator> {
    let self: Coordinator | null = null;
    const server = await listenForAgents(opts, {
      admit: (name, remote) => self?.admit(name, remote) ?? 503,
      onAgent: (ws, name, remote) => self?.accept(ws, name, remote),
      onRefused: (name, remote, status, reason) => self?.log(`refused agent ${shown(name)} from ${remote}: ${reason} (HTTP ${status})`),
    });
    self = new Coordinator(opts, server);
    return self;
  }

  /**
   * Agents that joined, whose clock is known and that were heard lately: one silent for a few
   * heartbeats is not counted (it may be dead, its connection still open), so the run neither
   * starts on it nor waits less for its replacement.
   */
  get joined(): AgentLink[] {
    const now = nowMs();
    return this.links.filter((l) => l.helloed && !l.leaving && !l.standby && l.clockKnown && l.judge.silenceMs(now) < REPLACE_SILENT_MS);
  }

  /** Names and hosts of joined agents on another host than this one. */
  elsewhere(): { name: string; host: string }[] {
    return this.joined.filter((l) => l.id.host !== this.me.host).map((l) => ({ name: l.id.name, host: l.id.host }));
  }

  /**
   * A local shard that ended with an error: before the assignment the wait fails at once with its
   * words; after it, its words are logged (the loss itself is told by its closed connection, which
   * only says that it closed).
   */
  failJoin(message: string): void {
    if (this.assigned) return this.log(message);
    if (this.failure) return;
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
    const waiting = (): boolean => this.joined.length < this.opts.expected && !interrupted && !this.failure;
    while (waiting() && nowMs() < untilMs) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, Math.max(1, Math.min(250, untilMs - nowMs())));
      });
    }
    // The deadline passed (or so this timer says): what the agents sent in time may still be unread
    // if this process stalled past it (stopped, starved). Read it first, then judge; the deadline
    // itself stays where it was.
    if (waiting()) await afterPendingIo();
    if (this.failure) throw new CoordinationError(this.failure);
    if (interrupted) return false;
    const joined = this.joined;
    if (joined.length < this.opts.expected) {
      const missing = this.opts.expected - joined.length;
      const why = missingAgentsText(this.links, joined, nowMs());
      throw new CoordinationError(`--agent-wait ${waitText}: ${missing} of ${this.opts.expected} agents did not join (${why})`);
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
    this.joined.slice(0, groups.length).forEach((link, i) => assignLink(link, i, groups[i], ringSize, tlsFiles, ports));
    this.timers.push(setInterval(() => reestimateClocks(this.links), REESTIMATE_EVERY_MS));
    return ports;
  }

  /** Tells every agent about a publish just announced in the coordinator's ring. */
  announced(seq: number, scheduledMs: number, sentMs: number, topic = 0): void {
    if (seq > this.lastAnnounced) this.lastAnnounced = seq;
    for (const l of this.links) {
      const off = l.clock.offsetMs;
      // The topic index is left out when 0, so a run without topics sends the records it always did.
      if (l.index >= 0)
        l.send({ type: 'publish', seq, scheduledMs: scheduledMs + off, sentMs: sentMs + off, ...(topic !== 0 ? { topic } : {}) });
    }
  }

  /** Tells every agent the outcome of a publish. */
  settled(seq: number, ok: boolean, ackMs: number): void {
    for (const l of this.links) if (l.index >= 0) l.send({ type: 'settle', seq, ok, ackMs: ackMs + l.clock.offsetMs });
  }

  /** Resident memory of each shard still in the run at its last stats message, by shard name, in index order. */
  shardMemory(): { shard: string; rssBytes: number }[] {
    return shardMemory(this.links);
  }

  /** The shards as the report gives them, in index order. */
  shards(): ShardState[] {
    return shardStates(this.links);
  }

  /** The receipts are all in: a last bounded round of clock probes (agent-clocks.ts). */
  closeClocks(limitMs: number): Promise<void> {
    return closeClocks(this.links, limitMs);
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

  private internalError(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    if (!this.opts.onInternalError) throw e;
    this.opts.onInternalError(e);
  }

  private log(line: string): void {
    if (this.logLines > MAX_LOG_LINES) return;
    this.logLines++;
    this.opts.log?.(this.logLines > MAX_LOG_LINES ? `more than ${MAX_LOG_LINES} lines about agents: the rest are not logged` : line);
  }

  /** Admission at the upgrade: 0, or the refusing status (REFUSALS says what the agent is told). */
  private admit(name: string, remote: string): number {
    const now = nowMs();
    const { status, replacing } = admission(name, now, {
      links: this.links,
      reserved: this.reserved,
      assigned: this.assigned,
      expected: this.opts.expected,
    });
    if (status !== 0) return status;
    if (replacing) {
      const why = `silent for ${formatDuration(replacing.judge.silenceMs(now))}, then replaced by a new agent with its name from ${remote}`;
      this.log(`agent ${replacing.label}: ${why}`);
      this.dropLink(replacing, why, why);
    }
    this.reserved.set(name, now);
    return 0;
  }

  private accept(ws: WebSocket, name: string, remote: string): void {
    this.reserved.delete(name);
    const link = new AgentLink({ name, host: '', pid: 0, bootId: null }, remote, ws, this.opts.silentLimitMs ?? SILENT_LIMIT_MS);
    this.links.push(link);
    // Judged after what is pending: after a stall of this process its hello may wait unread.
    const helloTimer = setTimeout(
      () =>
        void afterPendingIo().then(() => {
          if (!link.helloed) this.drop(link, `no hello within ${formatDuration(HELLO_LIMIT_MS)}`);
        }),
      HELLO_LIMIT_MS,
    );
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (link.closed) return;
      try {
        link.judge.heard(nowMs());
        const frame = checkedFrame(link, data, isBinary, this.lastAnnounced);
        if (!frame.ok) return this.drop(link, frame.why);
        if (frame.msg.type === 'hello') clearTimeout(helloTimer);
        this.onMessage(link, frame.msg);
      } catch (err) {
        // Whatever an agent sends is checked above: what throws here is this process's bug.
        this.internalError(err);
      }
    });
    ws.on('close', () => {
      clearTimeout(helloTimer);
      this.onClose(link, 'its control connection closed');
    });
    ws.on('error', () => {});
  }

  private onMessage(link: AgentLink, msg: AgentToCoordinator): void {
    if (msg.type === 'hello') return this.onHello(link, msg);
    if (msg.type === 'probe-reply') {
      const why = link.onProbeReply(msg);
      if (why !== null) this.drop(link, why);
      return;
    }
    const events = this.events;
    if (!events || link.lost || link.index < 0) return;
    if (relayToDriver(link, msg, events)) this.tellOpenCounts();
  }

  private tellOpenCounts(): void {
    const { open, peak } = openCounts(this.links);
    this.events?.onOpenCounts(open, peak);
  }

  private onHello(link: AgentLink, msg: Extract<AgentToCoordinator, { type: 'hello' }>): void {
    if (msg.name !== link.id.name) return this.drop(link, `its hello names it ${shown(msg.name)}, its upgrade ${shown(link.id.name)}`);
    const sameClock = msg.host === this.me.host && msg.bootId !== null && msg.bootId === this.me.bootId;
    link.hello(msg.host, msg.pid, msg.bootId, sameClock);
    if (this.assigned) {
      link.standby = true;
      const text = `a new agent ${link.label} (pid ${msg.pid}) joined in the place of the lost agent ${shown(link.id.name)} and stands by: a run does not move sockets once they were assigned (the lost agent's books were closed at its loss)`;
      this.log(text);
      this.events?.onReplacement(link.id.name, text);
      link.send({
        type: 'standby',
        reason: 'joined after the run started, in the place of a lost agent of this name: holds no sockets in this run',
      });
      return;
    }
    void this.joinClock(link);
  }

  /** Probes an agent's clock until it is known (or the run starts without it, or it leaves). */
  private async joinClock(link: AgentLink): Promise<void> {
    if (
      await probeJoiningClock(
        link,
        () => !link.closed && !this.assigned,
        (line) => this.log(line),
      )
    ) {
      const count = `${Math.min(this.joined.length, this.opts.expected)} of ${this.opts.expected}`;
      this.opts.info?.(`agent ${link.label} joined (${count}; ${clockText(link)})`);
    }
    this.poke();
  }

  private onClose(link: AgentLink, reason: string): void {
    if (link.closed) return;
    link.closed = true;
    if (!this.assigned || link.standby || link.index < 0) {
      // Left before the run started (or stood by): its place is free for another (a restarted pod).
      this.forget(link);
      if (!this.ending && !this.assigned && link.helloed)
        this.log(`agent ${link.label} left before the run started (${reason}); its place is free`);
      return;
    }
    if (this.ending || (link.finished && link.drainSent)) return;
    // An agent that left on its own (stopped by a signal) took its sockets out of the run early.
    const why = link.finished ? 'it stopped before the run ended' : reason;
    this.log(`agent ${link.label} lost: ${why}`);
    this.markLost(link, why);
  }

  /** Drops an agent that broke a rule or fell silent: logged, its workers gone if it had any. */
  private drop(link: AgentLink, why: string): void {
    if (link.closed) return;
    this.log(`dropped agent ${link.label}: ${why}`);
    this.dropLink(link, why);
  }

  private dropLink(link: AgentLink, why: string, lostReason = `dropped by the coordinator: ${why}`): void {
    link.closed = true;
    link.closeWith(DROPPED_CLOSE_CODE, `dropped by the coordinator: ${why}`);
    if (this.assigned && link.index >= 0) this.markLost(link, lostReason.slice(0, MAX_REASON));
    else this.forget(link);
  }

  /** Removes a link that held no slot of the run (before the assignment, or on standby). */
  private forget(link: AgentLink): void {
    const i = this.links.indexOf(link);
    if (i >= 0) this.links.splice(i, 1);
    this.poke();
  }

  private markLost(link: AgentLink, reason: string): void {
    if (link.lost) return;
    link.lost = reason;
    const events = this.events;
    events?.onAgentLost(link.id.name, reason);
    this.tellOpenCounts();
    for (const id of link.workerIds) {
      link.checks.settle(id);
      if (link.settled.has(id)) continue;
      link.settled.add(id);
      events?.onWorkerGone(id, `agent ${link.id.name} lost: ${reason}`);
    }
  }

  /** Every second: a heartbeat to every agent, and each agent's silence judged. */
  private beat(): void {
    const now = nowMs();
    for (const l of [...this.links]) {
      if (l.closed) continue;
      l.send({ type: 'beat' });
      // An agent that finished its part says nothing more that matters: its end is the run's.
      if (l.finished) continue;
      const silence = l.judge.check(now);
      if (silence === null) continue;
      const why = `silent for ${formatDuration(silence)}`;
      this.log(`dropped agent ${l.label}: ${why}`);
      if (this.assigned && l.index >= 0) {
        this.markLost(l, why);
        l.closed = true;
        l.terminate();
      } else this.dropLink(l, why);
    }
  }
}
