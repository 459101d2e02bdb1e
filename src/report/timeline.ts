/**
 * The soak files written while a run goes on: one JSON line per interval (.ndjson) and an
 * HdrHistogram interval log of fan-out latency (.hlog). Each line is handed to the kernel with a
 * synchronous write as soon as it is made, so after kill -9 both files are intact up to the last
 * complete interval.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createHlogWriter, type Histogram, type HlogWriter } from '../metrics/histogram.js';
import type { TimelineLine } from './types.js';

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
