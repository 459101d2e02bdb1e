/**
 * The report's `observe` section (zod; the Report type and schema/report.schema.json come from it
 * through run/report-schema.ts): what the run read from the Prometheus endpoints of the gateway
 * or service it observed.
 */
import { z } from 'zod';

const count = z.number().int().nonnegative();

/** Why a trend made no call (client.memory and observed gauges alike); declared once, read by the renderers and compare. */
export const TREND_REASONS = ['too-short', 'too-few-samples', 'inconclusive', 'shrinking'] as const;
/** Reasons that say the run had too little to judge: compare of two slopes makes no call on them. */
export const TREND_REASONS_FOR_LACK_OF_DATA: readonly (typeof TREND_REASONS)[number][] = ['too-short', 'too-few-samples'];

export const trendReasonSchema = z
  .enum(TREND_REASONS)
  .describe(
    'Why flat is absent: "too-short" (the judged window is under the shortest judged window), "too-few-samples" (a block of the window held fewer than 2 samples), "inconclusive" (the 95 % interval reaches beyond ± the tolerance without lying wholly above or below it), "shrinking" (it lies wholly below −tolerance). Absent in reports before it (their note says which).',
  );

export const seriesTrendSchema = z
  .object({
    slopePerHour: z
      .number()
      .describe(
        "Slope over the judged window, in the series' unit per hour (bytes per hour for _bytes series): a least-squares line through the means of 8 equal-time blocks, as client.memory (reports before it: through every sample after the warm-up).",
      ),
    ci: z
      .tuple([z.number(), z.number()])
      .describe(
        '95 % interval of the slope (Student t with 6 degrees of freedom over the 8 block means; reports before it: the per-sample standard error widened for the correlation of neighbouring samples).',
      ),
    tolerancePerHour: z
      .number()
      .describe(
        'Growth judged flat (either way): the series\' "flat", else for _bytes series the client\'s 10 MB/h or 2 % of the median per hour, 2 % of the median per hour for others (reports before it: 5 MB/h or 1 %).',
      ),
    fromS: z.number().describe('Start of the fitted window, seconds from the run start.'),
    toS: z.number().describe('End of the fitted window, seconds from the run start.'),
    samples: count,
    flat: z
      .boolean()
      .optional()
      .describe(
        'true: the interval lies within ± the tolerance; false (growing): above it; absent when the window is too short or the interval straddles it (reason and note say which).',
      ),
    reason: trendReasonSchema.optional(),
    note: z.string().optional().describe('Why flat is absent, in words.'),
  })
  .describe(
    "Trend of a gauge over the later half of the hold (or after the endpoint's warmUp), by the block-means rule of client.memory (absent for counters and with fewer than 3 samples in the window).",
  );

export const observedSeriesSchema = z.object({
  name: z.string().describe('The series name in thresholds: observe.<endpoint>.<name>.<first|last|min|max|samples|slope>.'),
  selector: z.string().describe('The selector as written (the samples it matched are summed).'),
  kind: z
    .enum(['gauge', 'counter'])
    .describe('counter: the values are rates per second between scrapes (# TYPE counter, or a name ending in _total).'),
  first: z.number().nullable(),
  last: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  samples: count.describe("Scrapes that gave the series a value (a counter's first scrape only starts its rate)."),
  absent: count.describe('Scrapes that succeeded but matched no sample of the series.'),
  increase: z
    .number()
    .optional()
    .describe("A counter's increase over the run's scrapes (a drop in the value is a restart: counted from zero)."),
  trend: seriesTrendSchema.optional(),
});

export const scrapeFailuresSchema = z.object({
  timeout: count.describe("No whole answer within the endpoint's timeout."),
  status: count.describe('An HTTP status other than 200.'),
  unparsable: count.describe('A body that is not the Prometheus text format.'),
  tooLarge: count.describe('A body longer than maxBytes (the read stopped there).'),
  connection: count.describe('Refused, reset or otherwise failed connections.'),
  tls: count
    .optional()
    .describe(
      "An https:// scrape whose TLS handshake failed: a certificate not trusted by the endpoint's (or the scenario's) tls.ca, expired, for another name, or a client certificate refused. Absent in older reports.",
    ),
});

export const crossCheckSchema = z.object({
  what: z
    .enum(['open', 'idleTimeout'])
    .describe(
      "open: the gateway's open connections beside wsload's peak of open sockets; idleTimeout: the gateway's idle-timeout closes beside wsload's.",
    ),
  series: z.string().describe('The observed series that counts it (a documented name: docs/observe.md).'),
  gateway: z.number().describe("The gateway's figure: the gauge's maximum over the scrapes, or the counter's increase over the run."),
  wsload: z.number().describe("wsload's: connections.peakOpen, or the closes behind the idle-timeout estimate (0 without one)."),
  self: z
    .number()
    .optional()
    .describe(
      'Of `gateway`, connections that are the scrape itself (nginx_connections_active counts the status request: 1), left out before comparing; absent when none.',
    ),
  agree: z
    .boolean()
    .describe(
      'Whether they agree: open within 2 % (at least 2, a scrape reads the gauge once per interval) after taking `self` off; idle-timeout closes both zero or both not.',
    ),
});

export const observedEndpointSchema = z.object({
  name: z.string(),
  url: z.string(),
  scrapes: count.describe('Scrapes made during the run (failed ones included).'),
  failures: scrapeFailuresSchema,
  firstFailure: z.string().optional().describe('The first failure in words.'),
  omittedSeries: count.optional().describe('Series not kept by an endpoint without a series list (it keeps the first 64).'),
  series: z.array(observedSeriesSchema),
  checks: z
    .array(crossCheckSchema)
    .optional()
    .describe('Cross-checks where an observed series is one the gateway counts the same thing by; absent when none is.'),
});

export const observeSectionSchema = z
  .array(observedEndpointSchema)
  .describe(
    'What the run read from the Prometheus endpoints it observed (scenario `observe`; an embedded target is observed as "target"); absent when none was observed and in older reports.',
  );
