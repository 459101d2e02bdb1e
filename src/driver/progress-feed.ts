/**
 * Progress as a tick subscriber: on every driver tick, the peak RSS so far and (when asked for) a
 * Progress sample from the aggregate and the shared open count.
 */
import { RssSeries } from '../metrics/memory-trend.js';
import { percentiles, type Histogram } from '../metrics/histogram.js';
import type { RunAggregate, Totals } from '../metrics/aggregate.js';
import { openCounts, type PublishRing } from '../run/publish-ring.js';
import type { Progress, RunPhase } from '../run/run-options.js';
import type { TickSubscriber } from './tick-bus.js';

export interface ProgressFeedOptions {
  startMs: number;
  /** Sockets the run aims to hold open. */
  target: number;
  aggregate: RunAggregate;
  ring: PublishRing;
  /** The run's phase now. */
  phase: () => RunPhase;
  /** Publishes answered OK so far. */
  published: () => number;
  onProgress?: (p: Progress) => void;
}

export class ProgressFeed implements TickSubscriber {
  /** Highest RSS of this process seen at a tick, MB. */
  peakRssMb = process.memoryUsage().rss / 1048576;
  /** RSS at every tick (run time), for client.memory's slope. */
  readonly rss = new RssSeries();
  private lastDelivered = 0;
  private lastMs: number;

  constructor(private readonly opts: ProgressFeedOptions) {
    this.lastMs = opts.startMs;
  }

  onTick(now: number): void {
    const { aggregate, onProgress } = this.opts;
    const rssMb = process.memoryUsage().rss / 1048576;
    this.peakRssMb = Math.max(this.peakRssMb, rssMb);
    this.rss.sample(now - this.opts.startMs, rssMb);
    if (!onProgress) return;
    const totals = aggregate.totals();
    const dt = (now - this.lastMs) / 1000;
    onProgress({
      phase: this.opts.phase(),
      elapsedMs: now - this.opts.startMs,
      open: openCounts(this.opts.ring).open,
      target: this.opts.target,
      failed: totals.failed,
      published: this.opts.published(),
      deliveriesPerSec: dt > 0 ? (deliveredOrStreamed(totals) - this.lastDelivered) / dt : 0,
      p99Ms: fanoutP99(aggregate.histogram('fanout')),
      lost: totals.delivery.lost,
      closes: totals.cohorts.reduce((s, c) => s + c.closes, 0),
      lagMs: Math.max(0, ...aggregate.workers.map((w) => w.lag.intervalMaxMs)),
      ...(totals.stream ? { stalenessP99Ms: fanoutP99(aggregate.histogram('streamStaleness')) } : {}),
    });
    this.lastDelivered = deliveredOrStreamed(totals);
    this.lastMs = now;
  }
}

/** p99 of the deliveries so far, or null before the first one. */
function fanoutP99(h: Histogram): number | null {
  return h.totalCount > 0 ? percentiles(h).p99 : null;
}

/** Deliveries of publishes, plus the judged messages of a server stream (which has no publishes). */
function deliveredOrStreamed(t: Totals): number {
  return t.delivery.delivered + (t.stream?.messages ?? 0);
}
