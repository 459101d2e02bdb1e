/**
 * One agent as the coordinator sees it: its control socket, who it is, its clock offset, the
 * workers it runs, what it last said about its sockets and memory, and whether it was lost. Every
 * time crossing the link is converted here, so nothing above knows the agent has another clock.
 */
import type { WebSocket } from 'ws';
import { nowMs } from '../clock.js';
import { CLOSE_LOG_FIELDS, type DriverMessage, type WorkerMessage } from '../run/protocol.js';
import type { AgentToCoordinator, CoordinatorToAgent } from '../run/control-protocol.js';
import { ClockOffsetEstimator, ClockTrack, SAME_CLOCK, type ClockOffset } from './clock-offset.js';

/** How long one clock probe may take before it is given up. */
const PROBE_TIMEOUT_MS = 2_000;

/** Who an agent said it is in its hello. */
export interface AgentIdentity {
  name: string;
  host: string;
  pid: number;
  bootId: string | null;
}

export class AgentLink {
  /** The agent's clock: t_agent = t_coordinator + offsetMs (exactly 0 on the same host). */
  clock: ClockOffset;
  /** Every offset in use so far and the bound they held to (drift between rounds included). */
  readonly clockTrack = new ClockTrack();
  /** Global ids of the workers this agent runs (set at assignment). */
  workerIds: number[] = [];
  /** Workers that sent their final tick or are gone. */
  readonly settled = new Set<number>();
  open = 0;
  peak = 0;
  peakRssMb = 0;
  /** Resident memory at the agent's last stats message. */
  rssMb = 0;
  lastSeenMs = nowMs();
  /** Why the agent was lost, or null. */
  lost: string | null = null;
  closed = false;
  /** The coordinator told its workers to drain or stop: from then on, finishing is the run ending. */
  drainSent = false;
  private readonly probes = new Map<number, (reply: { t0: number; t1: number; t2: number; t3: number }) => void>();
  private nextProbe = 1;

  /** Place among the shards, set when slices are assigned; -1 until then. */
  index = -1;

  constructor(
    readonly id: AgentIdentity,
    /** True when the agent shares this process's CLOCK_MONOTONIC (same host and boot). */
    readonly sameClock: boolean,
    private readonly ws: WebSocket,
  ) {
    this.clock = sameClock ? SAME_CLOCK : { offsetMs: 0, uncertaintyMs: Number.POSITIVE_INFINITY };
  }

  send(msg: CoordinatorToAgent): void {
    if (this.closed) return;
    this.ws.send(JSON.stringify(msg));
  }

  /** A driver message for one of its workers, times moved onto the agent's clock. */
  sendDriver(workerId: number, msg: DriverMessage): void {
    if (msg.type === 'drain' || msg.type === 'stop') this.drainSent = true;
    const off = this.clock.offsetMs;
    const moved: DriverMessage =
      msg.type === 'start' ? { ...msg, rampStartMs: msg.rampStartMs + off } : msg.type === 'drain' ? { ...msg, deadlineAtMs: msg.deadlineAtMs + off } : msg;
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

  /** Takes a probe reply from the agent. */
  onProbeReply(reply: Extract<AgentToCoordinator, { type: 'probe-reply' }>): void {
    const done = this.probes.get(reply.id);
    if (!done) return;
    this.probes.delete(reply.id);
    done({ t0: reply.t0, t1: reply.t1, t2: reply.t2, t3: nowMs() });
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
        const timer = setTimeout(() => {
          this.probes.delete(id);
          resolve(null);
        }, PROBE_TIMEOUT_MS);
        this.probes.set(id, (s) => {
          clearTimeout(timer);
          resolve(s);
        });
        this.send({ type: 'probe', id, t0: nowMs() });
      });
      if (sample) estimator.add(sample);
    }
    const est = estimator.estimate();
    if (est) {
      this.clock = est;
      this.clockTrack.apply(est);
    }
  }

  /** Ends the control connection at once (the close handler then decides whether the agent was lost). */
  terminate(): void {
    this.ws.terminate();
  }

  /** Closes the control connection after what was sent (the run is over). */
  close(): void {
    this.ws.close(1000);
  }

  /** All of its workers have sent their final tick or are gone. */
  get finished(): boolean {
    return this.workerIds.length > 0 && this.workerIds.every((id) => this.settled.has(id));
  }
}
