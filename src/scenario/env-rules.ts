/**
 * Rules of `{env.NAME}` over the scenario as written (after overrides): a reference only in the
 * strings that are filled (run/env-refs.ts ENV_KEYS), well formed, and set in the environment.
 * Messages name the variable and the JSON path, never a value: the point of `{env.NAME}` is that
 * the value stays out of every output, error lines included.
 */
import type { Issue } from '../errors.js';
import { ENV_KEYS, envNames, envValue, fillEnv, hasEnvRef, malformedEnvRefs } from '../run/env-refs.js';
import { formatPath } from './issues.js';

type Segment = string | number;

const PATTERNS: readonly (readonly string[])[] = ENV_KEYS.map((k) => k.replaceAll('[*]', '.*').split('.'));
/** Keys whose strings are URLs: checked again with the values filled in. */
const URL_KEYS = new Set(['target.url', 'publish.url', 'publish.socket.url']);
const WHERE = ENV_KEYS.join(', ');

/** Whether a string at `path` is one that gets `{env.NAME}` filled (a key of ENV_KEYS or inside one). */
function filledAt(path: readonly Segment[]): boolean {
  return PATTERNS.some((p) => p.length <= path.length && p.every((seg, i) => seg === '*' || seg === String(path[i])));
}

/** Every string in a written value, with its path (object keys are not values: a reference in a key is not filled). */
function* strings(value: unknown, path: Segment[]): Generator<[Segment[], string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* strings(value[i], [...path, i]);
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* strings(v, [...path, k]);
}

/** Issues of every `{env.…}` in the scenario as written, against `env` (process.env by default). */
export function envIssues(written: Record<string, unknown>, env: Readonly<Record<string, string | undefined>> = process.env): Issue[] {
  const issues: Issue[] = [];
  for (const [path, text] of strings(written, [])) {
    if (!hasEnvRef(text)) continue;
    const at = formatPath(path);
    if (!filledAt(path)) {
      issues.push({ path: at, message: `"{env.…}" is filled in only in ${WHERE}; expected the value written out here` });
      continue;
    }
    for (const bad of malformedEnvRefs(text)) {
      issues.push({
        path: at,
        message: `"{env.${bad}}" is no environment variable name; expected {env.NAME} with NAME of letters, digits and "_", not starting with a digit`,
      });
    }
    const unset = [...new Set(envNames(text))].filter((name) => envValue(env, name) === undefined);
    for (const name of unset) {
      issues.push({
        path: at,
        message: `environment variable ${name} is not set (or empty); expected it exported before wsload runs ({env.${name}})`,
      });
    }
    const headerValue = path.length >= 3 && path[path.length - 2] === 'headers';
    for (const name of [...new Set(envNames(text))].filter((n) => headerValue && /[\0-\x08\x0a-\x1f\x7f]/.test(envValue(env, n) ?? ''))) {
      issues.push({
        path: at,
        message: `environment variable ${name} holds CR, LF or another control character, which cannot go in a header (the value is not shown)`,
      });
    }
    if (unset.length === 0 && URL_KEYS.has(path.join('.')) && !validUrl(fillEnv(text, env))) {
      // The value is a secret or a host the user kept out of the file: the line does not show it.
      issues.push({
        path: at,
        message: `with ${envNames(text)
          .map((n) => `{env.${n}}`)
          .join(', ')} filled in from the environment, not a URL (the value is not shown); expected a URL once filled`,
      });
    }
  }
  return issues;
}

/** A URL once wsload's own placeholders stand for sample values (the schema checked the scheme). */
function validUrl(text: string): boolean {
  try {
    new URL(text.replace(/\{(conn|cohort|topic|id|seq|value|identity\.[^{}]*)\}/g, '1'));
    return true;
  } catch {
    return false;
  }
}
