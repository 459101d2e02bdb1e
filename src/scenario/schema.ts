/**
 * The scenario file as users write it (zod 4): key names, types, defaults and the descriptions
 * editors show from schema/scenario.schema.json. Rules across keys, file checks and machine
 * limits live in rules.ts; turning this into the normalized Scenario lives in normalize.ts.
 * Every field carries its own "expected …" text so messages read as written for users rather
 * than as zod's defaults.
 */
import { isIP } from 'node:net';
import { Kind, parse as parseGraphql, type DocumentNode, type GraphQLError } from 'graphql';
import { z } from 'zod';
import { parseDuration } from '../duration.js';
import { parseListenAddress } from '../net/listen-address.js';
import { parseJsonPointer } from '../text/json-pointer.js';
import { DEFAULT_PUBLISH_DEADLINE_MS } from '../run/scenario.js';

export { describeValue, expecting } from './schema-text.js';
import { describeValue, expecting } from './schema-text.js';
import { observeSchema } from './observe-schema.js';

/** Same syntax as src/duration.ts parseDuration, kept as a regex so editors can check it too. */
export const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const DURATION_TEXT = 'a duration like "500ms", "30s", "10m" or "1h30m"';

/**
 * Longest duration any key may take: 24 days. Node's timers hold at most 2^31 − 1 ms (24.8 days);
 * a longer one fires after 1 ms instead, so a handshake timeout or ping interval above it would
 * time out every handshake or flood pings, and "1" followed by 400 zeros parses to Infinity.
 */
export const MAX_DURATION_MS = 24 * 86_400_000;
const MAX_DURATION_TEXT = 'at most "24d"';

/** A duration within bounds (finite, ≤ MAX_DURATION_MS, and > 0 when `positive`). */
export function durationInRange(text: string, positive: boolean): boolean {
  const ms = parseDuration(text);
  return ms !== undefined && Number.isFinite(ms) && ms <= MAX_DURATION_MS && (!positive || ms > 0);
}

function duration(positive: boolean): z.ZodString {
  const text = positive ? `${DURATION_TEXT}, greater than 0` : DURATION_TEXT;
  const range = positive ? `a duration greater than 0 and ${MAX_DURATION_TEXT}` : `a duration ${MAX_DURATION_TEXT}`;
  return z
    .string(expecting(text))
    // abort: a text that is no duration gets one issue, not also the range's.
    .regex(DURATION_PATTERN, { ...expecting(text), abort: true })
    .refine((s) => (parseDuration(s) ?? 0) > 0 || !positive, { ...expecting(text), abort: true })
    .refine((s) => durationInRange(s, positive), expecting(`${range} (longer waits overflow Node's timers)`));
}

function int(min: number, max?: number): z.ZodNumber {
  const text = max === undefined ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
  const n = z.number(expecting(text)).int(expecting(text)).min(min, expecting(text));
  return max === undefined ? n : n.max(max, expecting(text));
}

function nonEmptyString(what: string): z.ZodString {
  return z.string(expecting(what)).min(1, expecting(what));
}

const ipAddress = z
  .string(expecting('an IP address like "127.0.0.2" or "::1"'))
  .refine((s) => isIP(s) !== 0, expecting('an IP address like "127.0.0.2" or "::1"'));

/** RFC 9110 token: what a header name or a WebSocket subprotocol name may contain. */
export const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Characters Node refuses in a header value (CR, LF, other controls): it would throw for every socket mid-run. */
export const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

function isUrlWithScheme(text: string, schemes: readonly string[]): boolean {
  try {
    // Placeholders are not valid in every URL position (a port, say); substitute sample values.
    const url = new URL(text.replaceAll('{conn}', '0').replaceAll('{cohort}', 'c').replaceAll('{topic}', 't').replace(/\{identity\.[^{}]*\}/g, 'x').replaceAll('{id}', '1').replaceAll('{seq}', '1').replaceAll('{value}', '1').replace(/\{env\.[^{}]*\}/g, 'x'));
    return schemes.includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A "#fragment" is never sent to the server; ws refuses a URL that has one, for every socket. */
const NO_FRAGMENT = { error: (iss: { input?: unknown }) => `expected a URL without a "#fragment" (it is never sent to the server), got ${describeValue(iss.input)}` };
const HEADER_NAME_TEXT = "a header name (letters, digits and !#$%&'*+.^_`|~-, no spaces)";
const HEADER_VALUE_TEXT = 'a header value without CR, LF or other control characters';
const SUBPROTOCOL_TEXT = "a subprotocol name (letters, digits and !#$%&'*+.^_`|~-, no spaces or commas)";

/** What a topic name may hold: it goes into URLs, JSON and report keys unescaped. */
export const TOPIC_NAME = /^[A-Za-z0-9._:-]+$/;
const TOPIC_NAME_TEXT = 'a topic name of letters, digits, ".", "_", ":" or "-"';
/**
 * Most topics a scenario may have. Each topic costs a fan-out histogram in every worker thread
 * (about 115 KB each, measured: µs, 3 significant digits, 32-bit buckets) and two in the main
 * thread (fan-out and completion), its counters and histogram in every snapshot, and a row in the
 * report: 200 topics are about 23 MB per worker and 46 MB in the main thread.
 */
export const MAX_TOPICS = 200;

const WS_URL_TEXT = 'a ws:// or wss:// URL like "ws://127.0.0.1:8080/ws" ("{conn}" is replaced by the socket index)';
const PUBLISH_URL_TEXT = 'an http:// or https:// URL (with "{seq}" or "{value}" here, in a header or in the body), like "http://127.0.0.1:8080/api?id={id}&value={seq}"';

const REPLY_POINTER_TEXT = 'a JSON pointer like "/type" or "/data/status" (RFC 6901: "" or starting with "/")';
const REPLY_REGEX_TEXT = 'a regular expression (JavaScript syntax)';
const REPLY_MATCH_TEXT = 'an object like {"pointer": "/type", "equals": "subscribed"} or {"regex": "^OK"}';

function isRegex(text: string): boolean {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

/** A match on a reply: a JSON pointer equal to a value, or a regular expression over the text. */
export const replyMatchSchema = z
  .strictObject(
    {
      pointer: z.string(expecting(REPLY_POINTER_TEXT)).refine((s) => s === '' || s.startsWith('/'), expecting(REPLY_POINTER_TEXT)).optional().describe('JSON pointer into the reply parsed as JSON; requires equals.'),
      equals: z
        .union([z.string(), z.number(), z.boolean(), z.null()], expecting('a string, number, boolean or null'))
        .optional()
        .describe('Value the pointer must hold (compared exactly).'),
      regex: z.string(expecting(REPLY_REGEX_TEXT)).refine(isRegex, expecting(REPLY_REGEX_TEXT)).optional().describe('Regular expression the reply text must match (instead of pointer and equals).'),
    },
    expecting(REPLY_MATCH_TEXT),
  )
  .superRefine((m, ctx) => {
    // Reported at the key to add or remove, not as "no union branch matched".
    if (m.regex !== undefined && (m.pointer !== undefined || m.equals !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['regex'], input: m.regex, message: 'expected either "regex" or "pointer" with "equals", got both' });
    } else if (m.regex === undefined && m.pointer === undefined) {
      ctx.addIssue({ code: 'custom', path: [], input: m, message: `required: "pointer" with "equals", or "regex"; expected ${REPLY_MATCH_TEXT}` });
    } else if (m.pointer !== undefined && !('equals' in m)) {
      ctx.addIssue({ code: 'custom', path: ['equals'], input: undefined, message: 'required with "pointer"; expected the value the pointer must hold (a string, number, boolean or null)' });
    } else if (m.pointer === undefined && 'equals' in m) {
      ctx.addIssue({ code: 'custom', path: ['pointer'], input: undefined, message: 'required with "equals"; expected a JSON pointer like "/type"' });
    }
  });

const OPEN_SEND_TEXT = 'a text message (string) or a JSON message (object or array)';

/** One message a socket sends after the upgrade, optionally waiting for its acknowledgement. */
export const openStepSchema = z.strictObject(
  {
    send: z
      .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())], expecting(OPEN_SEND_TEXT))
      .describe('Text (a string) or JSON (an object or array, sent as JSON text); "{conn}", "{cohort}" and "{identity.FIELD}" in it are replaced per socket. "{env.NAME}" takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep "{env.NAME}").'),
    ack: replyMatchSchema.optional().describe('Wait for a reply matching this before the next step; the socket counts as subscribed only after its last step.'),
    reject: replyMatchSchema.optional().describe('A reply matching this fails the subscription ("subscribe-rejected"); requires ack.'),
    timeout: duration(true).optional().describe('How long to wait for the ack (default "10s"); then the subscription fails ("subscribe-timeout"). Requires ack.'),
  },
  expecting('an object like {"send": {"type": "subscribe"}, "ack": {"pointer": "/type", "equals": "subscribed"}}'),
);

export const targetUrlSchema = z.strictObject(
  {
    url: z
      .string(expecting(WS_URL_TEXT))
      .refine((s) => isUrlWithScheme(s, ['ws:', 'wss:']), expecting(WS_URL_TEXT))
      .refine((s) => !s.includes('#'), NO_FRAGMENT)
      .describe('WebSocket URL to connect to; "{conn}" is replaced by each socket\'s index (0-based). "{env.NAME}" takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep "{env.NAME}").'),
    headers: z
      .record(z.string(), z.string(expecting(HEADER_VALUE_TEXT)).refine((v) => !BAD_HEADER_VALUE.test(v), expecting(HEADER_VALUE_TEXT)), expecting('an object of header name → value'))
      .superRefine((headers, ctx) => {
        // Reported per key (path target.headers["Bad Name"]) rather than as zod's "Invalid key in record".
        for (const name of Object.keys(headers)) {
          if (!TOKEN.test(name)) ctx.addIssue({ code: 'custom', path: [name], input: name, message: `expected ${HEADER_NAME_TEXT}, got ${describeValue(name)}` });
        }
      })
      .default({})
      .describe('Extra HTTP headers sent with every upgrade request (e.g. Authorization, Cookie). "{env.NAME}" takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep "{env.NAME}").'),
    origin: z
      .string(expecting('an Origin header value (string)'))
      .refine((v) => !BAD_HEADER_VALUE.test(v), expecting(`an Origin ${HEADER_VALUE_TEXT}`))
      .optional().describe('Origin header of the upgrade request.'),
    subprotocols: z
      .array(z.string(expecting(SUBPROTOCOL_TEXT)).regex(TOKEN, expecting(SUBPROTOCOL_TEXT)), expecting('an array of subprotocol names'))
      .superRefine((names, ctx) => {
        // ws refuses a duplicated subprotocol when it builds each upgrade request.
        names.forEach((name, i) => {
          if (names.indexOf(name) !== i) ctx.addIssue({ code: 'custom', path: [i], input: name, message: `expected each subprotocol once, got "${name}" again (also [${names.indexOf(name)}])` });
        });
      })
      .default([])
      .describe('WebSocket subprotocols offered in Sec-WebSocket-Protocol.'),
    open: z
      .array(openStepSchema, expecting('an array of open steps like {"send": "…", "ack": {…}}'))
      .default([])
      .describe('Messages each socket sends after the upgrade, and again after every reconnect, in order: `[{ "send": "text" or {JSON}, "ack"?: match, "reject"?: match, "timeout"?: "10s" }]`. A JSON `send` goes as JSON text. `{conn}`, `{cohort}`, `{topic}` and `{identity.FIELD}` are filled in per socket (JSON-escaped inside a JSON message); `{topic}` without `topics` is an error naming `topics`. With `ack` the socket waits for a reply matching it (`{"pointer": "/type", "equals": "subscribed"}`: the JSON pointer holds that value exactly; or `{"regex": "^OK"}` over the reply text) before the next step; a reply matching `reject` fails the subscription as `subscribe-rejected`, no ack within `timeout` as `subscribe-timeout`, the server closing first as `subscribe-closed`, each a connection failure, the socket closed (and reconnected by its policy). `reject` and `timeout` require `ack`. The socket counts as opened and subscribed after its last step (upgrade latency is still measured to the upgrade); other replies while it waits are judged like any message. Without any `ack` it is subscribed once its messages are sent, so a publish racing them may count lost: give the last step an `ack`. Empty: subscribed at the upgrade (the demo protocol).'),
  },
  expecting('"embedded" or an object like {"url": "ws://host:port/ws"}'),
);


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
  return levels.every((level, i) => (level.includes('#') ? level === '#' && i === levels.length - 1 : !level.includes('+') || level === '+'));
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
      .describe('Events whose first argument is the pushed payload that `publish.match` reads; other events count as unmatched messages. Default `["message"]`.'),
    auth: z.record(z.string(), z.unknown(), expecting('an object (the CONNECT packet\'s auth payload)')).optional().describe('The CONNECT packet\'s auth payload (`socket.handshake.auth` on the server), with `{conn}`, `{cohort}`, `{topic}`, `{identity.FIELD}` and `{env.NAME}` filled in per socket.'),
    join: z
      .strictObject(
        {
          event: nonEmptyString(EVENT_NAME_TEXT).describe('Event emitted after the namespace CONNECT, e.g. "join".'),
          args: z.array(z.unknown(), expecting('an array of the event\'s arguments')).default([]).describe('The event\'s arguments, e.g. `["{topic}"]` (placeholders filled per socket).'),
          ack: z.boolean(expecting('true or false')).default(true).describe('Ask for the server\'s acknowledgement and count the socket subscribed when it comes (default true); false: subscribed once the event is sent (a publish racing it may count lost).'),
        },
        expecting('an object like {"event": "join", "args": ["{topic}"]}'),
      )
      .optional()
      .describe('An event each socket emits after connecting to the namespace, such as a room join: `{"event": "join", "args": ["{topic}"], "ack": true}`.'),
    timeout: duration(true).optional().describe('How long the namespace CONNECT and the join\'s acknowledgement may take (default "10s"); then the attempt fails as `subscribe-timeout`.'),
  },
  expecting('an object like {"name": "socket.io", "namespace": "/", "events": ["message"]}'),
);

export const mqttProtocolSchema = z.strictObject(
  {
    name: z.literal('mqtt'),
    topics: z
      .array(z.string(expecting(MQTT_FILTER_TEXT)).refine(isMqttFilter, expecting(MQTT_FILTER_TEXT)), expecting('an array of MQTT topic filters'))
      .min(1, expecting('a non-empty array of MQTT topic filters'))
      .optional()
      .describe('Topic filters each socket subscribes to (one SUBSCRIBE, its SUBACK is when the socket counts subscribed), with placeholders like `"prices/{topic}"`. Default: `["{topic}"]` with `topics`, else `["#"]`.'),
    qos: z.union([z.literal(0), z.literal(1)], expecting(QOS_TEXT)).default(0).describe('QoS of the subscription: 0 or 1 (QoS 1 PUBLISHes are acknowledged with PUBACK). Default 0.'),
    keepalive: duration(false)
      .refine((s) => (parseDuration(s) ?? 0) <= MQTT_KEEPALIVE_MAX_MS && (parseDuration(s) ?? 0) % 1000 === 0, expecting('a keepalive of whole seconds, at most "65535s" (MQTT counts it in 16-bit seconds)'))
      .default('60s')
      .describe('Keepalive declared in CONNECT; the client sends PINGREQ at this interval when it sent nothing else (the broker drops a client silent for 1.5× it). Whole seconds; `"0s"`: none. Default "60s".'),
    clientId: z.string(expecting('a client id template (string)')).default('wsload-{conn}').describe('Client id template; `{conn}` keeps it unique per socket (a broker drops the older of two clients with one id). Default `"wsload-{conn}"`.'),
    clean: z.boolean(expecting('true or false')).default(true).describe('Clean session (3.1.1) / clean start (5). Default true.'),
    version: z.union([z.literal(4), z.literal(5)], expecting(MQTT_VERSION_TEXT)).default(4).describe('Protocol level: 4 (MQTT 3.1.1) or 5. Default 4.'),
    username: z.string(expecting('a string')).optional().describe('CONNECT user name (placeholders filled per socket). "{env.NAME}" takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep "{env.NAME}").'),
    password: z.string(expecting('a string')).optional().describe('CONNECT password (placeholders filled per socket). "{env.NAME}" takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep "{env.NAME}").'),
    timeout: duration(true).optional().describe('How long CONNACK and SUBACK may take (default "10s"); then the attempt fails as `subscribe-timeout`.'),
  },
  expecting('an object like {"name": "mqtt", "topics": ["prices/{topic}"], "qos": 1}'),
);

const GRAPHQL_QUERY_TEXT = 'a GraphQL subscription document like "subscription { news { id value } }"';

/** Why `query` is no GraphQL document with a subscription operation (graphql's own parser), or null. */
export function graphqlQueryProblem(query: string): string | null {
  let doc: DocumentNode;
  try {
    doc = parseGraphql(query);
  } catch (err) {
    // A GraphQLError's message is one line naming the line and column ("Syntax Error: Expected Name, found <EOF>.").
    const e = err as GraphQLError;
    const at = e.locations?.[0];
    return `expected ${GRAPHQL_QUERY_TEXT}: ${e.message.split('\n')[0]}${at ? ` (line ${at.line}, column ${at.column})` : ''}`;
  }
  const subscription = doc.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'subscription');
  return subscription ? null : `expected ${GRAPHQL_QUERY_TEXT}: the document has no subscription operation`;
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
      .describe('The subscription document sent in the one `subscribe` message, checked by graphql\'s parser, e.g. `"subscription { news { id value } }"`.'),
    variables: z.record(z.string(), z.unknown(), expecting('an object (the subscription\'s variables)')).optional().describe('The subscription\'s variables, placeholders (`{topic}`, `{identity.FIELD}`, `{env.NAME}`, …) filled per socket.'),
    operationName: nonEmptyString('an operation name (a non-empty string)').optional().describe('Which operation of the document to run, when it has several.'),
    init: z.record(z.string(), z.unknown(), expecting('an object (connection_init\'s payload)')).optional().describe('The `connection_init` payload (what the server\'s onConnect reads, e.g. `{"token": "{identity.token}"}`), placeholders filled per socket.'),
    ping: duration(false).default('0s').describe('The client sends `{"type":"ping"}` after this much silence and closes the socket as `graphql-ws-pong-timeout` when no pong follows within as long again. Default "0s": none (server pings are always answered).'),
    timeout: duration(true).optional().describe('How long `connection_ack` and the subscribe\'s round trip may take (default "10s"); then the attempt fails as `subscribe-timeout`.'),
  },
  expecting('an object like {"name": "graphql-ws", "query": "subscription { news { id value } }"}'),
);

const PROTOCOL_TEXT = '"websocket", "socket.io", "mqtt", or an object like {"name": "graphql-ws", "query": "subscription { … }"} or {"name": "mqtt", "topics": ["news/#"]}';

export const protocolSchema = z.union(
  [z.enum(['websocket', 'socket.io', 'mqtt'], expecting(PROTOCOL_TEXT)), z.discriminatedUnion('name', [socketIoProtocolSchema, mqttProtocolSchema, graphqlWsProtocolSchema], expecting(PROTOCOL_TEXT))],
  expecting(PROTOCOL_TEXT),
);

const TARGET_TEXT = '"embedded" or an object like {"url": "ws://host:port/ws"}';

const MATCH_TEXT = 'a field name like "value", or an object like {"sequence": "/data/seq"} or {"regex": "seq=(\\d+)"}';
const POINTER_TEXT = 'a JSON pointer like "/data/seq" (RFC 6901: starts with "/", "~0" for "~" and "~1" for "/" in keys)';
const REGEX_TEXT = 'a regular expression with exactly one capture group, like "seq=(\\d+)"';
const STREAM_POINTER_TEXT = 'a JSON pointer like "/ts" or "/data/seq" (RFC 6901: starts with "/")';

/** Why `source` is no regular expression with exactly one capture group, or null when it is one. */
export function regexProblem(source: string): string | null {
  let re: RegExp;
  try {
    re = new RegExp(source);
  } catch (err) {
    return (err as Error).message;
  }
  // An alternative that matches "" makes exec() report every group (undefined) of the pattern.
  const groups = (new RegExp(`${re.source}|`).exec('')?.length ?? 1) - 1;
  return groups === 1 ? null : `it has ${groups} capture groups`;
}

const matchObjectSchema = z
  .strictObject(
    {
      sequence: z
        .string(expecting(POINTER_TEXT))
        .refine((p) => parseJsonPointer(p) !== null, expecting(POINTER_TEXT))
        .optional()
        .describe('JSON pointer to the sequence number, like "/data/seq".'),
      regex: z
        .string(expecting(REGEX_TEXT))
        .superRefine((source, ctx) => {
          const problem = regexProblem(source);
          if (problem !== null) ctx.addIssue({ code: 'custom', input: source, message: `expected ${REGEX_TEXT}, got ${describeValue(source)} (${problem})` });
        })
        .optional()
        .describe('Regular expression over the message text whose one capture group is the sequence number.'),
    },
    expecting(MATCH_TEXT),
  )
  .refine((m) => (m.sequence === undefined) !== (m.regex === undefined), {
    error: (iss) => `expected exactly one of "sequence" or "regex", got ${(iss.input as { sequence?: unknown }).sequence === undefined ? 'neither' : 'both'}`,
    // A misspelt key already has its own issue ("did you mean…"); "got neither" would repeat it.
    when: (payload) => payload.issues.length === 0,
  });

const METHOD_TEXT = 'an HTTP method like "POST" (letters, no spaces)';
const STATUS_TEXT = 'an HTTP status from 100 to 599, or a non-empty list of them';
const ACK_TEXT = 'a regular expression with exactly one capture group, like "\\"ack\\":(\\d+)"';

function httpStatus(): z.ZodNumber {
  return int(100, 599);
}

/** A regular expression that compiles and has exactly one capture group (the acknowledged seq or value). */
export function hasOneCapture(source: string): boolean {
  try {
    // Matching the empty alternative shows how many groups the pattern has.
    return (new RegExp(`${source}|`).exec('')?.length ?? 0) === 2;
  } catch {
    return false;
  }
}

/** Header name → value, names checked per key like target.headers. */
function headerMap(description: string) {
  return z
    .record(z.string(), z.string(expecting(HEADER_VALUE_TEXT)).refine((v) => !BAD_HEADER_VALUE.test(v), expecting(HEADER_VALUE_TEXT)), expecting('an object of header name → value'))
    .superRefine((headers, ctx) => {
      for (const name of Object.keys(headers)) {
        if (!TOKEN.test(name)) ctx.addIssue({ code: 'custom', path: [name], input: name, message: `expected ${HEADER_NAME_TEXT}, got ${describeValue(name)}` });
      }
    })
    .default({})
    .describe(description);
}

const OPEN_MESSAGE_TEXT = 'a text message (string) or a JSON message (object or array)';
const OPEN_STEP_TEXT = 'an object like {"send": {"type": "login", "token": "…"}}';

/** The socket publishes go out on with via "websocket". */
export const publisherSocketSchema = z.strictObject(
  {
    url: z
      .string(expecting(WS_URL_TEXT))
      .refine((s) => isUrlWithScheme(s, ['ws:', 'wss:']), expecting('a ws:// or wss:// URL like "ws://127.0.0.1:8080/chat"'))
      .refine((s) => !s.includes('#'), NO_FRAGMENT)
      .describe('WebSocket URL of the publisher socket. "{env.NAME}" takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep "{env.NAME}").'),
    headers: headerMap('Extra HTTP headers of the publisher socket\'s upgrade request, sent as written (one socket serves every publish). "{env.NAME}" takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep "{env.NAME}").'),
    subprotocols: z
      .array(z.string(expecting(SUBPROTOCOL_TEXT)).regex(TOKEN, expecting(SUBPROTOCOL_TEXT)), expecting('an array of subprotocol names'))
      .default([])
      .describe('WebSocket subprotocols the publisher socket offers.'),
    // The step shape of target.open, so one format serves both; waiting for an ack per step is not offered here yet.
    open: z
      .array(
        z.strictObject(
          { send: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())], expecting(OPEN_MESSAGE_TEXT)).describe('Text (a string) or JSON (an object or array, sent as JSON text). "{env.NAME}" takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep "{env.NAME}").') },
          expecting(OPEN_STEP_TEXT),
        ),
        expecting(`an array of open steps, each ${OPEN_STEP_TEXT}`),
      )
      .default([])
      .describe('Messages the publisher socket sends, in order, each time it opens (log in, join a room), before any publish.'),
  },
  expecting('an object like {"url": "ws://host:port/chat"}'),
);

const STAGE_TEXT = 'an object like {"duration": "1m", "target": 100}';

/** One stage of a load shape: its target reached linearly over its duration ("0s": a step). */
function stageSchema(target: z.ZodNumber, what: string): z.ZodType<{ duration: string; target: number }> {
  return z.strictObject(
    {
      duration: duration(false).describe('How long the stage takes to move from the previous target to its own ("0s": a step).'),
      target: target.describe(what),
    },
    expecting(STAGE_TEXT),
  );
}

/** Connection stages: open sockets over time (k6's stages). */
export const connectionStagesSchema = z
  .array(stageSchema(int(0, 1_000_000), 'Open sockets at the end of the stage.'), expecting('a non-empty array of stages like {"duration": "1m", "target": 100}'))
  .min(1, expecting('a non-empty array of stages like {"duration": "1m", "target": 100}'));

const PUBLISH_STAGE_TARGET_TEXT = 'publishes per second, a number ≥ 0 and ≤ 10000';
/** Publish stages: the publish rate over time (k6's ramping-arrival-rate). */
export const publishStagesSchema = z
  .array(
    stageSchema(z.number(expecting(PUBLISH_STAGE_TARGET_TEXT)).min(0, expecting(PUBLISH_STAGE_TARGET_TEXT)).max(10_000, expecting(PUBLISH_STAGE_TARGET_TEXT)), 'Publishes per second at the end of the stage.'),
    expecting('a non-empty array of stages like {"duration": "1m", "target": 50}'),
  )
  .min(1, expecting('a non-empty array of stages like {"duration": "1m", "target": 50}'));

export const publishSchema = z.strictObject(
  {
    rate: z
      .number(expecting('publishes per second, a number > 0 and ≤ 10000'))
      .gt(0, expecting('publishes per second, a number > 0 and ≤ 10000'))
      .max(10_000, expecting('publishes per second, a number > 0 and ≤ 10000'))
      .default(1)
      .describe('Publishes per second, on a fixed schedule.'),
    ids: z
      .array(z.union([z.string(), z.number()], expecting('an id (string or number)')), expecting('a non-empty array of ids (strings or numbers)'))
      .min(1, expecting('a non-empty array of ids (strings or numbers)'))
      .default([1])
      .describe('Ids cycled through, one per publish (`{id}`).'),
    url: z
      .string(expecting(PUBLISH_URL_TEXT))
      // Whether the request carries "{seq}" or "{value}" (here, in a header or the body) is a rule across keys (rules.ts).
      .refine((s) => isUrlWithScheme(s, ['http:', 'https:']), expecting(PUBLISH_URL_TEXT))
      .refine((s) => !s.includes('#'), NO_FRAGMENT)
      .nullable()
      .optional()
      .describe('Template with `{id}` (the publish\'s id), `{seq}` (its sequence number, 1, 2, …) and `{value}` (`<run tag>-<seq>`, e.g. `k3x9a2bq-42`); `{seq}` or `{value}` must be in the URL, a `publish.headers` value or `publish.body`; default `<target\'s http(s) origin>/api?id={id}&value={value}`. The target must push the value back unchanged in the match field; only `{value}` lets wsload tell its pushes from another run\'s (see run identity, `docs/measurement.md`); every id must give a valid URL (`{id}` in the port takes numeric ids only), no `#fragment`. `{env.NAME}` takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep `{env.NAME}`).'),
    match: z
      .union([nonEmptyString('the name of the JSON field carrying the sequence number'), matchObjectSchema], expecting(MATCH_TEXT))
      .default('value')
      .describe('Where a push carries the value (`"k3x9a2bq-42"`, or `42` / `"42"` with a `{seq}` template): a top-level field name; `{"sequence": "/data/seq"}`, a JSON pointer (RFC 6901: `~1` for `/` and `~0` for `~` in keys, array indices like `/items/0/seq`); or `{"regex": "seq=(\\\\d+)"}`, a regular expression over the message text with exactly one capture group (refused at load when it does not compile or has another number of groups).'),
    binary: z
      .enum(['utf8-json', 'unmatched'], expecting('"utf8-json" or "unmatched"'))
      .default('utf8-json')
      .describe('Binary frames: read as UTF-8 like text frames (`"utf8-json"`, what wsload always did), or `"unmatched"`: counted in `fanout.unmatched` without being read (services that mix binary frames of their own into the stream).'),
    deadline: duration(true)
      .default(`${DEFAULT_PUBLISH_DEADLINE_MS / 1000}s`)
      .describe('How long after its scheduled time a publish may reach a socket; later it is `late` and lost.'),
    concurrency: int(1)
      .default(64)
      .describe('Publish requests in flight at most; a publish due while all are busy waits for a slot with its scheduled time (at most rate × deadline publishes wait; more are `skipped`).'),
    timeout: duration(true).default('5s').describe('Total time one publish request may take, headers and body (a request still running then fails as `timeout`); with `via: "websocket"`, until the message is written (or acknowledged, with `publish.ack`).'),
    via: z
      .enum(['http', 'websocket'], expecting('"http" or "websocket"'))
      .default('http')
      .describe('`"http"`: each publish is an HTTP request to `publish.url`; `"websocket"`: a message on the publisher socket (`publish.socket`), e.g. a chat service.'),
    method: z
      .string(expecting(METHOD_TEXT))
      .regex(TOKEN, expecting(METHOD_TEXT))
      .optional()
      .describe('HTTP method of the publish request; `GET`/`HEAD` with a `body` is refused. Default: `"GET"`, `"POST"` with a body.'),
    headers: headerMap('Extra headers of each publish request, values templated like the URL (`{"Authorization": "Bearer …", "X-Room": "{id}"}`); every id must give a valid header value. Headers that frame the request are refused at their path: `Content-Length`, `Transfer-Encoding`, `Connection`, `Upgrade` (wsload frames the body and keeps the connection alive; a written value would desync it and the failures would read as the target\'s) and `Host` (it comes from `publish.url`; use `--resolve` to send it elsewhere).'),
    body: z
      .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())], expecting('a text template or a JSON object or array'))
      .optional()
      .describe('The request body (with `via: "websocket"`: the message, required), templated: text as written (`{id}` as is), or a JSON object/array sent as JSON (`{id}` escaped inside its string; a string value that is exactly `"{seq}"` becomes the number). `{env.NAME}` takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep `{env.NAME}`).'),
    contentType: z
      .string(expecting(HEADER_VALUE_TEXT))
      .min(1, expecting(HEADER_VALUE_TEXT))
      .refine((v) => !BAD_HEADER_VALUE.test(v), expecting(HEADER_VALUE_TEXT))
      .optional()
      .describe('Content-Type of the body; not with a `Content-Type` in `publish.headers`. Default: `application/json` for a JSON body, `text/plain; charset=utf-8` for text.'),
    status: z
      .union([httpStatus(), z.array(httpStatus(), expecting(STATUS_TEXT)).min(1, expecting(STATUS_TEXT))], expecting(STATUS_TEXT))
      .optional()
      .describe('Status or list of statuses (100–599) that count as success; any other answer is `publish.failed` with reason `http-<status>`. Default: any 2xx.'),
    socket: publisherSocketSchema.optional().describe('The publisher socket: `{"url": "ws(s)://…", "headers"?: {…}, "subprotocols"?: […], "open"?: [{"send": text or JSON}, …]}` (the step shape of `target.open`, without waiting for acks yet); it opens before the hold (bounded by `handshakeTimeout`), sends the `open` messages in order on every open, and reopens on the next publish after it closed; `tls` and `resolve` apply to it. Required with `via: "websocket"`.'),
    topics: z
      .array(z.string(expecting(TOPIC_NAME_TEXT)).regex(TOPIC_NAME, expecting(TOPIC_NAME_TEXT)), expecting('a non-empty array of topic names'))
      .min(1, expecting('a non-empty array of topic names'))
      .optional()
      .describe('With `topics`: topic names cycled one per publish (`["news", "news", "sport"]`: news twice as often); `{topic}` in `publish.url` (URL-encoded), `publish.headers`, `publish.body` and the `via: "websocket"` message is the publish\'s topic, and only that topic\'s sockets are expected to receive it (not in `publish.socket`: one publisher socket serves every topic). A name not in `topics` is an error at `publish.topics[i]`; without `topics`, `publish.topics` and `{topic}` in a publish template are errors naming `topics`. Default: every topic in order.'),
    ack: z
      .string(expecting(ACK_TEXT))
      .refine(hasOneCapture, expecting(ACK_TEXT))
      .optional()
      .describe('With `via: "websocket"`: a regular expression with one capture group that reads the acknowledged publish (`42` or `<run tag>-42`) off the publisher socket\'s text replies, e.g. `"\\"ack\\":\\"([^\\"]+)\\""`; a publish then succeeds when acknowledged within `publish.timeout` (else `timeout`); absent: once its message is written to the socket.'),
    stages: publishStagesSchema
      .optional()
      .describe('The publish rate over the hold, like k6\'s ramping-arrival-rate: `[{"duration": "1m", "target": 50}, …]`, linear from `publish.rate` through each `target` (publishes/s, 0–10,000) over its `duration` (`"0s"`: a step), then the last target to the end of the hold; the stages may last at most the hold (`duration`, or the sum of `stages`). Publish n is due when the rate\'s integral reaches n. `--rate` with `publish.stages` is an error naming both; bounds that follow the rate (the publish ring, the queue\'s rate × deadline, "behind") take the peak rate.'),
    source: z
      .enum(['wsload', 'server'], expecting('"wsload" or "server"'))
      .default('wsload')
      .describe('Who publishes: `"wsload"` (the publish requests of the keys above), or `"server"`: the service pushes its own stream on its own schedule (prices, ticks, presence) and wsload only measures what arrives, by `publish.timestamp` and `publish.sequence` (at least one of them); no publisher runs, and every request key (`rate`, `ids`, `url`, `match`, `deadline`, `concurrency`, `timeout`, `via`, `method`, `headers`, `body`, `contentType`, `status`, `socket`, `ack`, and `--rate`) is refused at its path (`not with publish.source "server": the server publishes`); `publish.binary` applies; the hold just lasts `duration`.'),
    timestamp: z
      .string(expecting(STREAM_POINTER_TEXT))
      .refine((p) => parseJsonPointer(p) !== null, expecting(STREAM_POINTER_TEXT))
      .optional()
      .describe('With `source: "server"`: JSON pointer to the time the service stamped on each message, e.g. `"/data/ts"`; each message\'s staleness is recorded (`docs/measurement.md`).'),
    timestampUnit: z
      .enum(['ms', 's', 'us', 'ns', 'iso'], expecting('"ms", "s", "us", "ns" or "iso"'))
      .optional()
      .describe('With `publish.timestamp`: how it is written: epoch `"ms"`, `"s"`, `"us"`, `"ns"` (a number, or a string of its digits; fractions allowed), or `"iso"` (an ISO-8601 string like `"2026-11-26T17:00:00.250Z"`).'),
    sequence: z
      .string(expecting(STREAM_POINTER_TEXT))
      .refine((p) => parseJsonPointer(p) !== null, expecting(STREAM_POINTER_TEXT))
      .optional()
      .describe('With `source: "server"`: JSON pointer to each message\'s sequence number (a non-negative integer that rises by 1 per message on a connection, or a string of its digits), e.g. `"/data/seq"`; gaps, missing, duplicated and out-of-order messages are counted per socket.'),
  },
  expecting('null (no publishing) or an object like {"rate": 10, "ids": [1, 2]}'),
);

const RECONNECT_POLICY_TEXT = 'one of "none", "immediate", "backoff"';
const JITTER_TEXT = 'a fraction from 0 to 1';

/** Top-level reconnect: every key has a default. */
export const reconnectSchema = z.strictObject(
  {
    policy: z
      .enum(['none', 'immediate', 'backoff'], expecting(RECONNECT_POLICY_TEXT))
      .default('none')
      .describe('What a socket does after it closes: stay closed, reconnect at once, or reconnect after an exponential backoff.'),
    min: duration(false).default('1s').describe('First backoff delay.'),
    max: duration(false).default('30s').describe('Backoff ceiling.'),
    jitter: z
      .number(expecting(JITTER_TEXT))
      .min(0, expecting(JITTER_TEXT))
      .max(1, expecting(JITTER_TEXT))
      .default(0.2)
      .describe('Fraction of each delay randomised either way, so sockets dropped together do not return together.'),
  },
  expecting('an object like {"policy": "backoff", "min": "1s", "max": "30s"}'),
);

/** A cohort's reconnect: keys left out come from the top-level reconnect. */
export const cohortReconnectSchema = z.strictObject(
  {
    policy: z.enum(['none', 'immediate', 'backoff'], expecting(RECONNECT_POLICY_TEXT)).optional().describe('Defaults to the top-level reconnect.policy.'),
    min: duration(false).optional().describe('Defaults to the top-level reconnect.min.'),
    max: duration(false).optional().describe('Defaults to the top-level reconnect.max.'),
    jitter: z.number(expecting(JITTER_TEXT)).min(0, expecting(JITTER_TEXT)).max(1, expecting(JITTER_TEXT)).optional().describe('Defaults to the top-level reconnect.jitter.'),
  },
  expecting('an object like {"policy": "backoff", "min": "1s", "max": "30s"}'),
);

const SHARE_TEXT = 'a fraction > 0 and ≤ 1';
const COHORT_NAME_TEXT = 'a name of letters, digits, ".", "_" or "-"';

export const cohortSchema = z.strictObject(
  {
    name: z
      .string(expecting(COHORT_NAME_TEXT))
      .regex(/^[A-Za-z0-9._-]+$/, expecting(COHORT_NAME_TEXT))
      .describe('Cohort name, unique; reports break disconnects down by it.'),
    share: z
      .number(expecting(SHARE_TEXT))
      .gt(0, expecting(SHARE_TEXT))
      .max(1, expecting(SHARE_TEXT))
      .optional()
      .describe('Fraction of the connections in this cohort; give every cohort a share (summing to 1) or every cohort a count.'),
    count: int(0).optional().describe('Sockets in this cohort; counts of all cohorts must sum to connections.'),
    pingInterval: duration(true).optional().describe('Send a WebSocket ping frame at this interval (keeps gateways that count client bytes from idling out).'),
    heartbeat: z
      .strictObject(
        {
          interval: duration(true).describe('Interval between heartbeat messages.'),
          text: z.string(expecting('the heartbeat message text')).default('ping').describe('Text message sent as the heartbeat.'),
        },
        expecting('an object like {"interval": "20s", "text": "ping"}'),
      )
      .optional()
      .describe('Send an application text message at an interval.'),
    reconnect: cohortReconnectSchema.optional().describe('Reconnect policy of this cohort; keys left out come from the top-level reconnect.'),
  },
  expecting('a cohort object like {"name": "silent", "share": 0.5}'),
);

const TOPICS_TEXT = 'a list like [{"name": "news", "share": 0.5}, …] or an object like {"count": 10, "name": "room-{n}"}';

/** One topic of the list form: a share of the connections or a count of them, like a cohort. */
export const topicSchema = z.strictObject(
  {
    name: z.string(expecting(TOPIC_NAME_TEXT)).regex(TOPIC_NAME, expecting(TOPIC_NAME_TEXT)).describe('Topic name, unique; "{topic}" is replaced by it.'),
    share: z.number(expecting(SHARE_TEXT)).gt(0, expecting(SHARE_TEXT)).max(1, expecting(SHARE_TEXT)).optional().describe('Fraction of the connections in this topic; give every topic a share (summing to 1) or every topic a count.'),
    count: int(0).optional().describe('Sockets in this topic; counts of all topics must sum to connections.'),
  },
  expecting('a topic object like {"name": "news", "share": 0.5}'),
);

const TOPIC_TEMPLATE_TEXT = 'a name template with "{n}" (the topic number from 0), like "room-{n}"';

/** Topics generated from the socket index: socket i is in topic i mod count ("modulo") or floor(i × count / connections) ("block"). */
export const topicsGeneratedSchema = z.strictObject(
  {
    count: int(1, MAX_TOPICS).describe(`Topics to generate (at most ${MAX_TOPICS}).`),
    name: z
      .string(expecting(TOPIC_TEMPLATE_TEXT))
      .refine((s) => s.includes('{n}') && TOPIC_NAME.test(s.replaceAll('{n}', '0')), expecting(TOPIC_TEMPLATE_TEXT))
      .default('topic-{n}')
      .describe('Name of topic n, with "{n}" replaced by its number (0-based); default "topic-{n}".'),
    assign: z
      .enum(['modulo', 'block'], expecting('"modulo" or "block"'))
      .default('modulo')
      .describe('"modulo": socket i is in topic i mod count; "block": in topic floor(i × count / connections) (consecutive sockets share a topic).'),
  },
  expecting('an object like {"count": 10, "name": "room-{n}", "assign": "modulo"}'),
);

const LISTEN_TEXT = 'HOST:PORT like "127.0.0.1:9464", "[::1]:9464" or "0.0.0.0:9464" (port 0: any free port)';

export const metricsSchema = z.strictObject(
  {
    listen: z
      .string(expecting(LISTEN_TEXT))
      .refine((s) => parseListenAddress(s) !== null, expecting(LISTEN_TEXT))
      .describe('`"HOST:PORT"` (`"127.0.0.1:9464"`, `"[::1]:9464"`, `"0.0.0.0:9464"`; port 0: any free port) where the run serves `GET /metrics` in the Prometheus text format (`docs/live.md`); `--metrics HOST:PORT` sets it.'),
  },
  expecting('an object like {"listen": "127.0.0.1:9464"}'),
);

const TLS_PATH_TEXT = 'a file path (relative to the scenario file)';

export const tlsSchema = z.strictObject(
  {
    ca: nonEmptyString(TLS_PATH_TEXT).optional().describe('PEM CA bundle to trust instead of the default store (relative to the scenario file).'),
    insecure: z.boolean(expecting('true or false')).default(false).describe('Skip certificate verification (like curl -k); flagged in the summary and report.'),
    servername: nonEmptyString('a host name').optional().describe('SNI and certificate name to check; defaults to the URL host.'),
    cert: nonEmptyString(TLS_PATH_TEXT).optional().describe('Client certificate (PEM) for mutual TLS; requires key.'),
    key: nonEmptyString(TLS_PATH_TEXT).optional().describe('Client private key (PEM) for mutual TLS; requires cert.'),
  },
  expecting('an object like {"ca": "certs/ca.pem"}'),
);

const IDENTITY_FILE_TEXT = 'a .csv, .jsonl or .ndjson file path (relative to the scenario file)';

export const identitiesSchema = z.strictObject(
  {
    file: nonEmptyString(IDENTITY_FILE_TEXT)
      .refine((s) => /\.(csv|jsonl|ndjson)$/i.test(s), expecting(IDENTITY_FILE_TEXT))
      .describe('CSV (header row = field names) or JSON lines (one object per line), one identity per socket, relative to the scenario file. "{env.NAME}" takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep "{env.NAME}").'),
    reuse: z.boolean(expecting('true or false')).default(false).describe('Allow fewer identities than sockets: socket i takes identity i mod count.'),
  },
  expecting('an object like {"file": "users.csv"}'),
);

const NAME_TEXT = 'a name of letters, digits, ".", "_" or "-" (it is used in report file names)';

/** The scenario file as written. */
export const scenarioFileSchema = z
  .strictObject(
    {
      $schema: z.string(expecting('a string (the JSON Schema path, ignored)')).optional().describe('JSON Schema for editors; ignored by wsload.'),
      name: z.string(expecting(NAME_TEXT)).regex(/^[A-Za-z0-9._-]+$/, expecting(NAME_TEXT)).max(100, expecting(`${NAME_TEXT}, at most 100 characters`)).describe('Used in report file names (`[A-Za-z0-9._-]+`).'),
      target: z
        .union([z.literal('embedded'), targetUrlSchema], expecting(TARGET_TEXT))
        .default('embedded')
        .describe('`"embedded"` starts the built-in target in a child process on a free loopback port, on as many processes as `connections` need under the open-file limit (`docs/commands.md`); or `{ "url": "ws://host:port/ws", "headers": {…}, "origin": "…", "subprotocols": […] }`. `{conn}` in the URL becomes each socket\'s index (`?user={conn}`), `{cohort}` its cohort\'s name, `{topic}` its topic (with `topics`) and `{identity.FIELD}` its identity\'s field (URL-encoded in the URL; also in header values). No `#fragment`; header names and subprotocols are HTTP tokens (no spaces), header and origin values have no CR, LF or other control characters.'),
      protocol: protocolSchema
        .default('websocket')
        .describe('The protocol each socket speaks over the WebSocket (`docs/protocols.md`): `"websocket"` (default: plain messages, `target.open` for a subscribe), `"socket.io"` (Engine.IO 4 over WebSocket; the URL is the server\'s `/socket.io/?EIO=4&transport=websocket`) or `"mqtt"` (MQTT over WebSocket), as a name or an object with that protocol\'s options, or `"graphql-ws"` (GraphQL subscriptions) as an object only (its `query` has no default): `{"name": "socket.io", "namespace": "/", "events": ["message"], "join"?: {"event": "join", "args": ["{topic}"]}}`, `{"name": "mqtt", "topics": ["prices/{topic}"], "qos": 0 | 1, "keepalive": "60s", "clientId": "wsload-{conn}", "clean": true, "version": 4 | 5}`, `{"name": "graphql-ws", "query": "subscription { news { id value } }", "variables"?: {…}, "init"?: {…}, "ping": "0s"}`. wsload does the protocol\'s handshake and subscribe (the socket counts subscribed at its acknowledgement), answers or sends its heartbeats, and judges the payload inside its messages with `publish.match`. Needs a `target.url`; not with `target.open`.'),
      connections: int(1).describe('Sockets to open and hold; with `stages` it may be left out, and written it must equal their peak target.'),
      connectRate: z
        .number(expecting('new sockets per second, a number > 0'))
        .gt(0, expecting('new sockets per second, a number > 0'))
        .default(1000)
        .describe('New sockets per second during the ramp-up (not with `stages`).'),
      maxPendingHandshakes: int(1).default(200).describe('Handshakes in flight at most.'),
      handshakeTimeout: duration(true).default('10s').describe('A handshake not done by then fails as `timeout`.'),
      duration: duration(false).describe('Hold time after the ramp-up; publishing runs during it. `"0s"` only without publishing (`"publish": null`: open the sockets and leave); with publishing it is an error, since nothing would ever be due.'),
      workers: int(1, 64).optional().describe('Worker threads; sockets are split over them (floor + remainder, interleaved). Default: CPU count.'),
      shards: int(1, 64)
        .optional()
        .describe('Wsload processes on this machine holding the sockets (1–64; `docs/scale-out.md`); automatic: 1, or as many as the open-file limit needs (the plan line says how many and why); the worker threads are split over them. Default: automatic.'),
      publish: publishSchema.nullable().default(null).describe('`null`: no publishing (a pure idle run). Otherwise the object below (with `"source": "server"`, only the stream keys: the service publishes).'),
      localAddresses: z
        .array(ipAddress, expecting('an array of IP addresses'))
        .default([])
        .describe('Source addresses to spread sockets over (round-robin), e.g. `["127.0.0.1", "127.0.0.2"]`; each must be an address of this machine (any `127.x.y.z` on Linux, `::1`, or an interface\'s address) of the target address\'s family (IPv4 or IPv6).'),
      reconnect: reconnectSchema.default({ policy: 'none', min: '1s', max: '30s', jitter: 0.2 }).describe('`{ "policy": "none" | "immediate" | "backoff", "min": "1s", "max": "30s", "jitter": 0.2 }`, the default of every cohort; `max × (1 + jitter)` must stay within Node\'s timer limit (24d20h31m).'),
      cohorts: z
        .array(cohortSchema, expecting('an array of cohort objects'))
        .min(1, expecting('a non-empty array of cohort objects'))
        .optional()
        .describe('`[{ "name", "share" or "count", "pingInterval"?, "heartbeat"?: {"interval", "text"}, "reconnect"? }]`: groups with their own keepalive and reconnect policy; shares sum to 1 or counts to `connections`. Default: one `"default"` cohort.'),
      topics: z
        .union([z.array(topicSchema, expecting(TOPICS_TEXT)).min(1, expecting(TOPICS_TEXT)).max(MAX_TOPICS, expecting(`${TOPICS_TEXT}, at most ${MAX_TOPICS} topics`)), topicsGeneratedSchema], expecting(TOPICS_TEXT))
        .optional()
        .describe('The topic (room, channel) of each socket, one per socket; absent: every socket receives every publish. A list like cohorts, `[{"name": "news", "share": 0.5}, {"name": "sport", "count": 200}]` (every topic a share summing to 1 or every topic a count summing to `connections`; sockets take consecutive index ranges, so each topic is interleaved over workers and shards like a cohort), or generated, `{"count": 10, "name": "room-{n}", "assign": "modulo"}`: socket i is in topic i mod `count` (`"block"`: ⌊i × `count` / `connections`⌋), named by `name` with `{n}` its number from 0 (default `"topic-{n}"`). Names are `[A-Za-z0-9._:-]+`, unique; at most 200 topics (each costs a fan-out histogram of ~115 KB in every worker thread and two in the main thread, and travels in every snapshot) and, generated, no more than `connections`. Sockets subscribe with `{topic}` in `target.url`, `target.headers` or `target.open`. A topic that would get no socket (a `count` of 0, or a `share` that rounds to 0 of `connections`) is an error at its path: its publishes would expect nothing.'),
      report: z
        .strictObject(
          {
            interval: duration(true)
              .optional()
              .describe('Interval of the `.ndjson` timeline and `.hlog`; when not set, chosen from the run\'s planned length (ramp at `connectRate` + `duration`, or the sum of `stages`): `"1s"` up to 3 min (a 30 s run draws 30 points), `"5s"` up to 15 min, `"10s"` beyond (an 8 h soak: 2,880 lines). Default: from the planned length.'),
          },
          expecting('an object like {"interval": "10s"}'),
        )
        .default({})
        .describe('Report options.'),
      thresholds: z
        .record(z.string(), z.string(expecting('a threshold expression like "< 250ms" or "== 0"')), expecting('an object of metric → expression, like {"fanout.p99": "< 250ms"}'))
        .default({})
        .describe('Metric → expression, checked at the end (metric names and expressions: `docs/reading-a-report.md`). With `"source": "server"`, `fanout.*` and `publish.*` metrics are an error (wsload publishes nothing), and `stream.*` metrics without it: either would only fail with no data after the run.'),
      tls: tlsSchema
        .default({ insecure: false })
        .describe('`{ "ca": "ca.pem", "insecure": false, "servername": "…", "cert": "…", "key": "…" }` for `wss://` and `https://` (paths relative to the scenario file); validation reads them: `ca` must hold PEM certificates, `cert` a PEM certificate and `key` its unencrypted PEM private key. Default: verify on.'),
      identities: identitiesSchema.optional().describe('`{ "file": "users.csv", "reuse": false }`: one identity per socket from a CSV file (header row = field names, RFC 4180 quotes, one line per row) or JSON lines (`.jsonl`/`.ndjson`, one flat object per line, the first line\'s keys are the fields), read at load, path relative to the scenario file; socket i takes identity i. Fewer identities than `connections` is an error naming the file and both counts unless `"reuse": true` (then socket i takes identity i mod count). A bad file is one line with its path and line number; `{identity.FIELD}` of a field the file lacks, or without `identities`, is an error at the key that uses it; so is `{identity.FIELD}`, `{conn}` or `{cohort}` in a publish (`publish.url`, `headers`, `body`, `socket`): one publisher serves every socket, so they have no value there. Each worker gets only its sockets\' identities; the report keeps the file, fields and count, never the values.'),
      metrics: metricsSchema.optional().describe('Prometheus endpoint of the run (wsload_* metrics); absent means none.'),
      observe: observeSchema
        .optional()
        .describe('Prometheus endpoints of the gateway or service scraped every report interval during the run: `[{"name": "gateway", "url": "http://127.0.0.1:8405/metrics", "series": ["envoy_http_downstream_cx_active"]}]`; `--observe NAME=URL` adds one. Their series go into the timeline, the report\'s `observe` section, thresholds (`observe.<name>.<series>.max`) and trend verdicts (`docs/observe.md`). An embedded target is observed as "target" unless one is named so.'),
      resolve: z
        .record(z.string(), ipAddress, expecting('an object of host name → IP address'))
        .default({})
        .describe('Host → IP, like `curl --resolve` or a hosts-file entry: URLs keep the name (Host, SNI), sockets go to the address.'),
      stages: connectionStagesSchema
        .optional()
        .describe('Open sockets over time, k6-like: `[{"duration": "1m", "target": 1000}, {"duration": "5m", "target": 1000}, {"duration": "30s", "target": 200}, {"duration": "0s", "target": 600}, …]`, linear from the previous target (0 at the start) to each `target` (integer 0–1,000,000) over its `duration` (`"0s"`: a step). Socket i opens when the curve first reaches i + 1 and is closed by wsload (1000, highest index first) when it falls below, and opens again if it rises again. Replaces `connectRate` and `duration` (either with `stages` is an error at its path; the run lasts the stages\' sum, one hold spanning all of it, publishing throughout); `connections` is the peak target (written, it must equal it). At least one target ≥ 1 and more than `"0s"` in all. `maxPendingHandshakes` still bounds handshakes.'),
    },
    expecting('a JSON object describing a scenario'),
  )
  .describe('A wsload scenario: sockets to hold against a WebSocket target, what to publish, and pass/fail thresholds.');

/** The scenario as written, after zod filled in its defaults. */
export type WrittenScenario = z.output<typeof scenarioFileSchema>;
/** The keys of a scenario that are valid on their own (rules run over them even when others are not). */
export type PartialScenario = Partial<WrittenScenario>;
