/**
 * The "protocol" publish method as written (`publish.via: "protocol"`): `publish.protocol` (MQTT
 * topic and QoS, Socket.IO event and ack, the GraphQL mutation, the STOMP destination and receipt) and `publish.body`, the payload;
 * its rules and its normalized options. Described and filled by run/publish-methods/protocol.ts,
 * sent by publisher/methods/protocol.ts.
 */
import type { Issue } from '../../errors.js';
import { bodyTemplate } from '../../run/publish-url.js';
import type { ProtocolPublish } from '../../run/scenario.js';
import { describeValue, type PartialScenario } from '../schema.js';
import { HTTP_ONLY_KEYS } from './http.js';
import { carriesSeq, writtenBodyText, type WrittenPublish, type WrittenPublishMethod } from './method.js';

/** What a protocol publish carries when `publish.body` is not written: the convention subscribers match on. */
export const DEFAULT_PROTOCOL_BODY = { id: '{id}', value: '{value}' };

type ThroughKey = 'topic' | 'qos' | 'event' | 'ack' | 'query' | 'operationName' | 'destination' | 'receipt';

/** The `publish.protocol` keys each protocol reads. */
const KEYS_OF: Readonly<Record<string, readonly ThroughKey[]>> = {
  mqtt: ['topic', 'qos'],
  'socket.io': ['event', 'ack'],
  'graphql-ws': ['query', 'operationName'],
  stomp: ['destination', 'receipt'],
};

/** The message carries the seq; no HTTP request keys or publisher socket. */
function protocolIssues(p: WrittenPublish): Issue[] {
  const issues: Issue[] = [];
  if (p.body !== undefined && !carriesSeq(writtenBodyText(p.body))) {
    issues.push({
      path: 'publish.body',
      message: `expected a payload carrying "{seq}" or "{value}" (subscribers find the publish by it), got ${describeValue(p.body)}`,
    });
  }
  for (const key of HTTP_ONLY_KEYS) {
    if (p[key] !== undefined && p[key] !== null)
      issues.push({
        path: `publish.${key}`,
        message: 'applies to HTTP publishes only, but publish.via is "protocol" (publishes go through the protocol to target.url)',
      });
  }
  if (Object.keys(p.headers).length > 0)
    issues.push({ path: 'publish.headers', message: 'applies to HTTP publishes only, but publish.via is "protocol"' });
  return issues;
}

function strayIssues(p: WrittenPublish): Issue[] {
  return p.protocol
    ? [
        {
          path: 'publish.protocol',
          message: 'applies only with publish.via "protocol"; expected publish.via "protocol" or no publish.protocol',
        },
      ]
    : [];
}

/** Per-socket placeholders the publisher connection (one for every socket) cannot fill. */
const SOCKET_PLACEHOLDER = /\{(conn|cohort|topic|identity\.[^}]*)\}/;

/**
 * Rules across `publish` and the scenario's `protocol`: a protocol to speak, the keys of that
 * protocol only, the keys it requires, and a target URL one publisher connection can dial.
 */
export function protocolPublishIssues(w: PartialScenario): Issue[] {
  const p = w.publish;
  if (!p || p.via !== 'protocol') return [];
  const name = w.protocol === undefined ? undefined : typeof w.protocol === 'string' ? w.protocol : w.protocol.name;
  if (name === undefined || name === 'websocket') {
    return [
      {
        path: 'publish.via',
        message:
          '"protocol" publishes through the scenario\'s protocol, but none is set; expected a "protocol" ("socket.io", "mqtt", "graphql-ws" or "stomp")',
      },
    ];
  }
  const own = KEYS_OF[name];
  // An unknown protocol name is the protocol schema's error, at its own path.
  if (own === undefined) return [];
  const issues: Issue[] = [];
  const through = p.protocol ?? {};
  for (const key of Object.keys(through) as ThroughKey[]) {
    if (through[key] !== undefined && !own.includes(key))
      issues.push({
        path: `publish.protocol.${key}`,
        message: `does not apply to protocol "${name}"; expected only ${own.map((k) => `"${k}"`).join(', ')}`,
      });
  }
  if (name === 'mqtt' && through.topic === undefined && w.topics === undefined) {
    issues.push({
      path: 'publish.protocol.topic',
      message: 'required with protocol "mqtt" and no topics; expected the PUBLISH topic, like "news"',
    });
  }
  if (name === 'stomp' && through.destination === undefined && w.topics === undefined) {
    issues.push({
      path: 'publish.protocol.destination',
      message: 'required with protocol "stomp" and no topics; expected the SEND destination, like "/topic/news"',
    });
  }
  if (name === 'socket.io' && through.event === undefined)
    issues.push({
      path: 'publish.protocol.event',
      message: 'required with protocol "socket.io"; expected the event to emit, like "publish"',
    });
  if (name === 'graphql-ws') {
    if (through.query === undefined)
      issues.push({
        path: 'publish.protocol.query',
        message:
          'required with protocol "graphql-ws"; expected a mutation document like "mutation($id: String!, $value: String!) { publish(id: $id, value: $value) }"',
      });
    if (p.body !== undefined && (typeof p.body !== 'object' || Array.isArray(p.body))) {
      issues.push({
        path: 'publish.body',
        message: `with protocol "graphql-ws" it is the mutation's variables; expected a JSON object, got ${describeValue(p.body)}`,
      });
    }
  }
  const t = w.target;
  if (t !== undefined && t !== 'embedded' && SOCKET_PLACEHOLDER.test(t.url)) {
    issues.push({
      path: 'publish.via',
      message: `"protocol" dials target.url once for every socket, but it holds a per-socket placeholder (${SOCKET_PLACEHOLDER.exec(t.url)?.[0]}); expected a fixed target.url`,
    });
  }
  return issues;
}

/** The normalized options; the rules have refused what does not fit `name`. */
function through(p: WrittenPublish, name: string | undefined): ProtocolPublish {
  const message = bodyTemplate(p.body ?? DEFAULT_PROTOCOL_BODY);
  const o = p.protocol ?? {};
  if (name === 'socket.io') return { name, message, event: o.event ?? 'publish', ack: o.ack ?? false };
  if (name === 'graphql-ws') return { name, message, query: o.query ?? '', operationName: o.operationName ?? null };
  if (name === 'stomp') return { name, message, destination: o.destination ?? '/topic/{topic}', receipt: o.receipt ?? false };
  return { name: 'mqtt', message, topic: o.topic ?? '{topic}', qos: o.qos ?? 0 };
}

export const protocolFileMethod: WrittenPublishMethod<'protocol'> = {
  kind: 'protocol',
  chosen: (p) => p.via === 'protocol',
  issues: protocolIssues,
  strayIssues,
  normalize: (p, name) => ({ publish: { protocol: through(p, name) } }),
};
