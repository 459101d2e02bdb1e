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
import type { Protocol, PublishBody, Scenario } from '../run/scenario.js';

type Env = Readonly<Record<string, string | undefined>>;

/** A body template filled: a value in a JSON body is JSON string content. */
function body(b: PublishBody, env: Env): PublishBody {
  return { ...b, template: fillEnv(b.template, env, b.json ? jsonEscape : undefined) };
}

/** A protocol's texts that reach the server (auth, join arguments, topic filters, client id, credentials, graphql-ws init payload and variables) filled. */
function protocolWithEnv(p: Protocol, env: Env): Protocol {
  if (p.name === 'socket.io') {
    return { ...p, auth: p.auth === null ? null : fillEnv(p.auth, env, jsonEscape), join: p.join ? { ...p.join, args: fillEnv(p.join.args, env, jsonEscape) } : null };
  }
  if (p.name === 'graphql-ws') {
    const json = (t: string | null): string | null => (t === null ? null : fillEnv(t, env, jsonEscape));
    return { ...p, init: json(p.init), variables: json(p.variables) };
  }
  const text = (t: string | null): string | null => (t === null ? null : fillEnv(t, env));
  return { ...p, topics: p.topics.map((t) => fillEnv(t, env)), clientId: fillEnv(p.clientId, env), username: text(p.username), password: text(p.password) };
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
  const p = scenario.publish;
  if (!p) return scenario;
  const request = p.request ? { ...p.request, headers: fillEnvHeaders(p.request.headers, env), body: p.request.body ? body(p.request.body, env) : null } : undefined;
  const websocket = p.websocket
    ? { ...p.websocket, url: fillEnv(p.websocket.url, env), headers: fillEnvHeaders(p.websocket.headers, env), open: p.websocket.open.map((t) => fillEnv(t, env)), message: body(p.websocket.message, env) }
    : undefined;
  return {
    ...scenario,
    publish: { ...p, url: p.url === null ? null : fillEnv(p.url, env), ...(request ? { request } : {}), ...(websocket ? { websocket } : {}) },
  };
}

/** The publish URL template (derived from the target URL, or the scenario's) filled. */
export function publishUrlWithEnv(template: string, env: Env = process.env): string {
  return fillEnv(template, env);
}
