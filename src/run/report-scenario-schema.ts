/** The report's `scenario`: the normalized Scenario (run/scenario.ts) as a report carries it. */
import { z } from 'zod';
import { count, ms } from './report-schema-units.js';

const reconnectPolicySchema = z.object({
  policy: z.enum(['none', 'immediate', 'backoff']),
  minMs: ms,
  maxMs: ms,
  jitter: z.number(),
});

const cohortSchema = z.object({
  name: z.string(),
  count,
  pingIntervalMs: ms.nullable(),
  heartbeat: z.object({ intervalMs: ms, text: z.string() }).nullable(),
  reconnect: reconnectPolicySchema,
});

const replyMatchSchema = z.union([
  z.object({ pointer: z.string(), equals: z.union([z.string(), z.number(), z.boolean(), z.null()]) }),
  z.object({ regex: z.string() }),
]);

const targetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('embedded') }),
  z.object({
    kind: z.literal('url'),
    url: z.string(),
    headers: z.record(z.string(), z.string()),
    origin: z.string().nullable(),
    subprotocols: z.array(z.string()),
    open: z
      .array(
        z.object({
          text: z.string(),
          json: z.boolean(),
          ack: replyMatchSchema.nullable(),
          reject: replyMatchSchema.nullable(),
          timeoutMs: ms,
        }),
      )
      .optional()
      .describe('Messages each socket sent after the upgrade; absent in reports written before it existed.'),
  }),
]);

const publishBodySchema = z.object({ template: z.string(), json: z.boolean() });

const publishSchema = z.object({
  url: z.string().nullable(),
  rate: z.number(),
  ids: z.array(z.string()),
  match: z.string(),
  matchBy: z
    .enum(['field', 'pointer', 'regex'])
    .optional()
    .describe(
      "How `match` reads the sequence number: a top-level field, a JSON pointer, or a regular expression's capture group; absent in older reports (a top-level field).",
    ),
  binary: z
    .enum(['utf8-json', 'unmatched'])
    .optional()
    .describe('Binary frames read as UTF-8 JSON like text, or counted unmatched unread; absent in older reports ("utf8-json").'),
  deadlineMs: ms,
  concurrency: count,
  timeoutMs: ms,
  request: z
    .object({
      method: z.string(),
      headers: z.record(z.string(), z.string()),
      body: publishBodySchema.nullable(),
      contentType: z.string().nullable(),
      status: z.array(z.number()).nullable().describe('Statuses counted as success; null = any 2xx.'),
    })
    .optional()
    .describe('The publish HTTP request when not the default GET; absent for a plain GET (and in older reports).'),
  websocket: z
    .object({
      url: z.string(),
      headers: z.record(z.string(), z.string()),
      subprotocols: z.array(z.string()),
      open: z.array(z.string()).describe('Texts the publisher socket sent on every open.'),
      message: publishBodySchema,
      ack: z.string().nullable(),
    })
    .optional()
    .describe('The publisher socket, when publishes were WebSocket messages (publish.via "websocket"); absent otherwise.'),
  protocol: z
    .discriminatedUnion('name', [
      z.object({ name: z.literal('mqtt'), message: publishBodySchema, topic: z.string(), qos: z.union([z.literal(0), z.literal(1)]) }),
      z.object({ name: z.literal('socket.io'), message: publishBodySchema, event: z.string(), ack: z.boolean() }),
      z.object({ name: z.literal('graphql-ws'), message: publishBodySchema, query: z.string(), operationName: z.string().nullable() }),
      z.object({ name: z.literal('stomp'), message: publishBodySchema, destination: z.string(), receipt: z.boolean() }),
    ])
    .optional()
    .describe(
      'The publish through the protocol (publish.via "protocol"): MQTT PUBLISH topic and QoS, Socket.IO event and ack, the GraphQL mutation, or the STOMP SEND destination and receipt; absent otherwise (and in older reports).',
    ),
  stages: z
    .array(z.object({ durationMs: ms, target: z.number() }))
    .optional()
    .describe(
      'The publish rate over the hold (publish.stages): linear from `rate` through each target, then the last target; absent: `rate` throughout (and in older reports).',
    ),
  topics: z.array(z.string()).optional().describe('With topics: the topic names cycled one per publish; absent without topics.'),
});

/** The normalized Scenario (run/scenario.ts) as a report carries it; a compile-time check in report/report-schema.ts keeps the two equal. */
export const reportScenarioSchema = z
  .object({
    name: z.string(),
    target: targetSchema,
    connections: count,
    connectRate: z.number(),
    maxPendingHandshakes: count,
    handshakeTimeoutMs: ms,
    durationMs: ms,
    publish: publishSchema.nullable(),
    workers: count,
    shards: count.nullable().optional().describe('Local shards asked for; null: automatic. Absent in older reports.'),
    localAddresses: z.array(z.string()),
    cohorts: z.array(cohortSchema),
    report: z.object({
      intervalMs: ms,
      memory: z
        .object({ toleranceMbPerHour: z.number().optional(), minWindowMs: ms.optional() })
        .optional()
        .describe("The scenario's report.memory (client.memory's tolerance and shortest judged half); absent: the defaults."),
    }),
    thresholds: z.record(z.string(), z.string()),
    tls: z.object({
      ca: z.string().nullable(),
      insecure: z.boolean(),
      servername: z.string().nullable(),
      cert: z.string().nullable(),
      key: z.string().nullable(),
    }),
    resolve: z.record(z.string(), z.string()),
    perMessageDeflate: z
      .object({
        serverNoContextTakeover: z.boolean(),
        clientNoContextTakeover: z.boolean(),
        serverMaxWindowBits: count.nullable(),
        clientMaxWindowBits: count.nullable(),
        threshold: count,
        level: count.nullable(),
        memLevel: count.nullable(),
        concurrencyLimit: count,
      })
      .optional()
      .describe(
        'permessage-deflate as offered on every socket (scenario key perMessageDeflate); absent: not offered (and in older reports).',
      ),
    identities: z
      .object({ file: z.string(), fields: z.array(z.string()), count, rows: z.array(z.array(z.string())), reuse: z.boolean() })
      .optional()
      .describe(
        'The identities file of the run: its fields and count; rows is always empty in a report (identities hold tokens). Absent when none.',
      ),
    metrics: z
      .object({ listen: z.string() })
      .optional()
      .describe('The Prometheus endpoint the run served; absent when none (and in reports written before it existed).'),
    stages: z
      .array(z.object({ durationMs: ms, target: count }))
      .optional()
      .describe(
        'Open sockets over time (stages): linear from 0 through each target; connections is their peak and durationMs their total. Absent: connectRate, then the hold (and in older reports).',
      ),
    topics: z
      .object({ names: z.array(z.string()), counts: z.array(count), assign: z.enum(['ranges', 'modulo', 'block']) })
      .optional()
      .describe('Topics of the run: names, sockets per topic, how sockets were assigned; absent without topics.'),
    stream: z
      .object({
        timestamp: z.string().nullable(),
        timestampUnit: z.enum(['s', 'ms', 'us', 'ns', 'iso']),
        sequence: z.string().nullable(),
        binary: z.enum(['utf8-json', 'unmatched']),
      })
      .optional()
      .describe(
        'The server\'s own stream (publish.source "server"): JSON pointers to its timestamp and sequence; absent when wsload published (and in older reports).',
      ),
    protocol: z
      .discriminatedUnion('name', [
        z.object({
          name: z.literal('socket.io'),
          namespace: z.string(),
          events: z.array(z.string()),
          auth: z.string().nullable(),
          join: z.object({ event: z.string(), args: z.string(), ack: z.boolean() }).nullable(),
          timeoutMs: ms,
        }),
        z.object({
          name: z.literal('mqtt'),
          topics: z.array(z.string()),
          qos: z.union([z.literal(0), z.literal(1)]),
          keepaliveMs: ms,
          clientId: z.string(),
          clean: z.boolean(),
          version: z.union([z.literal(4), z.literal(5)]),
          username: z.string().nullable(),
          password: z.string().nullable(),
          timeoutMs: ms,
        }),
        z.object({
          name: z.literal('graphql-ws'),
          query: z.string(),
          variables: z.string().nullable(),
          operationName: z.string().nullable(),
          init: z.string().nullable(),
          pingMs: ms,
          timeoutMs: ms,
        }),
        z.object({
          name: z.literal('stomp'),
          destinations: z.array(z.string()),
          host: z.string(),
          login: z.string().nullable(),
          passcode: z.string().nullable(),
          heartbeatSendMs: ms,
          heartbeatReceiveMs: ms,
          timeoutMs: ms,
        }),
      ])
      .optional()
      .describe(
        'The protocol spoken over each socket (Socket.IO, MQTT, graphql-ws, STOMP) with its options as templates; absent: plain WebSocket (and in older reports).',
      ),
  })
  .describe('The scenario after validation and normalization (durations in ms).');
