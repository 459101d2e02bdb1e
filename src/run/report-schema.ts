/**
 * The report file format (formatVersion 1) as one zod 4 schema: run/report.ts infers the Report
 * type from it, report/read.ts validates with it, and schema/report.schema.json is generated from it
 * (`npm run schema:report`). Objects strip unknown keys rather than reject them, so a report written
 * by a newer wsload of the same formatVersion (additive fields only) still reads. Latencies are
 * milliseconds as floats; histograms record integer microseconds.
 */
import { z } from 'zod';
import { observeSectionSchema } from './observe-schema.js';

const count = z.number().int().nonnegative();
const ms = z.number();
const counts = z.record(z.string(), count);

export const percentileSetSchema = z
  .object({
    count,
    min: ms,
    mean: ms,
    p50: ms,
    p75: ms.optional().describe('75th percentile; absent from reports of wsload versions before it was kept (any percentile is read off the histogram).'),
    p90: ms,
    p95: ms.optional().describe('95th percentile; absent from reports of wsload versions before it was kept.'),
    p99: ms,
    p999: ms.describe('99.9th percentile ("p99.9" in thresholds, tables and compare).'),
    max: ms,
  })
  .describe('Summary of one histogram in milliseconds; count 0 gives zeros everywhere. Every percentile (pNN, pNN.N) is read off the histogram behind it (Report.histograms).');

/** Why a handshake failed; every reason wsload has ever written (reports of any version read). */
export const connectFailureReasonSchema = z.union([
  z.enum([
    'refused',
    'timeout',
    'reset',
    'dns',
    'address-in-use',
    /* Binding the source address failed (EADDRNOTAVAIL): a localAddresses entry not on this machine. */
    'address-not-available',
    'too-many-open-files',
    'cert-untrusted',
    'cert-hostname-mismatch',
    'cert-expired',
    /* The server asked for a client certificate (mutual TLS) and none was sent. */
    'client-cert-required',
    'tls-protocol',
    /* The server answered 101 but wrongly (bad Sec-WebSocket-Accept, a subprotocol not offered…). */
    'bad-upgrade',
    /* target.open: no acknowledgement within the step's timeout. */
    'subscribe-timeout',
    /* target.open: a reply matched the step's reject match. */
    'subscribe-rejected',
    /* target.open: the server closed the socket before the last acknowledgement. */
    'subscribe-closed',
    /* protocol: the server answered in another protocol or version (no Engine.IO open packet, no CONNACK, a refused version). */
    'protocol-mismatch',
    'other',
  ]),
  z.templateLiteral(['http-', z.number()]),
]);

export const closeCauseSchema = z
  .enum(['server-close', 'client-close', 'connection-lost', 'protocol-error'])
  .describe(
    'Who ended a socket: server-close (a close frame from the server), client-close (wsload or its WebSocket library), ' +
      'connection-lost (the TCP connection ended with no close frame, 1006: idle timeout, reset, crash), ' +
      'protocol-error (the client found the peer breaking the protocol and closed).',
  );
const byCauseSchema = z.partialRecord(closeCauseSchema, count);

const reconnectPolicySchema = z.object({
  policy: z.enum(['none', 'immediate', 'backoff']),
  minMs: ms,
  maxMs: ms,
  jitter: z.number(),
});

/** One topic's fan-out in fanout.byTopic. */
export const topicStatsSchema = z.object({
  sockets: count.describe('Sockets the scenario put in this topic.'),
  published: count.describe("This topic's publishes that succeeded."),
  expected: count.describe("Deliveries due: eligible (socket of this topic, publish to this topic) pairs; expected = delivered + lost."),
  delivered: count,
  lost: count,
  late: count,
  duplicated: count,
  latencyMs: percentileSetSchema.describe("Fan-out latency of this topic's deliveries (histogram \"fanout:<topic>\")."),
  completionMs: percentileSetSchema.optional().describe('Per publish of this topic: scheduled time until its last eligible socket got it (histogram "completion:<topic>"); absent when no publish of it completed or was incomplete.'),
});

/** One cohort's fan-out in fanout.byCohort. */
export const cohortFanoutSchema = z.object({
  latencyMs: percentileSetSchema.describe('Fan-out latency of the deliveries to this cohort\'s sockets (histogram "fanoutByCohort:<cohort>").'),
});

const cohortSchema = z.object({
  name: z.string(),
  count,
  pingIntervalMs: ms.nullable(),
  heartbeat: z.object({ intervalMs: ms, text: z.string() }).nullable(),
  reconnect: reconnectPolicySchema,
});

const replyMatchSchema = z.union([z.object({ pointer: z.string(), equals: z.union([z.string(), z.number(), z.boolean(), z.null()]) }), z.object({ regex: z.string() })]);

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
  matchBy: z.enum(['field', 'pointer', 'regex']).optional().describe('How `match` reads the sequence number: a top-level field, a JSON pointer, or a regular expression\'s capture group; absent in older reports (a top-level field).'),
  binary: z.enum(['utf8-json', 'unmatched']).optional().describe('Binary frames read as UTF-8 JSON like text, or counted unmatched unread; absent in older reports ("utf8-json").'),
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
  stages: z
    .array(z.object({ durationMs: ms, target: z.number() }))
    .optional()
    .describe('The publish rate over the hold (publish.stages): linear from `rate` through each target, then the last target; absent: `rate` throughout (and in older reports).'),
  topics: z.array(z.string()).optional().describe('With topics: the topic names cycled one per publish; absent without topics.'),
});

/** The normalized Scenario (run/scenario.ts) as a report carries it; a compile-time check below keeps the two equal. */
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
    report: z.object({ intervalMs: ms }),
    thresholds: z.record(z.string(), z.string()),
    tls: z.object({
      ca: z.string().nullable(),
      insecure: z.boolean(),
      servername: z.string().nullable(),
      cert: z.string().nullable(),
      key: z.string().nullable(),
    }),
    resolve: z.record(z.string(), z.string()),
    identities: z
      .object({ file: z.string(), fields: z.array(z.string()), count, rows: z.array(z.array(z.string())), reuse: z.boolean() })
      .optional()
      .describe('The identities file of the run: its fields and count; rows is always empty in a report (identities hold tokens). Absent when none.'),
    metrics: z.object({ listen: z.string() }).optional().describe('The Prometheus endpoint the run served; absent when none (and in reports written before it existed).'),
    stages: z
      .array(z.object({ durationMs: ms, target: count }))
      .optional()
      .describe('Open sockets over time (stages): linear from 0 through each target; connections is their peak and durationMs their total. Absent: connectRate, then the hold (and in older reports).'),
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
      .describe('The server\'s own stream (publish.source "server"): JSON pointers to its timestamp and sequence; absent when wsload published (and in older reports).'),
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
      ])
      .optional()
      .describe('The protocol spoken over each socket (Socket.IO, MQTT, graphql-ws) with its options as templates; absent: plain WebSocket (and in older reports).'),
  })
  .describe('The scenario after validation and normalization (durations in ms).');

const disconnectStatsShape = {
  total: count,
  byCode: counts,
  byCause: byCauseSchema,
  byError: counts.describe('errno-style error seen at close (ECONNRESET, EPIPE, …) → count.'),
  idleAtCloseMs: percentileSetSchema.describe('Time since the last frame received, at close.'),
  sentIdleAtCloseMs: percentileSetSchema.describe('Time since the last frame sent, at close.'),
  ageAtCloseMs: percentileSetSchema,
};
export const disconnectStatsSchema = z.object(disconnectStatsShape);

const reconnectStatsShape = {
  total: count,
  downMs: ms.describe('Total time sockets spent disconnected while waiting to reconnect.'),
  missedPublishes: count.describe('Publishes that a socket missed because it was down (not counted in fanout.lost).'),
};
export const reconnectStatsSchema = z.object(reconnectStatsShape);

export const dropEventSchema = z
  .object({
    startMs: ms.describe('First close, ms since the run started.'),
    startedAt: z.string().describe('First close, ISO wall-clock time.'),
    endMs: ms.describe('Last close, ms since the run started.'),
    count,
    byCause: byCauseSchema,
    byCode: counts,
    openBefore: count.describe('Sockets open (all workers) just before the first close.'),
    lowestOpen: count.describe('Fewest sockets open from the first close until recovery (or the end of the hold).'),
    recoveryMs: ms
      .nullable()
      .describe('First close → open count back to openBefore (less 1%), sampled every 100 ms; null if not during the hold, or openBefore was 0.'),
    idleTimeoutCut: z
      .boolean()
      .optional()
      .describe("True when most of its closes were a cut judged an idle timeout (only idle sockets taken, while sockets active within the timeout survived); absent in older reports."),
  })
  .describe(
    'Closes that came together in wall-clock time (a restart, a rollout, a mass drop): at least max(5, 1% of connections) closes within 1 s ' +
      'open one (closes more than 250 ms before the rest are not part of it), and it lasts while closes keep coming less than 1 s apart and at least half that densely.',
  );

export const idleTimeoutScreeningSchema = z
  .object({
    samples: count.describe("Closes without a close frame, of sockets not receiving traffic on a schedule, in cuts judged an idle timeout: the estimator's input."),
    closeFrame: count.describe('The server sent a close frame (it closed on purpose; an idle timeout sends none).'),
    clientSide: count.describe('wsload or its WebSocket library ended the socket (protocol error, ping flood protection).'),
    receivingTraffic: count.describe('No close frame, but idle for no longer than 2 × the interval at which the socket received publishes or pongs.'),
    tookActive: count
      .optional()
      .describe(
        'No close frame, but cut together with sockets active within its idle time (idle times further apart than twice max(250 ms, 10 %): a restart or a mass drop takes every socket, a timeout only idle ones). Absent in older reports.',
      ),
    idleSurvived: count
      .optional()
      .describe('No close frame, but sockets idle longer than it stayed open (a timeout of that length would have cut them too). Absent in older reports.'),
    unconfirmed: count
      .optional()
      .describe(
        'No close frame, but cut with no socket active within its idle time left open to show the cut was selective, and not one by one as the sockets went quiet ' +
          '(a restart looks the same; a pinging cohort tells them apart). Absent in older reports.',
      ),
    inDropEvent: count
      .optional()
      .describe("Older reports only: no close frame, but part of a drop event in a cohort that received traffic, or whose closes did not follow each socket's own idle time."),
  })
  .describe("Why a cohort's closes were or were not taken as idle-timeout samples (one rule for every cluster of closes: docs/idle-timeout.md).");

export const idleTimeoutSchema = z.object({
  estimateMs: ms,
  spreadMs: ms.describe('Width of the cluster the estimate was taken from (p95 − p5 of its members).'),
  samples: count,
  cohort: z.string(),
});

export const workerHealthSchema = z.object({
  worker: count,
  sockets: count,
  eventLoopLagMs: z.object({ max: ms, p99: ms, p90: ms.optional().describe('Absent in older reports.'), mean: ms }),
  utilization: z.number().optional().describe("Share of the hold the worker's event loop was busy running callbacks (0–1)."),
  crashed: z.string().nullable().describe("Set when the worker thread died; its sockets' later events are missing."),
});

/** One shard's delivery books in shards[].fanout. */
export const shardFanoutSchema = z.object({
  expected: count.describe('Deliveries due to its sockets.'),
  delivered: count.describe('Received on time, as its snapshots reported them (exact).'),
  lost: count.describe('Due and not received in time; includes `unconfirmed`.'),
  unconfirmed: count.describe(
    'Lost shard only: deliveries it owed after its last snapshot (publishes it had not judged, and those sent until it was declared lost) that nobody saw arrive; ' +
      'an upper bound of what the target failed to deliver to it: some may have arrived with nobody left to count them.',
  ),
  early: count.describe('Receipts before their publish\'s scheduled time by the clock offset in use for it (see fanout.early).'),
  earlyMaxMs: ms.describe('How far before its scheduled time the earliest of them came, ms (0: none).'),
});

export const shardSchema = z.object({
  index: count,
  name: z.string().describe('The agent\'s name (--name; local shards are "shard-<index>").'),
  host: z.string(),
  pid: z.number().int(),
  sockets: count.describe('Sockets this shard was given (floor or floor + 1 of connections).'),
  opened: count.describe('Successful handshakes of its workers, reconnects included.'),
  failed: count.describe('Failed handshakes of its workers.'),
  peakRssMb: z.number().describe("The shard process's peak resident memory."),
  eventLoopLagMs: ms.describe('Worst event-loop lag of its workers during the hold.'),
  saturated: z.boolean().describe('Its workers\' lag says this shard limited the run (the thresholds of client.saturated).'),
  clockOffsetMs: z.number().describe("Its clock minus the coordinator's (0 exactly on the same host and boot)."),
  clockUncertaintyMs: z.number().describe('The offset is known within ± this (half the best probe round trip; 0 on the same host).'),
  clockDriftMs: ms
    .optional()
    .describe('Largest change of its clock offset between two rounds of probes (clock drift, plus the rounds\' own error); absent in older reports.'),
  lost: z.boolean().describe('The shard was lost mid-run (control connection closed or silent): its last snapshot is kept, and what it owed after it is booked lost (fanout.unconfirmed).'),
  lostReason: z.string().optional(),
  fanout: shardFanoutSchema.optional().describe('Its delivery books (expected = delivered + lost); absent in older reports.'),
});

export const thresholdResultSchema = z.object({
  metric: z.string(),
  expression: z.string(),
  actual: z.number().describe('The value compared (ms for latencies, a count, or a percent for "%" expressions).'),
  pass: z.boolean(),
  noData: z.boolean().optional().describe('Set (true) when the metric had no samples: the threshold failed for want of evidence.'),
  clockUncertaintyMs: ms
    .optional()
    .describe('Set on fan-out and completion latencies of a run measured across clocks (remote agents): `actual` is known within ± this (report.clock.uncertaintyMs), and the threshold passes only if it passes anywhere within it.'),
  uncertain: z
    .boolean()
    .optional()
    .describe('Set (true) when the value passes but the limit lies within its clock uncertainty (a slope: within its 95 % interval): not a clean pass, so it failed.'),
  slopeUncertainty: z
    .number()
    .optional()
    .describe('Set on slope thresholds (client.rss.slope, observe.*.slope): the 95 % half-width of `actual` (same unit); the threshold passes only if the whole interval does.'),
  clockWrong: z
    .boolean()
    .optional()
    .describe('Set (true) when receipts came before their scheduled time beyond what the clock uncertainty allows: the latency is not a measurement, so the threshold failed.'),
});

export const mergeInfoSchema = z
  .object({
    reports: count,
    overlapping: z.boolean().describe("False when the runs' [startedAt, endedAt] windows had no moment in common."),
    overlapMs: ms.describe('Length of the window all runs shared, ms.'),
    exact: z.array(z.string()).describe('Figures that are exact (plain sentences naming the fields).'),
    estimates: z.record(z.string(), z.string()).describe('Field path → why it is not exact. "*" applies to the whole report.'),
  })
  .describe('Only on merged reports: which figures are exact, which are estimates, whether the runs overlapped.');

export const reportIntervalsSchema = z
  .object({
    blockMs: z.number().positive().describe('Length of one block, ms (the worker tick, doubled as often as needed to keep ≤ 600 blocks).'),
    fanout: z.array(z.string()).describe('Encoded fan-out latency histogram per block, by when the deliveries reached the driver; "" when empty.'),
    completion: z.array(z.string()).describe('Encoded publish-completion histogram per block, by when the publish completed; "" when empty.'),
    streamStaleness: z.array(z.string()).optional().describe('Encoded stream-staleness histogram per block, by when the messages reached the driver; absent without a server stream (and in older reports).'),
    publish: z.array(z.string()).optional().describe('Encoded publish-latency histogram per block, by when the request was answered; absent without publishing (and in older reports).'),
    lost: z.array(count).optional().describe('Deliveries judged lost per block (compare counts them at the deadline); absent when none was lost (and in older reports).'),
    handshake: z
      .object({
        blockMs: z.number().positive().describe('Length of one ramp block, ms: the ramp (or the stages) in at most 20 blocks, none shorter than 100 ms.'),
        blocks: z.array(z.string()).describe('Encoded first-connect handshake histogram per ramp block: block i holds the sockets due on the ramp in [i·blockMs, (i+1)·blockMs) after it started.'),
      })
      .optional()
      .describe('Handshakes by where the socket was due on the ramp; absent in older reports.'),
  })
  .describe('Latency histograms per block of time (block i covers [i·blockMs, (i+1)·blockMs) after startedAt; "" = empty), and handshakes per block of the ramp, resampled by compare.');

const lagSchema = z.object({ max: ms, p99: ms });

/** Fan-out over every expected delivery, lost and never-sent ones censored (fanout.censored). */
export const censoredFanoutSchema = z
  .object({
    deadlineMs: ms.describe('publish.deadline: lost deliveries (late ones included) are counted at this value, which they are known to reach.'),
    lost: count.describe('Deliveries counted at the deadline (fanout.lost).'),
    unsentPublishes: count.describe('Publishes due but never sent (publish.skipped), each counted at its wait when given up (publish.unsentWaitMs).'),
    unsentDeliveries: count.describe("Their would-be deliveries: unsentPublishes × expected per published publish (an estimate: the sockets subscribed then)."),
    latencyMs: percentileSetSchema.describe('Percentiles over received + lost + never-sent deliveries; a value at or above deadlineMs is a lower bound.'),
  })
  .describe("Fan-out latency over every expected delivery (received ones at their latency, lost ones censored at the deadline, never-sent publishes' deliveries at their wait), beside latencyMs (received only); absent without publishing and in older reports.");

/** Whether the client's memory stayed flat (client.memory). */
export const memoryTrendSchema = z
  .object({
    rssSlopeMbPerHour: z.number().describe("Least-squares slope of the wsload process's RSS after the warm-up (the first quarter of the hold, at most 15 min), MB per hour."),
    ci: z.tuple([z.number(), z.number()]).describe('95 % interval of the slope, MB per hour (its standard error widened for the correlation of neighbouring samples).'),
    flat: z
      .boolean()
      .optional()
      .describe('true: the interval lies at or below toleranceMbPerHour; false: above it; absent when the window after the warm-up is under 20 min or the interval straddles the tolerance (note says which).'),
    toleranceMbPerHour: z.number().describe('Growth judged flat: 5 MB/h, or 1 % of the median RSS per hour when that is more.'),
    fromS: z.number().describe('Start of the fitted window, seconds from the run start.'),
    toS: z.number().describe('End of the fitted window, seconds from the run start.'),
    samples: count.describe('RSS samples fitted (one per driver tick, thinned to at most 1,024 over the run).'),
    startMb: z.number().describe('The fitted line at the window start, MB.'),
    endMb: z.number().describe('The fitted line at the window end, MB.'),
    note: z.string().optional().describe('Why flat is absent.'),
  })
  .describe("The client's RSS slope after the warm-up, with its uncertainty: whether wsload's own memory stayed flat over a soak. Absent when fewer than 3 samples follow the warm-up (short runs, runs spread over processes) and in older reports.");

/** How busy this machine was during the hold, and who used it (client.cpu). */
export const hostCpuSchema = z
  .object({
    cores: count,
    holdMs: ms,
    machineBusy: z.number().describe('Share of all cores busy during the hold (/proc/stat), 0–1.'),
    wsload: z.number().describe('Share of all cores the wsload process used (main thread and workers; process.cpuUsage), 0–1.'),
    otherProcesses: z.number().describe('machineBusy − wsload: every other process, the embedded target included, 0–1.'),
  })
  .describe("CPU of this machine during the hold; absent where /proc/stat cannot be read, in runs spread over processes, and in older reports.");

/** What a server-originated stream delivered: staleness by embedded timestamp, per-socket sequence accounting. */
export const streamStatsSchema = z.object({
  messages: count.describe('Stream messages judged: every configured field (timestamp, sequence) was readable.'),
  unmatched: count.describe('Messages where a configured field was missing or not a number (and binary frames left unread with publish.binary "unmatched").'),
  gaps: count.describe('Times a socket\'s sequence jumped ahead by more than one.'),
  missing: count.describe('Sequence numbers skipped by those jumps and not received later (within 32 of the newest).'),
  duplicated: count.describe('Messages whose sequence number the socket had already received (the newest, or one of the 32 below it).'),
  outOfOrder: count.describe('Messages older than the socket\'s newest that it had not received (or older than 32 below it: not told apart from duplicates).'),
  negative: count.describe("Messages whose timestamp was later than the receipt (the service's clock ahead of this machine's); within 10 ms recorded as staleness 0."),
  ahead: count
    .optional()
    .describe('Of those, messages stamped more than 10 ms after their receipt: their staleness is unknown, not recorded, and they do not count as judged. Absent in older reports.'),
  staleCapped: count
    .optional()
    .describe('Messages stamped more than 365 days before their receipt: recorded as 365 days (older versions lost them). Absent in older reports.'),
  aheadMaxMs: ms.describe('Largest amount by which a timestamp was later than its receipt, ms (0: never).'),
  stalenessMs: percentileSetSchema.describe(
    'Receipt wall-clock time minus the embedded timestamp, per message whose staleness is known (not those stamped more than 10 ms ahead; includes the clock offset: see clockCaveat).',
  ),
  clockCaveat: z.string().describe('What staleness can and cannot say without synchronised clocks.'),
});

/** zod schema of Report (formatVersion 1). */
export const reportSchema = z
  .object({
    formatVersion: z.literal(1),
    tool: z.literal('wsload'),
    scenario: reportScenarioSchema,
    startedAt: z.string(),
    endedAt: z.string(),
    interrupted: z.boolean().describe('True when the run was stopped before its planned end (SIGINT, SIGTERM, fatal error).'),
    interruptReason: z.string().nullable(),
    environment: z.object({
      wsload: z.string(),
      node: z.string(),
      platform: z.string(),
      arch: z.string(),
      cpus: count,
      cpuModel: z.string(),
      host: z.string(),
      totalMemoryMb: z.number(),
      openFilesLimit: z.number().nullable().describe('Soft RLIMIT_NOFILE of the wsload process, when it could be read.'),
      ephemeralPorts: z.number().nullable().describe("Size of the kernel's ephemeral port range, when it could be read."),
    }),
    target: z
      .object({ url: z.string(), publishUrl: z.string().nullable(), embedded: z.boolean(), tlsInsecure: z.boolean() })
      .describe("The URLs actually used (the embedded target's port is known only at run time)."),
    phases: z.object({ rampMs: ms, holdMs: ms }),
    connections: z.object({
      target: count,
      opened: count.describe('Successful handshakes, reconnects included (kept for compatibility; not judged by compare).'),
      firstOpened: count.optional().describe('Sockets whose first connection succeeded: `opened` − reconnects. Absent in older reports.'),
      failed: count.describe('Failed handshakes, reconnect attempts included.'),
      peakOpen: count,
      peakOpenUpperBound: z
        .boolean()
        .optional()
        .describe("Set (true) when peakOpen of a run spread over processes is only the sum of each one's own peak, an upper bound (they need not have peaked together): too many opens and closes to merge exactly. Absent: exact."),
      openedByCohort: counts.optional().describe("Successful handshakes per cohort, reconnects included (the idle-timeout estimator's socket count)."),
      openAtEnd: count.describe('Sockets open when the run ended.'),
      rampDownCloses: count
        .optional()
        .describe('With stages: sockets wsload closed (1000) because the target fell; not disconnects, not reconnected. Absent without stages.'),
      reopened: count
        .optional()
        .describe('With stages: successful opens of sockets the stages brought back after a ramp-down (not reconnects, not first opens). Absent without stages.'),
      failures: z.partialRecord(connectFailureReasonSchema, count),
    }),
    handshake: z.object({
      latencyMs: percentileSetSchema.describe(
        'First connects, from when the socket was due on the ramp schedule to open (queue wait included). ' +
          "Reports before this field's siblings existed measured from the attempt's start.",
      ),
      queueMs: percentileSetSchema.optional().describe('First connects: due on the ramp → attempt started (ramp timer, handshake slot).'),
      dnsMs: percentileSetSchema.optional().describe('Parts of a first connect where measurable; count 0 where not (no DNS for IPs, no TLS on ws://).'),
      tcpMs: percentileSetSchema,
      tlsMs: percentileSetSchema,
      upgradeMs: percentileSetSchema,
      reconnectMs: percentileSetSchema.optional().describe('Reconnect handshakes, from when the reconnect was due (after its backoff) to open.'),
    }),
    fanout: z.object({
      published: count,
      expected: count.describe('Deliveries due: eligible (socket, publish) pairs.'),
      delivered: count,
      lost: count.describe('Deliveries due but not received in time: lostBeforeClose + lostOpen + late.'),
      lostBeforeClose: count
        .optional()
        .describe(
          'Lost because the connection that owed them closed without them: subscribed when the publish was sent and still open 250 ms ' +
            '(the grace) later, closed before receiving it (a stalled, then kicked socket); absent in older reports.',
        ),
      lostOpen: count
        .optional()
        .describe("Lost by a connection still open at the publish's deadline that never got it; absent in older reports (there: lost − late)."),
      duplicated: count,
      outOfOrder: count.describe(
        "Deliveries that arrived after a later publish on the same socket, counted only where the earlier publish's request had been " +
          'answered before the later one was sent (so the target must have pushed them in that order).',
      ),
      late: count.describe('First copies received after the deadline (scheduled time + publish.deadline); each is also counted lost.'),
      unmatched: count.describe('Messages that carried no recognisable sequence number where publish.match looks (and binary frames left unread with publish.binary "unmatched").'),
      foreign: count.optional().describe('Messages of another run against the same target (another run tag); absent in older reports.'),
      idMismatch: count.optional().describe("This run's messages whose pushed `id` differed from the publish's id (not counted delivered); absent in older reports."),
      misrouted: count
        .optional()
        .describe("With topics: copies of a topic's publish received by a socket not in that topic (neither delivered nor lost); absent without topics and in older reports."),
      byTopic: z
        .record(z.string(), topicStatsSchema)
        .optional()
        .describe('With topics: the fan-out per topic (only its sockets are expected to receive its publishes); absent without topics and in older reports.'),
      byCohort: z
        .record(z.string(), cohortFanoutSchema)
        .optional()
        .describe('With two cohorts or more: fan-out latency per cohort (is the ping cohort slower?); absent with one cohort and in older reports.'),
      latencyMs: percentileSetSchema,
      completionMs: percentileSetSchema.describe('Per publish: scheduled time until the last eligible socket got it; incomplete publishes recorded at the deadline.'),
      incomplete: count.describe(
        'Publishes not delivered in time to every eligible socket, or whose request failed after reaching some (in completionMs at the deadline).',
      ),
      early: count
        .optional()
        .describe(
          "Deliveries received before their publish's scheduled time, by the clock offset in use (a remote agent's offset estimate wrong): counted delivered and recorded at 0 ms; " +
            'beyond the clock uncertainty they fail the run (the latency figures are then not a measurement). Absent in older reports.',
        ),
      earlyMaxMs: ms.optional().describe('How far before its scheduled time the earliest of them came, ms (0: none). Absent in older reports.'),
      unconfirmed: count
        .optional()
        .describe(
          'Of `lost`: deliveries that workers or shards lost mid-run owed after their last snapshot and that nobody saw arrive (their fate is unknown: an upper bound, ' +
            'see shards[].fanout.unconfirmed). Everything else in expected, delivered and lost is exact. Absent in older reports.',
        ),
      censored: censoredFanoutSchema.optional(),
    }),
    publish: z.object({
      sent: count,
      failed: count,
      skipped: count.describe('Due but never sent: the queue of publishes waiting for a request slot (rate × deadline) was full, or the hold ended.'),
      queued: count.optional().describe('Sent after waiting for one of `publish.concurrency` request slots (their latency includes the wait); absent in older reports.'),
      maxQueueMs: ms.optional().describe('Longest such wait, ms; absent in older reports.'),
      behind: z
        .boolean()
        .optional()
        .describe(
          'The publish path did not keep the rate: a publish dropped from a full queue, or one waited for a request slot longer than ' +
            'max(1 s, two publish intervals) (older reports: longer than one interval); absent in older reports.',
        ),
      runTag: z
        .string()
        .nullable()
        .optional()
        .describe("Tag this run's published values carried (`{value}` = `<tag>-<seq>`), null when the template carried none; absent in older reports."),
      failures: counts,
      latencyMs: percentileSetSchema.describe(
        "Publish request round trip (sent → answered; with via \"websocket\": → written or acknowledged), net of wsload's own main-thread " +
          'delay in handling the answer (how long the loop had been busy before it did, sampled every 5 ms). Older reports: as measured.',
      ),
      measuredLatencyMs: percentileSetSchema
        .optional()
        .describe("The same round trips as the main thread saw them, its own delay included; absent in older reports."),
      scheduleLagMs: percentileSetSchema.describe('How late publishes left compared with their schedule.'),
      unsentWaitMs: percentileSetSchema
        .optional()
        .describe('Publishes due but never sent (skipped): how long each had waited when given up (the hold ended; the deadline when dropped from a full queue). Absent in older reports.'),
    }),
    closes: z.object({ byCode: counts }),
    disconnects: z.object({
      ...disconnectStatsShape,
      byCohort: z.record(z.string(), disconnectStatsSchema),
      idleTimeout: idleTimeoutSchema.nullable(),
      idleTimeoutNote: z.string().nullable().describe('Why there is no estimate, when there is none.'),
      survivingCohorts: z.array(z.string()).describe('Cohorts with no connection-lost closes during the hold.'),
      recommendation: z.string().nullable(),
      events: z.array(dropEventSchema).optional().describe('Drop events, in time order (absent in reports of older wsload versions).'),
      idleTimeoutScreening: z
        .record(z.string(), idleTimeoutScreeningSchema)
        .optional()
        .describe('Per cohort: how its closes were screened for the idle-timeout estimate (absent in older reports).'),
    }),
    reconnects: z.object({ ...reconnectStatsShape, byCohort: z.record(z.string(), reconnectStatsSchema) }),
    client: z.object({
      eventLoopLagMs: lagSchema.describe(
        'Worker event-loop lag during the hold (the worst worker): how late a 5 ms timer ran, net of its period, with the samples a stall ' +
          'swallowed back-filled. Older reports: monitorEventLoopDelay over the whole run, which read ~10 ms on an idle loop.',
      ),
      mainThreadLagMs: lagSchema.optional().describe("The main thread's (publisher's) event-loop lag during the hold, measured the same way."),
      turnMs: percentileSetSchema.optional().describe("Per event-loop turn that handled messages, all workers: the client's own share of fan-out latency."),
      saturationReasons: z.array(z.string()).optional().describe('Why the client was judged saturated; empty when it was not.'),
      saturationCause: z
        .enum(['wsload', 'machine', 'unknown'])
        .nullable()
        .optional()
        .describe('Why saturated: "wsload" (its own workers or main thread were the bottleneck), "machine" (other processes kept the CPU busy while wsload\'s own loops were mostly idle), "unknown" (no CPU figures); null when not saturated; absent in older reports.'),
      cpu: hostCpuSchema.optional(),
      workers: z.array(workerHealthSchema),
      peakRssMb: z.number(),
      memory: memoryTrendSchema.optional(),
      saturated: z.boolean().describe('True when the client, not the target, limited the run during the hold (see saturationReasons).'),
    }),
    clock: z
      .object({
        uncertaintyMs: ms.describe(
          'Fan-out and completion latencies are known within ± this: the largest clock-offset uncertainty any shard had in use over the run, drift between its ' +
            "probe rounds included (0: every receipt was judged on the publisher's own clock: one process, or shards on its host and boot).",
        ),
      })
      .optional()
      .describe('How far the latency figures can be off because receipts were timed on other clocks; absent in older reports (then: the largest shards[].clockUncertaintyMs, or 0).'),
    observe: observeSectionSchema.optional(),
    stream: streamStatsSchema.optional().describe('A server-originated stream (publish.source "server"); absent otherwise (and in older reports).'),
    thresholds: z.array(thresholdResultSchema).describe('Threshold results; empty when the scenario has none.'),
    warnings: z.array(z.string()).describe('Plain sentences a user should read: limits hit, insecure TLS, saturation, crashes.'),
    merged: mergeInfoSchema.optional(),
    files: z
      .object({
        timeline: z.string().nullable(),
        hlog: z.string().nullable(),
        writeErrors: z.number().int().nonnegative().optional().describe('Intervals not written whole to the .ndjson/.hlog (disk full, directory gone).'),
      })
      .describe('Files written beside the report (relative to it, or absolute when the report itself had to be written elsewhere), when written.'),
    histograms: z
      .record(z.string(), z.string())
      .describe(
        'Encoded HdrHistograms (V2 compressed base64, microseconds) by name: the keys of HISTOGRAMS in src/run/registry.ts, and per cohort ' +
          '"idleAtClose:<cohort>", "sentIdleAtClose:<cohort>", "ageAtClose:<cohort>", "idleTimeoutSamples:<cohort>".',
      ),
    intervals: reportIntervalsSchema.optional(),
    shards: z
      .array(shardSchema)
      .optional()
      .describe('The processes that held the sockets when the run was spread over local shards or agents; absent when one process ran it.'),
  })
  .describe('A wsload run report (formatVersion 1).');

/** zod schema of one .ndjson timeline line, written every report interval. */
export const timelineLineSchema = z.object({
  t: z.string().describe('ISO time at the end of the interval.'),
  elapsedMs: ms.describe('Milliseconds since the run started.'),
  open: count,
  connects: count,
  connectFailures: count,
  closes: count,
  closesByCause: byCauseSchema,
  published: count,
  deliveries: count,
  lost: count,
  fanoutMs: z.object({ p50: ms, p99: ms, max: ms, count }),
  rssMb: z.number(),
  eventLoopLagMs: z.number(),
  reconnects: count.optional().describe('Reconnect handshakes that succeeded in the interval (absent in lines written before wsload counted them).'),
  durationMs: ms
    .optional()
    .describe('Real length of the interval: report.interval, less for the last one, cut short by the end of the run (absent in older lines: elapsedMs of this line − of the previous).'),
  observe: z
    .record(z.string(), z.record(z.string(), z.number().nullable()))
    .optional()
    .describe('Observed endpoint → series → its latest scraped value at the end of the interval (counters: a rate per second); absent without observed endpoints and in older lines.'),
  partial: z
    .literal(true)
    .optional()
    .describe('Set on the last interval when the run ended before it did: its counts cover only durationMs, and open sockets are read after wsload closed its own.'),
});
