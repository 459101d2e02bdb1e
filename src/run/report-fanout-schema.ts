/** Delivery sections of the report: fan-out by topic and cohort, censored fan-out, a server stream's accounting. */
import { z } from 'zod';
import { count, ms, percentileSetSchema } from './report-schema-units.js';

/** One topic's fan-out in fanout.byTopic. */
export const topicStatsSchema = z.object({
  sockets: count.describe('Sockets the scenario put in this topic.'),
  published: count.describe("This topic's publishes that succeeded."),
  expected: count.describe('Deliveries due: eligible (socket of this topic, publish to this topic) pairs; expected = delivered + lost.'),
  delivered: count,
  lost: count,
  late: count,
  duplicated: count,
  latencyMs: percentileSetSchema.describe('Fan-out latency of this topic\'s deliveries (histogram "fanout:<topic>").'),
  completionMs: percentileSetSchema
    .optional()
    .describe(
      'Per publish of this topic: scheduled time until its last eligible socket got it (histogram "completion:<topic>"); absent when no publish of it completed or was incomplete.',
    ),
});

/** One cohort's fan-out in fanout.byCohort. */
export const cohortFanoutSchema = z.object({
  latencyMs: percentileSetSchema.describe(
    'Fan-out latency of the deliveries to this cohort\'s sockets (histogram "fanoutByCohort:<cohort>").',
  ),
});

/** Fan-out over every expected delivery, lost and never-sent ones censored (fanout.censored). */
export const censoredFanoutSchema = z
  .object({
    deadlineMs: ms.describe(
      'publish.deadline: lost deliveries (late ones included) are counted at this value, which they are known to reach.',
    ),
    lost: count.describe('Deliveries counted at the deadline (fanout.lost).'),
    unsentPublishes: count.describe(
      'Publishes due but never sent (publish.skipped), each counted at its wait when given up (publish.unsentWaitMs).',
    ),
    unsentDeliveries: count.describe(
      'Their would-be deliveries: unsentPublishes × expected per published publish (an estimate: the sockets subscribed then).',
    ),
    latencyMs: percentileSetSchema.describe(
      'Percentiles over received + lost + never-sent deliveries; a value at or above deadlineMs is a lower bound.',
    ),
  })
  .describe(
    "Fan-out latency over every expected delivery (received ones at their latency, lost ones censored at the deadline, never-sent publishes' deliveries at their wait), beside latencyMs (received only); absent without publishing and in older reports.",
  );

/** What a server-originated stream delivered: staleness by embedded timestamp, per-socket sequence accounting. */
export const streamStatsSchema = z.object({
  messages: count.describe('Stream messages judged: every configured field (timestamp, sequence) was readable.'),
  unmatched: count.describe(
    'Messages where a configured field was missing or not a number (and binary frames left unread with publish.binary "unmatched").',
  ),
  gaps: count.describe("Times a socket's sequence jumped ahead by more than one."),
  missing: count.describe('Sequence numbers skipped by those jumps and not received later (within 32 of the newest).'),
  duplicated: count.describe('Messages whose sequence number the socket had already received (the newest, or one of the 32 below it).'),
  outOfOrder: count.describe(
    "Messages older than the socket's newest that it had not received (or older than 32 below it: not told apart from duplicates).",
  ),
  negative: count.describe(
    "Messages whose timestamp was later than the receipt (the service's clock ahead of this machine's); within 10 ms recorded as staleness 0.",
  ),
  ahead: count
    .optional()
    .describe(
      'Of those, messages stamped more than 10 ms after their receipt: their staleness is unknown, not recorded, and they do not count as judged. Absent in older reports.',
    ),
  staleCapped: count
    .optional()
    .describe(
      'Messages stamped more than 365 days before their receipt: recorded as 365 days (older versions lost them). Absent in older reports.',
    ),
  aheadMaxMs: ms.describe('Largest amount by which a timestamp was later than its receipt, ms (0: never).'),
  stalenessMs: percentileSetSchema.describe(
    'Receipt wall-clock time minus the embedded timestamp, per message whose staleness is known (not those stamped more than 10 ms ahead; includes the clock offset: see clockCaveat).',
  ),
  clockCaveat: z.string().describe('What staleness can and cannot say without synchronised clocks.'),
});
