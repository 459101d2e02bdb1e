/**
 * Per-block latency histograms of a run, kept so compare can resample blocks of time (the
 * independent units) rather than deliveries. Memory is bounded by design: at most MAX_BLOCKS
 * blocks per family, each held as packed non-zero buckets (sparse-counts.ts: a few bytes per
 * bucket that holds samples, never a decoded 115 KB histogram nor a zlib stream), plus one open
 * histogram per family that gets samples, reused block after block; a family that never gets a
 * sample costs nothing. When a run outgrows MAX_BLOCKS, the block length doubles and neighbouring
 * blocks are added in packed form (exact: histograms add). The report's base64 is written once,
 * by toReport. Handshakes are blocked by where the socket was due on the ramp (a handful of
 * blocks, ≤ MAX_RAMP_BLOCKS), not by time of arrival: a whole ramp often lands in one worker tick.
 */
import { addInto, createHistogram, decodeHistogram, encodeHistogram, type Histogram } from './histogram.js';
import { addCounts, addCountsInto, EMPTY_COUNTS, packCounts, type SparseCounts } from './sparse-counts.js';
import type { ReportIntervals } from '../run/report.js';
export { RAMP_BLOCK_KEY } from '../run/protocol.js';

/** Blocks kept per family at most: an 8 h run at 1 s ticks ends with 450 blocks of 64 s. */
export const MAX_BLOCKS = 600;
/** Ramp blocks at most (handshakes), and the shortest: blocks shorter than a GC pause or a scheduler hiccup are not independent. */
export const MAX_RAMP_BLOCKS = 20;
export const MIN_RAMP_BLOCK_MS = 100;

/** Families blocked by the time their samples reach the driver. */
export type TimedFamily = 'fanout' | 'completion' | 'streamStaleness' | 'publish';
/** Every family with blocks: the timed ones and handshakes (by ramp position). */
export type IntervalFamily = TimedFamily | 'handshake';
const TIMED: readonly TimedFamily[] = ['fanout', 'completion', 'streamStaleness', 'publish'];
/** Always present in the report (older readers expect them); the others only when they have samples. */
const REQUIRED: readonly TimedFamily[] = ['fanout', 'completion'];

/** Length of one ramp block (ms) for a ramp (or stage shape) of `rampMs`. */
export function rampBlockMs(rampMs: number): number {
  return Math.max(MIN_RAMP_BLOCK_MS, Math.ceil(rampMs / MAX_RAMP_BLOCKS));
}

/** What RunAggregate feeds: histogram deltas as they arrive, completion values as publishes settle, lost deliveries as they are judged. */
export interface IntervalSink {
  timed(family: Exclude<TimedFamily, 'completion'>, delta: Histogram): void;
  completion(us: number): void;
  /** Deliveries judged lost now (censored at the deadline by compare). */
  lost(count: number): void;
  /** Handshakes of sockets due in ramp block `block`. */
  rampBlock(block: number, delta: Histogram): void;
}

/** Collects histograms per block of elapsed time, and handshakes per ramp block. */
export class IntervalBlocks implements IntervalSink {
  private blockMs: number;
  private readonly done = new Map<TimedFamily, SparseCounts[]>(REQUIRED.map((f) => [f, []]));
  /** Each family's histogram of the open block, created once and reset when its block closes. */
  private readonly open = new Map<TimedFamily, Histogram>();
  /** Families whose open histogram holds the open block (samples, or its stored part after coarsening). */
  private readonly opened = new Set<TimedFamily>();
  private lostCounts: number[] = [];
  private openIndex = 0;
  private readonly ramp: SparseCounts[] = [];

  /** `elapsedMs` reads the time since the run started (the report's startedAt). */
  constructor(
    baseBlockMs: number,
    private readonly elapsedMs: () => number,
    private readonly maxBlocks = MAX_BLOCKS,
    /** Length of a ramp block (handshakes); null: handshakes are not blocked. */
    private readonly rampMs: number | null = null,
  ) {
    this.blockMs = Math.max(1, baseBlockMs);
  }

  fanout(delta: Histogram): void {
    this.timed('fanout', delta);
  }

  timed(family: Exclude<TimedFamily, 'completion'>, delta: Histogram): void {
    addInto(this.current(family), delta);
  }

  completion(us: number): void {
    this.current('completion').recordValue(us);
  }

  lost(count: number): void {
    if (count <= 0) return;
    const i = this.index();
    while (this.lostCounts.length <= i) this.lostCounts.push(0);
    this.lostCounts[i] += count;
  }

  rampBlock(block: number, delta: Histogram): void {
    if (this.rampMs === null || block < 0 || block >= MAX_RAMP_BLOCKS * 4) return;
    while (this.ramp.length <= block) this.ramp.push(EMPTY_COUNTS);
    this.ramp[block] = addCounts(this.ramp[block], packCounts(delta));
  }

  /** The blocks so far, as the report carries them. */
  toReport(): ReportIntervals {
    this.close();
    const scratch = createHistogram();
    const encode = (c: SparseCounts | undefined): string => {
      if (!c || c.length === 0) return '';
      scratch.reset();
      addCountsInto(scratch, c);
      return encodeHistogram(scratch);
    };
    const length = Math.max(0, ...[...this.done.values()].map((a) => a.length), this.lostCounts.length);
    const pad = (a: readonly SparseCounts[]): string[] => Array.from({ length }, (_, i) => encode(a[i]));
    const out: ReportIntervals = {
      blockMs: this.blockMs,
      fanout: pad(this.done.get('fanout') ?? []),
      completion: pad(this.done.get('completion') ?? []),
    };
    for (const f of TIMED) {
      const a = this.done.get(f);
      if (!REQUIRED.includes(f) && a && a.some((e) => e.length > 0)) out[f as 'publish' | 'streamStaleness'] = pad(a);
    }
    if (this.lostCounts.some((n) => n > 0)) out.lost = Array.from({ length }, (_, i) => this.lostCounts[i] ?? 0);
    if (this.rampMs !== null && this.ramp.some((e) => e.length > 0))
      out.handshake = { blockMs: this.rampMs, blocks: this.ramp.map((c) => encode(c)) };
    return out;
  }

  /** Bytes held by the closed blocks' packed counts (what the bound in docs/soak.md is about). */
  storedBytes(): number {
    let bytes = 0;
    for (const a of this.done.values()) for (const c of a) bytes += c.length;
    for (const c of this.ramp) bytes += c.length;
    return bytes;
  }

  private index(): number {
    let index = Math.floor(Math.max(0, this.elapsedMs()) / this.blockMs);
    if (index !== this.openIndex) {
      this.close();
      while (index >= this.maxBlocks) {
        this.coarsen();
        index = Math.floor(Math.max(0, this.elapsedMs()) / this.blockMs);
      }
      this.openIndex = index;
    }
    return index;
  }

  private current(family: TimedFamily): Histogram {
    const index = this.index();
    let h = this.open.get(family);
    if (!h) this.open.set(family, (h = createHistogram()));
    if (!this.opened.has(family)) {
      this.opened.add(family);
      // After coarsening, the open block may be one that already holds samples.
      const stored = this.done.get(family)?.[index];
      if (stored && stored.length > 0) addCountsInto(h, stored);
    }
    return h;
  }

  private close(): void {
    for (const f of this.opened) {
      const h = this.open.get(f) as Histogram;
      if (h.totalCount > 0) {
        let a = this.done.get(f);
        if (!a) this.done.set(f, (a = []));
        while (a.length < this.openIndex) a.push(EMPTY_COUNTS);
        a[this.openIndex] = packCounts(h);
        h.reset();
      }
    }
    this.opened.clear();
  }

  private coarsen(): void {
    this.blockMs *= 2;
    for (const [f, a] of this.done) this.done.set(f, pairUpCounts(a));
    const lost: number[] = [];
    for (let i = 0; i < this.lostCounts.length; i += 2) lost.push(this.lostCounts[i] + (this.lostCounts[i + 1] ?? 0));
    this.lostCounts = lost;
  }
}

/** Adds packed blocks 2i and 2i+1 into block i. */
function pairUpCounts(blocks: readonly SparseCounts[]): SparseCounts[] {
  const out: SparseCounts[] = [];
  for (let i = 0; i < blocks.length; i += 2) out.push(addCounts(blocks[i], blocks[i + 1] ?? EMPTY_COUNTS));
  return out;
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
 * together are added. `offsetsMs` are each run's start minus the earliest start. Ramp blocks
 * (handshakes) are combined by their position on the ramp, which side-by-side runs share.
 */
export function mergeIntervals(
  parts: readonly { intervals: ReportIntervals; offsetMs: number }[],
  maxBlocks = MAX_BLOCKS,
): ReportIntervals {
  let blockMs = Math.max(...parts.map((p) => p.intervals.blockMs));
  const families = TIMED.filter((f) => REQUIRED.includes(f) || parts.some((p) => p.intervals[f] !== undefined));
  const buckets = new Map<TimedFamily, string[][]>(families.map((f) => [f, []]));
  const lostAt: number[] = [];
  const at = (offsetMs: number, i: number, ms: number): number => Math.max(0, Math.floor((offsetMs + (i + 0.5) * ms) / blockMs));
  for (const { intervals, offsetMs } of parts) {
    for (const f of families) {
      (intervals[f] ?? []).forEach((e, i) => {
        if (e === '') return;
        ((buckets.get(f) as string[][])[at(offsetMs, i, intervals.blockMs)] ??= []).push(e);
      });
    }
    (intervals.lost ?? []).forEach((n, i) => {
      const k = at(offsetMs, i, intervals.blockMs);
      lostAt[k] = (lostAt[k] ?? 0) + n;
    });
  }
  const length = Math.max(lostAt.length, ...[...buckets.values()].map((b) => b.length));
  let out = new Map<TimedFamily, string[]>(
    families.map((f) => [f, Array.from({ length }, (_, i) => addEncoded((buckets.get(f) as string[][])[i] ?? []))]),
  );
  let lost = Array.from({ length }, (_, i) => lostAt[i] ?? 0);
  while (length > 0 && (out.get('fanout') as string[]).length > maxBlocks) {
    blockMs *= 2;
    out = new Map([...out].map(([f, a]) => [f, pairUp(a)]));
    const l: number[] = [];
    for (let i = 0; i < lost.length; i += 2) l.push(lost[i] + (lost[i + 1] ?? 0));
    lost = l;
  }
  const merged: ReportIntervals = { blockMs, fanout: out.get('fanout') as string[], completion: out.get('completion') as string[] };
  for (const f of families) if (!REQUIRED.includes(f)) merged[f as 'publish' | 'streamStaleness'] = out.get(f) as string[];
  if (lost.some((n) => n > 0)) merged.lost = lost;
  const ramps = parts.flatMap((p) => (p.intervals.handshake ? [p.intervals.handshake] : []));
  if (ramps.length > 0) {
    const rampMs = Math.max(...ramps.map((r) => r.blockMs));
    const rampBuckets: string[][] = [];
    for (const r of ramps)
      r.blocks.forEach((e, i) => e !== '' && (rampBuckets[Math.floor(((i + 0.5) * r.blockMs) / rampMs)] ??= []).push(e));
    merged.handshake = { blockMs: rampMs, blocks: Array.from({ length: rampBuckets.length }, (_, i) => addEncoded(rampBuckets[i] ?? [])) };
  }
  return merged;
}
