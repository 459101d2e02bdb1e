/**
 * `wsload agent`: joins a coordinator, starts the worker threads it is assigned (the same
 * worker.ts a single process runs) and relays their messages; writes the coordinator's publish
 * records into its own publish ring, so its workers judge receipts as they would in one process.
 * Stopped (SIGTERM/SIGINT), it stops its workers and sends what they measured before leaving.
 *
 * It trusts its coordinator no more than the coordinator trusts it: every frame is checked, and
 * it hears the coordinator's heartbeat. A coordinator silent past the bound (net of the agent's own
 * stalls), gone, or sending a bad frame is given up on: the agent closes its sockets, writes what it
 * measured to a local file (src/agent/local-record.ts) and exits non-zero, so a Kubernetes Job of
 * agents completes whatever happened to the coordinator.
 */
import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type WebSocket from 'ws';
import { CoordinationError, EXIT } from '../errors.js';
import { VERSION } from '../version.js';
import { nowMs } from '../clock.js';
import { formatDuration } from '../duration.js';
import { hostClockIdentity } from '../host-clock.js';
import { announce, createRing, openCounts, settle, type PublishRing } from '../run/publish-ring.js';
import type { DriverMessage, WorkerMessage } from '../run/protocol.js';
import {
  AGENT_STATS_MS,
  COORDINATOR_SILENT_LIMIT_MS,
  DROPPED_CLOSE_CODE,
  type AgentSlice,
  type AgentToCoordinator,
  type CoordinatorToAgent,
  type TlsFiles,
} from '../run/control-protocol.js';
import { checkCoordinatorFrame } from '../run/control-schema.js';
import { SilenceJudge } from '../run/silence.js';
import { dialCoordinator, type ControlSocket, type DialOptions } from './control-client.js';
import { LocalRecord } from './local-record.js';
import { holdHeapGrowth, type HeapGrowthHold } from '../heap-growth.js';
import { RampWatch } from './ramp-watch.js';

const WORKER_ENTRY = new URL('../worker/worker.js', import.meta.url);
const WORKER_YOUNG_GENERATION_MB = 16;
/** Stopped by a signal: how long workers get to close their sockets and send their final tick. */
const STOP_LIMIT_MS = 10_000;
/** Its part done, how long the agent waits for the coordinator's `end` before leaving anyway. */
const END_WAIT_MS = 300_000;

export type AgentOptions = Omit<DialOptions, 'aborted'> & {
  signal?: AbortSignal;
  /** Give up on a coordinator not heard this long (default COORDINATOR_SILENT_LIMIT_MS). */
  silenceLimitMs?: number;
  /** Where to write what it measured if it gives up on its coordinator. */
  recordFile: string;
  /** Told once the coordinator assigned this agent its workers. */
  onAssigned?: (sockets: number, workers: number) => void;
  /** Told once the coordinator admitted it mid-run to stand by in a lost agent's place. */
  onStandby?: (reason: string) => void;
};

/** Runs the agent until the coordinator ends the run; throws a CoordinationError when it cannot take part. */
export async function runAgent(opts: AgentOptions): Promise<void> {
  const aborted = new Promise<void>((resolve) => {
    if (opts.signal?.aborted) resolve();
    else opts.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  const control = await dialCoordinator({ ...opts, aborted });
  if (!control) return;
  await new AgentSession(control.ws, opts).run(aborted, control.release);
}

/** One agent's part in a run, from the assignment to the end (exported for the fault-injection preload of the tests, test/helpers/inject/). */
export class AgentSession {
  private ring: PublishRing | null = null;
  private readonly workers = new Map<number, Worker>();
  private readonly exited = new Set<number>();
  /** Workers whose final tick, `fatal` or `gone` was sent: nothing more is said of them. */
  private readonly settled = new Set<number>();
  private peakRssMb = 0;
  private statsTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  /** Why it gave up on its coordinator, once it did. */
  private abandoned: string | null = null;
  private assigned = false;
  private standby = false;
  private topicCount = 0;
  /** Timers that end with the session. */
  private readonly timers: NodeJS.Timeout[] = [];
  /** Where the scenario's TLS files were written, removed at the end. */
  private tlsDir: string | null = null;
  /** The run's heap growing factor (heap-growth.ts), held while this agent's workers run. */
  private heapGrowth: HeapGrowthHold | null = null;
  /** When the ramp is over here: the hold's heap growing factor then (ramp-watch.ts). */
  private rampWatch: RampWatch | null = null;
  private ended = false;
  private sent = 0;
  private nextFrame = 1;
  private readonly judge: SilenceJudge;
  private readonly record: LocalRecord;
  private done: () => void = () => {};
  private failed: (err: Error) => void = () => {};

  constructor(
    private readonly ws: WebSocket,
    private readonly opts: AgentOptions,
  ) {
    const limit = opts.silenceLimitMs ?? COORDINATOR_SILENT_LIMIT_MS;
    this.judge = new SilenceJudge(limit, Math.min(1_000, Math.max(100, limit / 4)), nowMs());
    this.record = new LocalRecord(opts.name, opts.coordinator);
  }

  /** `release` hands over the frames (and close) that came before the session listened. */
  run(aborted: Promise<void>, release?: ControlSocket['release']): Promise<void> {
    const finished = new Promise<void>((resolve, reject) => {
      this.done = resolve;
      this.failed = reject;
    });
    const { host, bootId } = hostClockIdentity();
    this.send({ type: 'hello', name: this.opts.name, host, pid: process.pid, bootId, version: VERSION });
    // Its heartbeat from the hello on: a coordinator still waiting for others hears it is alive.
    this.statsTimer = setInterval(() => this.sendStats(), AGENT_STATS_MS);
    this.sendStats();
    const watch = setInterval(() => {
      const silence = this.judge.check(nowMs());
      if (silence !== null)
        this.abandon(
          `heard nothing from the coordinator at ${this.opts.coordinator} for ${formatDuration(silence)} (the limit is ${formatDuration(this.judge.limitMs)})`,
        );
    }, this.judge.checkEveryMs);
    this.timers.push(watch);
    this.ws.on('message', (data: Buffer, isBinary: boolean) => this.onFrame(data, isBinary));
    this.ws.on('close', (code: number, reason: Buffer) => this.onClose(code, reason.toString()));
    this.ws.on('error', () => {});
    // Synchronously after attaching: nothing can arrive between the held frames and the live ones.
    const held = release?.();
    for (const f of held?.frames ?? []) this.onFrame(f.data, f.isBinary);
    if (held?.closed) this.onClose(held.closed.code, held.closed.reason.toString());
    void aborted.then(() => this.stop());
    return finished.finally(() => this.cleanup());
  }

  private send(msg: AgentToCoordinator): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify({ ...msg, n: ++this.sent }));
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    if (this.abandoned !== null) return;
    this.judge.heard(nowMs());
    if (isBinary) return this.abandon('the coordinator sent a binary frame (the control channel speaks JSON text)');
    const frame = checkCoordinatorFrame(data.toString());
    if (!frame.ok) return this.abandon(`the coordinator sent a bad frame: ${frame.why}`);
    const why = this.checkOrder(frame.msg);
    if (why !== null) return this.abandon(`the coordinator sent a bad frame: ${why}`);
    this.onMessage(frame.msg);
  }

  /** What a coordinator's frame must respect beyond its shape; null when it does. */
  private checkOrder(msg: CoordinatorToAgent & { n: number }): string | null {
    if (msg.n !== this.nextFrame)
      return msg.n < this.nextFrame
        ? `frame ${msg.n} came again after frame ${this.nextFrame - 1}`
        : `frame ${msg.n} came where frame ${this.nextFrame} was due`;
    this.nextFrame++;
    switch (msg.type) {
      case 'assign':
        if (this.assigned || this.standby) return this.standby ? 'an assignment to an agent standing by' : 'a second assignment';
        if (new Set(msg.slices.map((s) => s.workerId)).size !== msg.slices.length) return 'an assignment naming a worker twice';
        return null;
      case 'standby':
        return this.assigned ? 'a standby after its assignment' : null;
      case 'driver':
      case 'terminate':
        return this.workers.has(msg.workerId) ? null : `a "${msg.type}" for worker ${msg.workerId}, which is not one of its workers`;
      case 'publish':
        return (msg.topic ?? 0) > 0 && (msg.topic ?? 0) >= this.topicCount
          ? `a publish of topic ${msg.topic} in a run of ${this.topicCount} topics`
          : null;
      default:
        return null;
    }
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
      case 'standby':
        this.standby = true;
        this.opts.onStandby?.(msg.reason);
        break;
      case 'driver':
        // The driver's hold: the ramp is over for the run, whatever became of this agent's workers.
        if (msg.msg.type === 'hold') this.rampWatch?.end();
        this.workers.get(msg.workerId)?.postMessage(msg.msg satisfies DriverMessage);
        break;
      case 'terminate':
        void this.workers.get(msg.workerId)?.terminate();
        break;
      case 'publish':
        if (ring) announce(ring, msg.seq, msg.scheduledMs, msg.sentMs, msg.topic ?? 0);
        break;
      case 'settle':
        if (ring) settle(ring, msg.seq, msg.ok, msg.ackMs);
        break;
      case 'end':
        this.ended = true;
        this.stop();
        break;
      default:
        // 'beat': heard, nothing to do.
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

  private start(slices: AgentSlice[], ringSize: number): void {
    this.assigned = true;
    const ring = createRing(ringSize);
    this.ring = ring;
    this.heapGrowth = holdHeapGrowth();
    this.rampWatch = new RampWatch(
      slices.map((s) => s.workerId),
      () => this.heapGrowth?.toHold(),
    );
    // With stages sockets open through the whole shape: no ramp to end (as in the driver's ramp phase).
    if (slices.some((s) => s.stages)) this.rampWatch.end();
    this.topicCount = slices[0]?.topics?.names.length ?? 0;
    this.record.assigned(slices.map((s) => ({ workerId: s.workerId, sockets: s.indices.length })));
    for (const slice of slices) {
      const id = slice.workerId;
      const worker = new Worker(WORKER_ENTRY, {
        workerData: { ...slice, ring: ring.buffer },
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
      });
      this.workers.set(id, worker);
      worker.on('message', (m: WorkerMessage) => {
        if ((m.type === 'tick' && m.final) || m.type === 'fatal') this.settled.add(id);
        if ((m.type === 'tick' && (m.ramped || m.final)) || m.type === 'fatal') this.rampWatch?.done(id);
        this.record.take(m);
        this.send({ type: 'worker', msg: m });
      });
      worker.on('error', (err) => this.workerGone(id, err.message));
      worker.on('exit', (code) => {
        this.exited.add(id);
        this.workerGone(id, `exited with code ${code}`);
        this.maybeDone();
      });
    }
    this.sendStats();
    this.opts.onAssigned?.(
      slices.reduce((a, s) => a + s.indices.length, 0),
      slices.length,
    );
  }

  /** A worker ended without its final tick: said once (an error is followed by its exit). */
  private workerGone(id: number, reason: string): void {
    this.rampWatch?.done(id);
    if (this.settled.has(id)) return;
    this.settled.add(id);
    this.record.gone(id, reason);
    this.send({ type: 'gone', workerId: id, reason });
  }

  private sendStats(): void {
    const rssMb = process.memoryUsage().rss / 1024 / 1024;
    this.peakRssMb = Math.max(this.peakRssMb, rssMb);
    const counts = this.ring ? openCounts(this.ring) : { open: 0, peak: 0 };
    this.send({
      type: 'stats',
      open: counts.open,
      peak: counts.peak,
      peakRssMb: Math.round(this.peakRssMb * 10) / 10,
      rssMb: Math.round(rssMb * 10) / 10,
    });
  }

  /** Every worker exited: wait for the coordinator's end (bounded), then leave. */
  private maybeDone(): void {
    if (this.exited.size < this.workers.size) return;
    this.sendStats();
    if (this.abandoned !== null) return;
    if (this.ended) return this.leave();
    setTimeout(() => this.leave(), END_WAIT_MS).unref();
  }

  /** Stops the workers (they close their sockets and send their final ticks); `then` once they exited, or at the limit. */
  private stopWorkers(then: () => void): void {
    if (this.workers.size === 0 || this.exited.size === this.workers.size) return then();
    for (const [id, w] of this.workers) if (!this.exited.has(id)) w.postMessage({ type: 'stop' } satisfies DriverMessage);
    let called = false;
    const once = (): void => {
      if (called) return;
      called = true;
      then();
    };
    const limit = setTimeout(() => {
      for (const [id, w] of this.workers) if (!this.exited.has(id)) void w.terminate();
      once();
    }, STOP_LIMIT_MS);
    limit.unref();
    const check = setInterval(() => {
      if (this.exited.size === this.workers.size) once();
    }, 50).unref();
    this.timers.push(check, limit);
  }

  /** Stopped by a signal or by the coordinator's end: leaves once the workers exited. */
  private stop(): void {
    if (this.stopping || this.abandoned !== null) return;
    this.stopping = true;
    this.stopWorkers(() => this.leave());
  }

  /** Closes the control socket once what was sent has gone, and ends the session. */
  private leave(): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(1000);
    this.done();
  }

  /**
   * Gives up on the coordinator: closes its sockets (their final counts kept), writes what it
   * measured locally, and fails with a line that says why and where the record is.
   */
  private abandon(reason: string): void {
    if (this.abandoned !== null || this.ended) return;
    this.abandoned = reason;
    this.stopWorkers(() => {
      const sockets = this.record.holdsAny
        ? this.writeRecord(reason)
        : this.standby
          ? 'it stood by and held no sockets'
          : 'it had been assigned no sockets yet';
      this.ws.terminate();
      this.failed(new CoordinationError(`agent ${this.opts.name}: ${reason}; ${sockets}`, EXIT.failures));
    });
  }

  /** Writes the local record; the sentence saying what it holds and where it went. */
  private writeRecord(reason: string): string {
    const record = this.record.toRecord(reason);
    const written = this.record.write(this.opts.recordFile, record);
    const what = `what it measured (${this.record.summary(record)})`;
    if (written.path === null) return `closed its sockets; ${what} could not be written (${written.failure})`;
    return `closed its sockets; ${what} is in ${written.path}${written.failure ? ` (${written.failure})` : ''}`;
  }

  private onClose(code: number, reason: string): void {
    if (this.abandoned !== null) return;
    if (this.ended) return this.done();
    // Stopped by a signal: it leaves once its workers exited, whoever closes first.
    if (this.stopping) return;
    if (code === DROPPED_CLOSE_CODE) return this.abandon(reason || 'dropped by the coordinator');
    // Without the coordinator's end, even final ticks already sent may never have been taken in.
    this.abandon(`the coordinator at ${this.opts.coordinator} closed the control connection before the run ended`);
  }

  private cleanup(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    for (const t of this.timers) clearInterval(t);
    // First: the removal below can throw.
    this.heapGrowth?.release();
    if (this.tlsDir) rmSync(this.tlsDir, { recursive: true, force: true });
  }
}
