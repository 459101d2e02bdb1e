/**
 * A gateway that holds a slow consumer's pushes and then flushes them, in miniature: the real
 * target core (src/target/listen-target.ts) that withholds the pushes of /api calls `holdFrom` …
 * `holdTo` (1-based, as the target counts them) from its first `held` sockets (by accept index),
 * and at call `releaseAt` sends each of them to those sockets `copies` times in a row (a re-send:
 * the second copy is a duplicate), before that call's own push. The other sockets get every push
 * as it comes.
 */
import { encodePush } from '../../src/target/protocol.js';
import type { PublishContext, PublishReply } from '../../src/target/types.js';
import { listenTracked } from './tracked-target.js';

export interface HoldingOptions {
  /** Sockets held: accept indices 0 … held − 1. */
  held: number;
  holdFrom: number;
  holdTo: number;
  /** The /api call before whose push the held pushes go out (after holdTo). */
  releaseAt: number;
  /** How many times each held push is sent at the release. */
  copies: number;
}

export interface HoldingTarget {
  wsUrl: string;
  /** (socket, publish) pairs withheld at the time of their publish. */
  withheld(): number;
  /** Copies sent at the release (withheld() × copies once released, 0 before). */
  released(): number;
  close(): Promise<void>;
}

/** Starts the holding target on 127.0.0.1 and a free port. */
export async function startHoldingTarget(opts: HoldingOptions): Promise<HoldingTarget> {
  const pushes: Buffer[] = [];
  let withheld = 0;
  let released = 0;

  const release = (): void => {
    for (let i = 0; i < opts.held; i++) {
      const ws = target.sockets.get(i);
      if (!ws || ws.readyState !== ws.OPEN) continue;
      for (const push of pushes) {
        for (let c = 0; c < opts.copies; c++) ws.send(push, { binary: false });
        released += opts.copies;
      }
    }
  };

  const publish = (ctx: PublishContext): PublishReply => {
    if (ctx.seq === opts.releaseAt) release();
    const holding = ctx.seq >= opts.holdFrom && ctx.seq <= opts.holdTo;
    if (holding) pushes.push(encodePush({ id: ctx.id, value: ctx.value }));
    const r = ctx.deliver((index) => holding && index < opts.held);
    if (holding) withheld += r.skipped;
    return { status: 200, body: `sent to ${r.delivered}, withheld from ${r.skipped}` };
  };

  // Published to only once it listens: the handlers above read its sockets then.
  const target = await listenTracked(publish);

  return {
    wsUrl: target.wsUrl,
    withheld: () => withheld,
    released: () => released,
    close: () => target.close(),
  };
}
