/**
 * Per-block latency histograms of a run, kept so compare can resample blocks of time (the
 * independent units) rather than deliveries. Memory stays bounded: at most MAX_BLOCKS encoded
 * histograms per family, with only the open block decoded; when a run outgrows that, the block
 * length doubles and neighbouring blocks are added together (exact: histograms add).
 */
import { addInto, createHistogram, decodeHistogram, encodeHistogram, type Histogram } from './histogram.js';
import type { ReportIntervals } from '../run/report.js';

/** Blocks kept per family at most: an 8 h run at 1 s ticks ends with 450 blocks of 64 s. */
export const MAX_BLOCKS = 600;

export type IntervalFamily = 'fanout' | 'completion';
const FAMILIES: readonly IntervalFamily[] = ['fanout', 'completion'];

/** What RunAggregate feeds: fan-out deltas as they arrive, completion values as publishes settle. */
export interface IntervalSink {
  fanout(delta: Histogram): void;
  completion(us: number): void;
}

/** Collects fan-out and completion histograms per block of elapsed time. */
export class IntervalBlocks implements IntervalSink {
  private blockMs: number;
  private readonly done: Record<IntervalFamily, string[]> = { fanout: [], completion: [] };
  private readonly open: Record<IntervalFamily, Histogram | null> = { fanout: null, completion: null };
  private openIndex = 0;

  /** `elapsedMs` reads the time since the run started (the report's startedAt). */
  constructor(
    baseBlockMs: number,
    private readonly elapsedMs: () => number,
    private readonly maxBlocks = MAX_BLOCKS,
  ) {
    this.blockMs = Math.max(1, baseBlockMs);
  }

  fanout(delta: Histogram): void {
    addInto(this.current('fanout'), delta);
  }

  completion(us: number): void {
    this.current('completion').recordValue(us);
  }

  /** The blocks so far, as the report carries them. */
  toReport(): ReportIntervals {
    this.close();
    const length = Math.max(this.done.fanout.length, this.done.completion.length);
    const pad = (a: string[]): string[] => Array.from({ length }, (_, i) => a[i] ?? '');
    return { blockMs: this.blockMs, fanout: pad(this.done.fanout), completion: pad(this.done.completion) };
  }

  private current(family: IntervalFamily): Histogram {
    let index = Math.floor(Math.max(0, this.elapsedMs()) / this.blockMs);
    if (index !== this.openIndex) {
      this.close();
      while (index >= this.maxBlocks) {
        this.coarsen();
        index = Math.floor(Math.max(0, this.elapsedMs()) / this.blockMs);
      }
      this.openIndex = index;
    }
    let h = this.open[family];
    if (!h) {
      // After coarsening, the open block may be one that already holds samples.
      const stored = this.done[family][index];
      h = stored ? decodeHistogram(stored) : createHistogram();
      this.open[family] = h;
    }
    return h;
  }

  private close(): void {
    for (const f of FAMILIES) {
      const h = this.open[f];
      if (h && h.totalCount > 0) {
        const a = this.done[f];
        while (a.length < this.openIndex) a.push('');
        a[this.openIndex] = encodeHistogram(h);
      }
      this.open[f] = null;
    }
  }

  private coarsen(): void {
    this.blockMs *= 2;
    for (const f of FAMILIES) this.done[f] = pairUp(this.done[f]);
  }
}

/** Adds blocks 2i and 2i+1 into block i. */
function pairUp(blocks: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < blocks.length; i += 2) out.push(addEncoded([blocks[i], blocks[i + 1] ?? '']));
  return out;
}

/** Encoded sum of encoded histograms; "" when they hold no samples. */
function addEncoded(encoded: readonly string[]): string {
  const present = encoded.filter((e) => e !== '');
  if (present.length === 0) return '';
  if (present.length === 1) return present[0];
  const h = createHistogram();
  for (const e of present) addInto(h, decodeHistogram(e));
  return encodeHistogram(h);
}

/**
 * Intervals of runs made side by side, combined by time: each run's block lands in the merged
 * block (of the longest block length among them) that holds its midpoint, and blocks that land
 * together are added. `offsetsMs` are each run's start minus the earliest start.
 */
export function mergeIntervals(parts: readonly { intervals: ReportIntervals; offsetMs: number }[], maxBlocks = MAX_BLOCKS): ReportIntervals {
  let blockMs = Math.max(...parts.map((p) => p.intervals.blockMs));
  const buckets: Record<IntervalFamily, string[][]> = { fanout: [], completion: [] };
  for (const { intervals, offsetMs } of parts) {
    for (const f of FAMILIES) {
      intervals[f].forEach((e, i) => {
        if (e === '') return;
        const at = Math.max(0, Math.floor((offsetMs + (i + 0.5) * intervals.blockMs) / blockMs));
        (buckets[f][at] ??= []).push(e);
      });
    }
  }
  const length = Math.max(buckets.fanout.length, buckets.completion.length);
  let out: Record<IntervalFamily, string[]> = {
    fanout: Array.from({ length }, (_, i) => addEncoded(buckets.fanout[i] ?? [])),
    completion: Array.from({ length }, (_, i) => addEncoded(buckets.completion[i] ?? [])),
  };
  while (out.fanout.length > maxBlocks) {
    blockMs *= 2;
    out = { fanout: pairUp(out.fanout), completion: pairUp(out.completion) };
  }
  return { blockMs, ...out };
}
