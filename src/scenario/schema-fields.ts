/**
 * The field builders and words every section of the scenario schema shares: durations within Node's
 * timers, integers, header names and values, URLs with a scheme, topic names. Each section's keys
 * live in their own module (target-schema.ts, protocol-schema.ts, publish-schema.ts, …); schema.ts
 * assembles the file.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { parseDuration } from '../duration.js';
import { describeValue, expecting } from './schema-text.js';

/** Same syntax as src/duration.ts parseDuration, kept as a regex so editors can check it too. */
export const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const DURATION_TEXT = 'a duration like "500ms", "30s", "10m" or "1h30m"';

/**
 * Longest duration any key may take: 24 days. Node's timers hold at most 2^31 − 1 ms (24.8 days);
 * a longer one fires after 1 ms instead, so a handshake timeout or ping interval above it would
 * time out every handshake or flood pings, and "1" followed by 400 zeros parses to Infinity.
 */
export const MAX_DURATION_MS = 24 * 86_400_000;
const MAX_DURATION_TEXT = 'at most "24d"';

/** A duration within bounds (finite, ≤ MAX_DURATION_MS, and > 0 when `positive`). */
export function durationInRange(text: string, positive: boolean): boolean {
  const ms = parseDuration(text);
  return ms !== undefined && Number.isFinite(ms) && ms <= MAX_DURATION_MS && (!positive || ms > 0);
}

export function duration(positive: boolean): z.ZodString {
  const text = positive ? `${DURATION_TEXT}, greater than 0` : DURATION_TEXT;
  const range = positive ? `a duration greater than 0 and ${MAX_DURATION_TEXT}` : `a duration ${MAX_DURATION_TEXT}`;
  return (
    z
      .string(expecting(text))
      // abort: a text that is no duration gets one issue, not also the range's.
      .regex(DURATION_PATTERN, { ...expecting(text), abort: true })
      .refine((s) => (parseDuration(s) ?? 0) > 0 || !positive, { ...expecting(text), abort: true })
      .refine((s) => durationInRange(s, positive), expecting(`${range} (longer waits overflow Node's timers)`))
  );
}

export function int(min: number, max?: number): z.ZodNumber {
  const text = max === undefined ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
  const n = z.number(expecting(text)).int(expecting(text)).min(min, expecting(text));
  return max === undefined ? n : n.max(max, expecting(text));
}

export function nonEmptyString(what: string): z.ZodString {
  return z.string(expecting(what)).min(1, expecting(what));
}

export const ipAddress = z
  .string(expecting('an IP address like "127.0.0.2" or "::1"'))
  .refine((s) => isIP(s) !== 0, expecting('an IP address like "127.0.0.2" or "::1"'));

/** RFC 9110 token: what a header name or a WebSocket subprotocol name may contain. */
export const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Characters Node refuses in a header value (CR, LF, other controls): it would throw for every socket mid-run. */
export const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

export function isUrlWithScheme(text: string, schemes: readonly string[]): boolean {
  try {
    // Placeholders are not valid in every URL position (a port, say); substitute sample values.
    const url = new URL(
      text
        .replaceAll('{conn}', '0')
        .replaceAll('{cohort}', 'c')
        .replaceAll('{topic}', 't')
        .replace(/\{identity\.[^{}]*\}/g, 'x')
        .replaceAll('{id}', '1')
        .replaceAll('{seq}', '1')
        .replaceAll('{value}', '1')
        .replace(/\{env\.[^{}]*\}/g, 'x'),
    );
    return schemes.includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A "#fragment" is never sent to the server; ws refuses a URL that has one, for every socket. */
export const NO_FRAGMENT = {
  error: (iss: { input?: unknown }) =>
    `expected a URL without a "#fragment" (it is never sent to the server), got ${describeValue(iss.input)}`,
};
export const HEADER_NAME_TEXT = "a header name (letters, digits and !#$%&'*+.^_`|~-, no spaces)";
export const HEADER_VALUE_TEXT = 'a header value without CR, LF or other control characters';
export const SUBPROTOCOL_TEXT = "a subprotocol name (letters, digits and !#$%&'*+.^_`|~-, no spaces or commas)";

/** What a topic name may hold: it goes into URLs, JSON and report keys unescaped. */
export const TOPIC_NAME = /^[A-Za-z0-9._:-]+$/;
export const TOPIC_NAME_TEXT = 'a topic name of letters, digits, ".", "_", ":" or "-"';
/**
 * Most topics a scenario may have. Each topic costs a fan-out histogram in every worker thread
 * (about 115 KB each, measured: µs, 3 significant digits, 32-bit buckets) and two in the main
 * thread (fan-out and completion), its counters and histogram in every snapshot, and a row in the
 * report: 200 topics are about 23 MB per worker and 46 MB in the main thread.
 */
export const MAX_TOPICS = 200;

export const WS_URL_TEXT = 'a ws:// or wss:// URL like "ws://127.0.0.1:8080/ws" ("{conn}" is replaced by the socket index)';
export const PUBLISH_URL_TEXT =
  'an http:// or https:// URL (with "{seq}" or "{value}" here, in a header or in the body), like "http://127.0.0.1:8080/api?id={id}&value={seq}"';

export function isRegex(text: string): boolean {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

/** Header name → value, names checked per key like target.headers. */
export function headerMap(description: string) {
  return z
    .record(
      z.string(),
      z.string(expecting(HEADER_VALUE_TEXT)).refine((v) => !BAD_HEADER_VALUE.test(v), expecting(HEADER_VALUE_TEXT)),
      expecting('an object of header name → value'),
    )
    .superRefine((headers, ctx) => {
      for (const name of Object.keys(headers)) {
        if (!TOKEN.test(name))
          ctx.addIssue({ code: 'custom', path: [name], input: name, message: `expected ${HEADER_NAME_TEXT}, got ${describeValue(name)}` });
      }
    })
    .default({})
    .describe(description);
}
