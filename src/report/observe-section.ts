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
type Check = NonNullable<Section[number]['checks']>[number];

/** Series a gateway counts its open client connections by (a gauge), and its idle-timeout closes by (a counter). */
export const OPEN_CONNECTION_SERIES = [
  'envoy_http_downstream_cx_active',
  'haproxy_frontend_current_sessions',
  'nginx_connections_active',
  'wsload_target_open_sockets',
];
/**
 * Connections a gateway's open-connection gauge counts of the scrape itself: nginx's active
 * connections include the one its status page is answering on (whether wsload or an exporter asks).
 */
export const SELF_COUNTED: Readonly<Record<string, number>> = { nginx_connections_active: 1 };
export const IDLE_TIMEOUT_SERIES = ['envoy_http_downstream_cx_idle_timeout'];

/** The cross-checks of one endpoint's series against what wsload measured itself. */
export function crossChecks(series: Section[number]['series'], report: Pick<Report, 'connections' | 'disconnects'>): Check[] {
  const out: Check[] = [];
  for (const s of series) {
    const metric = s.selector.replace(/\{.*$/, '').trim();
    if (OPEN_CONNECTION_SERIES.includes(metric) && s.kind === 'gauge' && s.max !== null) {
      const wsload = report.connections.peakOpen;
      const self = SELF_COUNTED[metric] ?? 0;
      const agree = Math.abs(s.max - self - wsload) <= Math.max(2, 0.02 * wsload);
      out.push({ what: 'open', series: s.name, gateway: s.max, wsload, ...(self > 0 ? { self } : {}), agree });
    }
    if (IDLE_TIMEOUT_SERIES.includes(metric) && s.kind === 'counter' && s.increase !== undefined) {
      const wsload = report.disconnects.idleTimeout?.samples ?? 0;
      out.push({ what: 'idleTimeout', series: s.name, gateway: s.increase, wsload, agree: s.increase > 0 === wsload > 0 });
    }
  }
  return out;
}

/** Rounds a value kept as a float (rates) to what a reader needs, leaving integers as they are. */
function tidy(v: number | null): number | null {
  if (v === null || Number.isInteger(v)) return v;
  return Math.abs(v) >= 100 ? Math.round(v * 10) / 10 : Math.round(v * 1000) / 1000;
}

/**
 * The section for the endpoints observed; `hold` is the hold in run time (ms), or null when the
 * run never held (no trend then).
 */
export function observeSection(
  endpoints: readonly ObservedEndpoint[],
  configs: readonly ObserveEndpoint[],
  hold: { startMs: number; endMs: number } | null,
): Section {
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
