/**
 * Command-line flags that override scenario keys (`--connections 500`). They are applied to the
 * scenario as written, before validation, so one set of rules checks both; issues caused by a
 * flag name the flag, not the key, because that is what the user typed.
 */
import type { Issue } from '../errors.js';
import { describeValue, DURATION_PATTERN } from './schema.js';

/** Raw flag strings as commander hands them over; absent = not given. */
export interface ScenarioOverrides {
  url?: string;
  connections?: string;
  duration?: string;
  workers?: string;
}

/** One overridable key, declared as data so every command offers the same flags. */
export interface OverrideFlag {
  key: keyof ScenarioOverrides;
  /** Commander flag spec, e.g. "--connections <n>". */
  flags: string;
  description: string;
  /** Top-level scenario key the flag replaces. */
  scenarioKey: 'target' | 'connections' | 'duration' | 'workers';
}

/** The override flags, in help order. */
export const OVERRIDE_FLAGS: readonly OverrideFlag[] = [
  { key: 'url', flags: '--url <url>', description: 'test this ws:// or wss:// URL instead of the scenario target', scenarioKey: 'target' },
  { key: 'connections', flags: '--connections <n>', description: 'override the number of connections', scenarioKey: 'connections' },
  { key: 'duration', flags: '--duration <duration>', description: 'override the hold duration (e.g. 30s, 10m, 1h30m)', scenarioKey: 'duration' },
  { key: 'workers', flags: '--workers <n>', description: 'override the number of worker threads (1-64)', scenarioKey: 'workers' },
];

/** Result of applying overrides: the edited copy, issues in the flags, and key → flag for messages. */
export interface AppliedOverrides {
  value: Record<string, unknown>;
  issues: Issue[];
  /** Top-level scenario key → flag that set it ("connections" → "--connections"). */
  flagFor: Map<string, string>;
}

const POSITIVE_INT = /^\s*\d+\s*$/;

/** Applies raw flag strings to a copy of the written scenario object. */
export function applyOverrides(value: Record<string, unknown>, overrides: ScenarioOverrides | undefined): AppliedOverrides {
  const out: Record<string, unknown> = { ...value };
  const issues: Issue[] = [];
  const flagFor = new Map<string, string>();
  if (!overrides) return { value: out, issues, flagFor };
  for (const flag of OVERRIDE_FLAGS) {
    const raw = overrides[flag.key];
    if (raw === undefined) continue;
    const name = `--${flag.key}`;
    switch (flag.key) {
      case 'url':
        // The URL itself is checked by the schema, reported under the flag's name.
        out.target = { url: raw };
        break;
      case 'connections':
      case 'workers': {
        const n = Number(raw);
        if (!POSITIVE_INT.test(raw) || !Number.isSafeInteger(n) || n < 1) {
          issues.push({ path: name, message: `expected a positive integer, got ${describeValue(raw)}` });
          continue;
        }
        out[flag.key] = n;
        break;
      }
      case 'duration':
        if (!DURATION_PATTERN.test(raw.trim())) {
          issues.push({ path: name, message: `expected a duration like "500ms", "30s", "10m" or "1h30m", got ${describeValue(raw)}` });
          continue;
        }
        out.duration = raw.trim();
        break;
    }
    flagFor.set(flag.scenarioKey, name);
  }
  return { value: out, issues, flagFor };
}

/** Renames an issue's path to the flag when the flag set that key ("target.url" → "--url"). */
export function attributeToFlag(issue: Issue, flagFor: ReadonlyMap<string, string>): Issue {
  const top = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(issue.path)?.[0];
  const flag = top === undefined ? undefined : flagFor.get(top);
  return flag ? { path: flag, message: issue.message } : issue;
}
