/**
 * The report file format (src/run/report.ts) as a zod 4 schema: readReport validates with it
 * and schema/report.schema.json is generated from it (`npm run schema:report`). Objects strip
 * unknown keys rather than reject them, so a report written by a newer wsload of the same
 * formatVersion (additive fields only) still reads.
 */
import { z } from 'zod';
import type { Report, TimelineLine } from '../run/report.js';

const count = z.number().int().nonnegative();
const ms = z.number();
const counts = z.record(z.string(), count);

const percentileSetSchema = z
  .object({ count, min: ms, mean: ms, p50: ms, p90: ms, p99: ms, p999: ms, max: ms })
  .describe('Summary of one histogram in milliseconds; count 0 gives zeros everywhere.');

const closeCauseSchema = z.enum(['server-close', 'client-close', 'connection-lost', 'protocol-error']);
const byCauseSchema = z.partialRecord(closeCauseSchema, count);

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

const targetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('embedded') }),
  z.object({
    kind: z.literal('url'),
    url: z.string(),
    headers: z.record(z.string(), z.string()),
    origin: z.string().nullable(),
    subprotocols: z.array(z.string()),
  }),
]);

const publishSchema = z.object({
  url: z.string().nullable(),
  rate: z.number(),
  ids: z.array(z.string()),
  match: z.string(),
  deadlineMs: ms,
  concurrency: count,
  timeoutMs: ms,
});

const scenarioSchema = z
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
  })
  .describe('The scenario after validation and normalization (durations in ms).');

const disconnectStatsShape = {
  total: count,
  byCode: counts,
  byCause: byCauseSchema,
  byError: counts,
  idleAtCloseMs: percentileSetSchema,
  sentIdleAtCloseMs: percentileSetSchema,
  ageAtCloseMs: percentileSetSchema,
};

const reconnectStatsShape = { total: count, downMs: ms, missedPublishes: count };

const dropEventSchema = z.object({
  startMs: ms,
  startedAt: z.string(),
  endMs: ms,
  count,
  byCause: byCauseSchema,
  byCode: counts,
  openBefore: count,
  lowestOpen: count,
  recoveryMs: ms.nullable(),
});

const idleTimeoutScreeningSchema = z.object({ samples: count, closeFrame: count, clientSide: count, inDropEvent: count, receivingTraffic: count });

const idleTimeoutSchema = z.object({ estimateMs: ms, spreadMs: ms, samples: count, cohort: z.string() });

/** zod schema of Report (formatVersion 1). */
export const reportSchema = z
  .object({
    formatVersion: z.literal(1),
    tool: z.literal('wsload'),
    scenario: scenarioSchema,
    startedAt: z.string(),
    endedAt: z.string(),
    interrupted: z.boolean(),
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
      openFilesLimit: z.number().nullable(),
      ephemeralPorts: z.number().nullable(),
    }),
    target: z.object({ url: z.string(), publishUrl: z.string().nullable(), embedded: z.boolean(), tlsInsecure: z.boolean() }),
    phases: z.object({ rampMs: ms, holdMs: ms }),
    connections: z.object({
      target: count,
      opened: count,
      firstOpened: count.optional(),
      failed: count,
      peakOpen: count,
      openedByCohort: counts.optional(),
      openAtEnd: count,
      failures: counts,
    }),
    handshake: z.object({
      latencyMs: percentileSetSchema,
      queueMs: percentileSetSchema.optional(),
      dnsMs: percentileSetSchema.optional(),
      tcpMs: percentileSetSchema,
      tlsMs: percentileSetSchema,
      upgradeMs: percentileSetSchema,
      reconnectMs: percentileSetSchema.optional(),
    }),
    fanout: z.object({
      published: count,
      expected: count,
      delivered: count,
      lost: count,
      duplicated: count,
      outOfOrder: count,
      late: count,
      unmatched: count,
      foreign: count.optional(),
      idMismatch: count.optional(),
      latencyMs: percentileSetSchema,
      completionMs: percentileSetSchema,
      incomplete: count,
    }),
    publish: z.object({
      sent: count,
      failed: count,
      skipped: count,
      queued: count.optional(),
      maxQueueMs: ms.optional(),
      behind: z.boolean().optional(),
      runTag: z.string().nullable().optional(),
      failures: counts,
      latencyMs: percentileSetSchema,
      scheduleLagMs: percentileSetSchema,
    }),
    closes: z.object({ byCode: counts }),
    disconnects: z.object({
      ...disconnectStatsShape,
      byCohort: z.record(z.string(), z.object(disconnectStatsShape)),
      idleTimeout: idleTimeoutSchema.nullable(),
      idleTimeoutNote: z.string().nullable(),
      survivingCohorts: z.array(z.string()),
      recommendation: z.string().nullable(),
      events: z.array(dropEventSchema).optional(),
      idleTimeoutScreening: z.record(z.string(), idleTimeoutScreeningSchema).optional(),
    }),
    reconnects: z.object({ ...reconnectStatsShape, byCohort: z.record(z.string(), z.object(reconnectStatsShape)) }),
    client: z.object({
      eventLoopLagMs: z.object({ max: ms, p99: ms }),
      mainThreadLagMs: z.object({ max: ms, p99: ms }).optional(),
      turnMs: percentileSetSchema.optional(),
      saturationReasons: z.array(z.string()).optional(),
      workers: z.array(
        z.object({
          worker: count,
          sockets: count,
          eventLoopLagMs: z.object({ max: ms, p99: ms, mean: ms }),
          utilization: z.number().optional(),
          crashed: z.string().nullable(),
        }),
      ),
      peakRssMb: z.number(),
      saturated: z.boolean(),
    }),
    thresholds: z.array(z.object({ metric: z.string(), expression: z.string(), actual: z.number(), pass: z.boolean(), noData: z.boolean().optional() })),
    warnings: z.array(z.string()),
    merged: z
      .object({
        reports: count,
        overlapping: z.boolean(),
        overlapMs: ms,
        exact: z.array(z.string()),
        estimates: z.record(z.string(), z.string()),
      })
      .optional()
      .describe('Only on merged reports: which figures are exact, which are estimates, whether the runs overlapped.'),
    files: z.object({
      timeline: z.string().nullable(),
      hlog: z.string().nullable(),
      writeErrors: z.number().int().nonnegative().optional().describe('Intervals not written whole to the .ndjson/.hlog (disk full, directory gone).'),
    }),
    histograms: z.record(z.string(), z.string()).describe('Encoded HdrHistograms (V2 compressed base64, microseconds) by name.'),
    intervals: z
      .object({
        blockMs: z.number().positive(),
        fanout: z.array(z.string()),
        completion: z.array(z.string()),
      })
      .optional()
      .describe('Fan-out and completion histograms per block of time (block i covers [i·blockMs, (i+1)·blockMs) after startedAt; "" = empty), resampled by compare.'),
  })
  .describe('A wsload run report (formatVersion 1).');

/** zod schema of one .ndjson timeline line. */
export const timelineLineSchema = z.object({
  t: z.string(),
  elapsedMs: ms,
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
});

// Compile-time guard: the parsed value must be a Report, so run/report.ts and this schema cannot drift
// apart without a type error here.
const parsedIsReport = (v: z.output<typeof reportSchema>): Report => v;
const parsedIsTimelineLine = (v: z.output<typeof timelineLineSchema>): TimelineLine => v;
void parsedIsReport;
void parsedIsTimelineLine;

/** The JSON Schema (draft 2020-12) of the report file as read (unknown keys allowed), as committed in schema/report.schema.json. */
export function reportJsonSchemaText(): string {
  const schema = z.toJSONSchema(reportSchema, { target: 'draft-2020-12', io: 'input' });
  return `${JSON.stringify({ $schema: schema.$schema, title: 'wsload report', ...schema }, null, 2)}\n`;
}
