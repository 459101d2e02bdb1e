/** The `target` key as written: the URL, upgrade headers, subprotocols, open steps with their acks, and permessage-deflate. */
import { z } from 'zod';
import { expecting } from './schema-text.js';
import {
  BAD_HEADER_VALUE,
  duration,
  headerMap,
  HEADER_VALUE_TEXT,
  int,
  isRegex,
  isUrlWithScheme,
  NO_FRAGMENT,
  SUBPROTOCOL_TEXT,
  TOKEN,
  WS_URL_TEXT,
} from './schema-fields.js';

const REPLY_POINTER_TEXT = 'a JSON pointer like "/type" or "/data/status" (RFC 6901: "" or starting with "/")';
const REPLY_REGEX_TEXT = 'a regular expression (JavaScript syntax)';
const REPLY_MATCH_TEXT = 'an object like {"pointer": "/type", "equals": "subscribed"} or {"regex": "^OK"}';

/** A match on a reply: a JSON pointer equal to a value, or a regular expression over the text. */
export const replyMatchSchema = z
  .strictObject(
    {
      pointer: z
        .string(expecting(REPLY_POINTER_TEXT))
        .refine((s) => s === '' || s.startsWith('/'), expecting(REPLY_POINTER_TEXT))
        .optional()
        .describe('JSON pointer into the reply parsed as JSON; requires equals.'),
      equals: z
        .union([z.string(), z.number(), z.boolean(), z.null()], expecting('a string, number, boolean or null'))
        .optional()
        .describe('Value the pointer must hold (compared exactly).'),
      regex: z
        .string(expecting(REPLY_REGEX_TEXT))
        .refine(isRegex, expecting(REPLY_REGEX_TEXT))
        .optional()
        .describe('Regular expression the reply text must match (instead of pointer and equals).'),
    },
    expecting(REPLY_MATCH_TEXT),
  )
  .superRefine((m, ctx) => {
    // Reported at the key to add or remove, not as "no union branch matched".
    if (m.regex !== undefined && (m.pointer !== undefined || m.equals !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['regex'],
        input: m.regex,
        message: 'expected either "regex" or "pointer" with "equals", got both',
      });
    } else if (m.regex === undefined && m.pointer === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        input: m,
        message: `required: "pointer" with "equals", or "regex"; expected ${REPLY_MATCH_TEXT}`,
      });
    } else if (m.pointer !== undefined && !('equals' in m)) {
      ctx.addIssue({
        code: 'custom',
        path: ['equals'],
        input: undefined,
        message: 'required with "pointer"; expected the value the pointer must hold (a string, number, boolean or null)',
      });
    } else if (m.pointer === undefined && 'equals' in m) {
      ctx.addIssue({
        code: 'custom',
        path: ['pointer'],
        input: undefined,
        message: 'required with "equals"; expected a JSON pointer like "/type"',
      });
    }
  });

const OPEN_SEND_TEXT = 'a text message (string) or a JSON message (object or array)';

/** One message a socket sends after the upgrade, optionally waiting for its acknowledgement. */
export const openStepSchema = z.strictObject(
  {
    send: z
      .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())], expecting(OPEN_SEND_TEXT))
      .describe(
        'Text (a string) or JSON (an object or array, sent as JSON text); "{conn}", "{cohort}" and "{identity.FIELD}" in it are replaced per socket. "{env.NAME}" takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep "{env.NAME}").',
      ),
    ack: replyMatchSchema
      .optional()
      .describe('Wait for a reply matching this before the next step; the socket counts as subscribed only after its last step.'),
    reject: replyMatchSchema.optional().describe('A reply matching this fails the subscription ("subscribe-rejected"); requires ack.'),
    timeout: duration(true)
      .optional()
      .describe('How long to wait for the ack (default "10s"); then the subscription fails ("subscribe-timeout"). Requires ack.'),
  },
  expecting('an object like {"send": {"type": "subscribe"}, "ack": {"pointer": "/type", "equals": "subscribed"}}'),
);

export const targetUrlSchema = z.strictObject(
  {
    url: z
      .string(expecting(WS_URL_TEXT))
      .refine((s) => isUrlWithScheme(s, ['ws:', 'wss:']), expecting(WS_URL_TEXT))
      .refine((s) => !s.includes('#'), NO_FRAGMENT)
      .describe(
        'WebSocket URL to connect to; "{conn}" is replaced by each socket\'s index (0-based). "{env.NAME}" takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep "{env.NAME}").',
      ),
    // Reported per key (path target.headers["Bad Name"]) rather than as zod's "Invalid key in record".
    headers: headerMap(
      'Extra HTTP headers sent with every upgrade request (e.g. Authorization, Cookie). "{env.NAME}" takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep "{env.NAME}").',
    ),
    origin: z
      .string(expecting('an Origin header value (string)'))
      .refine((v) => !BAD_HEADER_VALUE.test(v), expecting(`an Origin ${HEADER_VALUE_TEXT}`))
      .optional()
      .describe('Origin header of the upgrade request.'),
    subprotocols: z
      .array(z.string(expecting(SUBPROTOCOL_TEXT)).regex(TOKEN, expecting(SUBPROTOCOL_TEXT)), expecting('an array of subprotocol names'))
      .superRefine((names, ctx) => {
        // ws refuses a duplicated subprotocol when it builds each upgrade request.
        names.forEach((name, i) => {
          if (names.indexOf(name) !== i)
            ctx.addIssue({
              code: 'custom',
              path: [i],
              input: name,
              message: `expected each subprotocol once, got "${name}" again (also [${names.indexOf(name)}])`,
            });
        });
      })
      .default([])
      .describe('WebSocket subprotocols offered in Sec-WebSocket-Protocol.'),
    open: z
      .array(openStepSchema, expecting('an array of open steps like {"send": "…", "ack": {…}}'))
      .default([])
      .describe(
        'Messages each socket sends after the upgrade, and again after every reconnect, in order: `[{ "send": "text" or {JSON}, "ack"?: match, "reject"?: match, "timeout"?: "10s" }]`. A JSON `send` goes as JSON text. `{conn}`, `{cohort}`, `{topic}` and `{identity.FIELD}` are filled in per socket (JSON-escaped inside a JSON message); `{topic}` without `topics` is an error naming `topics`. With `ack` the socket waits for a reply matching it (`{"pointer": "/type", "equals": "subscribed"}`: the JSON pointer holds that value exactly; or `{"regex": "^OK"}` over the reply text) before the next step; a reply matching `reject` fails the subscription as `subscribe-rejected`, no ack within `timeout` as `subscribe-timeout`, the server closing first as `subscribe-closed`, each a connection failure, the socket closed (and reconnected by its policy). `reject` and `timeout` require `ack`. The socket counts as opened and subscribed after its last step (upgrade latency is still measured to the upgrade); other replies while it waits are judged like any message. Without any `ack` it is subscribed once its messages are sent, so a publish racing them may count lost: give the last step an `ack`. Empty: subscribed at the upgrade (the demo protocol).',
      ),
  },
  expecting('"embedded" or an object like {"url": "ws://host:port/ws"}'),
);

const WINDOW_BITS_TEXT = 'an integer from 8 to 15 (a window of 2^bits bytes)';

/** permessage-deflate offered on every socket: `true` (ws's offer) or its parameters. */
export const perMessageDeflateSchema = z.union(
  [
    z.boolean(),
    z.strictObject(
      {
        serverNoContextTakeover: z
          .boolean(expecting('true or false'))
          .default(false)
          .describe(
            'Ask the server to compress each message on its own (server_no_context_takeover): less memory on the server, larger frames.',
          ),
        clientNoContextTakeover: z
          .boolean(expecting('true or false'))
          .default(false)
          .describe("Compress wsload's own messages each on its own (client_no_context_takeover)."),
        serverMaxWindowBits: z
          .number(expecting(WINDOW_BITS_TEXT))
          .int(expecting(WINDOW_BITS_TEXT))
          .min(8, expecting(WINDOW_BITS_TEXT))
          .max(15, expecting(WINDOW_BITS_TEXT))
          .optional()
          .describe("Ask for the server's LZ77 window at most 2^bits bytes (server_max_window_bits); absent: not asked."),
        clientMaxWindowBits: z
          .number(expecting(WINDOW_BITS_TEXT))
          .int(expecting(WINDOW_BITS_TEXT))
          .min(8, expecting(WINDOW_BITS_TEXT))
          .max(15, expecting(WINDOW_BITS_TEXT))
          .optional()
          .describe("wsload's own window (client_max_window_bits=bits); absent: offered without a value (the server may pick)."),
        threshold: int(0).default(1024).describe('Messages wsload sends smaller than this many bytes go uncompressed (default 1024).'),
        level: int(0, 9).optional().describe("zlib level of wsload's own messages (default zlib's)."),
        memLevel: int(1, 9).optional().describe("zlib memLevel of wsload's compressor (default 8)."),
        concurrencyLimit: int(1, 10_000).default(10).describe('zlib operations in flight at once per worker thread (default 10, as ws).'),
      },
      expecting('an object like {"serverNoContextTakeover": true}'),
    ),
  ],
  expecting('true, false or an object like {"serverNoContextTakeover": true, "clientMaxWindowBits": 10}'),
);
