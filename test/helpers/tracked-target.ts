/**
 * The real target core (src/target/listen-target.ts) on 127.0.0.1 and a free port, with its open
 * sockets by accept index and the test's own /api handler: what the targets that withhold pushes
 * from some sockets (holding-target.ts, stalling-target.ts) are built on.
 */
import type { WebSocket } from 'ws';
import { listenTarget } from '../../src/target/listen-target.js';
import type { PublishContext, PublishReply } from '../../src/target/types.js';

export interface TrackedTarget {
  wsUrl: string;
  /** Open sockets by accept index (0-based); a socket leaves when it closes. */
  sockets: ReadonlyMap<number, WebSocket>;
  close(): Promise<void>;
}

export async function listenTracked(publish: (ctx: PublishContext) => PublishReply): Promise<TrackedTarget> {
  const sockets = new Map<number, WebSocket>();
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
  return { wsUrl: target.wsUrl, sockets, close: () => target.close() };
}
