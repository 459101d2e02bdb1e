/**
 * Publishes as messages on one publisher socket (`publish.via: "websocket"`, a chat-style
 * service). Sender: publisher/methods/websocket.ts; file keys and rules:
 * scenario/publish-methods/websocket.ts.
 */
import { fillEnv, fillEnvHeaders } from '../env-refs.js';
import type { PublishMethodOf } from '../scenario.js';
import { bodyWithEnv, sendingPlan, sendingValidate, type PublishMethodEntry } from './method.js';

export type WebSocketPublishMethod = PublishMethodOf<'websocket'>;

/** Reason of publishes pending on a publisher socket that closed. */
export const PUBLISHER_SOCKET_CLOSED = 'ws-closed';
/** Prefix of the reasons counted when the publisher socket did not open: "ws-refused", "ws-http-401", "ws-timeout". */
export const PUBLISHER_SOCKET_FAILURE = 'ws-';

export const websocketMethod: PublishMethodEntry<WebSocketPublishMethod> = {
  kind: 'websocket',
  of: (s) => (s.publish?.websocket ? { kind: 'websocket', publish: s.publish, socket: s.publish.websocket } : null),
  // The report names the publisher socket's URL where an HTTP run names its publish URL.
  destination: (m) => m.socket.url,
  plan: (m, destination, valueTag) => sendingPlan(m.publish, 'as messages on', destination, valueTag),
  validate: (m) => sendingValidate(m.publish, ' on a publisher socket'),
  // A publisher socket's "latency" is its write (or ack), not an HTTP response: the heading says which.
  reportTitle: 'Publish (messages on the publisher socket)',
  templateText: (m) => m.socket.message.template,
  failureWords: (reason, connectWords) => {
    if (reason === PUBLISHER_SOCKET_CLOSED) return 'the publisher socket closed before the message was written or acknowledged';
    if (reason.startsWith(PUBLISHER_SOCKET_FAILURE))
      return `the publisher socket did not open: ${connectWords(reason.slice(PUBLISHER_SOCKET_FAILURE.length))}`;
    return null;
  },
  withEnv: (m, env) => {
    const w = m.socket;
    const websocket = {
      ...w,
      url: fillEnv(w.url, env),
      headers: fillEnvHeaders(w.headers, env),
      open: w.open.map((t) => fillEnv(t, env)),
      message: bodyWithEnv(w.message, env),
    };
    const p = m.publish;
    return { ...p, url: p.url === null ? null : fillEnv(p.url, env), websocket };
  },
};
