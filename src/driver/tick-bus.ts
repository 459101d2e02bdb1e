/**
 * The ticks of a run, to which everything that follows it subscribes (the aggregate, the timeline,
 * progress, drop detection) instead of being inlined in the phases: a worker's snapshot arriving,
 * a worker gone, the driver's own tick every tickMs, and the end of the run.
 */
import { nowMs } from '../clock.js';
import type { WorkerMessage } from '../run/protocol.js';

/** What a worker sends every tick (and at every timeline boundary): counters + encoded histograms. */
export type Snapshot = Extract<WorkerMessage, { type: 'tick' }>;

/** A follower of the run's ticks; every hook is optional. Times are on the shared nowMs() clock. */
export interface TickSubscriber {
  /** A worker's snapshot arrived. */
  onSnapshot?(snapshot: Snapshot, atMs: number): void;
  /** A worker crashed, exited before its final snapshot or was terminated; `reason` says how. */
  onWorkerGone?(workerId: number, reason: string, atMs: number): void;
  /** The driver's tick, every tickMs while the run goes on. */
  onTick?(atMs: number): void;
  /** The run is over (every worker final or gone): hand out everything still held. */
  onEnd?(atMs: number): void;
}

/** Fans the run's ticks out to its subscribers, in the order they subscribed. */
export class TickBus {
  private readonly subscribers: TickSubscriber[] = [];
  private timer: NodeJS.Timeout | null = null;
  private ended = false;

  /** Adds a subscriber; earlier ones hear every tick first. */
  subscribe(subscriber: TickSubscriber): void {
    this.subscribers.push(subscriber);
  }

  /** Starts the driver's own tick. */
  start(tickMs: number): void {
    if (this.timer || this.ended) return;
    this.timer = setInterval(() => this.tick(nowMs()), tickMs);
  }

  /** Stops the driver's tick (idempotent). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  snapshot(snapshot: Snapshot, atMs: number): void {
    for (const s of this.subscribers) s.onSnapshot?.(snapshot, atMs);
  }

  workerGone(workerId: number, reason: string, atMs: number): void {
    for (const s of this.subscribers) s.onWorkerGone?.(workerId, reason, atMs);
  }

  tick(atMs: number): void {
    for (const s of this.subscribers) s.onTick?.(atMs);
  }

  /** Stops the tick and tells every subscriber the run is over, once. */
  end(atMs: number): void {
    this.stop();
    if (this.ended) return;
    this.ended = true;
    for (const s of this.subscribers) s.onEnd?.(atMs);
  }
}
