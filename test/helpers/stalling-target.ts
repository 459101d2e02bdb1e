/**
 * A slow-consumer gateway in miniature: the real target core (src/target/listen-target.ts) that,
 * from publish number `stallAtSeq` on, withholds every push from its first `stalled` sockets (by
 * accept index) for `stallMs`, then destroys their TCP connections (no close frame: 1006). It keeps
 * what a test needs to judge wsload's books exactly: each withheld publish and when it arrived here,
 * and when the stalled sockets were destroyed, on the same monotonic clock wsload stamps its
 * publishes with (src/clock.ts).
 */
import { nowMs } from '../../src/clock.js';
import type { PublishContext, PublishReply } from '../../src/target/types.js';
import { listenTracked } from './tracked-target.js';

export interface StallingOptions {
  /** Sockets stalled: accept indices 0 … stalled − 1. */
  stalled: number;
  /** The /api call (1-based count) from which their pushes are withheld. */
  stallAtSeq: number;
  /** How long they are withheld before the sockets are kicked. */
  stallMs: number;
  /**
   * How they are kicked: their TCP connections destroyed (no close frame: 1006, the default), or a
   * close frame with this code, after which the target stops reading them (ws pause) for `lingerMs`
   * before it finishes the closing handshake: the clients see the close frame at once, the end of
   * the connection only then. Pushes to the other sockets go on meanwhile.
   */
  closeFrame?: { code: number; lingerMs: number };
}

export interface StallingTarget {
  wsUrl: string;
  /** (socket, publish) pairs handed to a socket. */
  delivered(): number;
  /** When each withheld publish's /api call arrived here (one per publish, every stalled socket missed it). */
  withheldAt(): readonly number[];
  /** (socket, publish) pairs withheld: exactly the deliveries the stalled sockets owed and never got. */
  withheld(): number;
  /** When the stalled sockets were kicked (destroyed, or sent their close frame); 0 until then. */
  destroyedAt(): number;
  /** Stalled sockets kicked. */
  destroyed(): number;
  /**
   * Withheld pairs whose publish arrived here at least `afterMs` before the stalled sockets were
   * destroyed: pushed to the other sockets then, so wsload saw the target handle it that long
   * before it saw the close, give or take the client's own delay in handling each.
   */
  surelyOwed(afterMs: number): number;
  close(): Promise<void>;
}

/** Starts the stalling target on 127.0.0.1 and a free port. */
export async function startStallingTarget(opts: StallingOptions): Promise<StallingTarget> {
  const withheldAt: number[] = [];
  let delivered = 0;
  let stalling = false;
  let destroyedAt = 0;
  let destroyed = 0;
  let timer: NodeJS.Timeout | null = null;

  const lingering = new Set<NodeJS.Timeout>();
  const destroyStalled = (): void => {
    timer = null;
    stalling = false;
    destroyedAt = nowMs();
    for (let i = 0; i < opts.stalled; i++) {
      const ws = target.sockets.get(i);
      if (!ws || ws.readyState !== ws.OPEN) continue;
      destroyed++;
      const frame = opts.closeFrame;
      if (!frame) {
        ws.terminate();
        continue;
      }
      ws.close(frame.code, 'slow consumer');
      // The client's answer to the close frame is left unread: the connection ends only later.
      ws.pause();
      const t = setTimeout(() => {
        lingering.delete(t);
        ws.resume();
      }, frame.lingerMs);
      lingering.add(t);
    }
  };

  const publish = (ctx: PublishContext): PublishReply => {
    const arrived = nowMs();
    if (ctx.seq === opts.stallAtSeq && destroyedAt === 0) {
      stalling = true;
      timer = setTimeout(destroyStalled, opts.stallMs);
    }
    if (stalling) withheldAt.push(arrived);
    // Sockets closing (after a close frame) get nothing more: the hub pushes to open sockets only.
    const r = ctx.deliver((index) => stalling && index < opts.stalled);
    delivered += r.delivered;
    return { status: 200, body: `sent to ${r.delivered}, withheld from ${r.skipped}` };
  };

  // Published to only once it listens: the handlers above read its sockets then.
  const target = await listenTracked(publish);

  return {
    wsUrl: target.wsUrl,
    delivered: () => delivered,
    withheldAt: () => withheldAt,
    withheld: () => withheldAt.length * opts.stalled,
    destroyedAt: () => destroyedAt,
    destroyed: () => destroyed,
    surelyOwed: (afterMs) => withheldAt.filter((t) => destroyedAt - t >= afterMs).length * opts.stalled,
    close: async () => {
      if (timer) clearTimeout(timer);
      for (const t of lingering) clearTimeout(t);
      await target.close();
    },
  };
}
