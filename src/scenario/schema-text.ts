/** Words of the scenario schema's messages: what a user wrote, and "expected …" texts (shared by schema.ts and its per-key modules). */
type ErrorMap = (iss: { input?: unknown }) => string;

/** Short rendering of a value a user wrote, for "got …" in messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `an array of ${value.length}`;
  if (value !== null && typeof value === 'object') return Object.keys(value).length === 0 ? '{}' : 'an object';
  // JSON.stringify writes Infinity (what JSON's 1e400 parses to) and NaN as "null".
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** A zod error parameter: "required; expected X" or "expected X, got Y". */
export function expecting(text: string): { error: ErrorMap } {
  return {
    error: (iss) => (iss.input === undefined ? `required; expected ${text}` : `expected ${text}, got ${describeValue(iss.input)}`),
  };
}
