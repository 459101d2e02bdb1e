/**
 * The "websocket" publish method as written (`publish.via: "websocket"`): `publish.socket`, the
 * message in `publish.body`, `publish.ack`; its rules and its normalized publisher socket.
 * Described and filled by run/publish-methods/websocket.ts, sent by publisher/methods/websocket.ts.
 */
import type { Issue } from '../../errors.js';
import { bodyTemplate } from '../../run/publish-url.js';
import { describeValue } from '../schema.js';
import { HTTP_ONLY_KEYS } from './http.js';
import { carriesSeq, writtenBodyText, type WrittenPublish, type WrittenPublishMethod } from './method.js';

/** The publisher socket and message required, the message carrying the seq, no HTTP request keys. */
function websocketIssues(p: WrittenPublish): Issue[] {
  const issues: Issue[] = [];
  if (!p.socket)
    issues.push({
      path: 'publish.socket',
      message: 'required with publish.via "websocket"; expected an object like {"url": "ws://host:port/chat"}',
    });
  if (p.body === undefined)
    issues.push({
      path: 'publish.body',
      message:
        'required with publish.via "websocket"; expected the message to send, carrying "{seq}" or "{value}", like {"type": "say", "text": "{value}"}',
    });
  else if (!carriesSeq(writtenBodyText(p.body)))
    issues.push({
      path: 'publish.body',
      message: `expected a message carrying "{seq}" or "{value}" (subscribers find the publish by it), got ${describeValue(p.body)}`,
    });
  for (const key of HTTP_ONLY_KEYS) {
    if (p[key] !== undefined && p[key] !== null)
      issues.push({
        path: `publish.${key}`,
        message:
          'applies to HTTP publishes only, but publish.via is "websocket"; expected it left out (the publisher socket is publish.socket)',
      });
  }
  if (Object.keys(p.headers).length > 0)
    issues.push({
      path: 'publish.headers',
      message: 'applies to HTTP publishes only, but publish.via is "websocket"; expected the upgrade headers in publish.socket.headers',
    });
  return issues;
}

/** publish.socket and publish.ack written for an HTTP publish. */
function strayIssues(p: WrittenPublish): Issue[] {
  const issues: Issue[] = [];
  if (p.socket)
    issues.push({
      path: 'publish.socket',
      message: 'applies only with publish.via "websocket"; expected publish.via "websocket" or no publish.socket',
    });
  if (p.ack !== undefined)
    issues.push({
      path: 'publish.ack',
      message: 'applies only with publish.via "websocket" (an HTTP publish is acknowledged by its status, publish.status)',
    });
  return issues;
}

export const websocketFileMethod: WrittenPublishMethod<'websocket'> = {
  kind: 'websocket',
  chosen: (p) => p.via === 'websocket',
  issues: websocketIssues,
  strayIssues,
  normalize: (p) => {
    // The rules refused a websocket publish without its socket; the guard only satisfies the types.
    if (!p.socket) return { publish: {} };
    const s = p.socket;
    return {
      publish: {
        websocket: {
          url: s.url,
          headers: { ...s.headers },
          subprotocols: [...s.subprotocols],
          open: s.open.map((step) => (typeof step.send === 'string' ? step.send : JSON.stringify(step.send))),
          message: bodyTemplate(p.body ?? ''),
          ack: p.ack ?? null,
        },
      },
    };
  },
};
