import { UsageError } from '../errors.js';
import { parseDuration } from '../duration.js';

/** A duration flag's value in ms; a UsageError naming the flag when it is not a positive duration. */
export function parseDurationFlag(flag: string, text: string): number {
  const ms = parseDuration(text.trim());
  if (ms === undefined || ms <= 0) throw new UsageError(`${flag}: expected a duration like "30s" or "2m", got "${text}"`);
  return ms;
}
