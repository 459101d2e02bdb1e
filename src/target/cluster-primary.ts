/**
 * The built-in target over several processes sharing one host:port (`wsload serve --processes N`
 * and a large embedded target). node:cluster's primary owns the listening socket and hands
 * accepted connections round-robin to N worker processes (cluster-worker.ts), each with its own
 * open-files limit. Every /api publish, /admin/drop and /admin/stats a worker receives comes here
 * and is fanned out to all workers; the HTTP answer waits for every worker's acknowledgement.
 */
import cluster, { type Worker } from 'node:cluster';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TargetError } from '../errors.js';
import { DEFLATE_ARG, isWorkerMessage, type PrimaryMessage, type WorkerMessage } from './cluster-messages.js';
import { spreadOverProcesses } from './process-count.js';
import type { TargetStats } from './types.js';

/** A multi-process target once every worker listens. */
export interface TargetCluster {
  host: string;
  port: number;
  wsUrl: string;
  httpUrl: string;
  /** Worker pids, index 0 first. */
  pids: number[];
  /** Counts of every worker, as /admin/stats answers them. */
  stats(): Promise<TargetStats>;
  /** Resolves with a one-line reason when a worker ends on its own (never after close()). */
  died: Promise<string>;
  /** SIGTERM to every worker (SIGKILL after 3 s); resolves once all have exited. */
  close(): Promise<void>;
}

const LISTEN_TIMEOUT_MS = 10_000;
const KILL_AFTER_MS = 3_000;

type Ack = Extract<WorkerMessage, { t: 'ack' }>;
/** A command to the workers before it gets its id. */
type Command = PrimaryMessage extends infer M ? (M extends { cid: number } ? Omit<M, 'cid'> : never) : never;

interface Pending {
  waiting: Set<number>;
  acks: Array<Ack | null>;
  resolve: (acks: Array<Ack | null>) => void;
}

/**
 * The primary's side of the running workers: fans commands out and collects every ack, answers
 * the requests workers relay (publish, drop, stats), and says when one ends on its own.
 */
class ClusterPrimary {
  readonly live: Set<number>;
  private readonly pending = new Map<number, Pending>();
  private nextCid = 1;
  private publishes = 0;
  closing = false;
  private diedResolve: (reason: string) => void = () => {};
  readonly died = new Promise<string>((resolve) => (this.diedResolve = resolve));

  constructor(readonly workers: readonly Worker[]) {
    this.live = new Set<number>(workers.map((_, i) => i));
  }

  private settle(cid: number, p: Pending): void {
    if (p.waiting.size > 0) return;
    this.pending.delete(cid);
    p.resolve(p.acks);
  }

  /** Sends each live worker its command; resolves with every ack (null for a worker that died meanwhile). */
  private fanOut(commandFor: (index: number) => Command): Promise<Array<Ack | null>> {
    return new Promise((resolve) => {
      const cid = this.nextCid++;
      const p: Pending = { waiting: new Set(this.live), acks: this.workers.map(() => null), resolve };
      this.pending.set(cid, p);
      for (const i of this.live) send(this.workers[i], { ...commandFor(i), cid });
      this.settle(cid, p);
    });
  }

  private statsOf(acks: Array<Ack | null>): TargetStats {
    const perProcess = acks.flatMap((a, index) => (a === null ? [] : [{ index, ...a.stats }]));
    return {
      processes: this.workers.length,
      open: perProcess.reduce((s, p) => s + p.open, 0),
      accepted: perProcess.reduce((s, p) => s + p.accepted, 0),
      publishes: this.publishes,
      perProcess,
    };
  }

  async stats(): Promise<TargetStats> {
    return this.statsOf(await this.fanOut(() => ({ t: 'count' })));
  }

  private async onRequest(from: Worker, msg: WorkerMessage): Promise<void> {
    if (msg.t === 'publish') {
      this.publishes++;
      const acks = await this.fanOut(() => ({ t: 'push', id: msg.id, value: msg.value }));
      send(from, { t: 'reply', rid: msg.rid, n: sumN(acks), stats: null });
    } else if (msg.t === 'drop') {
      // Counted first, so count= and share= land on each process in proportion to what it holds.
      const open = (await this.fanOut(() => ({ t: 'count' }))).map((a) => a?.stats.open ?? 0);
      const total = open.reduce((a, b) => a + b, 0);
      const want = msg.count ?? Math.round((msg.share ?? 0) * total);
      const each = spreadOverProcesses(want, open);
      const acks = await this.fanOut((i) => ({ t: 'end', mode: msg.mode, count: each[i] }));
      send(from, { t: 'reply', rid: msg.rid, n: sumN(acks), stats: null });
    } else if (msg.t === 'stats') {
      send(from, { t: 'reply', rid: msg.rid, n: 0, stats: await this.stats() });
    }
  }

  /** Resolves with the shared port once every worker listens; rejects when one fails or exits first, or after LISTEN_TIMEOUT_MS. */
  listening(): Promise<number> {
    const n = this.workers.length;
    return new Promise<number>((resolve, reject) => {
      let listening = 0;
      let port = 0;
      const timer = setTimeout(
        () => reject(new TargetError(`target processes did not listen within ${LISTEN_TIMEOUT_MS / 1000} s`)),
        LISTEN_TIMEOUT_MS,
      );
      const fail = (message: string): void => {
        clearTimeout(timer);
        reject(new TargetError(message));
      };
      this.workers.forEach((w, i) => {
        w.on('message', (msg: unknown) => {
          if (!isWorkerMessage(msg)) return;
          if (msg.t === 'listening') {
            port = msg.port;
            if (++listening === n) {
              clearTimeout(timer);
              resolve(port);
            }
          } else if (msg.t === 'error') {
            fail(msg.message);
          } else this.onMessage(w, i, msg);
        });
        // 'error' without a listener would throw in the primary (failed IPC send to a dying worker).
        w.on('error', () => {});
        w.once('exit', (code: number | null, sig: NodeJS.Signals | null) => {
          const why = this.onExit(w, i, code, sig);
          if (listening < n) fail(why);
          else if (!this.closing) this.diedResolve(why);
        });
      });
    });
  }

  /** An ack to a fanned-out command, or a request the worker relays. */
  private onMessage(w: Worker, i: number, msg: WorkerMessage): void {
    if (msg.t === 'ack') {
      const p = this.pending.get(msg.cid);
      if (p && p.waiting.delete(i)) {
        p.acks[i] = msg;
        this.settle(msg.cid, p);
      }
    } else {
      void this.onRequest(w, msg);
    }
  }

  /** Worker i exited: no command waits for it any more. Returns why, in one line. */
  private onExit(w: Worker, i: number, code: number | null, sig: NodeJS.Signals | null): string {
    this.live.delete(i);
    for (const [cid, p] of this.pending) {
      if (p.waiting.delete(i)) this.settle(cid, p);
    }
    return `target process ${i + 1} of ${this.workers.length} (pid ${w.process.pid ?? '?'}) exited (${sig !== null ? `signal ${sig}` : `code ${code ?? 'unknown'}`})`;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w, i) => stopWorker(w, this.live.has(i))));
  }
}

/** Forks `processes` target workers on host:port (port 0 = one free port shared by all); throws TargetError if one cannot listen. */
export async function startTargetCluster(opts: {
  host?: string;
  port?: number;
  processes: number;
  perMessageDeflate?: boolean;
}): Promise<TargetCluster> {
  const host = opts.host ?? '127.0.0.1';
  const entry = workerEntry();
  if (!existsSync(entry)) throw new TargetError(`target worker entry ${entry} is missing (run npm run build)`);
  // Round-robin rather than the kernel's choice: idle processes would otherwise take most
  // connections, and the point is to spread sockets evenly.
  cluster.schedulingPolicy = cluster.SCHED_RR;
  cluster.setupPrimary({
    exec: entry,
    args: [host, String(opts.port ?? 0), opts.perMessageDeflate === true ? DEFLATE_ARG : ''],
    execArgv: [],
    serialization: 'json',
  });

  const workers: Worker[] = Array.from({ length: opts.processes }, () => cluster.fork());
  const primary = new ClusterPrimary(workers);
  let port: number;
  try {
    port = await primary.listening();
  } catch (err) {
    // Never leave a half-started worker behind.
    primary.closing = true;
    for (const w of workers) signal(w.process.pid, 'SIGKILL');
    throw err;
  }
  const origin = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return {
    host,
    port,
    wsUrl: `ws://${origin}/ws`,
    httpUrl: `http://${origin}`,
    pids: workers.map((w) => w.process.pid ?? 0),
    stats: () => primary.stats(),
    died: primary.died,
    close: () => primary.close(),
  };
}

function sumN(acks: Array<Ack | null>): number {
  return acks.reduce((s, a) => s + (a?.n ?? 0), 0);
}

function send(w: Worker, msg: PrimaryMessage): void {
  if (w.isConnected()) w.send(msg);
}

function stopWorker(w: Worker, running: boolean): Promise<void> {
  if (!running || w.isDead()) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const killer = setTimeout(() => signal(w.process.pid, 'SIGKILL'), KILL_AFTER_MS);
    w.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    signal(w.process.pid, 'SIGTERM');
  });
}

function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** dist/target/cluster-worker.js beside this module (from src/ under vitest, the compiled one). */
function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return fileURLToPath(new URL('../../dist/target/cluster-worker.js', import.meta.url));
  return fileURLToPath(new URL('./cluster-worker.js', import.meta.url));
}
