/**
 * One agent as the coordinator sees it: its control socket, who it is, its clock offset, the
 * workers it runs, what it last said about its sockets and memory, how long it has been silent,
 * and whether it was lost. Every time crossing the link is converted here, so nothing above knows
 * the agent has another clock; every frame sent is numbered here (src/run/control-protocol.ts).
 */
import type { WebSocket } from 'ws';
import { nowMs } from '../clock.js';
import { CLOSE_LOG_FIELDS, type DriverMessage, type WorkerMessage } from '../run/protocol.js';
import {
  AGENT_SILENT_LIMIT_MS,
  COORDINATOR_BEAT_MS,
  closeReason,
  type AgentToCoordinator,
  type CoordinatorToAgent,
} from '../run/control-protocol.js';
import { SilenceJudge } from '../run/silence.js';
import { afterPendingIo } from './pending-io.js';
import { AgentChecks } from './agent-checks.js';
import { ClockOffsetEstimator, ClockTrack, SAME_CLOCK, type ClockOffset } from './clock-offset.js';

/** How long one clock probe may take before it is given up. */
const PROBE_TIMEOUT_MS = 2_000;
/** After a close frame, how long the agent gets to close its end before the socket is cut. */
const CLOSE_GRACE_MS = 1_000;

/** Who an agent said it is in its hello (host and pid unknown until then). */
export interface AgentIdentity {
  name: string;
  host: string;
  pid: number;
  bootId: string | null;
}

export class AgentLink {
  /** The agent's clock: t_agent = t_coordinator + offsetMs (exactly 0 on the same host). */
  clock: ClockOffset = { offsetMs: 0, uncertaintyMs: Number.POSITIVE_INFINITY };
  /** Every offset in use so far and the bound they held to (drift between rounds included). */
  readonly clockTrack = new ClockTrack();
  /** True when the agent shares this process's CLOCK_MONOTONIC (same host and boot). */
  sameClock = false;
  /** Said its hello. */
  helloed = false;
  /** Admitted after the assignment in the place of a lost agent: holds no sockets. */
  standby = false;
  /** Global ids of the workers this agent runs (set at assignment). */
  workerIds: number[] = [];
  /** Workers that sent their final tick or are gone. */
  readonly settled = new Set<number>();
  open = 0;
  peak = 0;
  peakRssMb = 0;
  /** Resident memory at the agent's last stats message. */
  rssMb = 0;
  /** Why the agent was lost, or null. */
  lost: string | null = null;
  closed = false;
  /**
   * Closed, or closing: the end of its connection was read (a killed agent's FIN) but its 'close'
   * is still a loop turn or more away. A wait judged right after a stall must not count it joined.
   */
  get leaving(): boolean {
    return this.closed || this.ws.readyState !== this.ws.OPEN;
  }
  /** The coordinator told its workers to drain or stop: from then on, finishing is the run ending. */
  drainSent = false;
  /** What its frames must respect beyond their shape. */
  readonly checks = new AgentChecks();
  readonly judge: SilenceJudge;
  /** When the connection was accepted (nowMs). */
  readonly sinceMs = nowMs();
  private readonly probes = new Map<number, { t0: number; done: (reply: { t0: number; t1: number; t2: number; t3: number }) => void }>();
  private nextProbe = 1;
  private sent = 0;

  /** Place among the shards, set when slices are assigned; -1 until then. */
  index = -1;

  constructor(
    readonly id: AgentIdentity,
    /** Where it connected from, for the log. */
    readonly remote: string,
    private readonly ws: WebSocket,
    silentLimitMs = AGENT_SILENT_LIMIT_MS,
  ) {
    this.judge = new SilenceJudge(silentLimitMs, COORDINATOR_BEAT_MS, this.sinceMs);
  }

  /** "name (host)" once it said hello, else "name from address". */
  get label(): string {
    return this.helloed ? `${this.id.name} (${this.id.host})` : `${this.id.name || '(no name)'} from ${this.remote}`;
  }

  /** Takes the hello: who it is and whether it shares this clock. */
  hello(host: string, pid: number, bootId: string | null, sameClock: boolean): void {
    this.helloed = true;
    this.id.host = host;
    this.id.pid = pid;
    this.id.bootId = bootId;
    this.sameClock = sameClock;
    if (sameClock) this.clock = SAME_CLOCK;
  }

  send(msg: CoordinatorToAgent): void {
    if (this.closed) return;
    this.ws.send(JSON.stringify({ ...msg, n: ++this.sent }));
  }

  /** A driver message for one of its workers, times moved onto the agent's clock. */
  sendDriver(workerId: number, msg: DriverMessage): void {
    if (msg.type === 'drain' || msg.type === 'stop') this.drainSent = true;
    const off = this.clock.offsetMs;
    const moved: DriverMessage =
      msg.type === 'start'
        ? { ...msg, rampStartMs: msg.rampStartMs + off }
        : msg.type === 'drain'
          ? { ...msg, deadlineAtMs: msg.deadlineAtMs + off }
          : msg;
    this.send({ type: 'driver', workerId, msg: moved });
  }

  /** A worker message with its times moved onto the coordinator's clock. */
  toLocal(msg: WorkerMessage): WorkerMessage {
    if (msg.type !== 'tick' || this.clock.offsetMs === 0) return msg;
    const off = this.clock.offsetMs;
    const closeLog = msg.closeLog?.slice();
    if (closeLog) for (let i = 0; i < closeLog.length; i += CLOSE_LOG_FIELDS) closeLog[i] -= off;
    const seqResults = msg.seqResults.map((r) => (r.lastReceiptMs > 0 ? { ...r, lastReceiptMs: r.lastReceiptMs - off } : r));
    const openLog = msg.openLog?.slice();
    if (openLog) for (let i = 0; i < openLog.length; i += 2) openLog[i] -= off;
    const idleOpen = msg.idleOpen ? { ...msg.idleOpen, atMs: msg.idleOpen.atMs - off } : undefined;
    return { ...msg, seqResults, ...(closeLog ? { closeLog } : {}), ...(openLog ? { openLog } : {}), ...(idleOpen ? { idleOpen } : {}) };
  }

  /**
   * Takes a probe reply; null when taken (or late: its probe had timed out), else why it cannot
   * be (a probe never sent, or one whose send time it did not echo).
   */
  onProbeReply(reply: Extract<AgentToCoordinator, { type: 'probe-reply' }>): string | null {
    if (reply.id < 1 || reply.id >= this.nextProbe) return `a reply to probe ${reply.id}, which was never sent`;
    const probe = this.probes.get(reply.id);
    if (!probe) return null;
    if (probe.t0 !== reply.t0) return `a reply to probe ${reply.id} with another send time (${reply.t0}, sent at ${probe.t0})`;
    this.probes.delete(reply.id);
    probe.done({ t0: probe.t0, t1: reply.t1, t2: reply.t2, t3: nowMs() });
    return null;
  }

  /**
   * Sends `count` probes one after another and updates the offset from this round's minimum-RTT
   * sample (an older round's would carry the drift since); a no-op on the same clock.
   */
  async estimateClock(count: number): Promise<void> {
    if (this.sameClock) return;
    const estimator = new ClockOffsetEstimator();
    for (let i = 0; i < count && !this.closed; i++) {
      const id = this.nextProbe++;
      const sample = await new Promise<{ t0: number; t1: number; t2: number; t3: number } | null>((resolve) => {
        // Given up after what is pending: after a stall of this process its reply may wait unread.
        const timer = setTimeout(
          () =>
            void afterPendingIo().then(() => {
              if (this.probes.delete(id)) resolve(null);
            }),
          PROBE_TIMEOUT_MS,
        );
        const t0 = nowMs();
        this.probes.set(id, {
          t0,
          done: (s) => {
            clearTimeout(timer);
            resolve(s);
          },
        });
        this.send({ type: 'probe', id, t0 });
      });
      if (sample) estimator.add(sample);
    }
    const est = estimator.estimate();
    if (est) {
      this.clock = est;
      this.clockTrack.apply(est);
    }
  }

  /** Its clock is known (same clock, or at least one probe answered). */
  get clockKnown(): boolean {
    return Number.isFinite(this.clock.uncertaintyMs);
  }

  /** Ends the control connection at once (the close handler then decides whether the agent was lost). */
  terminate(): void {
    this.ws.terminate();
  }

  /** Closes the control connection after what was sent (the run is over). */
  close(): void {
    this.ws.close(1000);
  }

  /** Closes with a code and a reason the agent prints; cut if it does not close its end in time. */
  closeWith(code: number, reason: string): void {
    try {
      this.ws.close(code, closeReason(reason));
    } catch {
      // Already closing.
    }
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** All of its workers have sent their final tick or are gone. */
  get finished(): boolean {
    return this.workerIds.length > 0 && this.workerIds.every((id) => this.settled.has(id));
  }
}
