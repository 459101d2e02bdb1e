/** The units every section of the report schema is built from: counts, milliseconds, percentile sets. */
import { z } from 'zod';

export const count = z.number().int().nonnegative();
export const ms = z.number();
export const counts = z.record(z.string(), count);

export const percentileSetSchema = z
  .object({
    count,
    min: ms,
    mean: ms,
    p50: ms,
    p75: ms
      .optional()
      .describe('75th percentile; absent from reports of wsload versions before it was kept (any percentile is read off the histogram).'),
    p90: ms,
    p95: ms.optional().describe('95th percentile; absent from reports of wsload versions before it was kept.'),
    p99: ms,
    p999: ms.describe('99.9th percentile ("p99.9" in thresholds, tables and compare).'),
    max: ms,
  })
  .describe(
    'Summary of one histogram in milliseconds; count 0 gives zeros everywhere. Every percentile (pNN, pNN.N) is read off the histogram behind it (Report.histograms).',
  );
