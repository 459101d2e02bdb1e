/**
 * Turns zod issues into wsload Issues: JSON paths ("cohorts[1].share"), one issue per unknown key
 * with the nearest known key suggested, union failures reported from the branch the user meant,
 * and no zod phrasing left where a field's own "expected …" text exists.
 */
import { z } from 'zod';
import type { Issue } from '../errors.js';
import { nearest } from '../text/nearest.js';
import { describeValue } from './schema.js';

type PathSegment = PropertyKey;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** ["cohorts", 1, "share"] → "cohorts[1].share"; keys that are not identifiers are bracketed. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && IDENTIFIER.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** Fallback wording for issues whose schema set no message of its own. */
export const fallbackErrorMap = (iss: z.core.$ZodRawIssue): string => {
  const got = describeValue(iss.input);
  switch (iss.code) {
    case 'invalid_type':
      return iss.input === undefined ? `required; expected ${iss.expected}` : `expected ${iss.expected}, got ${got}`;
    case 'invalid_value':
      return `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
    case 'too_small':
      return `expected at least ${String(iss.minimum)}, got ${got}`;
    case 'too_big':
      return `expected at most ${String(iss.maximum)}, got ${got}`;
    default:
      return `invalid value ${got}`;
  }
};

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let s = schema;
  for (let i = 0; i < 20; i++) {
    const def = s._zod.def as { type: string; innerType?: z.core.$ZodType };
    if ((def.type === 'default' || def.type === 'optional' || def.type === 'nullable' || def.type === 'prefault') && def.innerType)
      s = def.innerType;
    else break;
  }
  return s;
}

/** Keys of the object schema at `path`, to suggest the one a mistyped key meant. */
function knownKeysAt(root: z.core.$ZodType, path: readonly PathSegment[]): string[] {
  let s: z.core.$ZodType | undefined = unwrap(root);
  for (const seg of path) {
    if (!s) return [];
    s = childSchema(s, seg);
    if (s) s = unwrap(s);
  }
  return s ? objectKeys(s) : [];
}

function objectKeys(s: z.core.$ZodType): string[] {
  const def = s._zod.def as { type: string; shape?: Record<string, unknown>; options?: z.core.$ZodType[] };
  if (def.type === 'object' && def.shape) return Object.keys(def.shape);
  if (def.type === 'union' && def.options) return def.options.flatMap((o) => objectKeys(unwrap(o)));
  return [];
}

function childSchema(s: z.core.$ZodType, seg: PathSegment): z.core.$ZodType | undefined {
  const def = s._zod.def as {
    type: string;
    shape?: Record<string, z.core.$ZodType>;
    element?: z.core.$ZodType;
    valueType?: z.core.$ZodType;
    options?: z.core.$ZodType[];
  };
  switch (def.type) {
    case 'object':
      return typeof seg === 'string' ? def.shape?.[seg] : undefined;
    case 'array':
      return def.element;
    case 'record':
      return def.valueType;
    case 'union':
      for (const o of def.options ?? []) {
        const c = childSchema(unwrap(o), seg);
        if (c) return c;
      }
      return undefined;
    default:
      return undefined;
  }
}

function isRootTypeMismatch(issues: readonly z.core.$ZodIssue[]): boolean {
  return issues.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value'));
}

/** Converts zod issues of a parse of `schema` into wsload Issues, in document order. */
export function issuesFromZod(
  schema: z.core.$ZodType,
  zodIssues: readonly z.core.$ZodIssue[],
  prefix: readonly PathSegment[] = [],
): Issue[] {
  const out: Issue[] = [];
  for (const iss of zodIssues) {
    const path = [...prefix, ...iss.path];
    if (iss.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, path);
      for (const key of iss.keys) {
        const suggestion = nearest(key, known);
        const message = suggestion
          ? `unknown key (did you mean "${suggestion}"?)`
          : `unknown key; expected one of ${known.map((k) => JSON.stringify(k)).join(', ')}`;
        out.push({ path: formatPath([...path, key]), message });
      }
      continue;
    }
    if (iss.code === 'invalid_union') {
      // The branch the user meant is the one whose shape matched (an object given where
      // "embedded" | {url} is allowed): report its issues rather than "no branch matched".
      const meant = iss.errors.filter((branch) => !isRootTypeMismatch(branch));
      if (meant.length === 1) {
        out.push(...issuesFromZod(schema, meant[0], path));
        continue;
      }
    }
    out.push({ path: formatPath(path), message: iss.message });
  }
  return out;
}
