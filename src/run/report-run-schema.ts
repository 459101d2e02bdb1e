/** The run's own health and bookkeeping in a report: workers, shards, thresholds, merge info, intervals, client memory and CPU. */
import { z } from 'zod';
import { trendReasonSchema } from './observe-schema.js';
import { count, ms } from './report-schema-units.js';

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
  early: count.describe("Receipts before their publish's scheduled time by the clock offset in use for it (see fanout.early)."),
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
  saturated: z.boolean().describe("Its workers' lag says this shard limited the run (the thresholds of client.saturated)."),
  clockOffsetMs: z.number().describe("Its clock minus the coordinator's (0 exactly on the same host and boot)."),
  clockUncertaintyMs: z.number().describe('The offset is known within ± this (half the best probe round trip; 0 on the same host).'),
  clockDriftMs: ms
    .optional()
    .describe(
      "Largest change of its clock offset between two rounds of probes (clock drift, plus the rounds' own error); absent in older reports.",
    ),
  lost: z
    .boolean()
    .describe(
      'The shard was lost mid-run (control connection closed or silent): its last snapshot is kept, and what it owed after it is booked lost (fanout.unconfirmed).',
    ),
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
    .describe(
      'Set on fan-out and completion latencies of a run measured across clocks (remote agents): `actual` is known within ± this (report.clock.uncertaintyMs), and the threshold passes only if it passes anywhere within it.',
    ),
  uncertain: z
    .boolean()
    .optional()
    .describe(
      'Set (true) when the value passes but the limit lies within its clock uncertainty (a slope: within its 95 % interval): not a clean pass, so it failed.',
    ),
  slopeUncertainty: z
    .number()
    .optional()
    .describe(
      'Set on slope thresholds (client.rss.slope, observe.*.slope): the 95 % half-width of `actual` (same unit); the threshold passes only if the whole interval does.',
    ),
  clockWrong: z
    .boolean()
    .optional()
    .describe(
      'Set (true) when receipts came before their scheduled time beyond what the clock uncertainty allows: the latency is not a measurement, so the threshold failed.',
    ),
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
    fanout: z
      .array(z.string())
      .describe('Encoded fan-out latency histogram per block, by when the deliveries reached the driver; "" when empty.'),
    completion: z
      .array(z.string())
      .describe('Encoded publish-completion histogram per block, by when the publish completed; "" when empty.'),
    streamStaleness: z
      .array(z.string())
      .optional()
      .describe(
        'Encoded stream-staleness histogram per block, by when the messages reached the driver; absent without a server stream (and in older reports).',
      ),
    publish: z
      .array(z.string())
      .optional()
      .describe(
        'Encoded publish-latency histogram per block, by when the request was answered; absent without publishing (and in older reports).',
      ),
    lost: z
      .array(count)
      .optional()
      .describe(
        'Deliveries judged lost per block (compare counts them at the deadline); absent when none was lost (and in older reports).',
      ),
    handshake: z
      .object({
        blockMs: z
          .number()
          .positive()
          .describe('Length of one ramp block, ms: the ramp (or the stages) in at most 20 blocks, none shorter than 100 ms.'),
        blocks: z
          .array(z.string())
          .describe(
            'Encoded first-connect handshake histogram per ramp block: block i holds the sockets due on the ramp in [i·blockMs, (i+1)·blockMs) after it started.',
          ),
      })
      .optional()
      .describe('Handshakes by where the socket was due on the ramp; absent in older reports.'),
  })
  .describe(
    'Latency histograms per block of time (block i covers [i·blockMs, (i+1)·blockMs) after startedAt; "" = empty), and handshakes per block of the ramp, resampled by compare.',
  );

export const lagSchema = z.object({ max: ms, p99: ms });

/** Whether the client's memory stayed flat (client.memory). */
export const memoryTrendSchema = z
  .object({
    rssSlopeMbPerHour: z
      .number()
      .describe(
        "Slope of the wsload process's RSS over the later half of the hold, MB per hour: a least-squares line through the mean RSS of 8 equal-time blocks (reports before issue 27's rule: through every sample after a warm-up of a quarter of the hold, at most 15 min).",
      ),
    ci: z
      .tuple([z.number(), z.number()])
      .describe('95 % interval of the slope, MB per hour (Student t with 6 degrees of freedom over the 8 block means).'),
    flat: z
      .boolean()
      .optional()
      .describe(
        'true: the interval lies within ± toleranceMbPerHour; false: wholly above it; absent when the later half of the hold is under 20 min or the interval reaches past the tolerance without lying above it (note says which).',
      ),
    toleranceMbPerHour: z
      .number()
      .describe(
        "Growth judged flat: the scenario's report.memory.flat, else 10 MB/h or 2 % of the median RSS per hour when that is more (older reports: 5 MB/h or 1 %).",
      ),
    fromS: z.number().describe('Start of the fitted window, seconds from the run start.'),
    toS: z.number().describe('End of the fitted window, seconds from the run start.'),
    samples: count.describe('RSS samples in the judged half (one per driver tick, thinned to at most 1,024 over the run).'),
    startMb: z.number().describe('The fitted line at the window start, MB.'),
    endMb: z.number().describe('The fitted line at the window end, MB.'),
    reason: trendReasonSchema.optional(),
    note: z.string().optional().describe('Why flat is absent, in words.'),
    minWindowS: z
      .number()
      .optional()
      .describe(
        "The shortest judged half that gets a call, seconds: report.memory.minWindow, else 1200 (absent in reports before it: 1200 since issue 27's rule).",
      ),
    toleranceSet: z
      .boolean()
      .optional()
      .describe("true when toleranceMbPerHour is the scenario's report.memory.flat (or --memory-flat); absent: the default."),
  })
  .describe(
    "The client's RSS slope over the later half of the hold, with its uncertainty: whether wsload's own memory stayed flat over a soak. Absent when fewer than 3 samples fall in that half (short runs), in runs spread over processes and in older reports.",
  );

/** How busy this machine was during the hold, and who used it (client.cpu). */
export const hostCpuSchema = z
  .object({
    cores: count,
    holdMs: ms,
    machineBusy: z.number().describe('Share of all cores busy during the hold (/proc/stat), 0–1.'),
    wsload: z.number().describe('Share of all cores the wsload process used (main thread and workers; process.cpuUsage), 0–1.'),
    otherProcesses: z.number().describe('machineBusy − wsload: every other process, the embedded target included, 0–1.'),
  })
  .describe(
    'CPU of this machine during the hold; absent where /proc/stat cannot be read, in runs spread over processes, and in older reports.',
  );
