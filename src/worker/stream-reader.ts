/**
 * Reads a server-pushed stream message's timestamp and sequence number at their JSON pointers.
 * The byte scan of pointer-scan.ts reads the usual message (an integer, or a string without
 * escapes) without JSON.parse and without allocating; a float ("ts": 1732640000.123), an escaped
 * string or anything the scan is unsure of falls back to one JSON.parse for both fields.
 */
import { parseJsonPointer, resolveJsonPointer } from '../text/json-pointer.js';
import { compilePointer, scanPointer, type CompiledPointer, type PointerSpans } from './pointer-scan.js';
import type { TimestampUnit } from '../run/scenario.js';

const QUOTE = 0x22;

/** Largest sequence number read exactly (a float64 integer). */
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** Milliseconds per unit of a numeric timestamp. */
const MS_PER: Record<Exclude<TimestampUnit, 'iso'>, number> = { s: 1000, ms: 1, us: 1e-3, ns: 1e-6 };

interface Field {
  tokens: string[];
  compiled: CompiledPointer;
}

function field(pointer: string | null): Field | null {
  if (pointer === null) return null;
  const tokens = parseJsonPointer(pointer);
  // The scenario schema refuses such a pointer; reaching this is a bug, not bad input.
  if (tokens === null) throw new TypeError(`not a JSON pointer: ${pointer}`);
  return { tokens, compiled: compilePointer(tokens) };
}

/** The number spelled by data[start, end) when it is only digits (≤ 20 of them), else NaN. */
function digits(data: Buffer, start: number, end: number): number {
  if (end <= start || end - start > 20) return NaN;
  let n = 0;
  for (let i = start; i < end; i++) {
    const b = data[i];
    if (b < 0x30 || b > 0x39) return NaN;
    n = n * 10 + (b - 0x30);
  }
  return n;
}

/** Reads one worker's stream messages; after read(), `timestampMs` and `sequence` hold what it found. */
export class StreamReader {
  /** The message's timestamp in epoch ms (NaN: none configured or unreadable). */
  timestampMs = NaN;
  /** The message's sequence number (−1: none configured or unreadable). */
  sequence = -1;
  private readonly ts: Field | null;
  private readonly seq: Field | null;
  /**
   * Both fields in one object ("/data/ts" beside "/data/seq"): the sequence pointer with the
   * timestamp's key as its sibling, so one scan reads both (half the cost per message); else null.
   */
  private readonly both: CompiledPointer | null = null;
  private readonly spans: PointerSpans = { seqStart: 0, seqEnd: 0, seqQuoted: false, idStart: -1, idEnd: -1 };
  private readonly scratch = new Int32Array(2);

  constructor(
    timestamp: string | null,
    private readonly unit: TimestampUnit,
    sequence: string | null,
  ) {
    this.ts = field(timestamp);
    this.seq = field(sequence);
    const ts = this.ts?.tokens;
    const seq = this.seq?.tokens;
    if (
      ts &&
      seq &&
      ts.length === seq.length &&
      ts[ts.length - 1] !== seq[seq.length - 1] &&
      ts.slice(0, -1).every((t, i) => t === seq[i])
    ) {
      this.both = { ...compilePointer(seq), sibling: Buffer.from(ts[ts.length - 1], 'utf8') };
    }
  }

  /** Reads `data`; true when every configured field was readable (a number where a number is due). */
  read(data: Buffer): boolean {
    this.timestampMs = NaN;
    this.sequence = -1;
    let doc: unknown = undefined;
    let parsed = false;
    if (this.both !== null && this.readBoth(data)) return true;
    // A scan that finds nothing plain (a float, an escaped string) leaves it to JSON.parse, once for both fields.
    if (this.ts !== null) {
      let ms = scanPointer(data, this.ts.compiled, this.spans, this.scratch) ? this.scannedTimestamp(data) : NaN;
      if (Number.isNaN(ms)) {
        doc = parseJson(data);
        parsed = true;
        ms = this.timestampOf(resolveJsonPointer(doc, this.ts.tokens));
      }
      if (Number.isNaN(ms)) return false;
      this.timestampMs = ms;
    }
    if (this.seq !== null) {
      let n = scanPointer(data, this.seq.compiled, this.spans, this.scratch) ? this.scannedSequence(data) : -1;
      if (n < 0) {
        if (!parsed) doc = parseJson(data);
        n = sequenceOf(resolveJsonPointer(doc, this.seq.tokens));
      }
      if (n < 0) return false;
      this.sequence = n;
    }
    return true;
  }

  /** Both fields by one scan; false (nothing set) when the scan is unsure or either is not plainly readable. */
  private readBoth(data: Buffer): boolean {
    const sp = this.spans;
    if (!scanPointer(data, this.both as CompiledPointer, sp, this.scratch) || sp.idStart < 0) return false;
    const seq = this.scannedSequence(data);
    // The sibling's span: quoted when the byte before it is a quote (plainSpan excludes the quotes).
    const ms = this.timestampAt(data, sp.idStart, sp.idEnd, data[sp.idStart - 1] === QUOTE);
    if (seq < 0 || Number.isNaN(ms)) return false;
    this.sequence = seq;
    this.timestampMs = ms;
    return true;
  }

  private scannedTimestamp(data: Buffer): number {
    const { seqStart: start, seqEnd: end, seqQuoted: quoted } = this.spans;
    return this.timestampAt(data, start, end, quoted);
  }

  private timestampAt(data: Buffer, start: number, end: number, quoted: boolean): number {
    if (this.unit === 'iso') return quoted ? Date.parse(data.toString('latin1', start, end)) : NaN;
    // A numeric timestamp written as a string of digits ("1732640000123") is read as the number.
    return digits(data, start, end) * MS_PER[this.unit];
  }

  private scannedSequence(data: Buffer): number {
    const n = digits(data, this.spans.seqStart, this.spans.seqEnd);
    return Number.isNaN(n) || n > MAX_SEQ ? -1 : n;
  }

  private timestampOf(v: unknown): number {
    if (this.unit === 'iso') return typeof v === 'string' ? Date.parse(v) : NaN;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^[0-9]+(?:\.[0-9]+)?$/.test(v) ? Number(v) : NaN;
    return Number.isFinite(n) ? n * MS_PER[this.unit] : NaN;
  }
}

/** A sequence number: a non-negative safe integer, or a string of only its digits; −1 otherwise. */
function sequenceOf(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^[0-9]{1,16}$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : -1;
}

function parseJson(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
