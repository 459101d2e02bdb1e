/**
 * A histogram's non-zero buckets packed as varints, for histograms kept for the length of a run
 * (the per-block histograms compare resamples). A decoded histogram is a 115 KB counts array
 * whatever it holds, and its compressed base64 costs a zlib stream (~300 KB of native memory) to
 * write or read: holding blocks that way, and adding them by decoding, allocated hundreds of MB in
 * one burst when the blocks were coarsened, which glibc kept as resident memory for the rest of the
 * run (issue 27). Packed counts cost a few bytes per non-empty bucket, add without decoding, and
 * are turned into the report's base64 once, when the report is built.
 *
 * Layout: pairs of LEB128 varints (index gap since the previous non-empty bucket, count), in
 * ascending bucket order. Bucket indices are those of createHistogram's layout (every histogram
 * here has the same one; see histogram.ts).
 */
import type { Histogram } from './histogram.js';

/** Packed non-zero buckets; empty (length 0) for a histogram with no samples. */
export type SparseCounts = Uint8Array;

export const EMPTY_COUNTS: SparseCounts = new Uint8Array(0);

// Every histogram here is a JsHistogram with a typed counts array (see histogram.ts).
interface CountsAccess {
  _counts?: ArrayLike<number>;
  countsArrayLength: number;
  getCountAtIndex(index: number): number;
  valueFromIndex(index: number): number;
  recordValueWithCount(value: number, count: number): void;
}

/** A growable byte buffer reused by every packing, so packing allocates only its exact-size result. */
let scratch = new Uint8Array(4096);
let length = 0;

function put(value: number): void {
  // 10 bytes: the longest varint of a count below 2^53 (counts are integers, never negative).
  if (length + 10 > scratch.length) {
    const bigger = new Uint8Array(scratch.length * 2);
    bigger.set(scratch.subarray(0, length));
    scratch = bigger;
  }
  let v = value;
  while (v >= 0x80) {
    scratch[length++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  scratch[length++] = v;
}

function taken(): SparseCounts {
  const out = length === 0 ? EMPTY_COUNTS : scratch.slice(0, length);
  length = 0;
  // A buffer grown by one huge block is not kept for the rest of the run.
  if (scratch.length > 1 << 20) scratch = new Uint8Array(4096);
  return out;
}

/** Reads pairs back: a cursor over one packed array. */
class Reader {
  private pos = 0;
  index = -1;
  count = 0;
  constructor(private readonly bytes: SparseCounts) {}

  /** Moves to the next non-empty bucket; false at the end. */
  next(): boolean {
    if (this.pos >= this.bytes.length) return false;
    this.index += this.varint() + (this.index < 0 ? 1 : 0);
    this.count = this.varint();
    return true;
  }

  private varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.bytes[this.pos++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
  }
}

/** The first pair stores index + 1 - 1 = index as its gap from "-1"; later pairs the gap from the previous index. */
function putPair(prev: number, index: number, count: number): void {
  put(prev < 0 ? index : index - prev);
  put(count);
}

/** Packs the non-zero buckets of `h`. */
export function packCounts(h: Histogram): SparseCounts {
  const a = h as unknown as CountsAccess;
  const raw = a._counts;
  let prev = -1;
  let seen = 0;
  const total = h.totalCount;
  for (let i = 0; i < a.countsArrayLength && seen < total; i++) {
    const c = raw ? raw[i] : a.getCountAtIndex(i);
    if (c === 0) continue;
    putPair(prev, i, c);
    prev = i;
    seen += c;
  }
  return taken();
}

/** The sum of two packed histograms, packed; neither is decoded into a histogram. */
export function addCounts(x: SparseCounts, y: SparseCounts): SparseCounts {
  if (x.length === 0) return y;
  if (y.length === 0) return x;
  const rx = new Reader(x);
  const ry = new Reader(y);
  let hx = rx.next();
  let hy = ry.next();
  let prev = -1;
  while (hx || hy) {
    let index: number;
    let count: number;
    if (hx && (!hy || rx.index < ry.index)) {
      index = rx.index;
      count = rx.count;
      hx = rx.next();
    } else if (hy && (!hx || ry.index < rx.index)) {
      index = ry.index;
      count = ry.count;
      hy = ry.next();
    } else {
      index = rx.index;
      count = rx.count + ry.count;
      hx = rx.next();
      hy = ry.next();
    }
    putPair(prev, index, count);
    prev = index;
  }
  return taken();
}

/** Adds packed counts into `h` (same bucket layout). */
export function addCountsInto(h: Histogram, counts: SparseCounts): void {
  const a = h as unknown as CountsAccess;
  const r = new Reader(counts);
  while (r.next()) a.recordValueWithCount(a.valueFromIndex(r.index), r.count);
}

/** Samples held by packed counts. */
export function countOf(counts: SparseCounts): number {
  let total = 0;
  const r = new Reader(counts);
  while (r.next()) total += r.count;
  return total;
}
