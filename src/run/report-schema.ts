/**
 * The report file format (formatVersion 1) as one zod 4 schema: run/report.ts infers the Report
 * type from it, report/read.ts validates with it, and schema/report.schema.json is generated from it
 * (`npm run schema:report`). Objects strip unknown keys rather than reject them, so a report written
 * by a newer wsload of the same formatVersion (additive fields only) still reads. Latencies are
 * milliseconds as floats; histograms record integer microseconds.
 */
import { z } from 'zod';
import { observeSectionSchema } from './observe-schema.js';
import { count, counts, ms, percentileSetSchema } from './report-schema-units.js';
import { reportScenarioSchema } from './report-scenario-schema.js';
import {
  connectFailureReasonSchema,
  disconnectStatsSchema,
  disconnectStatsShape,
  dropEventSchema,
  idleTimeoutSchema,
  idleTimeoutScreeningSchema,
  reconnectStatsSchema,
  reconnectStatsShape,
} from './report-connections-schema.js';
import { censoredFanoutSchema, cohortFanoutSchema, streamStatsSchema, topicStatsSchema } from './report-fanout-schema.js';
import {
  hostCpuSchema,
  lagSchema,
  memoryTrendSchema,
  mergeInfoSchema,
  reportIntervalsSchema,
  shardSchema,
  thresholdResultSchema,
  workerHealthSchema,
} from './report-run-schema.js';

export { percentileSetSchema } from './report-schema-units.js';
export { reportScenarioSchema } from './report-scenario-schema.js';
export {
  closeCauseSchema,
  connectFailureReasonSchema,
  disconnectStatsSchema,
  dropEventSchema,
  idleTimeoutSchema,
  idleTimeoutScreeningSchema,
  reconnectStatsSchema,
} from './report-connections-schema.js';
export { censoredFanoutSchema, cohortFanoutSchema, streamStatsSchema, topicStatsSchema } from './report-fanout-schema.js';
export {
  hostCpuSchema,
  memoryTrendSchema,
  mergeInfoSchema,
  reportIntervalsSchema,
  shardFanoutSchema,
  shardSchema,
  thresholdResultSchema,
  workerHealthSchema,
} from './report-run-schema.js';
export { timelineLineSchema } from './timeline-schema.js';

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
        .describe(
          "Set (true) when peakOpen of a run spread over processes is only the sum of each one's own peak, an upper bound (they need not have peaked together): too many opens and closes to merge exactly. Absent: exact.",
        ),
      openedByCohort: counts
        .optional()
        .describe("Successful handshakes per cohort, reconnects included (the idle-timeout estimator's socket count)."),
      openAtEnd: count.describe('Sockets open when the run ended.'),
      rampDownCloses: count
        .optional()
        .describe(
          'With stages: sockets wsload closed (1000) because the target fell; not disconnects, not reconnected. Absent without stages.',
        ),
      reopened: count
        .optional()
        .describe(
          'With stages: successful opens of sockets the stages brought back after a ramp-down (not reconnects, not first opens). Absent without stages.',
        ),
      failures: z.partialRecord(connectFailureReasonSchema, count),
      extensions: z
        .object({
          offered: z.string().describe('The Sec-WebSocket-Extensions offer every upgrade carried.'),
          accepted: counts.describe(
            'Successful upgrades (reconnects included) per Sec-WebSocket-Extensions the server answered, as it wrote it.',
          ),
          refused: count.describe('Successful upgrades whose server accepted no extension (the offer refused).'),
        })
        .optional()
        .describe(
          'With permessage-deflate offered (scenario key perMessageDeflate): what servers accepted. Absent when nothing was offered (and in older reports).',
        ),
    }),
    handshake: z.object({
      latencyMs: percentileSetSchema.describe(
        'First connects, from when the socket was due on the ramp schedule to open (queue wait included). ' +
          "Reports before this field's siblings existed measured from the attempt's start.",
      ),
      queueMs: percentileSetSchema.optional().describe('First connects: due on the ramp → attempt started (ramp timer, handshake slot).'),
      dnsMs: percentileSetSchema
        .optional()
        .describe('Parts of a first connect where measurable; count 0 where not (no DNS for IPs, no TLS on ws://).'),
      tcpMs: percentileSetSchema,
      tlsMs: percentileSetSchema,
      upgradeMs: percentileSetSchema,
      reconnectMs: percentileSetSchema
        .optional()
        .describe('Reconnect handshakes, from when the reconnect was due (after its backoff) to open.'),
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
        .describe(
          "Lost by a connection still open at the publish's deadline that never got it; absent in older reports (there: lost − late).",
        ),
      duplicated: count,
      outOfOrder: count.describe(
        "Deliveries that arrived after a later publish on the same socket, counted only where the earlier publish's request had been " +
          'answered before the later one was sent (so the target must have pushed them in that order).',
      ),
      late: count.describe('First copies received after the deadline (scheduled time + publish.deadline); each is also counted lost.'),
      unmatched: count.describe(
        'Messages that carried no recognisable sequence number where publish.match looks (and binary frames left unread with publish.binary "unmatched").',
      ),
      foreign: count.optional().describe('Messages of another run against the same target (another run tag); absent in older reports.'),
      idMismatch: count
        .optional()
        .describe("This run's messages whose pushed `id` differed from the publish's id (not counted delivered); absent in older reports."),
      misrouted: count
        .optional()
        .describe(
          "With topics: copies of a topic's publish received by a socket not in that topic (neither delivered nor lost); absent without topics and in older reports.",
        ),
      byTopic: z
        .record(z.string(), topicStatsSchema)
        .optional()
        .describe(
          'With topics: the fan-out per topic (only its sockets are expected to receive its publishes); absent without topics and in older reports.',
        ),
      byCohort: z
        .record(z.string(), cohortFanoutSchema)
        .optional()
        .describe(
          'With two cohorts or more: fan-out latency per cohort (is the ping cohort slower?); absent with one cohort and in older reports.',
        ),
      latencyMs: percentileSetSchema,
      completionMs: percentileSetSchema.describe(
        'Per publish: scheduled time until the last eligible socket got it; incomplete publishes recorded at the deadline.',
      ),
      incomplete: count.describe(
        'Publishes not delivered in time to every eligible socket, or whose request failed after reaching some (in completionMs at the deadline).',
      ),
      early: count
        .optional()
        .describe(
          "Deliveries received before their publish's scheduled time, by the clock offset in use (a remote agent's offset estimate wrong): counted delivered and recorded at 0 ms; " +
            'beyond the clock uncertainty they fail the run (the latency figures are then not a measurement). Absent in older reports.',
        ),
      earlyMaxMs: ms
        .optional()
        .describe('How far before its scheduled time the earliest of them came, ms (0: none). Absent in older reports.'),
      unconfirmed: count
        .optional()
        .describe(
          'Of `lost`: deliveries that workers or shards lost mid-run owed after their last snapshot and that nobody saw arrive (their fate is unknown: an upper bound, ' +
            'see shards[].fanout.unconfirmed). Everything else in expected, delivered and lost is exact. Absent in older reports.',
        ),
      unjudged: count
        .optional()
        .describe(
          "Copies of this run's publishes received after their publish had left the publish ring (older than its size in publishes, at least the deadline + the publish timeout + 5 s): " +
            'too late to tell a late first copy from a duplicate, so neither; a delivery lost at its deadline stays lost. Absent when none came, and in older reports.',
        ),
      unevaluated: count
        .optional()
        .describe(
          "Publishes whose record left a worker's publish ring before that worker evaluated them (it, or the main thread writing an agent's ring, stalled longer than the ring holds): " +
            'only their received copies are booked (expected += delivered + late, lost += late); the sockets that never got them are not, so lost may be short. ' +
            'Counted once per worker. Absent when none, and in older reports.',
        ),
      censored: censoredFanoutSchema.optional(),
    }),
    publish: z.object({
      sent: count,
      failed: count,
      aborted: count
        .optional()
        .describe(
          'Sent, then cut in flight because the run was interrupted (Ctrl-C, SIGTERM): not answered, not counted in `failed` (not a failure of the target); ' +
            'their copies are not owed. Absent in older reports (which counted them in failed as "aborted").',
        ),
      skipped: count.describe(
        'Due but never sent: the queue of publishes waiting for a request slot (rate × deadline) was full, or the hold ended.',
      ),
      queued: count
        .optional()
        .describe(
          'Sent after waiting for one of `publish.concurrency` request slots (their latency includes the wait); absent in older reports.',
        ),
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
        .describe(
          "Tag this run's published values carried (`{value}` = `<tag>-<seq>`), null when the template carried none; absent in older reports.",
        ),
      failures: counts,
      latencyMs: percentileSetSchema.describe(
        'Publish request round trip (sent → answered; with via "websocket": → written or acknowledged), net of wsload\'s own main-thread ' +
          'delay in handling the answer (how long the loop had been busy before it did, sampled every 5 ms). Older reports: as measured.',
      ),
      measuredLatencyMs: percentileSetSchema
        .optional()
        .describe('The same round trips as the main thread saw them, its own delay included; absent in older reports.'),
      scheduleLagMs: percentileSetSchema.describe('How late publishes left compared with their schedule.'),
      unsentWaitMs: percentileSetSchema
        .optional()
        .describe(
          'Publishes due but never sent (skipped): how long each had waited when given up (the hold ended; the deadline when dropped from a full queue). Absent in older reports.',
        ),
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
      mainThreadLagMs: lagSchema
        .optional()
        .describe("The main thread's (publisher's) event-loop lag during the hold, measured the same way."),
      turnMs: percentileSetSchema
        .optional()
        .describe("Per event-loop turn that handled messages, all workers: the client's own share of fan-out latency."),
      saturationReasons: z.array(z.string()).optional().describe('Why the client was judged saturated; empty when it was not.'),
      saturationCause: z
        .enum(['wsload', 'machine', 'unknown'])
        .nullable()
        .optional()
        .describe(
          'Why saturated: "wsload" (its own workers or main thread were the bottleneck), "machine" (other processes kept the CPU busy while wsload\'s own loops were mostly idle), "unknown" (no CPU figures); null when not saturated; absent in older reports.',
        ),
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
      .describe(
        'How far the latency figures can be off because receipts were timed on other clocks; absent in older reports (then: the largest shards[].clockUncertaintyMs, or 0).',
      ),
    observe: observeSectionSchema.optional(),
    stream: streamStatsSchema
      .optional()
      .describe('A server-originated stream (publish.source "server"); absent otherwise (and in older reports).'),
    thresholds: z.array(thresholdResultSchema).describe('Threshold results; empty when the scenario has none.'),
    warnings: z.array(z.string()).describe('Plain sentences a user should read: limits hit, insecure TLS, saturation, crashes.'),
    merged: mergeInfoSchema.optional(),
    files: z
      .object({
        timeline: z.string().nullable(),
        hlog: z.string().nullable(),
        writeErrors: z
          .number()
          .int()
          .nonnegative()
          .optional()
          .describe('Intervals not written whole to the .ndjson/.hlog (disk full, directory gone).'),
      })
      .describe(
        'Files written beside the report (relative to it, or absolute when the report itself had to be written elsewhere), when written.',
      ),
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
