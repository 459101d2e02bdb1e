/**
 * The "http" publish method as written (`publish.via: "http"`, the default): `publish.url`,
 * `method`, `headers`, `body`, `contentType`, `status`; its rules and its normalized request.
 * Described and filled by run/publish-methods/http.ts, sent by publisher/methods/http.ts.
 */
import type { Issue } from '../../errors.js';
import { bodyTemplate, fillHeader } from '../../run/publish-url.js';
import type { HttpPublishRequest } from '../../run/scenario.js';
import { formatPath } from '../issues.js';
import { BAD_HEADER_VALUE, describeValue } from '../schema.js';
import { carriesSeq, writtenBodyText, type WrittenPublish, type WrittenPublishMethod } from './method.js';

/** Keys only an HTTP publish reads (beside `headers`, which has a default). */
export const HTTP_ONLY_KEYS = ['url', 'method', 'contentType', 'status'] as const;

/** Bodies a method cannot carry, a Content-Type set twice, the seq carried somewhere, header values every id can fill. */
function httpIssues(p: WrittenPublish): Issue[] {
  const issues: Issue[] = [];
  if (p.body !== undefined && p.method !== undefined && ['GET', 'HEAD'].includes(p.method.toUpperCase())) {
    issues.push({
      path: 'publish.body',
      message: `a ${p.method.toUpperCase()} request carries no body; expected publish.method "POST" (or "PUT", "PATCH"), or no method (a body makes it POST)`,
    });
  }
  const headerNames = Object.keys(p.headers);
  const typeHeader = headerNames.find((name) => name.toLowerCase() === 'content-type');
  if (p.contentType !== undefined && typeHeader !== undefined) {
    issues.push({
      path: 'publish.contentType',
      message: `also set in ${formatPath(['publish', 'headers', typeHeader])}; expected one of the two`,
    });
  }
  if (typeof p.url === 'string' && !carriesSeq([p.url, ...Object.values(p.headers), writtenBodyText(p.body)].join('\n'))) {
    issues.push({
      path: 'publish.url',
      message: `expected the request to carry "{seq}" or "{value}" (in publish.url, a header value or publish.body), got ${describeValue(p.url)}`,
    });
  }
  // An id holding a newline would make Node refuse the header on every publish.
  for (const name of headerNames) {
    const bad = p.ids.map(String).find((id) => BAD_HEADER_VALUE.test(fillHeader(p.headers[name], [id], 1, 'validate')));
    if (bad !== undefined)
      issues.push({
        path: formatPath(['publish', 'headers', name]),
        message: `with id ${JSON.stringify(bad)} it holds a control character; expected ids a header value can carry`,
      });
  }
  return issues;
}

/** The request, only when the scenario asks for more than the demo's GET (so its Scenario stays as it was). */
function httpRequest(p: WrittenPublish): { request?: HttpPublishRequest } {
  const plain =
    p.method === undefined &&
    Object.keys(p.headers).length === 0 &&
    p.body === undefined &&
    p.contentType === undefined &&
    p.status === undefined;
  if (plain) return {};
  const body = p.body === undefined ? null : bodyTemplate(p.body);
  // curl -d: a body without a method is a POST.
  const method = (p.method ?? (body ? 'POST' : 'GET')).toUpperCase();
  const typeInHeaders = Object.keys(p.headers).some((name) => name.toLowerCase() === 'content-type');
  const contentType =
    body === null || typeInHeaders ? null : (p.contentType ?? (body.json ? 'application/json' : 'text/plain; charset=utf-8'));
  const status = p.status === undefined ? null : Array.isArray(p.status) ? [...p.status] : [p.status];
  return { request: { method, headers: { ...p.headers }, body, contentType, status } };
}

export const httpFileMethod: WrittenPublishMethod<'http'> = {
  kind: 'http',
  // The default: asked last, it takes any publish no other method claimed.
  chosen: () => true,
  issues: httpIssues,
  normalize: (p) => ({ publish: httpRequest(p) }),
};
