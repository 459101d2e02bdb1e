/** What a run writes beside its measurements: `report` options, `thresholds` and the `metrics` endpoint, as written. */
import { z } from 'zod';
import { parseListenAddress } from '../net/listen-address.js';
import { memoryFlatMbPerHour } from '../metrics/observe/units.js';
import { expecting } from './schema-text.js';
import { duration } from './schema-fields.js';

const MEMORY_FLAT_TEXT = 'a growth of memory per hour greater than 0 like "20MB/h" or "500KB/min"';

/** `report`: the timeline interval and how the client's own memory is judged. */
export const reportOptionsSchema = z.strictObject(
  {
    interval: duration(true)
      .optional()
      .describe(
        'Interval of the `.ndjson` timeline and `.hlog`; when not set, chosen from the run\'s planned length (ramp at `connectRate` + `duration`, or the sum of `stages`): `"1s"` up to 3 min (a 30 s run draws 30 points), `"5s"` up to 15 min, `"10s"` beyond (an 8 h soak: 2,880 lines). Default: from the planned length.',
      ),
    memory: z
      .strictObject(
        {
          flat: z
            .string(expecting(MEMORY_FLAT_TEXT))
            .refine((s) => memoryFlatMbPerHour(s) !== undefined, expecting(MEMORY_FLAT_TEXT))
            .optional()
            .describe(
              'Growth of the wsload process\'s RSS judged flat by `client.memory`, like `"20MB/h"` (units B, KB, MB, GB, 1024-based, per `s`, `min`, `h`, `d`); `--memory-flat` sets it. Default: 10 MB/h, or 2 % of the median RSS per hour when that is more (`docs/soak.md`).',
            ),
          minWindow: duration(true)
            .optional()
            .describe(
              'Shortest later half of the hold that gets a flat/growing call from `client.memory` (shorter: the slope without a call, reason `too-short`). Default `"20m"` (holds of 40 min or more): the process still settles in its first tens of minutes (`docs/soak.md`).',
            ),
        },
        expecting('an object like {"flat": "20MB/h", "minWindow": "20m"}'),
      )
      .optional()
      .describe("How the report judges the client's own memory (`client.memory`): its tolerance and shortest judged window."),
  },
  expecting('an object like {"interval": "10s"}'),
);

/** `thresholds`: metric → expression; names and expressions are checked by rules.ts against the metric registry. */
export const thresholdsSchema = z.record(
  z.string(),
  z.string(expecting('a threshold expression like "< 250ms" or "== 0"')),
  expecting('an object of metric → expression, like {"fanout.p99": "< 250ms"}'),
);

const LISTEN_TEXT = 'HOST:PORT like "127.0.0.1:9464", "[::1]:9464" or "0.0.0.0:9464" (port 0: any free port)';

export const metricsSchema = z.strictObject(
  {
    listen: z
      .string(expecting(LISTEN_TEXT))
      .refine((s) => parseListenAddress(s) !== null, expecting(LISTEN_TEXT))
      .describe(
        '`"HOST:PORT"` (`"127.0.0.1:9464"`, `"[::1]:9464"`, `"0.0.0.0:9464"`; port 0: any free port) where the run serves `GET /metrics` in the Prometheus text format (`docs/live.md`); `--metrics HOST:PORT` sets it.',
      ),
  },
  expecting('an object like {"listen": "127.0.0.1:9464"}'),
);
