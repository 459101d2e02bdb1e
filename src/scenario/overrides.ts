/**
 * Command-line flags that override scenario keys (`--connections 500`). They are applied to the
 * scenario as written, before validation, so one set of rules checks both; issues caused by a
 * flag name the flag, not the key, because that is what the user typed.
 */
import type { Issue } from '../errors.js';
import type { ScenarioOverrides } from '../run/run-options.js';
import { OVERRIDE_FLAGS } from './override-flags.js';
import { APPLIERS, isObject } from './override-appliers.js';

export type { ScenarioOverrides } from '../run/run-options.js';
// The flags themselves are data in a module without zod, so the CLI can offer them without loading
// the schema on its main thread (validation runs in a short-lived thread: scenario/load-thread.ts).
export { OVERRIDE_FLAGS, type OverrideFlag } from './override-flags.js';

/** Result of applying overrides: the edited copy, issues in the flags, and key → flag for messages. */
export interface AppliedOverrides {
  value: Record<string, unknown>;
  issues: Issue[];
  /** Scenario key path → flag that set it ("connections" → "--connections", "tls.ca" → "--ca"). */
  flagFor: Map<string, string>;
}
/** Applies raw flag strings to a copy of the written scenario object. */
export function applyOverrides(value: Record<string, unknown>, overrides: ScenarioOverrides | undefined): AppliedOverrides {
  const out: Record<string, unknown> = { ...value };
  const issues: Issue[] = [];
  const flagFor = new Map<string, string>();
  if (!overrides) return { value: out, issues, flagFor };
  for (const flag of OVERRIDE_FLAGS) {
    const given = overrides[flag.key];
    if (given === undefined || given === false) continue;
    // Each value has the shape its flag's kind declares: a string, true, or a list of strings.
    const raw = typeof given === 'string' ? given : '';
    const list = Array.isArray(given) ? given : [];
    const name = flag.flags.split(' ')[0];
    if (!APPLIERS[flag.key]({ written: value, out, issues, flagFor, name, raw, list }, flag.key)) continue;
    flagFor.set(flag.scenarioKey, name);
    // The kept open messages are still the file's: their issues keep their own paths.
    if (flag.key === 'url' && isObject(out.target) && out.target.open !== undefined) flagFor.set('target.open', '');
  }
  return { value: out, issues, flagFor };
}

/**
 * Renames an issue's path to the flag that set its key ("target.url" → "--url", "tls.ca" → "--ca"),
 * choosing the longest key path that contains the issue.
 */
export function attributeToFlag(issue: Issue, flagFor: ReadonlyMap<string, string>): Issue {
  let flag: string | undefined;
  let longest = -1;
  for (const [key, name] of flagFor) {
    const within = issue.path === key || issue.path.startsWith(`${key}.`) || issue.path.startsWith(`${key}[`);
    if (within && key.length > longest) {
      flag = name;
      longest = key.length;
    }
  }
  return flag ? { path: flag, message: issue.message } : issue;
}
