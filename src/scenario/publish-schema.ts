/** The `publish` key as written: what wsload publishes, how a push is matched, or the server's own stream. */
import { z } from 'zod';
import { parseJsonPointer } from '../text/json-pointer.js';
import { DEFAULT_PUBLISH_DEADLINE_MS } from '../run/scenario.js';
import { describeValue, expecting } from './schema-text.js';
import {
  BAD_HEADER_VALUE,
  duration,
  HEADER_VALUE_TEXT,
  headerMap,
  int,
  isUrlWithScheme,
  NO_FRAGMENT,
  nonEmptyString,
  PUBLISH_URL_TEXT,
  TOKEN,
  TOPIC_NAME,
  TOPIC_NAME_TEXT,
} from './schema-fields.js';
import { publisherSocketSchema, publishThroughSchema } from './publish-via-schema.js';
import { publishStagesSchema } from './stages-schema.js';

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
          if (problem !== null)
            ctx.addIssue({ code: 'custom', input: source, message: `expected ${REGEX_TEXT}, got ${describeValue(source)} (${problem})` });
        })
        .optional()
        .describe('Regular expression over the message text whose one capture group is the sequence number.'),
    },
    expecting(MATCH_TEXT),
  )
  .refine((m) => (m.sequence === undefined) !== (m.regex === undefined), {
    error: (iss) =>
      `expected exactly one of "sequence" or "regex", got ${(iss.input as { sequence?: unknown }).sequence === undefined ? 'neither' : 'both'}`,
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

export const publishSchema = z.strictObject(
  {
    rate: z
      .number(expecting('publishes per second, a number > 0 and ≤ 10000'))
      .gt(0, expecting('publishes per second, a number > 0 and ≤ 10000'))
      .max(10_000, expecting('publishes per second, a number > 0 and ≤ 10000'))
      .default(1)
      .describe('Publishes per second, on a fixed schedule.'),
    ids: z
      .array(
        z.union([z.string(), z.number()], expecting('an id (string or number)')),
        expecting('a non-empty array of ids (strings or numbers)'),
      )
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
      .describe(
        "Template with `{id}` (the publish's id), `{seq}` (its sequence number, 1, 2, …) and `{value}` (`<run tag>-<seq>`, e.g. `k3x9a2bq-42`); `{seq}` or `{value}` must be in the URL, a `publish.headers` value or `publish.body`; default `<target's http(s) origin>/api?id={id}&value={value}`. The target must push the value back unchanged in the match field; only `{value}` lets wsload tell its pushes from another run's (see run identity, `docs/measurement.md`); every id must give a valid URL (`{id}` in the port takes numeric ids only), no `#fragment`. `{env.NAME}` takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep `{env.NAME}`).",
      ),
    match: z
      .union([nonEmptyString('the name of the JSON field carrying the sequence number'), matchObjectSchema], expecting(MATCH_TEXT))
      .default('value')
      .describe(
        'Where a push carries the value (`"k3x9a2bq-42"`, or `42` / `"42"` with a `{seq}` template): a top-level field name; `{"sequence": "/data/seq"}`, a JSON pointer (RFC 6901: `~1` for `/` and `~0` for `~` in keys, array indices like `/items/0/seq`); or `{"regex": "seq=(\\\\d+)"}`, a regular expression over the message text with exactly one capture group (refused at load when it does not compile or has another number of groups).',
      ),
    binary: z
      .enum(['utf8-json', 'unmatched'], expecting('"utf8-json" or "unmatched"'))
      .default('utf8-json')
      .describe(
        'Binary frames: read as UTF-8 like text frames (`"utf8-json"`, what wsload always did), or `"unmatched"`: counted in `fanout.unmatched` without being read (services that mix binary frames of their own into the stream).',
      ),
    deadline: duration(true)
      .default(`${DEFAULT_PUBLISH_DEADLINE_MS / 1000}s`)
      .describe('How long after its scheduled time a publish may reach a socket; later it is `late` and lost.'),
    concurrency: int(1)
      .default(64)
      .describe(
        'Publish requests in flight at most; a publish due while all are busy waits for a slot with its scheduled time (at most rate × deadline publishes wait; more are `skipped`).',
      ),
    timeout: duration(true)
      .default('5s')
      .describe(
        'Total time one publish request may take, headers and body (a request still running then fails as `timeout`); with `via: "websocket"`, until the message is written (or acknowledged, with `publish.ack`).',
      ),
    via: z
      .enum(['http', 'websocket', 'protocol'], expecting('"http", "websocket" or "protocol"'))
      .default('http')
      .describe(
        '`"http"`: each publish is an HTTP request to `publish.url`; `"websocket"`: a message on the publisher socket (`publish.socket`), e.g. a chat service; `"protocol"`: through the scenario\'s `protocol` on a publisher connection to `target.url` (an MQTT PUBLISH, a Socket.IO emit, a GraphQL mutation, a STOMP SEND; `publish.protocol`, `docs/protocols.md`).',
      ),
    method: z
      .string(expecting(METHOD_TEXT))
      .regex(TOKEN, expecting(METHOD_TEXT))
      .optional()
      .describe('HTTP method of the publish request; `GET`/`HEAD` with a `body` is refused. Default: `"GET"`, `"POST"` with a body.'),
    headers: headerMap(
      'Extra headers of each publish request, values templated like the URL (`{"Authorization": "Bearer …", "X-Room": "{id}"}`); every id must give a valid header value. Headers that frame the request are refused at their path: `Content-Length`, `Transfer-Encoding`, `Connection`, `Upgrade` (wsload frames the body and keeps the connection alive; a written value would desync it and the failures would read as the target\'s) and `Host` (it comes from `publish.url`; use `--resolve` to send it elsewhere).',
    ),
    body: z
      .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())], expecting('a text template or a JSON object or array'))
      .optional()
      .describe(
        'The request body (with `via: "websocket"`: the message, required), templated: text as written (`{id}` as is), or a JSON object/array sent as JSON (`{id}` escaped inside its string; a string value that is exactly `"{seq}"` becomes the number). `{env.NAME}` takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep `{env.NAME}`).',
      ),
    contentType: z
      .string(expecting(HEADER_VALUE_TEXT))
      .min(1, expecting(HEADER_VALUE_TEXT))
      .refine((v) => !BAD_HEADER_VALUE.test(v), expecting(HEADER_VALUE_TEXT))
      .optional()
      .describe(
        'Content-Type of the body; not with a `Content-Type` in `publish.headers`. Default: `application/json` for a JSON body, `text/plain; charset=utf-8` for text.',
      ),
    status: z
      .union([httpStatus(), z.array(httpStatus(), expecting(STATUS_TEXT)).min(1, expecting(STATUS_TEXT))], expecting(STATUS_TEXT))
      .optional()
      .describe(
        'Status or list of statuses (100–599) that count as success; any other answer is `publish.failed` with reason `http-<status>`. Default: any 2xx.',
      ),
    socket: publisherSocketSchema
      .optional()
      .describe(
        'The publisher socket: `{"url": "ws(s)://…", "headers"?: {…}, "subprotocols"?: […], "open"?: [{"send": text or JSON}, …]}` (the step shape of `target.open`, without waiting for acks yet); it opens before the hold (bounded by `handshakeTimeout`), sends the `open` messages in order on every open, and reopens on the next publish after it closed; `tls` and `resolve` apply to it. Required with `via: "websocket"`.',
      ),
    topics: z
      .array(
        z.string(expecting(TOPIC_NAME_TEXT)).regex(TOPIC_NAME, expecting(TOPIC_NAME_TEXT)),
        expecting('a non-empty array of topic names'),
      )
      .min(1, expecting('a non-empty array of topic names'))
      .optional()
      .describe(
        'With `topics`: topic names cycled one per publish (`["news", "news", "sport"]`: news twice as often); `{topic}` in `publish.url` (URL-encoded), `publish.headers`, `publish.body` and the `via: "websocket"` message is the publish\'s topic, and only that topic\'s sockets are expected to receive it (not in `publish.socket`: one publisher socket serves every topic). A name not in `topics` is an error at `publish.topics[i]`; without `topics`, `publish.topics` and `{topic}` in a publish template are errors naming `topics`. Default: every topic in order.',
      ),
    protocol: publishThroughSchema
      .optional()
      .describe(
        'With `via: "protocol"`: `{"topic", "qos"}` (MQTT), `{"event", "ack"}` (Socket.IO) or `{"query", "operationName"}` (graphql-ws) or `{"destination", "receipt"}` (STOMP); `publish.body` is the payload, the event\'s argument or the variables, default `{"id": "{id}", "value": "{value}"}`.',
      ),
    ack: z
      .string(expecting(ACK_TEXT))
      .refine(hasOneCapture, expecting(ACK_TEXT))
      .optional()
      .describe(
        'With `via: "websocket"`: a regular expression with one capture group that reads the acknowledged publish (`42` or `<run tag>-42`) off the publisher socket\'s text replies, e.g. `"\\"ack\\":\\"([^\\"]+)\\""`; a publish then succeeds when acknowledged within `publish.timeout` (else `timeout`); absent: once its message is written to the socket.',
      ),
    stages: publishStagesSchema
      .optional()
      .describe(
        'The publish rate over the hold, like k6\'s ramping-arrival-rate: `[{"duration": "1m", "target": 50}, …]`, linear from `publish.rate` through each `target` (publishes/s, 0–10,000) over its `duration` (`"0s"`: a step), then the last target to the end of the hold; the stages may last at most the hold (`duration`, or the sum of `stages`). Publish n is due when the rate\'s integral reaches n. `--rate` with `publish.stages` is an error naming both; bounds that follow the rate (the publish ring, the queue\'s rate × deadline, "behind") take the peak rate.',
      ),
    source: z
      .enum(['wsload', 'server'], expecting('"wsload" or "server"'))
      .default('wsload')
      .describe(
        'Who publishes: `"wsload"` (the publish requests of the keys above), or `"server"`: the service pushes its own stream on its own schedule (prices, ticks, presence) and wsload only measures what arrives, by `publish.timestamp` and `publish.sequence` (at least one of them); no publisher runs, and every request key (`rate`, `ids`, `url`, `match`, `deadline`, `concurrency`, `timeout`, `via`, `method`, `headers`, `body`, `contentType`, `status`, `socket`, `ack`, and `--rate`) is refused at its path (`not with publish.source "server": the server publishes`); `publish.binary` applies; the hold just lasts `duration`.',
      ),
    timestamp: z
      .string(expecting(STREAM_POINTER_TEXT))
      .refine((p) => parseJsonPointer(p) !== null, expecting(STREAM_POINTER_TEXT))
      .optional()
      .describe(
        'With `source: "server"`: JSON pointer to the time the service stamped on each message, e.g. `"/data/ts"`; each message\'s staleness is recorded (`docs/measurement.md`).',
      ),
    timestampUnit: z
      .enum(['ms', 's', 'us', 'ns', 'iso'], expecting('"ms", "s", "us", "ns" or "iso"'))
      .optional()
      .describe(
        'With `publish.timestamp`: how it is written: epoch `"ms"`, `"s"`, `"us"`, `"ns"` (a number, or a string of its digits; fractions allowed), or `"iso"` (an ISO-8601 string like `"2026-11-26T17:00:00.250Z"`).',
      ),
    sequence: z
      .string(expecting(STREAM_POINTER_TEXT))
      .refine((p) => parseJsonPointer(p) !== null, expecting(STREAM_POINTER_TEXT))
      .optional()
      .describe(
        'With `source: "server"`: JSON pointer to each message\'s sequence number (a non-negative integer that rises by 1 per message on a connection, or a string of its digits), e.g. `"/data/seq"`; gaps, missing, duplicated and out-of-order messages are counted per socket.',
      ),
  },
  expecting('null (no publishing) or an object like {"rate": 10, "ids": [1, 2]}'),
);
