/**
 * A byte scan that follows a JSON pointer through a pushed message without JSON.parse (which, per
 * message, cost a worker about half again its CPU at 10,000 messages/s in a loopback run). It
 * reads only what it is sure of: plain keys, a string value without escapes, or an integer's
 * digits. Whenever it is not sure (an escaped key or value, a float, a step that finds nothing, a
 * message that ends early) it gives up and the caller parses the message properly, so it never
 * answers differently from JSON.parse except on a key given twice (the first one is taken) or a
 * malformed tail after the values it read.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Where the sequence value, and the `id` beside it, lie in the message last scanned. */
export interface PointerSpans {
  /** Sequence value span: a string's content (quotes excluded) or an integer's digits. */
  seqStart: number;
  seqEnd: number;
  seqQuoted: boolean;
  /** The `id` beside the sequence field (same object), or idStart −1 when there is none. */
  idStart: number;
  idEnd: number;
}

/** A pointer compiled for the scan: each step's key bytes, and its array index (−1: not one). */
export interface CompiledPointer {
  keys: Buffer[];
  indices: number[];
  /** The key whose value is read beside the final one (into the `id` spans); absent: "id". */
  sibling?: Buffer;
}

const ID_KEY = Buffer.from('id', 'utf8');

/** Compiles pointer tokens (already unescaped) for scanPointer. */
export function compilePointer(tokens: readonly string[]): CompiledPointer {
  return {
    keys: tokens.map((t) => Buffer.from(t, 'utf8')),
    indices: tokens.map((t) => (/^(?:0|[1-9][0-9]{0,8})$/.test(t) ? Number(t) : -1)),
  };
}

function skipSpace(data: Buffer, i: number): number {
  let b = data[i];
  while (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) b = data[++i];
  return i;
}

/** Index just past the string opening at i, or −1 when it does not close. */
function skipString(data: Buffer, i: number): number {
  const n = data.length;
  for (let j = i + 1; j < n; j++) {
    const b = data[j];
    if (b === BACKSLASH) j++;
    else if (b === QUOTE) return j + 1;
  }
  return -1;
}

/** Index just past the value starting at i (spaces skipped), or −1 when unsure. */
function skipValue(data: Buffer, i: number): number {
  const b = data[i];
  if (b === QUOTE) return skipString(data, i);
  if (b === 0x7b || b === 0x5b) {
    let depth = 0;
    const n = data.length;
    for (let j = i; j < n; j++) {
      const c = data[j];
      if (c === QUOTE) {
        j = skipString(data, j) - 1;
        if (j < 0) return -1;
      } else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (--depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  for (
    let c = data[j];
    c !== undefined && c !== 0x2c && c !== 0x7d && c !== 0x5d && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09;
    c = data[++j]
  );
  return j === i ? -1 : j;
}

/**
 * The span of a plain value at i: a string without escapes, or digits followed by a delimiter;
 * writes start/end into out[0..1] and returns 1 (quoted) or 0 (digits), −1 when not plain.
 */
function plainSpan(data: Buffer, i: number, out: Int32Array): number {
  const b = data[i];
  if (b === QUOTE) {
    const n = data.length;
    for (let j = i + 1; j < n; j++) {
      const c = data[j];
      if (c === BACKSLASH) return -1;
      if (c === QUOTE) {
        out[0] = i + 1;
        out[1] = j;
        return 1;
      }
    }
    return -1;
  }
  let j = i;
  while (data[j] !== undefined && data[j] >= 0x30 && data[j] <= 0x39) j++;
  if (j === i) return -1;
  const k = skipSpace(data, j);
  const c = data[k];
  if (c !== 0x2c && c !== 0x7d && c !== 0x5d) return -1;
  out[0] = i;
  out[1] = j;
  return 0;
}

function keyEquals(data: Buffer, start: number, end: number, key: Buffer): boolean {
  if (end - start !== key.length) return false;
  for (let j = 0; j < key.length; j++) if (data[start + j] !== key[j]) return false;
  return true;
}

/** Scans data along p; true with spans filled when sure, false when the caller must parse. */
export function scanPointer(data: Buffer, p: CompiledPointer, spans: PointerSpans, scratch: Int32Array): boolean {
  let i = skipSpace(data, 0);
  const last = p.keys.length - 1;
  for (let level = 0; level <= last; level++) {
    const b = data[i];
    const final = level === last;
    if (b === 0x7b /* { */) {
      let found = false;
      spans.idStart = -1;
      i = skipSpace(data, i + 1);
      if (data[i] === 0x7d) return false;
      for (;;) {
        if (data[i] !== QUOTE) return false;
        const keyStart = i + 1;
        let keyEnd = keyStart;
        while (keyEnd < data.length && data[keyEnd] !== QUOTE) {
          if (data[keyEnd] === BACKSLASH) return false;
          keyEnd++;
        }
        if (keyEnd >= data.length) return false;
        i = skipSpace(data, keyEnd + 1);
        if (data[i] !== 0x3a /* : */) return false;
        i = skipSpace(data, i + 1);
        const isStep = keyEquals(data, keyStart, keyEnd, p.keys[level]);
        if (isStep && !final) break;
        if (final && isStep && !found) {
          const kind = plainSpan(data, i, scratch);
          if (kind < 0) return false;
          spans.seqStart = scratch[0];
          spans.seqEnd = scratch[1];
          spans.seqQuoted = kind === 1;
          found = true;
        } else if (final && spans.idStart < 0 && keyEquals(data, keyStart, keyEnd, p.sibling ?? ID_KEY)) {
          if (plainSpan(data, i, scratch) < 0) return false;
          spans.idStart = scratch[0];
          spans.idEnd = scratch[1];
        }
        i = skipValue(data, i);
        if (i < 0) return false;
        i = skipSpace(data, i);
        if (data[i] === 0x2c /* , */) {
          i = skipSpace(data, i + 1);
          continue;
        }
        if (data[i] === 0x7d /* } */ && final) return found;
        return false;
      }
    } else if (b === 0x5b /* [ */) {
      const index = p.indices[level];
      if (index < 0) return false;
      i = skipSpace(data, i + 1);
      for (let k = 0; k < index; k++) {
        i = skipValue(data, i);
        if (i < 0) return false;
        i = skipSpace(data, i);
        if (data[i] !== 0x2c) return false;
        i = skipSpace(data, i + 1);
      }
      if (final) {
        const kind = plainSpan(data, i, scratch);
        if (kind < 0) return false;
        spans.seqStart = scratch[0];
        spans.seqEnd = scratch[1];
        spans.seqQuoted = kind === 1;
        spans.idStart = -1;
        return true;
      }
    } else {
      return false;
    }
  }
  return false;
}
