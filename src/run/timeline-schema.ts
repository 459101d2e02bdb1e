/** The `.ndjson` timeline: one line per report interval. */
import { z } from 'zod';
import { byCauseSchema } from './report-connections-schema.js';
import { count, ms } from './report-schema-units.js';

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
  reconnects: count
    .optional()
    .describe('Reconnect handshakes that succeeded in the interval (absent in lines written before wsload counted them).'),
  durationMs: ms
    .optional()
    .describe(
      'Real length of the interval: report.interval, less for the last one, cut short by the end of the run (absent in older lines: elapsedMs of this line − of the previous).',
    ),
  observe: z
    .record(z.string(), z.record(z.string(), z.number().nullable()))
    .optional()
    .describe(
      'Observed endpoint → series → its latest scraped value at the end of the interval (counters: a rate per second); absent without observed endpoints and in older lines.',
    ),
  partial: z
    .literal(true)
    .optional()
    .describe(
      'Set on the last interval when the run ended before it did: its counts cover only durationMs, and open sockets are read after wsload closed its own.',
    ),
});
