/** The control channel's shared token, checked in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';

/** True when `given` equals `expected`; compares SHA-256 digests so neither content nor length leaks through timing. */
export function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token from an `Authorization: Bearer <token>` header, or '' when absent. */
export function bearerToken(header: string | undefined): string {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return m ? m[1].trim() : '';
}
