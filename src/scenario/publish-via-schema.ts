/**
 * How publishes go out other than over HTTP: `publish.protocol` (through the scenario's protocol,
 * `publish.via: "protocol"`) and `publish.socket` (the publisher socket, `publish.via: "websocket"`).
 */
// Only graphql's parser, not its index (see graphql-parser.d.ts): the index costs ~9 MB more RSS in every run.
import { z } from 'zod';
import { expecting } from './schema-text.js';
import { graphqlOperationProblem } from './protocol-schema.js';
import { headerMap, isUrlWithScheme, NO_FRAGMENT, nonEmptyString, SUBPROTOCOL_TEXT, TOKEN, WS_URL_TEXT } from './schema-fields.js';

const GRAPHQL_MUTATION_TEXT =
  'a GraphQL mutation document like "mutation($id: String!, $value: String!) { publish(id: $id, value: $value) }"';

/** Why `query` is no GraphQL document with a mutation operation, or null. */
export function graphqlMutationProblem(query: string): string | null {
  return graphqlOperationProblem(query, 'mutation', GRAPHQL_MUTATION_TEXT);
}

const SEND_DESTINATION_TEXT = 'a STOMP destination starting with "/", like "/topic/{topic}" or "/queue/news"';

/** `publish.protocol`: how a publish goes through the scenario's protocol (`publish.via: "protocol"`); which keys fit is a rule on `protocol.name`. */
export const publishThroughSchema = z.strictObject(
  {
    topic: nonEmptyString('an MQTT topic name (a non-empty string, no "+" or "#")')
      .refine((t) => !/[+#]/.test(t), expecting('an MQTT topic name without the wildcards "+" and "#"'))
      .optional()
      .describe(
        'MQTT: the PUBLISH topic, templated (`"prices/{topic}"`: the publish\'s topic; `{env.NAME}` from the environment). Default `"{topic}"` with `topics`; required without.',
      ),
    qos: z
      .union([z.literal(0), z.literal(1)], expecting('0 or 1'))
      .optional()
      .describe('MQTT: QoS of each PUBLISH; with 1 a publish succeeds at its PUBACK (within `publish.timeout`). Default 0: once written.'),
    event: nonEmptyString('a Socket.IO event name (a non-empty string)')
      .optional()
      .describe('Socket.IO: the event emitted per publish, with `publish.body` as its one argument. Required with Socket.IO.'),
    ack: z
      .boolean(expecting('true or false'))
      .optional()
      .describe(
        "Socket.IO: ask for the server's acknowledgement; a publish succeeds when it comes (an ack whose first argument has an `error` field fails as `socket.io-ack-error`). Default false: once written.",
      ),
    query: z
      .string(expecting(GRAPHQL_MUTATION_TEXT))
      .superRefine((q, ctx) => {
        const problem = graphqlMutationProblem(q);
        if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .describe(
        'graphql-ws: the mutation sent as a `subscribe` per publish, `publish.body` its variables; `next` (without `errors`) is success, errors fail as `graphql-error`. Required with graphql-ws.',
      ),
    operationName: nonEmptyString('an operation name (a non-empty string)')
      .optional()
      .describe('graphql-ws: which operation of `query` to run.'),
    destination: z
      .string(expecting(SEND_DESTINATION_TEXT))
      .refine((d) => d.startsWith('/') && !/[\r\n\u0000]/.test(d), expecting(SEND_DESTINATION_TEXT))
      .optional()
      .describe(
        'STOMP: the SEND destination, templated (`"/topic/{topic}"`: the publish\'s topic; `{env.NAME}` from the environment). Default `"/topic/{topic}"` with `topics`; required without.',
      ),
    receipt: z
      .boolean(expecting('true or false'))
      .optional()
      .describe(
        'STOMP: ask for a RECEIPT per SEND; a publish succeeds when it comes (an ERROR fails it as `stomp-error: SLUG`). Default false: once written.',
      ),
  },
  expecting(
    'an object like {"topic": "news", "qos": 1} (MQTT), {"event": "publish", "ack": true} (Socket.IO), {"query": "mutation … "} (graphql-ws) or {"destination": "/topic/news"} (STOMP)',
  ),
);

const OPEN_MESSAGE_TEXT = 'a text message (string) or a JSON message (object or array)';
const OPEN_STEP_TEXT = 'an object like {"send": {"type": "login", "token": "…"}}';

/** The socket publishes go out on with via "websocket". */
export const publisherSocketSchema = z.strictObject(
  {
    url: z
      .string(expecting(WS_URL_TEXT))
      .refine((s) => isUrlWithScheme(s, ['ws:', 'wss:']), expecting('a ws:// or wss:// URL like "ws://127.0.0.1:8080/chat"'))
      .refine((s) => !s.includes('#'), NO_FRAGMENT)
      .describe(
        'WebSocket URL of the publisher socket. "{env.NAME}" takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep "{env.NAME}").',
      ),
    headers: headerMap(
      'Extra HTTP headers of the publisher socket\'s upgrade request, sent as written (one socket serves every publish). "{env.NAME}" takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep "{env.NAME}").',
    ),
    subprotocols: z
      .array(z.string(expecting(SUBPROTOCOL_TEXT)).regex(TOKEN, expecting(SUBPROTOCOL_TEXT)), expecting('an array of subprotocol names'))
      .default([])
      .describe('WebSocket subprotocols the publisher socket offers.'),
    // The step shape of target.open, so one format serves both; waiting for an ack per step is not offered here yet.
    open: z
      .array(
        z.strictObject(
          {
            send: z
              .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())], expecting(OPEN_MESSAGE_TEXT))
              .describe(
                'Text (a string) or JSON (an object or array, sent as JSON text). "{env.NAME}" takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep "{env.NAME}").',
              ),
          },
          expecting(OPEN_STEP_TEXT),
        ),
        expecting(`an array of open steps, each ${OPEN_STEP_TEXT}`),
      )
      .default([])
      .describe('Messages the publisher socket sends, in order, each time it opens (log in, join a room), before any publish.'),
  },
  expecting('an object like {"url": "ws://host:port/chat"}'),
);
