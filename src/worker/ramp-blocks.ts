/**
 * First-connect handshakes grouped by where the socket was due on the ramp, so compare can
 * resample blocks of the ramp (handshakes due close together share their fate: the same accept
 * queue, the same GC pause) rather than take each handshake as independent. Deltas since the last
 * tick, one small histogram per block touched; a worker's ramp touches at most ~20 blocks.
 */
import { createHistogram, recordMs, type Histogram } from '../metrics/histogram.js';
import { RAMP_BLOCK_KEY } from '../run/protocol.js';

export class RampBlocks {
  private startMs = 0;
  private readonly deltas = new Map<number, Histogram>();

  constructor(private readonly blockMs: number) {}

  /** The ramp clock started (the driver's `start`): blocks count from here. */
  start(atMs: number): void {
    this.startMs = atMs;
  }

  /** A first connect due at `dueMs` took `latencyMs`. */
  record(dueMs: number, latencyMs: number): void {
    if (this.startMs === 0) return;
    const block = Math.max(0, Math.floor((dueMs - this.startMs) / this.blockMs));
    let h = this.deltas.get(block);
    if (!h) this.deltas.set(block, (h = createHistogram()));
    recordMs(h, latencyMs);
  }

  /** Hands each touched block's delta to `take` under its tick key and forgets it. */
  drain(take: (key: string, h: Histogram) => void): void {
    for (const [block, h] of this.deltas) take(`${RAMP_BLOCK_KEY}${block}`, h);
    this.deltas.clear();
  }
}
