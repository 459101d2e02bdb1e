/**
 * Publishes as HTTP requests (`publish.via: "http"`, the default): the demo's GET of the publish
 * URL, or the scenario's request (method, headers, body, accepted statuses). Sender:
 * publisher/methods/http.ts; file keys and rules: scenario/publish-methods/http.ts.
 */
import { fillEnv, fillEnvHeaders } from '../env-refs.js';
import { defaultPublishTemplate } from '../publish-url.js';
import type { PublishMethodOf } from '../scenario.js';
import { bodyWithEnv, sendingPlan, sendingValidate, type PublishMethodEntry } from './method.js';

export type HttpPublishMethod = PublishMethodOf<'http'>;

/** Prefix of the reasons counted for an answer with a status not accepted: "http-503". */
export const HTTP_STATUS_FAILURE = 'http-';

export const httpMethod: PublishMethodEntry<HttpPublishMethod> = {
  kind: 'http',
  // The default way of publishing: the table asks it last, so any other method's keys win.
  of: (s) => (s.publish ? { kind: 'http', publish: s.publish, request: s.publish.request ?? null } : null),
  destination: (m, targetUrl) => m.publish.url ?? defaultPublishTemplate(targetUrl),
  plan: (m, destination, valueTag) => sendingPlan(m.publish, m.request ? `${m.request.method} to` : 'to', destination, valueTag),
  validate: (m) => sendingValidate(m.publish, m.request ? ` by ${m.request.method}` : ''),
  reportTitle: 'Publish (HTTP)',
  templateText: (m, destination) =>
    m.request ? [destination, ...Object.values(m.request.headers), m.request.body?.template ?? ''].join('\n') : destination,
  failureWords: (reason) => (reason.startsWith(HTTP_STATUS_FAILURE) ? `HTTP ${reason.slice(HTTP_STATUS_FAILURE.length)}` : null),
  withEnv: (m, env) => {
    const p = m.publish;
    const r = m.request;
    const request = r ? { ...r, headers: fillEnvHeaders(r.headers, env), body: r.body ? bodyWithEnv(r.body, env) : null } : undefined;
    return { ...p, url: p.url === null ? null : fillEnv(p.url, env), ...(request ? { request } : {}) };
  },
};
