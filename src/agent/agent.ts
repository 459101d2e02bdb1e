/**
 * `wsload agent`: joins a coordinator, starts the worker threads it is assigned (the same
 * worker.ts a single process runs) and relays their messages; writes the coordinator's publish
 * records into its own publish ring, so its workers judge receipts as they would in one process.
 * Stopped (SIGTERM/SIGINT), it stops its workers and sends what they measured before leaving.
 */
import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type WebSocket from 'ws';
import { CoordinationError, EXIT } from '../errors.js';
import { VERSION } from '../version.js';
import { nowMs } from '../clock.js';
import { hostClockIdentity } from '../host-clock.js';
import { announce, createRing, openCounts, settle, type PublishRing } from '../run/publish-ring.js';
import type { DriverMessage, WorkerMessage } from '../run/protocol.js';
import { parseControlFrame, type AgentSlice, type AgentToCoordinator, type CoordinatorToAgent, type TlsFiles } from '../run/control-protocol.js';
import { dialCoordinator, type DialOptions } from './control-client.js';

const WORKER_ENTRY = new URL('../worker/worker.js', import.meta.url);
const WORKER_YOUNG_GENERATION_MB = 16;
/** How often the agent tells its open sockets and memory (also its sign of life). */
const STATS_EVERY_MS = 500;
/** Stopped by a signal: how long workers get to close their sockets and send their final tick. */
const STOP_LIMIT_MS = 10_000;
/** Its part done, how long the agent waits for the coordinator's `end` before leaving anyway. */
const END_WAIT_MS = 300_000;

export type AgentOptions = Omit<DialOptions, 'aborted'> & {
  signal?: AbortSignal;
  /** Test only: publish records reach the ring this much later (pushes then outrun them). */
  publishDelayMs?: number;
  /** Told once the coordinator assigned this agent its workers. */
  onAssigned?: (sockets: number, workers: number) => void;
};

/** Runs the agent until the coordinator ends the run; throws a CoordinationError when it cannot take part. */
export async function runAgent(opts: AgentOptions): Promise<void> {
  const aborted = new Promise<void>((resolve) => {
    if (opts.signal?.aborted) resolve();
    else opts.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  const ws = await dialCoordinator({ ...opts, aborted });
  if (!ws) return;
  await new AgentSession(ws, opts.name, opts.publishDelayMs ?? 0, opts.onAssigned ?? (() => {})).run(aborted);
}

class AgentSession {
  private ring: PublishRing | null = null;
  private readonly workers = new Map<number, Worker>();
  private readonly exited = new Set<number>();
  private readonly finals = new Set<number>();
  private peakRssMb = 0;
  private statsTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  /** Timers that end with the session. */
  private readonly timers: NodeJS.Timeout[] = [];
  /** Where the scenario's TLS files were written, removed at the end. */
  private tlsDir: string | null = null;
  private ended = false;
  private done: () => void = () => {};
  private failed: (err: Error) => void = () => {};

  constructor(
    private readonly ws: WebSocket,
    private readonly name: string,
    private readonly publishDelayMs: number,
    private readonly onAssigned: (sockets: number, workers: number) => void,
  ) {}

  run(aborted: Promise<void>): Promise<void> {
    const finished = new Promise<void>((resolve, reject) => {
      this.done = resolve;
      this.failed = reject;
    });
    const { host, bootId } = hostClockIdentity();
    this.send({ type: 'hello', name: this.name, host, pid: process.pid, bootId, version: VERSION });
    this.ws.on('message', (data: Buffer) => {
      const msg = parseControlFrame<CoordinatorToAgent>(data.toString());
      if (msg) this.onMessage(msg);
    });
    this.ws.on('close', () => this.onClose());
    this.ws.on('error', () => {});
    void aborted.then(() => this.stop());
    return finished.finally(() => this.cleanup());
  }

  private send(msg: AgentToCoordinator): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private onMessage(msg: CoordinatorToAgent): void {
    const ring = this.ring;
    switch (msg.type) {
      case 'probe': {
        const t1 = nowMs();
        this.send({ type: 'probe-reply', id: msg.id, t0: msg.t0, t1, t2: nowMs() });
        break;
      }
      case 'assign':
        this.start(msg.tlsFiles ? this.withTlsFiles(msg.slices, msg.tlsFiles) : msg.slices, msg.ringSize);
        break;
      case 'driver':
        this.workers.get(msg.workerId)?.postMessage(msg.msg satisfies DriverMessage);
        break;
      case 'terminate':
        void this.workers.get(msg.workerId)?.terminate();
        break;
      case 'publish':
        if (ring) this.later(() => announce(ring, msg.seq, msg.scheduledMs, msg.sentMs, msg.topic ?? 0));
        break;
      case 'settle':
        if (ring) this.later(() => settle(ring, msg.seq, msg.ok, msg.ackMs));
        break;
      case 'end':
        this.ended = true;
        this.stop();
        break;
      default:
        break;
    }
  }

  /** Writes the scenario's TLS files into a private temporary directory and points the slices there. */
  private withTlsFiles(slices: AgentSlice[], files: TlsFiles): AgentSlice[] {
    const dir = mkdtempSync(join(tmpdir(), 'wsload-agent-tls-'));
    this.tlsDir = dir;
    const write = (name: string, text: string | undefined): string | null => {
      if (text === undefined) return null;
      const file = join(dir, name);
      writeFileSync(file, text, { mode: 0o600 });
      return file;
    };
    const ca = write('ca.pem', files.ca);
    const cert = write('cert.pem', files.cert);
    const key = write('key.pem', files.key);
    return slices.map((s) => (s.connect.tls ? { ...s, connect: { ...s.connect, tls: { ...s.connect.tls, ca, cert, key } } } : s));
  }

  private later(fn: () => void): void {
    if (this.publishDelayMs > 0) setTimeout(fn, this.publishDelayMs);
    else fn();
  }

  private start(slices: AgentSlice[], ringSize: number): void {
    const ring = createRing(ringSize);
    this.ring = ring;
    for (const slice of slices) {
      const id = slice.workerId;
      const worker = new Worker(WORKER_ENTRY, { workerData: { ...slice, ring: ring.buffer }, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
      this.workers.set(id, worker);
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'tick' && m.final) this.finals.add(id);
        this.send({ type: 'worker', msg: m });
      });
      worker.on('error', (err) => this.send({ type: 'gone', workerId: id, reason: err.message }));
      worker.on('exit', (code) => {
        this.exited.add(id);
        if (!this.finals.has(id)) this.send({ type: 'gone', workerId: id, reason: `exited with code ${code}` });
        this.maybeDone();
      });
    }
    this.statsTimer = setInterval(() => this.sendStats(), STATS_EVERY_MS);
    this.sendStats();
    this.onAssigned(slices.reduce((a, s) => a + s.indices.length, 0), slices.length);
  }

  private sendStats(): void {
    const rssMb = process.memoryUsage().rss / 1024 / 1024;
    this.peakRssMb = Math.max(this.peakRssMb, rssMb);
    const counts = this.ring ? openCounts(this.ring) : { open: 0, peak: 0 };
    this.send({ type: 'stats', open: counts.open, peak: counts.peak, peakRssMb: Math.round(this.peakRssMb * 10) / 10, rssMb: Math.round(rssMb * 10) / 10 });
  }

  /** Every worker exited: wait for the coordinator's end (bounded), then leave. */
  private maybeDone(): void {
    if (this.exited.size < this.workers.size) return;
    this.sendStats();
    if (this.ended) return this.leave();
    setTimeout(() => this.leave(), END_WAIT_MS).unref();
  }

  /** Stops the workers (they close their sockets and send their final ticks); leaves once they exited, or at the limit. */
  private stop(): void {
    if (this.workers.size === 0 || this.exited.size === this.workers.size) return this.leave();
    if (this.stopping) return;
    this.stopping = true;
    for (const [id, w] of this.workers) if (!this.exited.has(id)) w.postMessage({ type: 'stop' } satisfies DriverMessage);
    setTimeout(() => {
      for (const [id, w] of this.workers) if (!this.exited.has(id)) void w.terminate();
      this.leave();
    }, STOP_LIMIT_MS).unref();
    const check = setInterval(() => {
      if (this.exited.size === this.workers.size) this.leave();
    }, 50).unref();
    this.timers.push(check);
  }

  /** Closes the control socket once what was sent has gone, and ends the session. */
  private leave(): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(1000);
    this.done();
  }

  private onClose(): void {
    if (this.ended || (this.workers.size > 0 && this.exited.size === this.workers.size)) return this.done();
    // The coordinator went away mid-run: stop measuring for nobody.
    for (const w of this.workers.values()) void w.terminate();
    this.failed(new CoordinationError('the coordinator closed the control connection before the run ended', EXIT.failures));
  }

  private cleanup(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    for (const t of this.timers) clearInterval(t);
    if (this.tlsDir) rmSync(this.tlsDir, { recursive: true, force: true });
  }
}
