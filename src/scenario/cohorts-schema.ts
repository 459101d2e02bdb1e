/** Who the sockets are: `reconnect`, `cohorts`, `topics` and `identities` as written. */
import { z } from 'zod';
import { expecting } from './schema-text.js';
import { duration, int, MAX_TOPICS, nonEmptyString, TOPIC_NAME, TOPIC_NAME_TEXT } from './schema-fields.js';

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
    policy: z
      .enum(['none', 'immediate', 'backoff'], expecting(RECONNECT_POLICY_TEXT))
      .optional()
      .describe('Defaults to the top-level reconnect.policy.'),
    min: duration(false).optional().describe('Defaults to the top-level reconnect.min.'),
    max: duration(false).optional().describe('Defaults to the top-level reconnect.max.'),
    jitter: z
      .number(expecting(JITTER_TEXT))
      .min(0, expecting(JITTER_TEXT))
      .max(1, expecting(JITTER_TEXT))
      .optional()
      .describe('Defaults to the top-level reconnect.jitter.'),
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
    pingInterval: duration(true)
      .optional()
      .describe('Send a WebSocket ping frame at this interval (keeps gateways that count client bytes from idling out).'),
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
    reconnect: cohortReconnectSchema
      .optional()
      .describe('Reconnect policy of this cohort; keys left out come from the top-level reconnect.'),
  },
  expecting('a cohort object like {"name": "silent", "share": 0.5}'),
);

const TOPICS_TEXT = 'a list like [{"name": "news", "share": 0.5}, …] or an object like {"count": 10, "name": "room-{n}"}';

/** One topic of the list form: a share of the connections or a count of them, like a cohort. */
export const topicSchema = z.strictObject(
  {
    name: z
      .string(expecting(TOPIC_NAME_TEXT))
      .regex(TOPIC_NAME, expecting(TOPIC_NAME_TEXT))
      .describe('Topic name, unique; "{topic}" is replaced by it.'),
    share: z
      .number(expecting(SHARE_TEXT))
      .gt(0, expecting(SHARE_TEXT))
      .max(1, expecting(SHARE_TEXT))
      .optional()
      .describe('Fraction of the connections in this topic; give every topic a share (summing to 1) or every topic a count.'),
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
      .describe(
        '"modulo": socket i is in topic i mod count; "block": in topic floor(i × count / connections) (consecutive sockets share a topic).',
      ),
  },
  expecting('an object like {"count": 10, "name": "room-{n}", "assign": "modulo"}'),
);

/** `topics`: the list form or the generated form. */
export const topicsSchema = z.union(
  [
    z
      .array(topicSchema, expecting(TOPICS_TEXT))
      .min(1, expecting(TOPICS_TEXT))
      .max(MAX_TOPICS, expecting(`${TOPICS_TEXT}, at most ${MAX_TOPICS} topics`)),
    topicsGeneratedSchema,
  ],
  expecting(TOPICS_TEXT),
);

const IDENTITY_FILE_TEXT = 'a .csv, .jsonl or .ndjson file path (relative to the scenario file)';

export const identitiesSchema = z.strictObject(
  {
    file: nonEmptyString(IDENTITY_FILE_TEXT)
      .refine((s) => /\.(csv|jsonl|ndjson)$/i.test(s), expecting(IDENTITY_FILE_TEXT))
      .describe(
        'CSV (header row = field names) or JSON lines (one object per line), one identity per socket, relative to the scenario file. "{env.NAME}" takes the value of environment variable NAME (a secret or a host kept out of the file; refused when unset; reports keep "{env.NAME}").',
      ),
    reuse: z
      .boolean(expecting('true or false'))
      .default(false)
      .describe('Allow fewer identities than sockets: socket i takes identity i mod count.'),
  },
  expecting('an object like {"file": "users.csv"}'),
);
