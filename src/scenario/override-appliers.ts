/** How each override flag edits the scenario as written: one applier per flag, its input checked and its issues named by the flag. */
import { isIP } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import type { Issue } from '../errors.js';
import { OBSERVE_FORMATS, type ObserveFormat } from '../run/scenario.js';
import type { ScenarioOverrides } from '../run/run-options.js';
import { BAD_HEADER_VALUE, describeValue, DURATION_PATTERN, TOKEN } from './schema.js';

const POSITIVE_INT = /^\s*\d+\s*$/;
const POSITIVE_NUMBER = /^\s*(?:\d+(?:\.\d*)?|\.\d+)\s*$/;

type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A fresh copy of `out[key]` to edit (absent = {}), or null when it is not an object (the schema reports that). */
function editable(out: Json, key: string): Json | null {
  const v = out[key];
  if (v === undefined) return (out[key] = {});
  if (!isObject(v)) return null;
  return (out[key] = { ...v });
}

/** The URL target's copy to edit, or an issue when the target is the embedded one. */
function editableTarget(out: Json, name: string, issues: Issue[]): Json | null {
  if (out.target === undefined || out.target === 'embedded') {
    issues.push({ path: name, message: 'the embedded target takes no upgrade options; expected --url or a target URL in the scenario' });
    return null;
  }
  return isObject(out.target) ? (out.target = { ...out.target }) : null;
}

/** "host:address" → [host, address]; the host is everything before the first colon (IPv6 addresses keep theirs). */
function parseResolve(entry: string): [string, string] | null {
  const at = entry.indexOf(':');
  if (at <= 0) return null;
  const host = entry.slice(0, at).trim();
  const address = entry
    .slice(at + 1)
    .trim()
    .replace(/^\[(.*)\]$/, '$1');
  return /^[A-Za-z0-9._-]+$/.test(host) && isIP(address) !== 0 ? [host, address] : null;
}

/** "Name: value" → [name, value], as curl -H takes it. */
function parseHeader(entry: string): [string, string] | null {
  const at = entry.indexOf(':');
  if (at <= 0) return null;
  const name = entry.slice(0, at).trim();
  const value = entry.slice(at + 1).trim();
  return TOKEN.test(name) && !BAD_HEADER_VALUE.test(value) ? [name, value] : null;
}

/** One given flag: its value, the scenario as written, and where its edits and issues go. */
export interface FlagEdit {
  /** The scenario as written (not edited). */
  written: Json;
  /** The copy being edited. */
  out: Json;
  issues: Issue[];
  /** Key → flag, for an applier that attributes only part of what it set (return false then). */
  flagFor: Map<string, string>;
  /** The flag as typed ("--connections"): issues are reported under it. */
  name: string;
  /** The value of a value flag ("" otherwise). */
  raw: string;
  /** The values of a repeatable flag ([] otherwise). */
  list: readonly string[];
}

/**
 * Applies one flag to `e.out`. True when the scenario key it set is now the flag's (later issues
 * under that key name the flag); false when the flag was refused (its issue is already pushed),
 * or when what it set is checked here entry by entry and later issues keep the file's paths.
 */
type FlagApplier = (e: FlagEdit, key: keyof ScenarioOverrides) => boolean;

function applyUrl(e: FlagEdit): boolean {
  // The URL itself is checked by the schema, reported under the flag's name.
  // target.open is the service's protocol, not its address: a socket that no longer
  // subscribed would count every publish lost. Headers and the rest go, as documented.
  const t = e.written.target;
  e.out.target = isObject(t) && t.open !== undefined ? { url: e.raw, open: t.open } : { url: e.raw };
  return true;
}

function applyCount(e: FlagEdit, key: keyof ScenarioOverrides): boolean {
  const n = Number(e.raw);
  if (!POSITIVE_INT.test(e.raw) || !Number.isSafeInteger(n) || n < 1) {
    e.issues.push({ path: e.name, message: `expected a positive integer, got ${describeValue(e.raw)}` });
    return false;
  }
  e.out[key] = n;
  return true;
}

function applyDuration(e: FlagEdit): boolean {
  if (!DURATION_PATTERN.test(e.raw.trim())) {
    e.issues.push({ path: e.name, message: `expected a duration like "500ms", "30s", "10m" or "1h30m", got ${describeValue(e.raw)}` });
    return false;
  }
  e.out.duration = e.raw.trim();
  return true;
}

function applyInsecure(e: FlagEdit): boolean {
  const tls = editable(e.out, 'tls');
  if (!tls) return false;
  tls.insecure = true;
  return true;
}

/** --ca, --cert, --key, --servername: one tls key each. */
function applyTlsValue(e: FlagEdit, key: keyof ScenarioOverrides): boolean {
  if (e.raw === '') {
    e.issues.push({ path: e.name, message: `expected ${key === 'servername' ? 'a host name' : 'a file path'}, got ""` });
    return false;
  }
  const tls = editable(e.out, 'tls');
  if (!tls) return false;
  // Paths typed on the command line are relative to where the user is, not to the scenario file.
  tls[key] = key === 'servername' ? e.raw : resolvePath(e.raw);
  return true;
}

function applyResolve(e: FlagEdit): boolean {
  const entries = e.list.map((entry) => ({ entry, parsed: parseResolve(entry) }));
  const bad = entries.filter((x) => x.parsed === null);
  for (const x of bad)
    e.issues.push({ path: e.name, message: `expected "host:address" like "a.aliyun.com:127.0.0.1", got ${describeValue(x.entry)}` });
  if (bad.length > 0) return false;
  const map = editable(e.out, 'resolve');
  if (!map) return false;
  for (const x of entries) if (x.parsed) map[x.parsed[0]] = x.parsed[1];
  // Issues under resolve now come from the file: every flag entry was checked above.
  return false;
}

function applyHeader(e: FlagEdit): boolean {
  const entries = e.list.map((entry) => ({ entry, parsed: parseHeader(entry) }));
  const bad = entries.filter((x) => x.parsed === null);
  for (const x of bad)
    e.issues.push({
      path: e.name,
      message: `expected "Name: value" (a header name without spaces, a colon, a value) like "Authorization: Bearer abc", got ${describeValue(x.entry)}`,
    });
  if (bad.length > 0) return false;
  const target = editableTarget(e.out, e.name, e.issues);
  if (!target) return false;
  const headers: Json = isObject(target.headers) ? { ...target.headers } : {};
  for (const x of entries) {
    if (!x.parsed) continue;
    const [headerName, headerValue] = x.parsed;
    // Header names are case-insensitive: the flag replaces the file's header of the same name.
    for (const existing of Object.keys(headers)) if (existing.toLowerCase() === headerName.toLowerCase()) delete headers[existing];
    headers[headerName] = headerValue;
  }
  target.headers = headers;
  return false;
}

function applyOrigin(e: FlagEdit): boolean {
  if (BAD_HEADER_VALUE.test(e.raw)) {
    e.issues.push({ path: e.name, message: `expected an Origin header value like "https://a.aliyun.com", got ${describeValue(e.raw)}` });
    return false;
  }
  const target = editableTarget(e.out, e.name, e.issues);
  if (!target) return false;
  target.origin = e.raw;
  return false;
}

function applySubprotocol(e: FlagEdit): boolean {
  const list = e.list;
  const bad = list.filter((p) => !TOKEN.test(p));
  for (const p of bad)
    e.issues.push({ path: e.name, message: `expected a subprotocol name (letters, digits and !#$%&'*+.^_\`|~-), got ${describeValue(p)}` });
  const dup = list.find((p, i) => list.indexOf(p) !== i);
  if (dup !== undefined) e.issues.push({ path: e.name, message: `expected each subprotocol once, got "${dup}" twice` });
  if (bad.length > 0 || dup !== undefined) return false;
  const target = editableTarget(e.out, e.name, e.issues);
  if (!target) return false;
  target.subprotocols = [...list];
  return false;
}

function applyRate(e: FlagEdit): boolean {
  const n = Number(e.raw);
  if (!POSITIVE_NUMBER.test(e.raw) || !(n > 0)) {
    e.issues.push({ path: e.name, message: `expected publishes per second, a number > 0 like 10 or 0.5, got ${describeValue(e.raw)}` });
    return false;
  }
  if (e.out.publish === undefined || e.out.publish === null) {
    e.issues.push({
      path: e.name,
      message: 'the scenario publishes nothing (publish is null); expected a scenario with a publish section',
    });
    return false;
  }
  // A constant rate and a shaped one cannot both hold; scaling the shape would be a guess.
  if (isObject(e.out.publish) && e.out.publish.stages !== undefined) {
    e.issues.push({
      path: e.name,
      message: 'cannot replace publish.rate while publish.stages shapes the rate; remove --rate or publish.stages',
    });
    return false;
  }
  // The bound (≤ 10000) is the schema's, reported under the flag's name.
  const publish = editable(e.out, 'publish');
  if (!publish) return false;
  publish.rate = n;
  return true;
}

function applyMemoryFlat(e: FlagEdit): boolean {
  // The growth itself is checked by the schema, reported under the flag's name.
  const report = editable(e.out, 'report');
  if (!report) return false;
  const memory = editable(report, 'memory');
  if (!memory) return false;
  memory.flat = e.raw;
  return true;
}

function applyMetrics(e: FlagEdit): boolean {
  // The address itself is checked by the schema, reported under the flag's name.
  const metrics = editable(e.out, 'metrics');
  if (!metrics) return false;
  metrics.listen = e.raw;
  return true;
}

/** One `--observe` entry: `NAME=URL`, or `NAME:FORMAT=URL` (an endpoint name never holds ":"). */
function observeEntry(entry: string): { name: string; url: string; format?: ObserveFormat } | string {
  const at = entry.indexOf('=');
  if (at <= 0)
    return `expected "NAME=URL" or "NAME:FORMAT=URL" like "gateway=http://127.0.0.1:15090/stats/prometheus", got ${describeValue(entry)}`;
  const head = entry.slice(0, at).trim();
  const url = entry.slice(at + 1).trim();
  const colon = head.indexOf(':');
  if (colon < 0) return { name: head, url };
  const format = head.slice(colon + 1).trim();
  if (!(OBSERVE_FORMATS as readonly string[]).includes(format)) {
    return `unknown format ${describeValue(format)} in ${describeValue(entry)}; expected NAME:FORMAT=URL with FORMAT one of ${OBSERVE_FORMATS.join(', ')}`;
  }
  return { name: head.slice(0, colon).trim(), url, format: format as ObserveFormat };
}

function applyObserve(e: FlagEdit): boolean {
  const parsed = e.list.map(observeEntry);
  for (const p of parsed) if (typeof p === 'string') e.issues.push({ path: e.name, message: p });
  const added = parsed.filter((p): p is Exclude<typeof p, string> => typeof p !== 'string');
  if (added.length < parsed.length) return false;
  const written = Array.isArray(e.out.observe) ? (e.out.observe as unknown[]) : [];
  // The name and URL are checked by the schema, reported under the flag's name.
  const kept = written.filter((o) => !(isObject(o) && added.some((a) => a.name === o.name)));
  e.out.observe = [...kept, ...added];
  // Only the entries the flag added are its; the file's keep their own paths.
  added.forEach((_, j) => e.flagFor.set(`observe[${kept.length + j}]`, e.name));
  return false;
}

/** How each flag edits the scenario. */
export const APPLIERS: Readonly<Record<keyof ScenarioOverrides, FlagApplier>> = {
  url: applyUrl,
  connections: applyCount,
  workers: applyCount,
  shards: applyCount,
  duration: applyDuration,
  insecure: applyInsecure,
  ca: applyTlsValue,
  cert: applyTlsValue,
  key: applyTlsValue,
  servername: applyTlsValue,
  resolve: applyResolve,
  header: applyHeader,
  origin: applyOrigin,
  subprotocol: applySubprotocol,
  rate: applyRate,
  metrics: applyMetrics,
  memoryFlat: applyMemoryFlat,
  observe: applyObserve,
};
