/**
 * The soak files written while a run goes on: one JSON line per interval (.ndjson) and an
 * HdrHistogram interval log of fan-out latency (.hlog). Every column is booked by event time
 * (timeline-booker.ts), so a line is written once its interval is final: with publishing, a
 * delivery deadline after the interval ends. Each line is handed to the kernel with a synchronous
 * write as soon as it is made, so after kill -9 both files are intact up to the last line written.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createHlogWriter, percentiles, type Histogram, type HlogWriter } from '../metrics/histogram.js';
import type { BookedInterval } from './timeline-booker.js';
import type { TimelineLine } from '../run/report.js';

/**
 * One interval's line from what was booked in it by event time (src/report/timeline-booker.ts).
 * `durationMs` is how long the interval really lasted; shorter than `intervalMs` (the run ended
 * inside it) marks the line partial, so a reader neither takes its counts for a full interval's
 * nor its open count (read after wsload closed its sockets) for a drop.
 */
export function timelineLine(b: BookedInterval, elapsedMs: number, durationMs: number, intervalMs: number): TimelineLine {
  const fan = percentiles(b.fanout);
  const duration = Math.max(0, Math.round(durationMs));
  return {
    t: new Date(b.atEnd?.wallMs ?? Date.now()).toISOString(),
    elapsedMs: Math.round(elapsedMs),
    open: b.atEnd?.open ?? 0,
    connects: b.connects,
    connectFailures: b.connectFailures,
    closes: b.closes,
    closesByCause: { ...b.closesByCause },
    published: b.published,
    deliveries: b.deliveries,
    lost: b.lost,
    fanoutMs: { p50: fan.p50, p99: fan.p99, max: fan.max, count: fan.count },
    rssMb: Math.round(b.atEnd?.rssMb ?? process.memoryUsage().rss / 1048576),
    eventLoopLagMs: Math.round(b.eventLoopLagMs * 100) / 100,
    reconnects: b.reconnects,
    durationMs: duration,
    ...(duration < intervalMs ? { partial: true as const } : {}),
  };
}

/** A file written in whole pieces: a piece that fails is cut off again before the next one, so the file holds only whole lines. */
class WholeLineFile {
  private readonly fd: number;
  private goodBytes = 0;
  private dirty = false;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(text: string): void {
    // A write that failed half-way (ENOSPC) may have left part of a line: drop it first.
    if (this.dirty) ftruncateSync(this.fd, this.goodBytes);
    this.dirty = true;
    const buf = Buffer.from(text, 'utf8');
    for (let done = 0; done < buf.length;) {
      const n = writeSync(this.fd, buf, done, buf.length - done, this.goodBytes + done);
      if (n <= 0) throw new Error(`short write to ${this.path}`);
      done += n;
    }
    this.goodBytes += buf.length;
    this.dirty = false;
  }

  close(): void {
    try {
      if (this.dirty) ftruncateSync(this.fd, this.goodBytes);
    } catch {
      // Left as it is: a reader skips a last line without its newline.
    }
    try {
      closeSync(this.fd);
    } catch {
      // Nothing more can be done for this file; its whole lines are already with the kernel.
    }
  }
}

/** Called once, on the first write that fails, with the file and the error message. */
export type TimelineWriteErrorHandler = (file: string, message: string) => void;

/** Writes the soak files as a run goes on; a write that fails is counted and reported once, never thrown. */
export class TimelineWriter {
  private readonly ndjson: WholeLineFile;
  private readonly hlogOut: WholeLineFile;
  private readonly hlog: HlogWriter;
  private hlogPending = '';
  private closed = false;
  /** Intervals not written whole to one of the files (disk full, file system gone). */
  writeErrors = 0;
  /** The first failure, "file: message", or null. */
  firstError: string | null = null;

  /** Opens both files; throws (an fs error) if they cannot be created. */
  constructor(
    readonly timelineFile: string,
    readonly hlogFile: string,
    startEpochMs: number,
    private readonly onWriteError: TimelineWriteErrorHandler = () => {},
  ) {
    mkdirSync(dirname(timelineFile), { recursive: true });
    this.ndjson = new WholeLineFile(timelineFile);
    this.hlogOut = new WholeLineFile(hlogFile);
    // The hdr log writer emits pieces of a line; they are gathered and written as one piece.
    this.hlog = createHlogWriter((text) => {
      this.hlogPending += text;
    }, startEpochMs);
    if (!this.flushHlog()) this.writeErrors++;
  }

  /** Appends one interval: its timeline line and its fan-out histogram (seconds since start). Never throws. */
  append(line: TimelineLine, fanout: Histogram, startSec: number, endSec: number): void {
    if (this.closed) return;
    this.hlog.interval(fanout, startSec, endSec);
    const hlogOk = this.flushHlog();
    const ndjsonOk = this.attempt(this.ndjson, `${JSON.stringify(line)}\n`);
    if (!hlogOk || !ndjsonOk) this.writeErrors++;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ndjson.close();
    this.hlogOut.close();
  }

  private flushHlog(): boolean {
    const text = this.hlogPending;
    this.hlogPending = '';
    return text === '' || this.attempt(this.hlogOut, text);
  }

  private attempt(file: WholeLineFile, text: string): boolean {
    try {
      file.write(text);
      return true;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (this.firstError === null) {
        this.firstError = `${file.path}: ${message}`;
        this.onWriteError(file.path, message);
      }
      return false;
    }
  }
}
