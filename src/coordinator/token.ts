/**
 * The control channel's shared token: what a token may be (checked wherever one is given: the
 * CLI's flags and environment, the library's `agents.token`, the coordinator itself) and its
 * comparison in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Longest token accepted; far above any generated secret, and well inside one HTTP header. */
export const MAX_TOKEN_LENGTH = 4096;

/**
 * Why `token` cannot be a control-channel token, or null when it can. It travels in the upgrade's
 * `Authorization: Bearer` header, which holds visible ASCII only and is trimmed by every HTTP
 * parser: a space, a control character or a non-ASCII letter would be sent differently from how
 * it was given (or not at all) and every agent refused. The token itself is never echoed: it is a
 * secret, and a message may end up in a CI log.
 */
export function tokenProblem(token: unknown): string | null {
  if (typeof token !== 'string') return `expected a string, got ${token === null ? 'null' : typeof token}`;
  if (token === '') return 'empty; a token is required (agents without it would be sent the targets, TLS files and identities)';
  if (token.trim() === '') return 'only white space; expected visible ASCII characters';
  if (token.length > MAX_TOKEN_LENGTH) return `${token.length} characters long; expected at most ${MAX_TOKEN_LENGTH}`;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c < 0x21 || c > 0x7e)
      return `character ${i + 1} of ${token.length} is ${describeChar(c)}; expected visible ASCII characters only (no spaces, control characters or non-ASCII)`;
  }
  return null;
}

function describeChar(c: number): string {
  if (c === 0x20) return 'a space';
  if (c === 0x0a || c === 0x0d) return 'a line break';
  if (c === 0x09) return 'a tab';
  if (c < 0x20 || c === 0x7f) return 'a control character';
  return 'not ASCII';
}

/**
 * True when `given` equals `expected` and both are real tokens; compares SHA-256 digests so
 * neither content nor length leaks through timing. An empty token never matches, not even an
 * empty one: an absent Authorization header reads as ''.
 */
export function tokenMatches(given: string, expected: string): boolean {
  if (given === '' || expected === '') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token from an `Authorization: Bearer <token>` header, or '' when absent. */
export function bearerToken(header: string | undefined): string {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return m ? m[1].trim() : '';
}
