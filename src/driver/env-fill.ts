/**
 * `{env.NAME}` filled in at the last step before it leaves for the target: the workers' slices
 * (URL, upgrade headers, open messages) and the publisher (URL, headers, body, publisher socket).
 * Everything else the run keeps (RunState.scenario, the target plan, the report, the plan line,
 * Prometheus labels, warnings) holds the template, so no output can carry the value. The scenario
 * rules refused every reference not set before the run started.
 */
import { fillEnv, fillEnvHeaders } from '../run/env-refs.js';
import { jsonEscape } from '../run/placeholders.js';
import type { WorkerSlice } from '../run/protocol.js';
import type { Protocol, Scenario } from '../run/scenario.js';
import type { Env } from '../run/publish-methods/method.js';
import { publishMethodOf } from '../run/publish-methods/table.js';

/** A protocol's texts that reach the server (auth, join arguments, topic filters, client id, credentials, graphql-ws init payload and variables, STOMP destinations and credentials) filled. */
function protocolWithEnv(p: Protocol, env: Env): Protocol {
  if (p.name === 'socket.io') {
    return {
      ...p,
      auth: p.auth === null ? null : fillEnv(p.auth, env, jsonEscape),
      join: p.join ? { ...p.join, args: fillEnv(p.join.args, env, jsonEscape) } : null,
    };
  }
  if (p.name === 'graphql-ws') {
    const json = (t: string | null): string | null => (t === null ? null : fillEnv(t, env, jsonEscape));
    return { ...p, init: json(p.init), variables: json(p.variables) };
  }
  const text = (t: string | null): string | null => (t === null ? null : fillEnv(t, env));
  if (p.name === 'stomp')
    return { ...p, destinations: p.destinations.map((t) => fillEnv(t, env)), login: text(p.login), passcode: text(p.passcode) };
  return {
    ...p,
    topics: p.topics.map((t) => fillEnv(t, env)),
    clientId: fillEnv(p.clientId, env),
    username: text(p.username),
    password: text(p.password),
  };
}

/** Each slice with the target URL, its upgrade headers and its open messages filled. */
export function slicesWithEnv(slices: readonly WorkerSlice[], env: Env = process.env): WorkerSlice[] {
  return slices.map((s) => ({
    ...s,
    connect: {
      ...s.connect,
      urlTemplate: fillEnv(s.connect.urlTemplate, env),
      headers: fillEnvHeaders(s.connect.headers, env),
      open: s.connect.open.map((step) => ({ ...step, text: fillEnv(step.text, env, step.json ? jsonEscape : undefined) })),
      ...(s.connect.protocol ? { protocol: protocolWithEnv(s.connect.protocol, env) } : {}),
    },
  }));
}

/** The scenario as the publisher sends it: its request or publisher socket filled; the rest as it was. */
export function publishingWithEnv(scenario: Scenario, env: Env = process.env): Scenario {
  // Each method fills what it sends (run/publish-methods/).
  const publish = publishMethodOf(scenario)?.withEnv(env) ?? null;
  return publish === null ? scenario : { ...scenario, publish };
}

/** The publish URL template (derived from the target URL, or the scenario's) filled. */
export function publishUrlWithEnv(template: string, env: Env = process.env): string {
  return fillEnv(template, env);
}
