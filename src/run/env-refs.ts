/**
 * `{env.NAME}` in scenario strings: a secret or a host taken from the environment instead of the
 * scenario file. The Scenario, the report, the plan line, logs, the timeline, JUnit and Prometheus
 * labels all keep the template as written; only what leaves for the target gets the value, filled
 * in at the last step (the workers' slices, the publisher, the identities file's path), so no
 * output can carry it. The rules check every reference is set before anything starts.
 */

/** A reference: `{env.` + a shell variable name + `}`. */
const ENV_REF = /\{env\.([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** Anything that starts like one, for telling a malformed reference from other braces. */
const ENV_LIKE = /\{env\.([^{}]*)\}/g;

/** The scenario keys whose strings may hold `{env.NAME}`, as JSON paths with `*` for any key or index. */
export const ENV_KEYS: readonly string[] = [
  'target.url',
  'target.headers.*',
  'target.open[*].send',
  'publish.url',
  'publish.headers.*',
  'publish.body',
  'publish.socket.url',
  'publish.socket.headers.*',
  'publish.socket.open[*].send',
  'publish.protocol.topic',
  'publish.protocol.destination',
  'identities.file',
  'protocol.auth',
  'protocol.join.args',
  'protocol.topics[*]',
  'protocol.clientId',
  'protocol.username',
  'protocol.password',
  'protocol.init',
  'protocol.variables',
  'protocol.destinations[*]',
  'protocol.login',
  'protocol.passcode',
];

/** Variable names a text references, in order (repeats kept). */
export function envNames(text: string): string[] {
  return [...text.matchAll(ENV_REF)].map((m) => m[1]);
}

/** The inside of every `{env.…}` that is not a valid reference ("{env.my-token}" → "my-token"). */
export function malformedEnvRefs(text: string): string[] {
  return [...text.matchAll(ENV_LIKE)].map((m) => m[1]).filter((name) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name));
}

/** Whether a text holds a reference (valid or not). */
export function hasEnvRef(text: string): boolean {
  return text.includes('{env.');
}

/** The environment as the rules and the fill read it: a variable set to "" counts as unset (as CI secrets leave it). */
export function envValue(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/**
 * Fills every `{env.NAME}`; `escape` encodes each value for where the text is used (JSON string
 * content for a JSON message, as is elsewhere). A name without a value stays as written: the rules
 * refuse those before a run.
 */
export function fillEnv(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  escape: (value: string) => string = (v) => v,
): string {
  if (!hasEnvRef(text)) return text;
  return text.replace(ENV_REF, (whole: string, name: string) => {
    const v = envValue(env, name);
    return v === undefined ? whole : escape(v);
  });
}

/** Every value of a header map filled. */
export function fillEnvHeaders(
  headers: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, fillEnv(v, env)]));
}
