/** The `protocol` key as written: Socket.IO, MQTT, graphql-ws and STOMP options, one object per protocol. */
// Only graphql's parser, not its index (see graphql-parser.d.ts): the index costs ~9 MB more RSS in every run.
import { parse as parseGraphql } from 'graphql/language/parser.mjs';
import { Kind } from 'graphql/language/kinds.mjs';
import type { DocumentNode, GraphQLError } from 'graphql';
import { z } from 'zod';
import { parseDuration } from '../duration.js';
import { expecting } from './schema-text.js';
import { duration, nonEmptyString } from './schema-fields.js';

const NAMESPACE_TEXT = 'a Socket.IO namespace starting with "/", like "/" or "/prices"';
const EVENT_NAME_TEXT = 'a Socket.IO event name (a non-empty string)';
const MQTT_FILTER_TEXT = 'an MQTT topic filter like "prices/{topic}" or "news/#" ("#" only last, "+" a whole level)';
const QOS_TEXT = 'an MQTT QoS of 0 or 1 (QoS 2 is not supported)';
const MQTT_VERSION_TEXT = 'an MQTT protocol version: 4 (MQTT 3.1.1) or 5';
/** MQTT's keepalive is a 16-bit count of seconds. */
const MQTT_KEEPALIVE_MAX_MS = 65_535_000;

/** An MQTT topic filter: "#" only as the last level, "+" only as a whole level, no NUL. */
export function isMqttFilter(filter: string): boolean {
  if (filter.length === 0 || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  return levels.every((level, i) =>
    level.includes('#') ? level === '#' && i === levels.length - 1 : !level.includes('+') || level === '+',
  );
}

export const socketIoProtocolSchema = z.strictObject(
  {
    name: z.literal('socket.io'),
    namespace: z
      .string(expecting(NAMESPACE_TEXT))
      .refine((s) => s.startsWith('/') && !/[\s,?#]/.test(s), expecting(NAMESPACE_TEXT))
      .default('/')
      .describe('Namespace each socket connects to (Socket.IO CONNECT packet), starting with "/"; default "/".'),
    events: z
      .array(nonEmptyString(EVENT_NAME_TEXT), expecting('an array of event names'))
      .min(1, expecting('a non-empty array of event names'))
      .default(['message'])
      .describe(
        'Events whose first argument is the pushed payload that `publish.match` reads; other events count as unmatched messages. Default `["message"]`.',
      ),
    auth: z
      .record(z.string(), z.unknown(), expecting("an object (the CONNECT packet's auth payload)"))
      .optional()
      .describe(
        "The CONNECT packet's auth payload (`socket.handshake.auth` on the server), with `{conn}`, `{cohort}`, `{topic}`, `{identity.FIELD}` and `{env.NAME}` filled in per socket.",
      ),
    join: z
      .strictObject(
        {
          event: nonEmptyString(EVENT_NAME_TEXT).describe('Event emitted after the namespace CONNECT, e.g. "join".'),
          args: z
            .array(z.unknown(), expecting("an array of the event's arguments"))
            .default([])
            .describe('The event\'s arguments, e.g. `["{topic}"]` (placeholders filled per socket).'),
          ack: z
            .boolean(expecting('true or false'))
            .default(true)
            .describe(
              "Ask for the server's acknowledgement and count the socket subscribed when it comes (default true); false: subscribed once the event is sent (a publish racing it may count lost).",
            ),
        },
        expecting('an object like {"event": "join", "args": ["{topic}"]}'),
      )
      .optional()
      .describe(
        'An event each socket emits after connecting to the namespace, such as a room join: `{"event": "join", "args": ["{topic}"], "ack": true}`.',
      ),
    timeout: duration(true)
      .optional()
      .describe(
        'How long the namespace CONNECT and the join\'s acknowledgement may take (default "10s"); then the attempt fails as `subscribe-timeout`.',
      ),
  },
  expecting('an object like {"name": "socket.io", "namespace": "/", "events": ["message"]}'),
);

export const mqttProtocolSchema = z.strictObject(
  {
    name: z.literal('mqtt'),
    topics: z
      .array(
        z.string(expecting(MQTT_FILTER_TEXT)).refine(isMqttFilter, expecting(MQTT_FILTER_TEXT)),
        expecting('an array of MQTT topic filters'),
      )
      .min(1, expecting('a non-empty array of MQTT topic filters'))
      .optional()
      .describe(
        'Topic filters each socket subscribes to (one SUBSCRIBE, its SUBACK is when the socket counts subscribed), with placeholders like `"prices/{topic}"`. Default: `["{topic}"]` with `topics`, else `["#"]`.',
      ),
    qos: z
      .union([z.literal(0), z.literal(1)], expecting(QOS_TEXT))
      .default(0)
      .describe('QoS of the subscription: 0 or 1 (QoS 1 PUBLISHes are acknowledged with PUBACK). Default 0.'),
    keepalive: duration(false)
      .refine(
        (s) => (parseDuration(s) ?? 0) <= MQTT_KEEPALIVE_MAX_MS && (parseDuration(s) ?? 0) % 1000 === 0,
        expecting('a keepalive of whole seconds, at most "65535s" (MQTT counts it in 16-bit seconds)'),
      )
      .default('60s')
      .describe(
        'Keepalive declared in CONNECT; the client sends PINGREQ at this interval when it sent nothing else (the broker drops a client silent for 1.5× it). Whole seconds; `"0s"`: none. Default "60s".',
      ),
    clientId: z
      .string(expecting('a client id template (string)'))
      .default('wsload-{conn}')
      .describe(
        'Client id template; `{conn}` keeps it unique per socket (a broker drops the older of two clients with one id). Default `"wsload-{conn}"`.',
      ),
    clean: z.boolean(expecting('true or false')).default(true).describe('Clean session (3.1.1) / clean start (5). Default true.'),
    version: z
      .union([z.literal(4), z.literal(5)], expecting(MQTT_VERSION_TEXT))
      .default(4)
      .describe('Protocol level: 4 (MQTT 3.1.1) or 5. Default 4.'),
    username: z
      .string(expecting('a string'))
      .optional()
      .describe(
        'CONNECT user name (placeholders filled per socket). "{env.NAME}" takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep "{env.NAME}").',
      ),
    password: z
      .string(expecting('a string'))
      .optional()
      .describe(
        'CONNECT password (placeholders filled per socket). "{env.NAME}" takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep "{env.NAME}").',
      ),
    timeout: duration(true)
      .optional()
      .describe('How long CONNACK and SUBACK may take (default "10s"); then the attempt fails as `subscribe-timeout`.'),
  },
  expecting('an object like {"name": "mqtt", "topics": ["prices/{topic}"], "qos": 1}'),
);

const GRAPHQL_QUERY_TEXT = 'a GraphQL subscription document like "subscription { news { id value } }"';

/**
 * Why `query` is no GraphQL document with an operation of this kind (graphql's own parser), or null;
 * `text` says what was expected. The subscription (protocol.query) and the mutation (publish.protocol.query) share it.
 */
export function graphqlOperationProblem(query: string, operation: 'subscription' | 'mutation', text: string): string | null {
  let doc: DocumentNode;
  try {
    doc = parseGraphql(query);
  } catch (err) {
    // A GraphQLError's message is one line naming the line and column ("Syntax Error: Expected Name, found <EOF>.").
    const e = err as GraphQLError;
    const at = e.locations?.[0];
    return `expected ${text}: ${e.message.split('\n')[0]}${at ? ` (line ${at.line}, column ${at.column})` : ''}`;
  }
  const found = doc.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && 'operation' in d && d.operation === operation);
  return found ? null : `expected ${text}: the document has no ${operation} operation`;
}

/** Why `query` is no GraphQL document with a subscription operation, or null. */
export function graphqlQueryProblem(query: string): string | null {
  return graphqlOperationProblem(query, 'subscription', GRAPHQL_QUERY_TEXT);
}

export const graphqlWsProtocolSchema = z.strictObject(
  {
    name: z.literal('graphql-ws'),
    query: z
      .string(expecting(GRAPHQL_QUERY_TEXT))
      .superRefine((q, ctx) => {
        const problem = graphqlQueryProblem(q);
        if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
      })
      .describe(
        'The subscription document sent in the one `subscribe` message, checked by graphql\'s parser, e.g. `"subscription { news { id value } }"`.',
      ),
    variables: z
      .record(z.string(), z.unknown(), expecting("an object (the subscription's variables)"))
      .optional()
      .describe("The subscription's variables, placeholders (`{topic}`, `{identity.FIELD}`, `{env.NAME}`, …) filled per socket."),
    operationName: nonEmptyString('an operation name (a non-empty string)')
      .optional()
      .describe('Which operation of the document to run, when it has several.'),
    init: z
      .record(z.string(), z.unknown(), expecting("an object (connection_init's payload)"))
      .optional()
      .describe(
        'The `connection_init` payload (what the server\'s onConnect reads, e.g. `{"token": "{identity.token}"}`), placeholders filled per socket.',
      ),
    ping: duration(false)
      .default('0s')
      .describe(
        'The client sends `{"type":"ping"}` after this much silence and closes the socket as `graphql-ws-pong-timeout` when no pong follows within as long again. Default "0s": none (server pings are always answered).',
      ),
    timeout: duration(true)
      .optional()
      .describe(
        'How long `connection_ack` and the subscribe\'s round trip may take (default "10s"); then the attempt fails as `subscribe-timeout`.',
      ),
  },
  expecting('an object like {"name": "graphql-ws", "query": "subscription { news { id value } }"}'),
);

const DESTINATION_TEXT = 'a STOMP destination starting with "/", like "/topic/{topic}" or "/queue/news"';

export const stompProtocolSchema = z.strictObject(
  {
    name: z.literal('stomp'),
    destinations: z
      .array(
        z.string(expecting(DESTINATION_TEXT)).refine((d) => d.startsWith('/') && !/[\r\n\u0000]/.test(d), expecting(DESTINATION_TEXT)),
        expecting('an array of STOMP destinations'),
      )
      .min(1, expecting('a non-empty array of STOMP destinations'))
      .optional()
      .describe(
        'Destinations each socket subscribes to (a SUBSCRIBE each, the last with a `receipt`: its RECEIPT is when the socket counts subscribed), with placeholders like `"/topic/{topic}"`. Default `["/topic/{topic}"]` with `topics`; required without.',
      ),
    host: z
      .string(expecting("a string (CONNECT's host header)"))
      .default('/')
      .describe('CONNECT\'s `host` header; RabbitMQ reads it as the virtual host. Default "/".'),
    login: z
      .string(expecting('a string'))
      .optional()
      .describe(
        'CONNECT `login` (placeholders filled per socket). "{env.NAME}" takes the value of environment variable NAME (refused when unset; reports keep "{env.NAME}").',
      ),
    passcode: z
      .string(expecting('a string'))
      .optional()
      .describe(
        'CONNECT `passcode` (placeholders filled per socket). "{env.NAME}" takes the value of environment variable NAME (refused when unset; reports keep "{env.NAME}").',
      ),
    heartbeat: z
      .strictObject(
        {
          send: duration(false)
            .default('0s')
            .describe(
              'Heart-beat the client offers to send (an EOL after this much silence, or the server\'s wish if larger). "0s": none.',
            ),
          receive: duration(false)
            .default('0s')
            .describe(
              'Heart-beat the client asks of the server; nothing received for twice the negotiated schedule ends the socket as `stomp-heartbeat-timeout`. "0s": none.',
            ),
        },
        expecting('an object like {"send": "10s", "receive": "10s"}'),
      )
      .default({ send: '0s', receive: '0s' })
      .describe("CONNECT's `heart-beat` header, negotiated with the server's as STOMP 1.2 says. Default none both ways."),
    timeout: duration(true)
      .optional()
      .describe('How long CONNECTED and the subscribe RECEIPT may take (default "10s"); then the attempt fails as `subscribe-timeout`.'),
  },
  expecting('an object like {"name": "stomp", "destinations": ["/topic/{topic}"]}'),
);

const PROTOCOL_TEXT =
  '"websocket", "socket.io", "mqtt", "stomp", or an object like {"name": "graphql-ws", "query": "subscription { … }"} or {"name": "mqtt", "topics": ["news/#"]}';

export const protocolSchema = z.union(
  [
    z.enum(['websocket', 'socket.io', 'mqtt', 'stomp'], expecting(PROTOCOL_TEXT)),
    z.discriminatedUnion(
      'name',
      [socketIoProtocolSchema, mqttProtocolSchema, graphqlWsProtocolSchema, stompProtocolSchema],
      expecting(PROTOCOL_TEXT),
    ),
  ],
  expecting(PROTOCOL_TEXT),
);
