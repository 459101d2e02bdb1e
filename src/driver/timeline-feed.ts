/**
 * The timeline as a tick subscriber: books worker snapshots by event time (report/timeline-booker),
 * samples the instantaneous columns at each interval's end, and once an interval is final makes its
 * line, appends it to the .ndjson/.hlog (when there are files) and hands it to onInterval.
 */
import { nowMs } from '../clock.js';
import type { TimelineLine } from '../run/report.js';
import { openCounts, type PublishRing } from '../run/publish-ring.js';
import { TimelineWriter, timelineLine } from '../report/timeline.js';
import { TimelineBooker } from '../report/timeline-booker.js';
import type { Snapshot, TickSubscriber } from './tick-bus.js';

export interface TimelineFeedOptions {
  startMs: number;
  intervalMs: number;
  workers: number;
  ring: PublishRing;
  /** How long after an interval's end its publishes may still be judged lost; 0 without publishing. */
  lossSettleMs: number;
  /** The soak files, or null: lines go only to onInterval. */
  writer: TimelineWriter | null;
  onInterval?: (line: TimelineLine) => void;
  /** Deliveries booked lost so far beyond the workers' own evaluations (lost workers' books), so the lines add up to the report. */
  addedLost?: () => number;
  /** The observed endpoints' latest values (observe-scraper.ts), read at each interval's end; absent: none observed. */
  observed?: () => Record<string, Record<string, number | null>>;
}

export class TimelineFeed implements TickSubscriber {
  private readonly booker: TimelineBooker;
  private boundaryTimer: NodeJS.Timeout | null = null;
  private nextBoundary = 0;
  /** Of opts.addedLost(), what is booked already. */
  private addedBooked = 0;
  /** Observed values read at each interval's end, until its line is made. */
  private readonly observedAt = new Map<number, Record<string, Record<string, number | null>>>();

  constructor(private readonly opts: TimelineFeedOptions) {
    this.booker = new TimelineBooker(opts.startMs, opts.intervalMs, opts.workers, opts.ring, opts.lossSettleMs);
  }

  /** Starts sampling interval ends (open sockets, RSS, wall time are read at each boundary). */
  start(): void {
    this.boundary();
  }

  /** Stops the boundary timer (idempotent). */
  stop(): void {
    if (this.boundaryTimer) clearTimeout(this.boundaryTimer);
    this.boundaryTimer = null;
  }

  onSnapshot(snapshot: Snapshot, atMs: number): void {
    this.booker.onTick(snapshot, atMs);
  }

  onWorkerGone(workerId: number, _reason: string, atMs: number): void {
    this.booker.onWorkerGone(workerId, atMs);
    this.bookAddedLost(atMs);
  }

  onTick(atMs: number): void {
    this.bookAddedLost(atMs);
    this.writeLines(atMs, false);
  }

  /** The run is over: every interval up to now is written. */
  onEnd(atMs: number): void {
    this.stop();
    this.bookAddedLost(atMs);
    this.writeLines(atMs, true);
  }

  private bookAddedLost(atMs: number): void {
    const total = this.opts.addedLost?.() ?? 0;
    if (total <= this.addedBooked) return;
    this.booker.bookLost(total - this.addedBooked, atMs);
    this.addedBooked = total;
  }

  private boundary(): void {
    const now = nowMs();
    while (this.booker.endOf(this.nextBoundary) <= now) {
      if (this.opts.observed) this.observedAt.set(this.nextBoundary, this.opts.observed());
      this.booker.sampleEnd(this.nextBoundary++, openCounts(this.opts.ring).open, process.memoryUsage().rss / 1048576, Date.now());
    }
    this.writeLines(now, false);
    this.boundaryTimer = setTimeout(() => this.boundary(), Math.max(0, this.booker.endOf(this.nextBoundary) - nowMs()));
  }

  // Lines are made when final: with `all`, every interval up to now (the run is over).
  private writeLines(now: number, all: boolean): void {
    const { startMs, intervalMs, writer, onInterval } = this.opts;
    for (const b of this.booker.ready(now, all)) {
      const endMs = Math.min(this.booker.endOf(b.index), now);
      if (!b.atEnd) b.atEnd = { open: openCounts(this.opts.ring).open, rssMb: process.memoryUsage().rss / 1048576, wallMs: Date.now() };
      const line = timelineLine(b, endMs - startMs, endMs - (startMs + b.index * intervalMs), intervalMs);
      if (this.opts.observed) {
        line.observe = this.observedAt.get(b.index) ?? this.opts.observed();
        this.observedAt.delete(b.index);
      }
      writer?.append(line, b.fanout, (b.index * intervalMs) / 1000, (endMs - startMs) / 1000);
      onInterval?.(line);
    }
  }
}

/** The soak files, or null (with a warning) when they cannot be created: the run is worth more than they are. */
export function openTimeline(
  files: { timeline: string; hlog: string },
  warnings: string[],
  onWarning: ((message: string) => void) | undefined,
): TimelineWriter | null {
  const onWriteError = (file: string, message: string): void => {
    onWarning?.(`could not write ${file}: ${message} (later intervals are tried again; counted in files.writeErrors)`);
  };
  try {
    return new TimelineWriter(files.timeline, files.hlog, Date.now(), onWriteError);
  } catch (err) {
    // Output paths are checked before the run, so only a file system that changed since gets here.
    const message = `could not create ${files.timeline} or ${files.hlog}: ${err instanceof Error ? err.message : String(err)}; the run goes on without them`;
    warnings.push(message);
    onWarning?.(message);
    return null;
  }
}
