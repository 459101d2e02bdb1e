/**
 * The report's `observe` section from what the scraper kept: per endpoint its scrapes and
 * failures, per series first/last/min/max/samples, and for gauges the trend after the warm-up
 * (metrics/observe/trend.ts), judged on the hold as the client's RSS is.
 */
import type { ObservedEndpoint } from '../metrics/observe/store.js';
import { seriesTrend } from '../metrics/observe/trend.js';
import type { Report } from '../run/report.js';
import type { ObserveEndpoint } from '../run/scenario.js';

type Section = NonNullable<Report['observe']>;

/** Rounds a value kept as a float (rates) to what a reader needs, leaving integers as they are. */
function tidy(v: number | null): number | null {
  if (v === null || Number.isInteger(v)) return v;
  return Math.abs(v) >= 100 ? Math.round(v * 10) / 10 : Math.round(v * 1000) / 1000;
}

/**
 * The section for the endpoints observed; `hold` is the hold in run time (ms), or null when the
 * run never held (no trend then).
 */
export function observeSection(endpoints: readonly ObservedEndpoint[], configs: readonly ObserveEndpoint[], hold: { startMs: number; endMs: number } | null): Section {
  return endpoints.map((ep) => {
    const stats = ep.stats();
    const config = configs.find((c) => c.name === ep.name);
    const flatOf = new Map((config?.series ?? []).map((s) => [s.as ?? s.match.replace(/\{.*$/, '').trim(), s.flatPerHour]));
    const values = new Map(ep.valueSeries().map((v) => [v.stats.key, v.values]));
    return {
      name: stats.name,
      url: stats.url,
      scrapes: stats.scrapes,
      failures: stats.failures,
      ...(stats.firstFailure !== undefined ? { firstFailure: stats.firstFailure } : {}),
      ...(stats.omittedSeries !== undefined ? { omittedSeries: stats.omittedSeries } : {}),
      series: stats.series.map((s) => {
        const series = values.get(s.key);
        const flat = flatOf.get(s.key);
        const trend =
          s.kind === 'gauge' && hold && series
            ? seriesTrend(series, hold.startMs, hold.endMs, {
                bytes: /_bytes$/.test(s.selector.replace(/\{.*$/, '')),
                ...(flat !== undefined ? { flatPerHour: flat } : {}),
                ...(config?.warmUpMs !== undefined ? { warmUpMs: config.warmUpMs } : {}),
                ...(config?.minWindowMs !== undefined ? { minWindowMs: config.minWindowMs } : {}),
              })
            : null;
        return {
          name: s.key,
          selector: s.selector,
          kind: s.kind,
          first: tidy(s.first),
          last: tidy(s.last),
          min: tidy(s.min),
          max: tidy(s.max),
          samples: s.samples,
          absent: s.absent,
          ...(s.increase !== undefined ? { increase: s.increase } : {}),
          ...(trend ? { trend } : {}),
        };
      }),
    };
  });
}
