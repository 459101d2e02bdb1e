/**
 * Per-socket placeholders in target.url, target.headers and open messages: "{conn}" (global socket
 * index), "{cohort}" (cohort name), "{topic}" (its topic, with topics), "{identity.FIELD}" (the socket's identity). Shared by the
 * scenario rules (which placeholders a text uses) and the worker (filling them per connect).
 */

/** Every placeholder wsload knows the shape of, "{topic}" included so the rules can name it. */
const PLACEHOLDER = /\{(conn|cohort|topic|identity\.[^{}"\\]*)\}/g;

/** Names of the placeholders a template uses ("conn", "cohort", "topic", "identity.token"), in order. */
export function placeholderNames(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

/** What a socket's placeholders are filled with. */
export interface PlaceholderValues {
  conn: number;
  cohort: string;
  /** The socket's topic name; absent without topics. */
  topic?: string;
  /** Identity field names and this socket's values (parallel), or null. */
  fields: readonly string[] | null;
  values: readonly string[] | null;
}

/** A value as it appears inside a JSON string literal (without the quotes). */
export function jsonEscape(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/**
 * Fills a template's placeholders; `escape` encodes each value for where the template is used (URL
 * component, JSON string, or as is). A placeholder without a value stays as written: the rules
 * reject those before a run.
 */
export function fillPlaceholders(text: string, v: PlaceholderValues, escape: (value: string) => string): string {
  if (!text.includes('{')) return text;
  return text.replace(PLACEHOLDER, (whole: string, name: string) => {
    if (name === 'conn') return escape(String(v.conn));
    if (name === 'cohort') return escape(v.cohort);
    if (name === 'topic' && v.topic !== undefined) return escape(v.topic);
    if (name.startsWith('identity.') && v.fields !== null && v.values !== null) {
      const at = v.fields.indexOf(name.slice('identity.'.length));
      if (at >= 0) return escape(v.values[at]);
    }
    return whole;
  });
}
