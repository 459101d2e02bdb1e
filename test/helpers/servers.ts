/**
 * Real loopback targets that speak the demo protocol (/ws, /api, /admin/drop) but misbehave on
 * purpose, for tests of how wsload measures and classifies what goes wrong. Built on the real
 * target core (src/target/listen-target.ts) through its hooks, so only the misbehaviour differs.
 */
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { listenTarget, publishToAll } from '../../src/target/listen-target.js';
import { rejectUpgrade } from '../../src/target/http-reply.js';
import type { PublishContext, PublishReply, TargetHooks } from '../../src/target/types.js';

/** What every test target offers. */
export interface TestTarget {
  /** ws://127.0.0.1:port/ws */
  wsUrl: string;
  /** http://127.0.0.1:port */
  httpUrl: string;
  port: number;
  /** WebSockets currently open. */
  clients(): number;
  /** WebSockets accepted since start (the next socket's accept index). */
  accepted(): number;
  /** Accepted /api calls (id and value present), whatever the target then did with them. */
  publishes(): number;
  /** (socket, publish) pairs handed to a socket so far. */
  delivered(): number;
  /** Ends every socket and the server. */
  close(): Promise<void>;
}

interface Counters {
  accepted: number;
  publishes: number;
  delivered: number;
}

/** Wraps the hooks to count, and clears the variant's own timers on close. */
async function start(hooks: TargetHooks, onClose: () => void = () => {}): Promise<TestTarget> {
  const counters: Counters = { accepted: 0, publishes: 0, delivered: 0 };
  const publish = hooks.publish ?? publishToAll;
  const target = await listenTarget({
    host: '127.0.0.1',
    port: 0,
    hooks: {
      upgrade: hooks.upgrade,
      connection: (ws, index) => {
        counters.accepted++;
        hooks.connection?.(ws, index);
      },
      publish: (ctx) => {
        counters.publishes++;
        return publish({
          ...ctx,
          deliver: (skip) => {
            const r = ctx.deliver(skip);
            counters.delivered += r.delivered;
            return r;
          },
        });
      },
    },
  });
  return {
    wsUrl: target.wsUrl,
    httpUrl: target.httpUrl,
    port: target.port,
    clients: () => target.clients(),
    accepted: () => counters.accepted,
    publishes: () => counters.publishes,
    delivered: () => counters.delivered,
    close: async () => {
      onClose();
      await target.close();
    },
  };
}

/** The normal demo target, with counters. */
export async function startPublishTarget(): Promise<TestTarget> {
  return start({});
}

/**
 * Pushes each publish `delayMs` after its /api request arrived, then answers 200; a function
 * gives each publish its own delay by its number (1-based count of accepted /api calls).
 */
export async function startDelayedTarget(delayMs: number | ((seq: number) => number)): Promise<TestTarget> {
  const pending = new Map<NodeJS.Timeout, () => void>();
  const publish = (ctx: PublishContext): Promise<PublishReply> =>
    new Promise((resolve) => {
      const fire = (): void => {
        pending.delete(timer);
        resolve(publishToAll(ctx));
      };
      const timer = setTimeout(fire, typeof delayMs === 'number' ? delayMs : delayMs(ctx.seq));
      pending.set(timer, fire);
    });
  return start({ publish }, () => {
    // Settle waiting publishes now (into a hub that is about to be empty) rather than leave timers behind.
    for (const [timer, fire] of pending) {
      clearTimeout(timer);
      fire();
    }
  });
}

/** A target that leaves out chosen (socket, publish) pairs and counts them. */
export interface SkippingTarget extends TestTarget {
  /** (socket, publish) pairs left out so far: exactly the deliveries a client should count lost. */
  skipped(): number;
}

/**
 * On publish number `seq` (1-based count of accepted /api calls) skips the open sockets whose
 * accept index (0-based, in accept order, never reused) `skip(seq, socketIndex)` selects.
 */
export async function startSkippingTarget(skip: (seq: number, socketIndex: number) => boolean): Promise<SkippingTarget> {
  let skipped = 0;
  const publish = (ctx: PublishContext): PublishReply => {
    const r = ctx.deliver((socketIndex) => skip(ctx.seq, socketIndex));
    skipped += r.skipped;
    return { status: 200, body: `sent to ${r.delivered}, skipped ${r.skipped}` };
  };
  return { ...(await start({ publish })), skipped: () => skipped };
}

/** A target whose WebSocket upgrades are refused. */
export interface RejectingTarget extends TestTarget {
  /** Upgrade requests answered with the status. */
  rejected(): number;
}

/** Answers every WebSocket upgrade with HTTP `status` (e.g. 503); /api still answers 200. */
export async function startRejectingTarget(status: number): Promise<RejectingTarget> {
  let rejected = 0;
  const upgrade = (_req: unknown, socket: Duplex): boolean => {
    rejected++;
    rejectUpgrade(socket, status, `upgrade refused on purpose (${status})`);
    return true;
  };
  return { ...(await start({ upgrade })), rejected: () => rejected };
}

/** A target that never completes a handshake. */
export interface SilentTarget extends TestTarget {
  /** Upgrade requests received and left unanswered. */
  upgradesHeld(): number;
}

/** Accepts TCP and reads the upgrade request but never answers it (handshake timeouts). */
export async function startSilentTarget(): Promise<SilentTarget> {
  let held = 0;
  // The core destroys every held connection on close().
  const upgrade = (): boolean => {
    held++;
    return true;
  };
  return { ...(await start({ upgrade })), upgradesHeld: () => held };
}

/** A target that ends each socket some time after it opened. */
export interface DroppingTarget extends TestTarget {
  /** Sockets this target ended on purpose. */
  dropped(): number;
}

function dropAfter(afterMs: number, end: (ws: WebSocket) => void): { hooks: TargetHooks; dropped: () => number; clear: () => void } {
  const timers = new Set<NodeJS.Timeout>();
  let dropped = 0;
  return {
    hooks: {
      connection: (ws) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (ws.readyState !== ws.OPEN) return;
          dropped++;
          end(ws);
        }, afterMs);
        timers.add(timer);
        ws.once('close', () => {
          clearTimeout(timer);
          timers.delete(timer);
        });
      },
    },
    dropped: () => dropped,
    clear: () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

/** Sends a close frame with `code` (and `reason`) to each socket `afterMs` after it opened. */
export async function startClosingTarget(opts: { afterMs: number; code: number; reason?: string }): Promise<DroppingTarget> {
  const d = dropAfter(opts.afterMs, (ws) => ws.close(opts.code, opts.reason ?? 'closed by test target'));
  return { ...(await start(d.hooks, d.clear)), dropped: d.dropped };
}

/** Destroys each socket's TCP connection (no close frame: clients see 1006) `afterMs` after it opened. */
export async function startDestroyingTarget(opts: { afterMs: number }): Promise<DroppingTarget> {
  const d = dropAfter(opts.afterMs, (ws) => ws.terminate());
  return { ...(await start(d.hooks, d.clear)), dropped: d.dropped };
}

/** WebSockets work, but /api answers `status` (e.g. 500) without pushing anything. */
export async function startFailingPublishTarget(status: number): Promise<TestTarget> {
  const publish = (): PublishReply => ({ status, body: `publish failed on purpose (${status})` });
  return start({ publish });
}

/** A plain `ws` client that records what it receives, for asserting on the targets above. */
export interface RecordingClient {
  ws: WebSocket;
  /** Text messages received, in order. */
  messages: string[];
  /** Binary messages received (the targets send none). */
  binaryMessages: number;
  /** Resolves with the close code and reason ws reports (1006 when no close frame came). */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves once `n` text messages have arrived; rejects after `timeoutMs`. */
  waitForMessages(n: number, timeoutMs?: number): Promise<string[]>;
}

/** Opens a client and resolves once its handshake succeeded (rejects with ws's error otherwise). */
export async function openClient(url: string): Promise<RecordingClient> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const messages: string[] = [];
  let binaryMessages = 0;
  const waiters = new Set<() => void>();
  ws.on('message', (data, isBinary) => {
    if (isBinary) binaryMessages++;
    else messages.push(data.toString());
    for (const w of waiters) w();
  });
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const client: RecordingClient = {
    ws,
    messages,
    get binaryMessages() {
      return binaryMessages;
    },
    closed,
    waitForMessages: (n, timeoutMs = 5000) =>
      new Promise<string[]>((resolve, reject) => {
        const check = (): void => {
          if (messages.length < n) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(messages.slice());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`got ${messages.length} of ${n} messages within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
  return client;
}
