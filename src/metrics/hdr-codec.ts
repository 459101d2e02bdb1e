/**
 * HdrHistogram's V2 compressed encoding (the base64 text of hdr-histogram-js's
 * `encodeIntoCompressedBase64`, byte for byte) written and read here with node:zlib, so a thread
 * that records histograms loads only the library's JavaScript histogram classes. The library's
 * index loads its WebAssembly build and `pako` (its browser deflate) in every isolate that imports
 * it: ~10 MB of RSS per thread that wsload never used (issue 22).
 *
 * Layout: int32 cookie 0x1c849314, int32 length, then zlib's deflate of: int32 cookie 0x1c849313,
 * int32 payload length, int32 normalizing offset (1), int32 significant digits, int64 lowest
 * discernible value, int64 highest trackable value, int64 conversion ratio (1), then the counts
 * up to the highest recorded value, each a ZigZag LEB128 number, a run of n > 1 empty buckets as -n.
 * Integers are big-endian.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { createRequire } from 'node:module';
import type { Histogram } from 'hdr-histogram-js';

const ENCODING_COOKIE = 0x1c849303 | 0x10;
const COMPRESSED_COOKIE = 0x1c849304 | 0x10;
const HEADER_BYTES = 40;
const TWO_POW_32 = 2 ** 32;

/** A 32-bit JS histogram of the library, autoResize writable. */
type Int32Constructor = new (
  lowestDiscernibleValue: number,
  highestTrackableValue: number,
  significantDigits: number,
) => Histogram & { autoResize: boolean };

/** The library's 32-bit JS histogram class alone (a CommonJS file: the class is its `default`). */
export const Int32Histogram = (createRequire(import.meta.url)('hdr-histogram-js/dist/Int32Histogram.js') as { default: Int32Constructor })
  .default;

// What the codec reads and writes of a JsHistogram (the Histogram interface hides it).
interface CountsAccess {
  maxValue: number;
  numberOfSignificantValueDigits: number;
  lowestDiscernibleValue: number;
  highestTrackableValue: number;
  countsArrayIndex(value: number): number;
  getCountAtIndex(index: number): number;
  setCountAtIndex(index: number, count: number): void;
  establishInternalTackingValues(lengthToCover?: number): void;
}

/** A growing byte buffer, reused across encodings of one thread (the worker encodes every tick). */
let scratch = Buffer.allocUnsafe(4096);
let at = 0;

function room(n: number): void {
  if (at + n <= scratch.length) return;
  const bigger = Buffer.allocUnsafe(Math.max(scratch.length * 2, at + n));
  scratch.copy(bigger, 0, 0, at);
  scratch = bigger;
}

function putInt64(v: number): void {
  scratch.writeInt32BE(Math.floor(v / TWO_POW_32) | 0, at);
  scratch.writeInt32BE((v % TWO_POW_32) | 0, at + 4);
  at += 8;
}

/** ZigZag LEB128, as the library writes it (its 9th byte, never reached by a count, aside). */
function putZigZag(value: number): void {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  room(10);
  while (v >= 128) {
    scratch[at++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  scratch[at++] = v;
}

/** The histogram as the library's `encodeIntoCompressedBase64` writes it. */
export function encodeCompressedBase64(histogram: Histogram): string {
  const h = histogram as unknown as CountsAccess;
  at = 0;
  room(HEADER_BYTES);
  scratch.writeInt32BE(ENCODING_COOKIE, 0);
  scratch.writeInt32BE(1, 8);
  scratch.writeInt32BE(h.numberOfSignificantValueDigits, 12);
  at = 16;
  putInt64(h.lowestDiscernibleValue);
  putInt64(h.highestTrackableValue);
  putInt64(1);
  const limit = h.countsArrayIndex(h.maxValue) + 1;
  let i = 0;
  while (i < limit) {
    const count = h.getCountAtIndex(i++);
    if (count < 0) throw new Error(`cannot encode a histogram with a negative count (${count}) at index ${i - 1}`);
    if (count === 0) {
      let zeros = 1;
      while (i < limit && h.getCountAtIndex(i) === 0) {
        zeros++;
        i++;
      }
      putZigZag(zeros > 1 ? -zeros : 0);
    } else putZigZag(count);
  }
  scratch.writeInt32BE(at - HEADER_BYTES, 4);
  const compressed = deflateSync(scratch.subarray(0, at));
  const out = Buffer.allocUnsafe(8 + compressed.length);
  out.writeInt32BE(COMPRESSED_COOKIE, 0);
  out.writeInt32BE(compressed.length, 4);
  compressed.copy(out, 8);
  return out.toString('base64');
}

/** Reads what encodeCompressedBase64 (or the library, or another HdrHistogram) wrote, into a 32-bit JS histogram. Throws on malformed input. */
export function decodeCompressedBase64(encoded: string): Histogram {
  const data = Buffer.from(encoded.trim(), 'base64');
  if (data.length < 8 || (data.readInt32BE(0) & ~0xf0) !== 0x1c849304) throw new Error('Encoding not supported, only V2 is supported');
  const length = data.readInt32BE(4);
  const raw = inflateSync(data.subarray(8, 8 + length));
  if (raw.length < HEADER_BYTES || (raw.readInt32BE(0) & ~0xf0) !== 0x1c849303) {
    throw new Error('The buffer does not contain a Histogram (no valid V2 encoding cookie found)');
  }
  const payload = raw.readInt32BE(4);
  const digits = raw.readInt32BE(12);
  const lowest = raw.readInt32BE(16) * TWO_POW_32 + raw.readUInt32BE(20);
  const highest = raw.readInt32BE(24) * TWO_POW_32 + raw.readUInt32BE(28);
  const histogram = new Int32Histogram(lowest, highest, digits);
  const h = histogram as unknown as CountsAccess;
  let pos = HEADER_BYTES;
  const end = Math.min(raw.length, HEADER_BYTES + payload);
  let index = 0;
  while (pos < end) {
    let v = 0;
    let scale = 1;
    let b: number;
    do {
      b = raw[pos++];
      v += (b & 0x7f) * scale;
      scale *= 128;
    } while (b & 0x80 && pos < end);
    const n = v % 2 === 0 ? v / 2 : -(v + 1) / 2;
    if (n < 0) index += -n;
    else h.setCountAtIndex(index++, n);
  }
  h.establishInternalTackingValues(index);
  return histogram;
}
