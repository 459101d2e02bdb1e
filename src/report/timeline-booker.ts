/**
 * Books every column of the .ndjson timeline (and the .hlog) by the time things happened, so one
 * gateway blip lands in the same interval in every column: connects, closes, deliveries and
 * fan-out latency by the worker's clock at the interval boundary (each worker sends a tick exactly
 * at every boundary, so what it counted before the boundary is the interval's), publishes and
 * lost deliveries by the publish's *scheduled* time. An interval's line is therefore final only
 * once every worker has passed its end and, with publishing, a delivery deadline later (when every
 * publish scheduled in it has been judged); `ready()` hands lines out in order from then on. A
 * figure that still arrives after its line was written goes into the next line written.
 */
import { addInto, createHistogram, deltaOf, type Histogram } from '../metrics/histogram.js';
import { head, slotOf, PUBLISH_OK, PUBLISH_PENDING, type PublishRing } from '../run/publish-ring.js';
import type { CohortCounters, WorkerCounters, WorkerMessage } from '../run/protocol.js';
import type { CloseCause } from '../run/report.js';

/** What one interval's line is made of, booked by event time. */
export interface BookedInterval {
  index: number;
  connects: number;
  connectFailures: number;
  closes: number;
  closesByCause: Partial<Record<CloseCause, number>>;
  reconnects: number;
  published: number;
  deliveries: number;
  lost: number;
  fanout: Histogram;
  eventLoopLagMs: number;
  /** Sampled at the interval's end by the driver (open sockets, RSS, wall time); null until then. */
  atEnd: { open: number; rssMb: number; wallMs: number } | null;
}

interface WorkerBooking {
  /** Highest boundary index this worker has reported (-1: none yet). */
  boundary: number;
  gone: boolean;
  counters: WorkerCounters | null;
  cohorts: CohortCounters[] | null;
  bookedCounters: WorkerCounters | null;
  bookedCohorts: CohortCounters[] | null;
  fanout: Histogram;
  lagMs: number;
}

type Tick = Extract<WorkerMessage, { type: 'tick' }>;

function emptyInterval(index: number): BookedInterval {
  return {
    index,
    connects: 0,
    connectFailures: 0,
    closes: 0,
    closesByCause: {},
    reconnects: 0,
    published: 0,
    deliveries: 0,
    lost: 0,
    fanout: createHistogram(),
    eventLoopLagMs: 0,
    atEnd: null,
  };
}

export class TimelineBooker {
  private readonly intervals = new Map<number, BookedInterval>();
  private readonly workers: WorkerBooking[];
  /** Next interval to hand out; figures for earlier ones go into it. */
  private nextIndex = 0;
  /** Next publish seq to book by its scheduled time. */
  private nextSeq = 1;

  constructor(
    private readonly startMs: number,
    private readonly intervalMs: number,
    workerCount: number,
    private readonly ring: PublishRing,
    /** How long after an interval's end its publishes may still be judged lost (deadline + ticks); 0 without publishing. */
    private readonly lossSettleMs: number,
  ) {
    this.workers = Array.from({ length: workerCount }, () => ({
      boundary: -1,
      gone: false,
      counters: null,
      cohorts: null,
      bookedCounters: null,
      bookedCohorts: null,
      fanout: createHistogram(),
      lagMs: 0,
    }));
  }

  /** Interval index of event time `ms`. */
  indexOf(ms: number): number {
    return Math.max(0, Math.floor((ms - this.startMs) / this.intervalMs));
  }

  /** End of interval `index` on the shared clock. */
  endOf(index: number): number {
    return this.startMs + (index + 1) * this.intervalMs;
  }

  private slot(index: number): BookedInterval {
    const k = Math.max(index, this.nextIndex);
    let s = this.intervals.get(k);
    if (!s) {
      s = emptyInterval(k);
      this.intervals.set(k, s);
    }
    return s;
  }

  /** Takes in one worker tick, arrived at `nowMs`. */
  onTick(msg: Tick, nowMs: number): void {
    const w = this.workers[msg.workerId];
    if (w.gone) return;
    if (msg.histograms.fanout) addInto(w.fanout, deltaOf(msg.histograms, 'fanout'));
    w.lagMs = Math.max(w.lagMs, msg.lag.intervalMaxMs);
    w.counters = msg.counters;
    w.cohorts = msg.cohorts;
    for (const r of msg.seqResults) {
      if (r.lost === 0) continue;
      const slot = slotOf(this.ring, r.seq);
      this.slot(slot >= 0 ? this.indexOf(this.ring.scheduledMs[slot]) : this.indexOf(nowMs)).lost += r.lost;
    }
    if (msg.boundary !== undefined) {
      this.bookWorker(w, msg.boundary);
      w.boundary = Math.max(w.boundary, msg.boundary);
    }
    if (msg.final) {
      this.bookWorker(w, Math.max(this.indexOf(nowMs), w.boundary + 1));
      w.gone = true;
    }
  }

  /** A worker died: what it counted since its last boundary goes into the interval it died in. */
  onWorkerGone(workerId: number, nowMs: number): void {
    const w = this.workers[workerId];
    if (w.gone) return;
    this.bookWorker(w, Math.max(this.indexOf(nowMs), w.boundary + 1));
    w.gone = true;
  }

  /**
   * Deliveries booked lost by the driver rather than a worker's evaluation (what a lost worker owed
   * after its last snapshot), in the interval they became known: no publish time is known for them.
   */
  bookLost(n: number, nowMs: number): void {
    if (n > 0) this.slot(this.indexOf(nowMs)).lost += n;
  }

  /** Driver, at the end of interval `index`: the instantaneous columns. */
  sampleEnd(index: number, open: number, rssMb: number, wallMs: number): void {
    if (index < this.nextIndex) return;
    const s = this.slot(index);
    if (!s.atEnd) s.atEnd = { open, rssMb, wallMs };
  }

  /** Books publishes answered 2xx by their scheduled time, as far as they have been answered. */
  bookPublishes(): void {
    const last = head(this.ring);
    while (this.nextSeq <= last) {
      const slot = slotOf(this.ring, this.nextSeq);
      if (slot >= 0) {
        const status = Atomics.load(this.ring.status, slot);
        if (status === PUBLISH_PENDING) return;
        if (status === PUBLISH_OK) this.slot(this.indexOf(this.ring.scheduledMs[slot])).published++;
      }
      this.nextSeq++;
    }
  }

  /**
   * Intervals whose every column is final by `nowMs`, in order; with `all`, every interval up to
   * the one holding `nowMs` (the run is over and every worker has reported).
   */
  ready(nowMs: number, all = false): BookedInterval[] {
    this.bookPublishes();
    const out: BookedInterval[] = [];
    const lastIndex = all ? Math.max(this.indexOf(nowMs), ...this.intervals.keys()) : Infinity;
    for (;;) {
      const k = this.nextIndex;
      if (k > lastIndex) break;
      if (!all) {
        if (nowMs < this.endOf(k) + this.lossSettleMs) break;
        if (!this.workers.every((w) => w.gone || w.boundary >= k)) break;
      }
      const s = this.slot(k);
      this.intervals.delete(k);
      this.nextIndex = k + 1;
      out.push(s);
    }
    return out;
  }

  private bookWorker(w: WorkerBooking, index: number): void {
    const s = this.slot(index);
    const c = w.counters;
    const prev = w.bookedCounters;
    if (c) {
      s.connects += c.opened - (prev?.opened ?? 0);
      s.connectFailures += c.failed - (prev?.failed ?? 0);
      s.deliveries += c.delivery.delivered - (prev?.delivery.delivered ?? 0);
      // A server stream has no publishes to deliver: its judged messages are the interval's deliveries.
      if (c.stream) s.deliveries += c.stream.messages - (prev?.stream?.messages ?? 0);
    }
    w.cohorts?.forEach((cc, i) => {
      const before = w.bookedCohorts?.[i];
      s.closes += cc.closes - (before?.closes ?? 0);
      s.reconnects += cc.reconnects - (before?.reconnects ?? 0);
      for (const [cause, n] of Object.entries(cc.byCause)) {
        const d = n - (before?.byCause[cause] ?? 0);
        if (d > 0) s.closesByCause[cause as CloseCause] = (s.closesByCause[cause as CloseCause] ?? 0) + d;
      }
    });
    addInto(s.fanout, w.fanout);
    w.fanout.reset();
    s.eventLoopLagMs = Math.max(s.eventLoopLagMs, w.lagMs);
    w.lagMs = 0;
    w.bookedCounters = c ? structuredClone(c) : prev;
    w.bookedCohorts = w.cohorts ? structuredClone(w.cohorts) : w.bookedCohorts;
  }
}
