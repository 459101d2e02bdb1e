/**
 * Publish latency per block of time for compare's bootstrap. The publisher records every round
 * trip into one cumulative histogram on the main thread; on every driver tick (and at the end)
 * the part recorded since the last look goes into the current block, so the publisher itself
 * stays unaware of blocks.
 */
import { addInto, createHistogram, type Histogram } from '../metrics/histogram.js';
import type { IntervalSink } from '../metrics/interval-blocks.js';
import type { TickSubscriber } from './tick-bus.js';

export class PublishBlocks implements TickSubscriber {
  private readonly seen = createHistogram();

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
    const delta = createHistogram();
    addInto(delta, h);
    delta.subtract(this.seen);
    addInto(this.seen, delta);
    this.sink.timed('publish', delta);
  }
}
