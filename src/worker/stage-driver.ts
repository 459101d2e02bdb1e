/**
 * Drives a worker's sockets along the stages: each socket's opens and closes (run/load-stages.ts)
 * fire at their due time on the shared ramp clock. An open waits for a free handshake slot
 * (maxPendingHandshakes still bounds handshakes) and keeps its due time, so handshake latency
 * counts from when the shape wanted the socket; later events wait behind it, keeping their order.
 */
import { nowMs } from '../clock.js';
import { socketEvents, type SocketEvents } from '../run/load-stages.js';
import type { LoadStage } from '../run/scenario.js';
import type { SocketPool } from './socket-pool.js';

/** How often due events are looked for (the ramp's own timer period). */
const STAGE_TICK_MS = 5;

export class StageDriver {
  private readonly events: SocketEvents;
  private next = 0;
  private startMs = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: SocketPool,
    stages: readonly LoadStage[],
    indices: readonly number[],
  ) {
    this.events = socketEvents(stages, indices);
  }

  /** Starts the shape at `atMs` (shared clock). */
  start(atMs: number): void {
    this.startMs = atMs;
    this.timer = setInterval(() => this.tick(), STAGE_TICK_MS);
    this.tick();
  }

  /** Fires every event due by now, in order; an open without a free handshake slot waits. */
  tick(): void {
    if (this.timer === null) return;
    const { atMs, socket } = this.events;
    const now = nowMs();
    while (this.next < atMs.length) {
      const due = this.startMs + atMs[this.next];
      if (due > now) break;
      const s = socket[this.next];
      if (s >= 0) {
        if (this.pool.freeSlots <= 0) break;
        this.pool.rampOpen(s, due);
      } else this.pool.rampClose(~s);
      this.next++;
    }
    if (this.next >= atMs.length) this.stop();
  }

  /** No more events fire (the run is draining, or the shape is done). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
