/**
 * A fake `wsload agent` for the hostile suite: a real WebSocket client on loopback speaking the
 * control protocol (src/run/control-protocol.ts) to a real coordinator. By default it behaves: it
 * says hello, answers clock probes, sends its heartbeat, and runs its assigned workers as workers
 * that open no socket (ready, a tick every 200 ms judging every publish announced, a final tick on
 * drain or stop). A test then breaks one rule at a time with send()/sendRaw(), or turns a duty off.
 */
import WebSocket from 'ws';
import { AGENT_NAME_HEADER, AGENT_VERSION_HEADER, CONTROL_PATH } from '../../src/run/control-protocol.js';
import { VERSION } from '../../src/version.js';
import { hello, stats, tick, type Tick } from './control-frames.js';

/** A frame the coordinator sent. */
export interface Received {
  type: string;
  n: number;
  [key: string]: unknown;
}

export interface FakeAgentOptions {
  /** ws://127.0.0.1:PORT of the coordinator. */
  url: string;
  token: string;
  name: string;
  /** The version header (default: this wsload's). */
  version?: string;
  /** Answer clock probes (default true). */
  answerProbes?: boolean;
  /** Send hello on open (default true). */
  hello?: boolean;
}

/** One assigned worker as the fake runs it. */
interface FakeWorker {
  workerId: number;
  cohorts: number;
  seqs: number[];
  final: boolean;
}

export class FakeAgent {
  readonly received: Received[] = [];
  /** The next frame number it sends. */
  n = 1;
  /** Worker ids it was assigned, once it was. */
  workerIds: number[] | null = null;
  /** Resolves with the close code and reason once the connection closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Send its heartbeat and its workers' ticks (turn off to fall silent). */
  speaking = true;
  private readonly workers = new Map<number, FakeWorker>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly ws: WebSocket,
    private readonly opts: FakeAgentOptions,
  ) {
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        for (const t of this.timers) clearInterval(t);
        resolve({ code, reason: reason.toString() });
        for (const w of this.waiters) w();
      }),
    );
    ws.on('message', (data) => this.onFrame(JSON.parse(data.toString()) as Received));
    if (opts.hello !== false) this.send(hello(opts.name, opts.version ?? VERSION));
    this.timers.push(setInterval(() => this.speaking && this.send(stats()), 500));
    this.timers.push(setInterval(() => this.tickAll(false), 200));
  }

  /** Dials the coordinator; rejects with "HTTP <status>: <body>" when refused at the upgrade. */
  static connect(opts: FakeAgentOptions): Promise<FakeAgent> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${opts.url}${CONTROL_PATH}`, {
        headers: { authorization: `Bearer ${opts.token}`, [AGENT_NAME_HEADER]: opts.name, [AGENT_VERSION_HEADER]: opts.version ?? VERSION },
      });
      ws.once('open', () => resolve(new FakeAgent(ws, opts)));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => reject(new Error(`HTTP ${res.statusCode}: ${body}`)));
      });
      ws.once('error', reject);
    });
  }

  /** Sends a frame numbered as the next one (or with the `n` given). */
  send(msg: object, n?: number): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify({ ...msg, n: n ?? this.n++ }));
  }

  /** Sends bytes as they are: text or a binary frame. */
  sendRaw(data: string | Buffer): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data, { binary: Buffer.isBuffer(data) });
  }

  /** A tick of one of its workers as it would send it now (cumulative: nothing opened, every publish judged). */
  tickOf(workerId: number, extra: Partial<Tick> = {}): Tick {
    const w = this.workers.get(workerId);
    return tick(workerId, w?.cohorts ?? 1, extra);
  }

  /** Resolves with the first frame of `type` received (already or later); rejects after limitMs. */
  waitFor(type: string, limitMs = 20_000): Promise<Received> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const f = this.received.find((r) => r.type === type);
        if (f) {
          this.waiters.delete(check as () => void);
          clearTimeout(timer);
          resolve(f);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check as () => void);
        reject(
          new Error(
            `fake agent ${this.opts.name}: no "${type}" frame within ${limitMs} ms (got ${[...new Set(this.received.map((r) => r.type))].join(', ') || 'nothing'})`,
          ),
        );
      }, limitMs);
      if (!check()) this.waiters.add(check as () => void);
    });
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.ws.terminate();
  }

  private onFrame(f: Received): void {
    this.received.push(f);
    if (f.type === 'probe' && this.opts.answerProbes !== false) {
      const now = performance.now();
      this.send({ type: 'probe-reply', id: f.id, t0: f.t0, t1: now, t2: now });
    } else if (f.type === 'assign') {
      const slices = f.slices as { workerId: number; cohorts: unknown[] }[];
      this.workerIds = slices.map((s) => s.workerId);
      for (const s of slices) {
        this.workers.set(s.workerId, { workerId: s.workerId, cohorts: s.cohorts.length, seqs: [], final: false });
        this.send({ type: 'worker', msg: { type: 'ready', workerId: s.workerId } });
      }
    } else if (f.type === 'publish') {
      for (const w of this.workers.values()) w.seqs.push(f.seq as number);
    } else if (f.type === 'driver') {
      const msg = f.msg as { type: string };
      const w = this.workers.get(f.workerId as number);
      if (w && (msg.type === 'drain' || msg.type === 'stop')) this.tickWorker(w, true);
    } else if (f.type === 'end') {
      this.close();
    }
    for (const w of [...this.waiters]) w();
  }

  private tickAll(final: boolean): void {
    if (!this.speaking) return;
    for (const w of this.workers.values()) this.tickWorker(w, final);
  }

  private tickWorker(w: FakeWorker, final: boolean): void {
    if (w.final || !this.speaking) return;
    // Its sockets never opened: every publish is judged with nobody owed it.
    const seqResults = w.seqs.splice(0).map((seq) => ({ seq, delivered: 0, lost: 0, lastReceiptMs: 0, failed: false }));
    if (final) w.final = true;
    this.send({ type: 'worker', msg: tick(w.workerId, w.cohorts, { seqResults, final }) });
  }
}
