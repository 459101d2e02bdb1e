/**
 * The soak files written while a run goes on: one JSON line per interval (.ndjson) and an
 * HdrHistogram interval log of fan-out latency (.hlog). Each line is handed to the kernel with a
 * synchronous write as soon as it is made, so after kill -9 both files are intact up to the last
 * complete interval.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createHlogWriter, percentiles, type Histogram, type HlogWriter } from '../metrics/histogram.js';
import type { Totals } from '../metrics/aggregate.js';
import type { TimelineLine } from './types.js';

/** What one timeline line is made from: the run's totals now and at the previous line. */
export interface TimelineInput {
  prev: Totals;
  totals: Totals;
  elapsedMs: number;
  open: number;
  /** Publishes answered during the interval. */
  published: number;
  /** Fan-out latency recorded during the interval. */
  fanout: Histogram;
  eventLoopLagMs: number;
}

const closesOf = (t: Totals): number => t.cohorts.reduce((s, c) => s + c.closes, 0);

/** One interval's line: differences of cumulative totals, the interval's latency and health. */
export function timelineLine(input: TimelineInput): TimelineLine {
  const { prev, totals } = input;
  const closesByCause: Record<string, number> = {};
  totals.cohorts.forEach((c, i) => {
    for (const [cause, n] of Object.entries(c.byCause)) {
      const d = n - (prev.cohorts[i].byCause[cause] ?? 0);
      if (d > 0) closesByCause[cause] = (closesByCause[cause] ?? 0) + d;
    }
  });
  const fan = percentiles(input.fanout);
  return {
    t: new Date().toISOString(),
    elapsedMs: Math.round(input.elapsedMs),
    open: input.open,
    connects: totals.opened - prev.opened,
    connectFailures: totals.failed - prev.failed,
    closes: closesOf(totals) - closesOf(prev),
    closesByCause,
    published: input.published,
    deliveries: totals.delivery.delivered - prev.delivery.delivered,
    lost: totals.delivery.lost - prev.delivery.lost,
    fanoutMs: { p50: fan.p50, p99: fan.p99, max: fan.max, count: fan.count },
    rssMb: Math.round(process.memoryUsage().rss / 1048576),
    eventLoopLagMs: Math.round(input.eventLoopLagMs * 100) / 100,
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
