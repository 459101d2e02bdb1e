/**
 * RFC 6901 JSON pointers ("/data/seq", "/items/0/id", "/a~1b" for key "a/b", "/m~0n" for "m~n"):
 * parsed once when a scenario is loaded, resolved against each parsed message.
 */

/** The reference tokens of `pointer`, unescaped; null when it is not a pointer into a document ("" or no leading "/", or a "~" not followed by 0 or 1). */
export function parseJsonPointer(pointer: string): string[] | null {
  if (!pointer.startsWith('/')) return null;
  const tokens = pointer.slice(1).split('/');
  for (const t of tokens) if (/~(?![01])/.test(t)) return null;
  // "~01" is "~1" literally: ~1 is undone before ~0 (RFC 6901 §4).
  return tokens.map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

/** The value `tokens` point at in `doc`, or undefined when any step is missing (an array index out of range or not a plain index, a key absent, a step into a scalar). */
export function resolveJsonPointer(doc: unknown, tokens: readonly string[]): unknown {
  let v: unknown = doc;
  for (const t of tokens) {
    if (Array.isArray(v)) {
      if (!ARRAY_INDEX.test(t)) return undefined;
      const i = Number(t);
      if (i >= v.length) return undefined;
      v = v[i] as unknown;
    } else if (typeof v === 'object' && v !== null) {
      if (!Object.hasOwn(v, t)) return undefined;
      v = (v as Record<string, unknown>)[t];
    } else {
      return undefined;
    }
  }
  return v;
}
