/**
 * What an agent's frames must respect beyond their shape (src/run/control-schema.ts): the next
 * frame number, worker ids it was given, each worker's order (nothing after its final tick, `fatal`
 * or `gone`; `ready` once; publishes judged once each, in order, and only ones announced), and
 * counts that cannot be (more sockets open than it holds, a cumulative counter going back, a cohort
 * or topic the run does not have). A frame that breaks one says why, and the coordinator drops
 * the agent: it never reaches the aggregate, the report or the metrics.
 */
import { CLOSE_LOG_FIELDS, type WorkerMessage, type WorkerSlice } from '../run/protocol.js';
import type { AgentToCoordinator } from '../run/control-protocol.js';

type Tick = Extract<WorkerMessage, { type: 'tick' }>;

/** What the coordinator knows of one of the agent's workers. */
interface WorkerBook {
  sockets: number;
  cohorts: number;
  topics: number;
  ready: boolean;
  /** Final tick, `fatal` or `gone` seen: nothing more may come from it. */
  settled: boolean;
  /** Sockets open by its open log so far. */
  openByLog: number;
  lastSeq: number;
  lastBoundary: number;
  attempts: number;
  opened: number;
  messages: number;
}

export class AgentChecks {
  private nextFrame = 1;
  private readonly workers = new Map<number, WorkerBook>();
  private sockets = 0;

  /** The slices the agent was given: from now on only their workers may speak. */
  assigned(slices: readonly Pick<WorkerSlice, 'workerId' | 'indices' | 'cohorts' | 'topics'>[]): void {
    for (const s of slices) {
      this.sockets += s.indices.length;
      this.workers.set(s.workerId, {
        sockets: s.indices.length,
        cohorts: s.cohorts.length,
        topics: s.topics?.names.length ?? 0,
        ready: false,
        settled: false,
        openByLog: 0,
        lastSeq: 0,
        lastBoundary: -1,
        attempts: 0,
        opened: 0,
        messages: 0,
      });
    }
  }

  /** The coordinator settled a worker itself (lost with its agent): later frames of it are refused. */
  settle(workerId: number): void {
    const w = this.workers.get(workerId);
    if (w) w.settled = true;
  }

  /**
   * Null when `msg` may be taken in, else why not. `lastAnnounced` is the highest publish seq the
   * coordinator has announced; `hello` says whether the agent already said hello.
   */
  check(msg: AgentToCoordinator & { n: number }, hello: boolean, lastAnnounced: number): string | null {
    if (msg.n !== this.nextFrame) {
      return msg.n < this.nextFrame
        ? `frame ${msg.n} came again after frame ${this.nextFrame - 1} (duplicated or replayed)`
        : `frame ${msg.n} came where frame ${this.nextFrame} was due (${msg.n - this.nextFrame} missing)`;
    }
    this.nextFrame++;
    if (msg.type === 'hello') return hello ? 'a second hello' : null;
    if (!hello) return `a "${msg.type}" frame before its hello`;
    switch (msg.type) {
      case 'probe-reply':
        return msg.t2 < msg.t1 ? `a probe reply answered (t2 ${msg.t2}) before it was received (t1 ${msg.t1})` : null;
      case 'stats':
        if (msg.open > this.sockets || msg.peak > this.sockets)
          return `stats of ${msg.open} sockets open (peak ${msg.peak}) on an agent given ${this.sockets}`;
        return msg.open > msg.peak ? `stats of ${msg.open} sockets open above their peak ${msg.peak}` : null;
      case 'gone':
        return this.settling(msg.workerId, 'gone');
      case 'worker':
        return this.worker(msg.msg, lastAnnounced);
      default:
        return null;
    }
  }

  private book(workerId: number, what: string): WorkerBook | string {
    const w = this.workers.get(workerId);
    if (!w)
      return `${what} for worker ${workerId}, which is not one of its workers${this.workers.size > 0 ? ` (${[...this.workers.keys()].join(', ')})` : ' (it has none yet)'}`;
    if (w.settled) return `${what} for worker ${workerId} after that worker had ended`;
    return w;
  }

  private settling(workerId: number, what: string): string | null {
    const w = this.book(workerId, `a "${what}"`);
    if (typeof w === 'string') return w;
    w.settled = true;
    return null;
  }

  private worker(m: WorkerMessage, lastAnnounced: number): string | null {
    if (m.type === 'fatal') return this.settling(m.workerId, 'fatal');
    const w = this.book(m.workerId, `a "${m.type}"`);
    if (typeof w === 'string') return w;
    if (m.type === 'ready') {
      if (w.ready) return `a second "ready" from worker ${m.workerId}`;
      w.ready = true;
      return null;
    }
    const why = this.tick(w, m, lastAnnounced);
    if (why !== null) return `worker ${m.workerId}'s tick: ${why}`;
    if (m.final) w.settled = true;
    return null;
  }

  private tick(w: WorkerBook, m: Tick, lastAnnounced: number): string | null {
    const c = m.counters;
    if (c.open > w.sockets) return `${c.open} sockets open of the ${w.sockets} it holds`;
    // Cumulative counts only grow: one that went back is an old or replayed tick.
    for (const key of ['attempts', 'opened', 'messages'] as const) {
      if (c[key] < w[key]) return `${key} went back from ${w[key]} to ${c[key]}`;
    }
    if (m.boundary !== undefined) {
      if (m.boundary <= w.lastBoundary) return `interval boundary ${m.boundary} after boundary ${w.lastBoundary}`;
    }
    if (m.cohorts.length !== w.cohorts) return `counters of ${m.cohorts.length} cohorts in a run of ${w.cohorts}`;
    if (w.topics > 0 ? c.topics !== undefined && Object.values(c.topics).some((a) => a.length !== w.topics) : c.topics !== undefined) {
      return `topic counters that do not match the run's ${w.topics} topics`;
    }
    let seq = w.lastSeq;
    for (const r of m.seqResults) {
      if (r.seq <= seq) return `publish ${r.seq} judged again after publish ${seq}`;
      if (r.seq > lastAnnounced) return `publish ${r.seq} judged, but only ${lastAnnounced} were announced`;
      seq = r.seq;
    }
    const log = m.closeLog;
    if (log) {
      for (let i = 1; i < log.length; i += CLOSE_LOG_FIELDS)
        if (log[i] >= w.cohorts) return `a close in cohort ${log[i]} of a run of ${w.cohorts}`;
    }
    let open = w.openByLog;
    if (m.openLog) {
      for (let i = 1; i < m.openLog.length; i += 2) {
        open += m.openLog[i];
        if (open < 0 || open > w.sockets) return `its open log has ${open} sockets open of the ${w.sockets} it holds`;
      }
    }
    w.openByLog = open;
    w.lastSeq = seq;
    if (m.boundary !== undefined) w.lastBoundary = m.boundary;
    w.attempts = c.attempts;
    w.opened = c.opened;
    w.messages = c.messages;
    return null;
  }
}
