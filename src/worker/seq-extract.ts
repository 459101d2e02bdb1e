/**
 * Reads what a pushed message is to this run: the sequence number where the scenario's match rule
 * says (a top-level field, a JSON pointer, or a regular expression's one capture group), the run
 * tag it carries, and the pushed `id`. For a top-level field (the demo's, and the default) a fast
 * byte scan handles the usual flat message (`{"id":"8","value":"k3x9a2bq-300"}`) without
 * JSON.parse, which at tens of thousands of messages per second would dominate a worker's CPU;
 * whenever the scan cannot be sure the field it found is the top-level one (the key occurs twice,
 * or an object or array opens before it), or the value is not plain, the message is parsed
 * properly instead. A nested pointer has its own byte scan (pointer-scan.ts) with the same
 * fallback (a one-key pointer like "/value" is a top-level field); a regex decodes every message
 * to text.
 *
 * A value is this run's when it is `<tag>-<seq>` with this run's tag, or a bare integer `<seq>`
 * when the run publishes no tag. A well-formed value of another run (another tag, or a bare
 * integer while this run tags) is foreign. Anything else (3.9, "abc", 1e21, a missing field) is
 * unmatched. The same holds for the text a regex captures.
 */
import { parseJsonPointer, resolveJsonPointer } from '../text/json-pointer.js';
import { compilePointer, scanPointer, type CompiledPointer, type PointerSpans } from './pointer-scan.js';
import type { MatchBy } from '../run/scenario.js';

/** Where a parser looks for the sequence number. */
export interface MatchRule {
  by: MatchBy;
  /** Field name, JSON pointer or regular expression source, as `by` says. */
  expr: string;
}

/** parse(): the message is another run's. */
export const PUSH_FOREIGN = -2;
/** parse(): no sequence number could be read. */
export const PUSH_UNMATCHED = -1;

const MAX_SEQ = 0x7fffffff;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(b: number | undefined): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

/** Where a top-level field's value lies: a string's content (quotes excluded) or a number's text. */
interface FieldSpan {
  quoted: boolean;
  start: number;
  end: number;
}

/** scanField(): the field is certainly absent. */
const ABSENT = 0;
/** scanField(): the span holds the top-level field's value. */
const FOUND = 1;
/** scanField(): only a real parse can tell. */
const AMBIGUOUS = 2;
type ScanResult = typeof ABSENT | typeof FOUND | typeof AMBIGUOUS;

/**
 * Messages up to this many bytes are searched for a key in JS: a pushed message is a few dozen
 * bytes, and Buffer.indexOf's call into C++ cost more than the search itself (issue 22's profile).
 */
const JS_SEARCH_MAX = 512;

/** Buffer.indexOf(key) for a message, without the native call on a short one. */
function indexOfKey(data: Buffer, key: Buffer): number {
  const n = data.length;
  if (n > JS_SEARCH_MAX) return data.indexOf(key);
  const m = key.length;
  const first = key[0];
  outer: for (let i = 0; i + m <= n; i++) {
    if (data[i] !== first) continue;
    for (let j = 1; j < m; j++) if (data[i + j] !== key[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Where `key`'s value lies, into `span` (reused: nothing is allocated per message), when the fast
 * scan is certain it is the top-level field (FOUND); ABSENT when the field is certainly absent;
 * AMBIGUOUS when only a real parse can tell.
 */
function scanField(data: Buffer, key: Buffer, span: FieldSpan): ScanResult {
  let i = 0;
  while (isSpace(data[i])) i++;
  // Not an object (a heartbeat echo, an array): no top-level field, and no parse needed to say so.
  if (data[i] !== 0x7b /* { */) return ABSENT;
  const at = indexOfKey(data, key);
  if (at === -1) return ABSENT;
  // With nothing opened between the top-level "{" and the first occurrence, it is at depth 1;
  // any later occurrence is nested (or a duplicate key, which the fast path need not honour).
  for (let j = i + 1; j < at; j++) {
    const b = data[j];
    if (b === 0x7b || b === 0x5b /* [ */) return AMBIGUOUS;
  }
  // An escaped quote before it ("x\"value":…) or no colon after it ("id":"value"): not this key.
  if (data[at - 1] === BACKSLASH) return AMBIGUOUS;
  i = at + key.length;
  while (isSpace(data[i])) i++;
  if (data[i] !== 0x3a /* : */) return AMBIGUOUS;
  i++;
  while (isSpace(data[i])) i++;
  if (data[i] === QUOTE) {
    const start = i + 1;
    let j = start;
    while (j < data.length && data[j] !== QUOTE) {
      if (data[j] === BACKSLASH) return AMBIGUOUS;
      j++;
    }
    if (j >= data.length) return AMBIGUOUS;
    span.quoted = true;
    span.start = start;
    span.end = j;
    return FOUND;
  }
  if (isDigit(data[i])) {
    const start = i;
    while (isDigit(data[i])) i++;
    const end = i;
    while (isSpace(data[i])) i++;
    // 3.9, 1e3: let the parser decide what number it is.
    if (data[i] !== 0x2c /* , */ && data[i] !== 0x7d /* } */) return AMBIGUOUS;
    span.quoted = false;
    span.start = start;
    span.end = end;
    return FOUND;
  }
  return AMBIGUOUS;
}

/** A parsed object's field as text: strings as they are, finite numbers in JSON's own spelling (3.9, 1e+21: never digits only). */
function fieldText(obj: unknown, field: string): { text: string; quoted: boolean } | null {
  if (Array.isArray(obj)) {
    // A pointer's last step into an array is an index ("/items/0"); "01", "-" and the like are not.
    if (!/^(?:0|[1-9][0-9]*)$/.test(field)) return null;
    return valueText(obj[Number(field)]);
  }
  if (typeof obj !== 'object' || obj === null || !Object.hasOwn(obj, field)) return null;
  return valueText((obj as Record<string, unknown>)[field]);
}

function valueText(v: unknown): { text: string; quoted: boolean } | null {
  if (typeof v === 'string') return { text: v, quoted: true };
  if (typeof v === 'number' && Number.isFinite(v)) return { text: String(v), quoted: false };
  return null;
}

/** A parsed top-level field as text (an array has no fields). */
function parsedField(obj: unknown, field: string): { text: string; quoted: boolean } | null {
  return Array.isArray(obj) ? null : fieldText(obj, field);
}

function parseJson(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Parses a run's pushed messages; one per worker. */
export class PushParser {
  /** Top-level field read by the fast scan, or null when the rule is a nested pointer or a regex. */
  private readonly field: string | null;
  private readonly key: Buffer;
  private readonly idKey = Buffer.from('"id"', 'utf8');
  private readonly tag: Buffer | null;
  private readonly tokens: string[] | null;
  private readonly regex: RegExp | null;
  /**
   * Pointer rule: the `id` next to the sequence field (same object) in the message parse() read
   * last, as text, or null when it had none; idDiffers() reads it instead of parsing again.
   */
  private lastId: string | null = null;
  private readonly compiled: CompiledPointer | null = null;
  /** Pointer rule: where parse()'s scan found the value and id, in lastData (valid when idFromScan). */
  private readonly spans: PointerSpans = { seqStart: 0, seqEnd: 0, seqQuoted: false, idStart: -1, idEnd: -1 };
  private readonly scratch = new Int32Array(2);
  private lastData: Buffer | null = null;
  private idFromScan = false;
  /** Field rule: where the last scan found its field (one object for every message). */
  private readonly span: FieldSpan = { quoted: false, start: 0, end: 0 };

  /**
   * @param rule where the value is (a plain field name: the top-level field, as before rules existed)
   * @param runTag this run's tag, or null when its publishes carry none (a user template with only `{seq}`)
   */
  constructor(rule: MatchRule | string, runTag: string | null) {
    const r: MatchRule = typeof rule === 'string' ? { by: 'field', expr: rule } : rule;
    this.tag = runTag === null ? null : Buffer.from(runTag, 'latin1');
    let field: string | null = null;
    this.tokens = null;
    this.regex = null;
    if (r.by === 'field') field = r.expr;
    else if (r.by === 'pointer') {
      const tokens = parseJsonPointer(r.expr);
      // The scenario schema refuses such a pointer; reaching this is a bug, not bad input.
      if (tokens === null) throw new TypeError(`not a JSON pointer: ${r.expr}`);
      // "/value" on an object is the top-level field: same answer, and the fast scan applies.
      if (tokens.length === 1 && !/^[0-9]+$/.test(tokens[0])) field = tokens[0];
      else {
        this.tokens = tokens;
        this.compiled = compilePointer(tokens);
      }
    } else this.regex = new RegExp(r.expr);
    this.field = field;
    this.key = Buffer.from(JSON.stringify(field ?? ''), 'utf8');
  }

  /** This run's sequence number (≥ 1), PUSH_FOREIGN or PUSH_UNMATCHED. */
  parse(data: Buffer): number {
    const field = this.field;
    if (field === null) return this.tokens !== null ? this.parsePointer(data) : this.parseRegex(data);
    const span = this.span;
    const found = scanField(data, this.key, span);
    if (found === ABSENT) return PUSH_UNMATCHED;
    if (found === FOUND) {
      return span.quoted ? this.classifyString(data, span.start, span.end) : this.classifyDigits(data, span.start, span.end);
    }
    return this.classifyValue(parsedField(parseJson(data), field));
  }

  /**
   * True when the message has an `id` (string or number) other than `expected` (UTF-8 bytes of the
   * publish's id): a top-level one for a field rule; for a pointer rule, the one beside the
   * sequence field in the message parse() just read; never for a regex rule (nothing says where
   * an id would be). A message without one is not checked: nothing contradicts it.
   */
  idDiffers(data: Buffer, expected: Buffer): boolean {
    if (this.field === null) {
      if (this.tokens === null) return false;
      if (this.idFromScan) {
        const sp = this.spans;
        const data = this.lastData as Buffer;
        if (sp.idStart < 0) return false;
        const len = sp.idEnd - sp.idStart;
        if (len !== expected.length) return true;
        for (let j = 0; j < len; j++) if (data[sp.idStart + j] !== expected[j]) return true;
        return false;
      }
      return this.lastId !== null && this.lastId !== expected.toString('utf8');
    }
    const span = this.span;
    const found = scanField(data, this.idKey, span);
    if (found === ABSENT) return false;
    if (found === FOUND) {
      const len = span.end - span.start;
      if (len !== expected.length) return true;
      for (let j = 0; j < len; j++) if (data[span.start + j] !== expected[j]) return true;
      return false;
    }
    const id = parsedField(parseJson(data), 'id');
    return id !== null && id.text !== expected.toString('utf8');
  }

  private parsePointer(data: Buffer): number {
    if (scanPointer(data, this.compiled as CompiledPointer, this.spans, this.scratch)) {
      this.lastData = data;
      this.idFromScan = true;
      const sp = this.spans;
      return sp.seqQuoted ? this.classifyString(data, sp.seqStart, sp.seqEnd) : this.classifyDigits(data, sp.seqStart, sp.seqEnd);
    }
    this.idFromScan = false;
    this.lastData = null;
    const tokens = this.tokens as string[];
    const doc = parseJson(data);
    const parent = resolveJsonPointer(doc, tokens.slice(0, -1));
    this.lastId = fieldText(parent, 'id')?.text ?? null;
    return this.classifyValue(fieldText(parent, tokens[tokens.length - 1]));
  }

  private parseRegex(data: Buffer): number {
    const m = (this.regex as RegExp).exec(data.toString('utf8'));
    const text = m?.[1];
    if (text === undefined) return PUSH_UNMATCHED;
    const bytes = Buffer.from(text, 'utf8');
    return this.classifyString(bytes, 0, bytes.length);
  }

  private classifyValue(value: { text: string; quoted: boolean } | null): number {
    if (value === null) return PUSH_UNMATCHED;
    const bytes = Buffer.from(value.text, 'utf8');
    return value.quoted ? this.classifyString(bytes, 0, bytes.length) : this.classifyDigits(bytes, 0, bytes.length);
  }

  /** A bare integer: this run's only when the run publishes no tag. */
  private classifyDigits(data: Buffer, start: number, end: number): number {
    const n = digitsValue(data, start, end);
    if (n <= 0) return PUSH_UNMATCHED;
    return this.tag === null ? n : PUSH_FOREIGN;
  }

  /** "<seq>" or "<tag>-<seq>". */
  private classifyString(data: Buffer, start: number, end: number): number {
    let dash = end - 1;
    while (dash >= start && data[dash] !== 0x2d /* - */) dash--;
    if (dash < start) return this.classifyDigits(data, start, end);
    const n = digitsValue(data, dash + 1, end);
    if (n <= 0 || dash === start) return PUSH_UNMATCHED;
    for (let i = start; i < dash; i++) if (!isTagByte(data[i])) return PUSH_UNMATCHED;
    const tag = this.tag;
    if (tag === null || dash - start !== tag.length) return PUSH_FOREIGN;
    for (let i = 0; i < tag.length; i++) if (data[start + i] !== tag[i]) return PUSH_FOREIGN;
    return n;
  }
}

function isTagByte(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f);
}

/** The integer spelled by data[start, end) when it is only digits and fits a seq, else -1. */
function digitsValue(data: Buffer, start: number, end: number): number {
  if (end <= start || end - start > 10) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const b = data[i];
    if (!isDigit(b)) return -1;
    n = n * 10 + (b - 0x30);
  }
  return n <= MAX_SEQ ? n : -1;
}
