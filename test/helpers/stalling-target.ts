/**
 * A slow-consumer gateway in miniature: the real target core (src/target/listen-target.ts) that,
 * from publish number `stallAtSeq` on, withholds every push from its first `stalled` sockets (by
 * accept index) for `stallMs`, then destroys their TCP connections (no close frame: 1006). It keeps
 * what a test needs to judge wsload's books exactly: each withheld publish and when it arrived here,
 * and when the stalled sockets were destroyed, on the same monotonic clock wsload stamps its
 * publishes with (src/clock.ts).
 */
import type { WebSocket } from 'ws';
import { nowMs } from '../../src/clock.js';
import { listenTarget } from '../../src/target/listen-target.js';
import type { PublishContext, PublishReply } from '../../src/target/types.js';

export interface StallingOptions {
  /** Sockets stalled: accept indices 0 … stalled − 1. */
  stalled: number;
  /** The /api call (1-based count) from which their pushes are withheld. */
  stallAtSeq: number;
  /** How long they are withheld before the sockets are destroyed. */
  stallMs: number;
}

export interface StallingTarget {
  wsUrl: string;
  /** (socket, publish) pairs handed to a socket. */
  delivered(): number;
  /** When each withheld publish's /api call arrived here (one per publish, every stalled socket missed it). */
  withheldAt(): readonly number[];
  /** (socket, publish) pairs withheld: exactly the deliveries the stalled sockets owed and never got. */
  withheld(): number;
  /** When the stalled sockets were destroyed; 0 until then. */
  destroyedAt(): number;
  /** Stalled sockets destroyed. */
  destroyed(): number;
  /**
   * Withheld pairs that wsload must count lost before close whatever the timing: their publish was
   * sent no later than it arrived here, and the socket closed no earlier than it was destroyed, so
   * it stayed open at least `destroyedAt − arrival` after the send; those with that ≥ `graceMs`.
   */
  surelyOwed(graceMs: number): number;
  close(): Promise<void>;
}

/** Starts the stalling target on 127.0.0.1 and a free port. */
export async function startStallingTarget(opts: StallingOptions): Promise<StallingTarget> {
  const sockets = new Map<number, WebSocket>();
  const withheldAt: number[] = [];
  let delivered = 0;
  let stalling = false;
  let destroyedAt = 0;
  let destroyed = 0;
  let timer: NodeJS.Timeout | null = null;

  const destroyStalled = (): void => {
    timer = null;
    stalling = false;
    destroyedAt = nowMs();
    for (let i = 0; i < opts.stalled; i++) {
      const ws = sockets.get(i);
      if (ws && ws.readyState === ws.OPEN) {
        ws.terminate();
        destroyed++;
      }
    }
  };

  const publish = (ctx: PublishContext): PublishReply => {
    const arrived = nowMs();
    if (ctx.seq === opts.stallAtSeq && destroyedAt === 0) {
      stalling = true;
      timer = setTimeout(destroyStalled, opts.stallMs);
    }
    if (stalling) withheldAt.push(arrived);
    const r = ctx.deliver((index) => stalling && index < opts.stalled);
    delivered += r.delivered;
    return { status: 200, body: `sent to ${r.delivered}, withheld from ${r.skipped}` };
  };

  const target = await listenTarget({
    host: '127.0.0.1',
    port: 0,
    hooks: {
      connection: (ws, index) => {
        sockets.set(index, ws);
        ws.once('close', () => sockets.delete(index));
      },
      publish,
    },
  });

  return {
    wsUrl: target.wsUrl,
    delivered: () => delivered,
    withheldAt: () => withheldAt,
    withheld: () => withheldAt.length * opts.stalled,
    destroyedAt: () => destroyedAt,
    destroyed: () => destroyed,
    surelyOwed: (graceMs) => withheldAt.filter((t) => destroyedAt - t >= graceMs).length * opts.stalled,
    close: async () => {
      if (timer) clearTimeout(timer);
      await target.close();
    },
  };
}
