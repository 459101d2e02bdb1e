/**
 * The scenario file as users write it (zod 4): key names, types, defaults and the descriptions
 * editors show from schema/scenario.schema.json. This module assembles the top-level keys in the
 * order the JSON Schema lists them; each section's objects live in their own module (target-schema,
 * protocol-schema, publish-schema, publish-via-schema, stages-schema, cohorts-schema,
 * outputs-schema, observe-schema, tls-schema; shared field builders in schema-fields.ts). Rules
 * across keys, file checks and machine limits live in rules.ts; turning this into the normalized
 * Scenario lives in normalize.ts. Every field carries its own "expected …" text so messages read
 * as written for users rather than as zod's defaults.
 */
import { z } from 'zod';
import { expecting } from './schema-text.js';
import { duration, int, ipAddress } from './schema-fields.js';
import { perMessageDeflateSchema, targetUrlSchema } from './target-schema.js';
import { protocolSchema } from './protocol-schema.js';
import { publishSchema } from './publish-schema.js';
import { connectionStagesSchema } from './stages-schema.js';
import { cohortSchema, identitiesSchema, reconnectSchema, topicsSchema } from './cohorts-schema.js';
import { metricsSchema, reportOptionsSchema, thresholdsSchema } from './outputs-schema.js';
import { observeSchema } from './observe-schema.js';
import { tlsSchema } from './tls-schema.js';

export { describeValue, expecting } from './schema-text.js';
export { BAD_HEADER_VALUE, DURATION_PATTERN, durationInRange, MAX_DURATION_MS, MAX_TOPICS, TOKEN, TOPIC_NAME } from './schema-fields.js';
export { openStepSchema, perMessageDeflateSchema, replyMatchSchema, targetUrlSchema } from './target-schema.js';
export {
  graphqlQueryProblem,
  graphqlWsProtocolSchema,
  isMqttFilter,
  mqttProtocolSchema,
  protocolSchema,
  socketIoProtocolSchema,
  stompProtocolSchema,
} from './protocol-schema.js';
export { hasOneCapture, publishSchema, regexProblem } from './publish-schema.js';
export { graphqlMutationProblem, publisherSocketSchema, publishThroughSchema } from './publish-via-schema.js';
export { connectionStagesSchema, publishStagesSchema } from './stages-schema.js';
export {
  cohortReconnectSchema,
  cohortSchema,
  identitiesSchema,
  reconnectSchema,
  topicSchema,
  topicsGeneratedSchema,
} from './cohorts-schema.js';
export { metricsSchema } from './outputs-schema.js';
export { tlsSchema };

const TARGET_TEXT = '"embedded" or an object like {"url": "ws://host:port/ws"}';

const NAME_TEXT = 'a name of letters, digits, ".", "_" or "-" (it is used in report file names)';

/** The scenario file as written. */
export const scenarioFileSchema = z
  .strictObject(
    {
      $schema: z
        .string(expecting('a string (the JSON Schema path, ignored)'))
        .optional()
        .describe('JSON Schema for editors; ignored by wsload.'),
      name: z
        .string(expecting(NAME_TEXT))
        .regex(/^[A-Za-z0-9._-]+$/, expecting(NAME_TEXT))
        .max(100, expecting(`${NAME_TEXT}, at most 100 characters`))
        .describe('Used in report file names (`[A-Za-z0-9._-]+`).'),
      target: z
        .union([z.literal('embedded'), targetUrlSchema], expecting(TARGET_TEXT))
        .default('embedded')
        .describe(
          '`"embedded"` starts the built-in target in a child process on a free loopback port, on as many processes as `connections` need under the open-file limit (`docs/commands.md`); or `{ "url": "ws://host:port/ws", "headers": {…}, "origin": "…", "subprotocols": […] }`. `{conn}` in the URL becomes each socket\'s index (`?user={conn}`), `{cohort}` its cohort\'s name, `{topic}` its topic (with `topics`) and `{identity.FIELD}` its identity\'s field (URL-encoded in the URL; also in header values). No `#fragment`; header names and subprotocols are HTTP tokens (no spaces), header and origin values have no CR, LF or other control characters.',
        ),
      protocol: protocolSchema
        .default('websocket')
        .describe(
          'The protocol each socket speaks over the WebSocket (`docs/protocols.md`): `"websocket"` (default: plain messages, `target.open` for a subscribe), `"socket.io"` (Engine.IO 4 over WebSocket; the URL is the server\'s `/socket.io/?EIO=4&transport=websocket`) or `"mqtt"` (MQTT over WebSocket), as a name or an object with that protocol\'s options, or `"graphql-ws"` (GraphQL subscriptions) as an object only (its `query` has no default): `{"name": "socket.io", "namespace": "/", "events": ["message"], "join"?: {"event": "join", "args": ["{topic}"]}}`, `{"name": "mqtt", "topics": ["prices/{topic}"], "qos": 0 | 1, "keepalive": "60s", "clientId": "wsload-{conn}", "clean": true, "version": 4 | 5}`, `{"name": "graphql-ws", "query": "subscription { news { id value } }", "variables"?: {…}, "init"?: {…}, "ping": "0s"}`, `{"name": "stomp", "destinations": ["/topic/{topic}"], "login"?: "…", "passcode"?: "{env.NAME}", "heartbeat": {"send": "10s", "receive": "10s"}}` (STOMP 1.2). wsload does the protocol\'s handshake and subscribe (the socket counts subscribed at its acknowledgement), answers or sends its heartbeats, and judges the payload inside its messages with `publish.match`. Needs a `target.url`; not with `target.open`.',
        ),
      connections: int(1).describe(
        'Sockets to open and hold; with `stages` it may be left out, and written it must equal their peak target.',
      ),
      connectRate: z
        .number(expecting('new sockets per second, a number > 0'))
        .gt(0, expecting('new sockets per second, a number > 0'))
        .default(1000)
        .describe('New sockets per second during the ramp-up (not with `stages`).'),
      maxPendingHandshakes: int(1).default(200).describe('Handshakes in flight at most.'),
      handshakeTimeout: duration(true).default('10s').describe('A handshake not done by then fails as `timeout`.'),
      perMessageDeflate: perMessageDeflateSchema
        .default(false)
        .describe(
          'Offer permessage-deflate (RFC 7692) on every socket, as browsers do: `true` (what a ws client offers: `permessage-deflate; client_max_window_bits`) or `{"serverNoContextTakeover": true, "clientNoContextTakeover": true, "serverMaxWindowBits": 10, "clientMaxWindowBits": 10, "threshold": 1024, "level": 1, "memLevel": 8, "concurrencyLimit": 10}`. Default `false`: nothing offered. The report counts upgrades per extension the server accepted (`connections.extensions`); an embedded target accepts it when offered (`docs/protocols.md#compression`).',
        ),
      duration: duration(false).describe(
        'Hold time after the ramp-up; publishing runs during it. `"0s"` only without publishing (`"publish": null`: open the sockets and leave); with publishing it is an error, since nothing would ever be due.',
      ),
      workers: int(1, 64)
        .optional()
        .describe('Worker threads; sockets are split over them (floor + remainder, interleaved). Default: CPU count.'),
      shards: int(1, 64)
        .optional()
        .describe(
          'Wsload processes on this machine holding the sockets (1–64; `docs/scale-out.md`); automatic: 1, or as many as the open-file limit needs (the plan line says how many and why); the worker threads are split over them. Default: automatic.',
        ),
      publish: publishSchema
        .nullable()
        .default(null)
        .describe(
          '`null`: no publishing (a pure idle run). Otherwise the object below (with `"source": "server"`, only the stream keys: the service publishes).',
        ),
      localAddresses: z
        .array(ipAddress, expecting('an array of IP addresses'))
        .default([])
        .describe(
          'Source addresses to spread sockets over (round-robin), e.g. `["127.0.0.1", "127.0.0.2"]`; each must be an address of this machine (any `127.x.y.z` on Linux, `::1`, or an interface\'s address) of the target address\'s family (IPv4 or IPv6).',
        ),
      reconnect: reconnectSchema
        .default({ policy: 'none', min: '1s', max: '30s', jitter: 0.2 })
        .describe(
          '`{ "policy": "none" | "immediate" | "backoff", "min": "1s", "max": "30s", "jitter": 0.2 }`, the default of every cohort; `max × (1 + jitter)` must stay within Node\'s timer limit (24d20h31m).',
        ),
      cohorts: z
        .array(cohortSchema, expecting('an array of cohort objects'))
        .min(1, expecting('a non-empty array of cohort objects'))
        .optional()
        .describe(
          '`[{ "name", "share" or "count", "pingInterval"?, "heartbeat"?: {"interval", "text"}, "reconnect"? }]`: groups with their own keepalive and reconnect policy; shares sum to 1 or counts to `connections`. Default: one `"default"` cohort.',
        ),
      topics: topicsSchema
        .optional()
        .describe(
          'The topic (room, channel) of each socket, one per socket; absent: every socket receives every publish. A list like cohorts, `[{"name": "news", "share": 0.5}, {"name": "sport", "count": 200}]` (every topic a share summing to 1 or every topic a count summing to `connections`; sockets take consecutive index ranges, so each topic is interleaved over workers and shards like a cohort), or generated, `{"count": 10, "name": "room-{n}", "assign": "modulo"}`: socket i is in topic i mod `count` (`"block"`: ⌊i × `count` / `connections`⌋), named by `name` with `{n}` its number from 0 (default `"topic-{n}"`). Names are `[A-Za-z0-9._:-]+`, unique; at most 200 topics (each costs a fan-out histogram of ~115 KB in every worker thread and two in the main thread, and travels in every snapshot) and, generated, no more than `connections`. Sockets subscribe with `{topic}` in `target.url`, `target.headers` or `target.open`. A topic that would get no socket (a `count` of 0, or a `share` that rounds to 0 of `connections`) is an error at its path: its publishes would expect nothing.',
        ),
      report: reportOptionsSchema.default({}).describe('Report options.'),
      thresholds: thresholdsSchema
        .default({})
        .describe(
          'Metric → expression, checked at the end (metric names and expressions: `docs/reading-a-report.md`). With `"source": "server"`, `fanout.*` and `publish.*` metrics are an error (wsload publishes nothing), and `stream.*` metrics without it: either would only fail with no data after the run.',
        ),
      tls: tlsSchema
        .default({ insecure: false })
        .describe(
          '`{ "ca": "ca.pem", "insecure": false, "servername": "…", "cert": "…", "key": "…" }` for `wss://` and `https://` (paths relative to the scenario file); validation reads them: `ca` must hold PEM certificates, `cert` a PEM certificate and `key` its unencrypted PEM private key. Default: verify on.',
        ),
      identities: identitiesSchema
        .optional()
        .describe(
          '`{ "file": "users.csv", "reuse": false }`: one identity per socket from a CSV file (header row = field names, RFC 4180 quotes, one line per row) or JSON lines (`.jsonl`/`.ndjson`, one flat object per line, the first line\'s keys are the fields), read at load, path relative to the scenario file; socket i takes identity i. Fewer identities than `connections` is an error naming the file and both counts unless `"reuse": true` (then socket i takes identity i mod count). A bad file is one line with its path and line number; `{identity.FIELD}` of a field the file lacks, or without `identities`, is an error at the key that uses it; so is `{identity.FIELD}`, `{conn}` or `{cohort}` in a publish (`publish.url`, `headers`, `body`, `socket`): one publisher serves every socket, so they have no value there. Each worker gets only its sockets\' identities; the report keeps the file, fields and count, never the values.',
        ),
      metrics: metricsSchema.optional().describe('Prometheus endpoint of the run (wsload_* metrics); absent means none.'),
      observe: observeSchema
        .optional()
        .describe(
          'Prometheus endpoints of the gateway or service scraped every report interval during the run: `[{"name": "gateway", "url": "http://127.0.0.1:8405/metrics", "series": ["envoy_http_downstream_cx_active"]}]`; `--observe NAME=URL` adds one. Their series go into the timeline, the report\'s `observe` section, thresholds (`observe.<name>.<series>.max`) and trend verdicts (`docs/observe.md`). An embedded target is observed as "target" unless one is named so.',
        ),
      resolve: z
        .record(z.string(), ipAddress, expecting('an object of host name → IP address'))
        .default({})
        .describe('Host → IP, like `curl --resolve` or a hosts-file entry: URLs keep the name (Host, SNI), sockets go to the address.'),
      stages: connectionStagesSchema
        .optional()
        .describe(
          'Open sockets over time, k6-like: `[{"duration": "1m", "target": 1000}, {"duration": "5m", "target": 1000}, {"duration": "30s", "target": 200}, {"duration": "0s", "target": 600}, …]`, linear from the previous target (0 at the start) to each `target` (integer 0–1,000,000) over its `duration` (`"0s"`: a step). Socket i opens when the curve first reaches i + 1 and is closed by wsload (1000, highest index first) when it falls below, and opens again if it rises again. Replaces `connectRate` and `duration` (either with `stages` is an error at its path; the run lasts the stages\' sum, one hold spanning all of it, publishing throughout); `connections` is the peak target (written, it must equal it). At least one target ≥ 1 and more than `"0s"` in all. `maxPendingHandshakes` still bounds handshakes.',
        ),
    },
    expecting('a JSON object describing a scenario'),
  )
  .describe('A wsload scenario: sockets to hold against a WebSocket target, what to publish, and pass/fail thresholds.');

/** The scenario as written, after zod filled in its defaults. */
export type WrittenScenario = z.output<typeof scenarioFileSchema>;
/** The keys of a scenario that are valid on their own (rules run over them even when others are not). */
export type PartialScenario = Partial<WrittenScenario>;
