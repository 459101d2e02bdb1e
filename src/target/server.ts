/**
 * The built-in demo target (`wsload serve`, and the embedded target in a child process).
 *
 * Protocol, as in the seed's tornado demo:
 * - `GET /` — a self-contained page with an id/value table updated live over /ws.
 * - `/ws` — WebSocket endpoint; clients only listen.
 * - `GET /api?id=8&value=300` — pushes the text `{"id":"8","value":"300"}` (both strings, compact)
 *   to every open socket, then answers 200; a missing id or value answers 400.
 * - Fault injection: `GET /admin/drop?mode=close|destroy|reset&count=N` (or `share=0..1`, rounded,
 *   instead of count) ends that many of the oldest open sockets and answers 200 with the number
 *   ended. `close` sends a close frame 1001 "going away"; `destroy` ends the TCP connection with no
 *   close frame (clients see 1006); `reset` does the same with a TCP RST (clients also see
 *   ECONNRESET).
 */
import { listenTarget } from './listen-target.js';
import type { RunningTarget } from './types.js';

export type { RunningTarget } from './types.js';

/** Starts the demo target (default 127.0.0.1, port 0 = any free port); throws TargetError if it cannot listen. */
export function startTarget(opts: { host?: string; port?: number; perMessageDeflate?: boolean } = {}): Promise<RunningTarget> {
  return listenTarget({ host: opts.host, port: opts.port, perMessageDeflate: opts.perMessageDeflate });
}
