/**
 * Publish latency per block of time for compare's bootstrap. The publisher records every round
 * trip into one cumulative histogram on the main thread; on every driver tick (and at the end)
 * the part recorded since the last look goes into the current block, so the publisher itself
 * stays unaware of blocks.
 */
import { createHistogram, takeNewSince, type Histogram } from '../metrics/histogram.js';
import type { IntervalSink } from '../metrics/interval-blocks.js';
import type { TickSubscriber } from './tick-bus.js';

export class PublishBlocks implements TickSubscriber {
  private readonly seen = createHistogram();
  private readonly delta = createHistogram();

  constructor(
    /** The publisher's cumulative latency histogram, once there is a publisher. */
    private readonly latency: () => Histogram | null,
    private readonly sink: IntervalSink,
  ) {}

  onTick(): void {
    this.take();
  }

  onEnd(): void {
    this.take();
  }

  private take(): void {
    const h = this.latency();
    if (!h || h.totalCount <= this.seen.totalCount) return;
    // One delta reused at every tick: the sink adds it into its block, it keeps no reference.
    this.delta.reset();
    takeNewSince(this.delta, h, this.seen);
    this.sink.timed('publish', this.delta);
  }
}
