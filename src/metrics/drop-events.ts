/**
 * Finds drop events in the stream of closes the workers log: closes that come together in
 * wall-clock time (a restart, a rollout, a mass drop), with when they began and ended, why the
 * sockets closed, and how long reconnects took to bring the open count back. Streaming, on the
 * main thread: closes are held only for a short settle delay (they arrive up to a worker tick late
 * and out of order across workers), an event keeps counts, and open counts are kept for the last
 * minute only, so an 8-hour soak costs the same memory as a minute. Every close also goes, in time
 * order, to the idle-timeout screening (close-screening.ts), which judges every cluster of closes
 * by one rule whether or not it makes an event; an event is handed out once its closes are judged,
 * marked when they were an idle-timeout cut.
 */
import type { CloseCause, DropEvent } from '../run/report.js';
import { CLUSTER_GAP_MS, type IdleScreening } from './close-screening.js';
import type { CloseRecord } from '../run/protocol.js';

/** Closes within this window that open an event (with eventThreshold). */
export const EVENT_WINDOW_MS = 1000;
/** An event ends when no close follows its last one within this gap… */
export const EVENT_GAP_MS = 1000;
/** …or when the closes of the last EVENT_WINDOW_MS fall below this share of eventThreshold (a trickle after a burst is not the burst). */
const END_SHARE = 0.5;
/** A close this long before the next one is a precursor, not the start of the burst that follows (the screening's cluster gap). */
const PRECURSOR_GAP_MS = CLUSTER_GAP_MS;
/** How often the driver samples the open count. */
export const OPEN_SAMPLE_MS = 100;
/** Events kept in the report; later ones are counted, not listed. */
export const MAX_EVENTS = 1000;
/** Open-count history kept, ms: far more than the settle delay plus the event gap. */
const HISTORY_MS = 60_000;

/** Closes within EVENT_WINDOW_MS that make a drop event: max(5, 1% of the sockets). */
export function eventThreshold(connections: number): number {
  return Math.max(5, Math.ceil(connections * 0.01));
}

/** What a run's report takes from drop detection. */
export interface DropFindings {
  events: DropEvent[];
  /** Events found beyond the listed maximum. */
  omittedEvents: number;
  screening: IdleScreening;
}

export interface DropDetectorOptions {
  /** nowMs() at the start of the run, and the wall-clock time then (ms since the epoch). */
  runStartMs: number;
  runStartEpochMs: number;
  connections: number;
  screening: IdleScreening;
  /** How long a close may take to reach the main thread (a worker tick and some slack). */
  settleMs: number;
  /** Called once per event, when it has ended and its recovery is known (or the hold ended). */
  onEvent?: (event: DropEvent) => void;
}

interface Building {
  startAt: number;
  endAt: number;
  count: number;
  byCause: Partial<Record<CloseCause, number>>;
  /** A Map while it is built: a record keyed "1006" by assignment holds a 12 KB array (see compactCodes). */
  byCode: Map<string, number>;
  /** Its closes the screening has not judged yet. */
  unjudged: number;
  /** Its closes judged part of an idle-timeout cut. */
  timeoutCut: number;
  /** Times of its closes within the last EVENT_WINDOW_MS, oldest first. */
  recent: number[];
  openBefore: number;
  lowestOpen: number;
  ended: boolean;
  recoveredAt: number | null;
}

export class DropDetector {
  private pending: CloseRecord[] = [];
  /** Recent closes not (yet) part of an event, oldest first. */
  private window: CloseRecord[] = [];
  private current: Building | null = null;
  /** Ended events whose open count has not come back yet. */
  private awaiting: Building[] = [];
  private readonly done: DropEvent[] = [];
  private omitted = 0;
  private readonly sampleTimes: number[] = [];
  private readonly sampleCounts: number[] = [];
  private readonly threshold: number;
  private readonly endThreshold: number;
  private finished = false;
  /** The event each close of an event awaits its screening verdict for. */
  private readonly awaitingVerdict = new Map<CloseRecord, Building>();

  constructor(private readonly opts: DropDetectorOptions) {
    this.threshold = eventThreshold(opts.connections);
    this.endThreshold = Math.max(2, Math.ceil(this.threshold * END_SHARE));
    opts.screening.onVerdict = (c, cut) => {
      const b = this.awaitingVerdict.get(c);
      if (!b) return;
      this.awaitingVerdict.delete(c);
      b.unjudged--;
      if (cut) b.timeoutCut++;
    };
  }

  /** Takes closes as they arrive from a worker. */
  add(closes: readonly CloseRecord[]): void {
    for (const c of closes) this.pending.push(c);
  }

  /** Records the open count (all workers) at `atMs`; feeds recovery of ended events. */
  sampleOpen(atMs: number, open: number): void {
    if (this.finished) return;
    this.sampleTimes.push(atMs);
    this.sampleCounts.push(open);
    let drop = 0;
    while (drop < this.sampleTimes.length && this.sampleTimes[drop] < atMs - HISTORY_MS) drop++;
    if (drop > 0) {
      this.sampleTimes.splice(0, drop);
      this.sampleCounts.splice(0, drop);
    }
    if (this.current && atMs >= this.current.startAt) this.current.lowestOpen = Math.min(this.current.lowestOpen, open);
    for (const b of this.awaiting) this.observe(b, atMs, open);
    this.emitRecovered();
  }

  /** Processes closes old enough that every worker has reported up to them. */
  advance(nowMs: number): void {
    const upTo = nowMs - this.opts.settleMs;
    this.process(upTo);
    this.opts.screening.advance(upTo);
    if (this.current && upTo - this.current.endAt > EVENT_GAP_MS) this.endCurrent();
    this.emitRecovered();
  }

  /**
   * Processes every close left and ends the open event; events whose open count had not come
   * back by `holdEndMs` get recoveryMs null. Returns every event, in time order.
   */
  finish(holdEndMs: number): DropEvent[] {
    this.process(Infinity);
    this.opts.screening.finish();
    if (this.current) this.endCurrent();
    this.window = [];
    this.finished = true;
    for (const b of this.awaiting) {
      // Samples after the hold see wsload closing its own sockets, not the target recovering.
      if (b.recoveredAt !== null && b.recoveredAt > holdEndMs) b.recoveredAt = null;
      this.emit(b);
    }
    this.awaiting = [];
    return [...this.done].sort((a, b) => a.startMs - b.startMs);
  }

  /** Events beyond MAX_EVENTS, counted but not listed. */
  get omittedEvents(): number {
    return this.omitted;
  }

  private process(upTo: number): void {
    if (this.pending.length === 0) return;
    this.pending.sort((a, b) => a.atMs - b.atMs);
    let n = 0;
    while (n < this.pending.length && this.pending[n].atMs <= upTo) n++;
    const ready = this.pending.splice(0, n);
    for (const c of ready) this.one(c);
  }

  private one(c: CloseRecord): void {
    this.opts.screening.add(c);
    if (this.current && !this.continues(this.current, c)) this.endCurrent();
    if (this.current) {
      this.join(this.current, c);
      return;
    }
    let stale = 0;
    while (stale < this.window.length && this.window[stale].atMs < c.atMs - EVENT_WINDOW_MS) stale++;
    this.window.splice(0, stale);
    this.window.push(c);
    if (this.window.length < this.threshold) return;
    // Closes that trickled in before the burst are not part of it: the event starts after the last long gap.
    let dense = this.window.length - 1;
    while (dense > 0 && this.window[dense].atMs - this.window[dense - 1].atMs <= PRECURSOR_GAP_MS) dense--;
    if (this.window.length - dense < this.threshold) return;
    this.window.splice(0, dense);
    this.startEvent();
  }

  /** Whether close `c` still belongs to event `b`: soon after its last close, and closes still coming densely. */
  private continues(b: Building, c: CloseRecord): boolean {
    if (c.atMs - b.endAt > EVENT_GAP_MS) return false;
    let stale = 0;
    while (stale < b.recent.length && b.recent[stale] < c.atMs - EVENT_WINDOW_MS) stale++;
    if (stale > 0) b.recent.splice(0, stale);
    return b.recent.length + 1 >= this.endThreshold;
  }

  private startEvent(): void {
    const members = this.window;
    this.window = [];
    const startAt = members[0].atMs;
    // Open count just before the first close; before any sample (closes in the first 100 ms) the earliest one.
    let openBefore = this.sampleCounts[0] ?? 0;
    let lowest = Number.MAX_SAFE_INTEGER;
    for (let i = 0; i < this.sampleTimes.length; i++) {
      if (this.sampleTimes[i] < startAt) openBefore = this.sampleCounts[i];
      else lowest = Math.min(lowest, this.sampleCounts[i]);
    }
    const b: Building = {
      startAt,
      endAt: startAt,
      count: 0,
      byCause: {},
      byCode: new Map(),
      unjudged: 0,
      timeoutCut: 0,
      recent: [],
      openBefore,
      lowestOpen: Math.min(lowest, openBefore),
      ended: false,
      recoveredAt: null,
    };
    for (const m of members) this.join(b, m);
    this.current = b;
  }

  private join(b: Building, c: CloseRecord): void {
    b.count++;
    b.endAt = Math.max(b.endAt, c.atMs);
    b.recent.push(c.atMs);
    b.byCause[c.cause] = (b.byCause[c.cause] ?? 0) + 1;
    const code = String(c.code);
    b.byCode.set(code, (b.byCode.get(code) ?? 0) + 1);
    const verdict = this.opts.screening.verdictOf(c);
    if (verdict === undefined) {
      b.unjudged++;
      this.awaitingVerdict.set(c, b);
    } else if (verdict) b.timeoutCut++;
  }

  private endCurrent(): void {
    const b = this.current;
    if (!b) return;
    this.current = null;
    b.ended = true;
    b.recent = [];
    // Samples taken since the event ended may already show the recovery.
    for (let i = 0; i < this.sampleTimes.length; i++) {
      if (this.sampleTimes[i] >= b.startAt) this.observe(b, this.sampleTimes[i], this.sampleCounts[i]);
    }
    this.awaiting.push(b);
    // Bounded: under drops that never stop, open may never come back; past MAX_EVENTS waiting, the
    // oldest is handed out with its recovery unknown, as at the end of the run.
    if (this.awaiting.length > MAX_EVENTS) this.emit(this.awaiting.shift() as Building);
    this.emitRecovered();
  }

  private observe(b: Building, atMs: number, open: number): void {
    if (b.recoveredAt !== null || atMs < b.startAt) return;
    b.lowestOpen = Math.min(b.lowestOpen, open);
    // With nothing open before (sockets closed as they opened) there is nothing to come back to.
    if (b.openBefore > 0 && atMs >= b.endAt && open >= b.openBefore - Math.floor(b.openBefore * 0.01)) b.recoveredAt = atMs;
  }

  private emitRecovered(): void {
    const still: Building[] = [];
    for (const b of this.awaiting) {
      // Handed out once recovered and once its closes are judged (whether it was an idle-timeout cut).
      if (b.recoveredAt !== null && b.unjudged === 0) this.emit(b);
      else still.push(b);
    }
    this.awaiting = still;
  }

  private emit(b: Building): void {
    const since = (at: number): number => Math.round(at - this.opts.runStartMs);
    const event: DropEvent = {
      startMs: since(b.startAt),
      startedAt: new Date(this.opts.runStartEpochMs + (b.startAt - this.opts.runStartMs)).toISOString(),
      endMs: since(b.endAt),
      count: b.count,
      byCause: b.byCause,
      byCode: compactCodes(Object.fromEntries(b.byCode)),
      openBefore: b.openBefore,
      lowestOpen: b.lowestOpen,
      recoveryMs: b.recoveredAt === null ? null : Math.round(b.recoveredAt - b.startAt),
      idleTimeoutCut: b.timeoutCut * 2 > b.count,
    };
    if (this.done.length < MAX_EVENTS) this.done.push(event);
    else this.omitted++;
    this.opts.onEvent?.(event);
  }
}

/**
 * The same close-code counts in a few hundred bytes rather than 12 KB: an object given the key
 * "1006" by assignment holds its integer keys as a flat array up to the highest one (V8 keeps
 * indices within ~1,024 of the length flat), while JSON.parse builds them as a dictionary. Every
 * kept drop event held 12 KB this way (heap snapshots of an accelerated soak, issue 27), up to
 * 12 MB at MAX_EVENTS.
 */
function compactCodes(codes: Record<string, number>): Record<string, number> {
  return JSON.parse(JSON.stringify(codes)) as Record<string, number>;
}
