/**
 * The soak files written while a run goes on: one JSON line per interval (.ndjson) and an
 * HdrHistogram interval log of fan-out latency (.hlog). Every column is booked by event time
 * (timeline-booker.ts), so a line is written once its interval is final: with publishing, a
 * delivery deadline after the interval ends. Each line is handed to the kernel with a synchronous
 * write as soon as it is made, so after kill -9 both files are intact up to the last line written.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createHlogWriter, percentiles, type Histogram, type HlogWriter } from '../metrics/histogram.js';
import type { BookedInterval } from './timeline-booker.js';
import type { TimelineLine } from './types.js';

/** One interval's line from what was booked in it by event time (src/report/timeline-booker.ts). */
export function timelineLine(b: BookedInterval, elapsedMs: number): TimelineLine {
  const fan = percentiles(b.fanout);
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
  };
}

export class TimelineWriter {
  private readonly ndjsonFd: number;
  private readonly hlogFd: number;
  private readonly hlog: HlogWriter;
  private closed = false;

  constructor(
    readonly timelineFile: string,
    readonly hlogFile: string,
    startEpochMs: number,
  ) {
    mkdirSync(dirname(timelineFile), { recursive: true });
    this.ndjsonFd = openSync(timelineFile, 'w');
    this.hlogFd = openSync(hlogFile, 'w');
    // The hdr log writer emits pieces of a line; each call is one write of complete text.
    this.hlog = createHlogWriter((text) => writeSync(this.hlogFd, text), startEpochMs);
  }

  /** Appends one interval: its timeline line and its fan-out histogram (seconds since start). */
  append(line: TimelineLine, fanout: Histogram, startSec: number, endSec: number): void {
    if (this.closed) return;
    this.hlog.interval(fanout, startSec, endSec);
    writeSync(this.ndjsonFd, `${JSON.stringify(line)}\n`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.ndjsonFd);
    closeSync(this.hlogFd);
  }
}
