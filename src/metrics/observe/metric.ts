/**
 * Metrics users name about observed endpoints and trends: `observe.<endpoint>.<series>.<agg>`
 * (first, last, min, max, samples, slope) and `client.rss.slope`, resolved on demand like
 * per-topic metrics (the names are the scenario's). Values are in the series' own unit (bytes
 * for _bytes series; a rate per second for counters), slopes per hour (bytes per hour for bytes,
 * the client's RSS included). A slope carries its 95 % half-width: a threshold passes only when
 * the whole interval does (report/thresholds.ts).
 */
import type { Report } from '../../run/report.js';
import { byteScale, perHourScale } from './units.js';

export const OBSERVE_METRIC_PREFIX = 'observe.';
export const OBSERVE_AGGREGATIONS = ['first', 'last', 'min', 'max', 'samples', 'slope'] as const;
export type ObserveAggregation = (typeof OBSERVE_AGGREGATIONS)[number];
export const CLIENT_RSS_SLOPE = 'client.rss.slope';
const MB = 1048576;

/** `observe.gateway.envoy_http_downstream_cx_active.max` → its parts; null when the name is not of that shape. */
export function observeMetricParts(name: string): { endpoint: string; series: string; aggregation: ObserveAggregation } | null {
  const m = /^observe\.([A-Za-z_][A-Za-z0-9_]*)\.([a-zA-Z_:][a-zA-Z0-9_:]*)\.([a-z]+)$/.exec(name);
  if (!m || !(OBSERVE_AGGREGATIONS as readonly string[]).includes(m[3])) return null;
  return { endpoint: m[1], series: m[2], aggregation: m[3] as ObserveAggregation };
}

type Series = NonNullable<Report['observe']>[number]['series'][number];

function seriesOf(report: Report, endpoint: string, series: string): Series | undefined {
  return report.observe?.find((e) => e.name === endpoint)?.series.find((s) => s.name === series);
}

export interface TrendMetric {
  value: number;
  /** The slope's 95 % half-width, or 0. */
  uncertainty: number;
  /** Samples behind it (0: no data). */
  evidence: number;
}

/** The value of an observe or client.rss metric in a report; undefined when `name` is none of them. */
export function observeMetricValue(report: Report, name: string): TrendMetric | undefined {
  if (name === CLIENT_RSS_SLOPE) {
    const m = report.client.memory;
    if (!m) return { value: 0, uncertainty: 0, evidence: 0 };
    return { value: m.rssSlopeMbPerHour * MB, uncertainty: ((m.ci[1] - m.ci[0]) / 2) * MB, evidence: m.samples };
  }
  const parts = observeMetricParts(name);
  if (!parts) return undefined;
  const s = seriesOf(report, parts.endpoint, parts.series);
  if (!s) return { value: 0, uncertainty: 0, evidence: 0 };
  if (parts.aggregation === 'samples') return { value: s.samples, uncertainty: 0, evidence: 1 };
  if (parts.aggregation === 'slope') {
    if (!s.trend) return { value: 0, uncertainty: 0, evidence: 0 };
    return { value: s.trend.slopePerHour, uncertainty: (s.trend.ci[1] - s.trend.ci[0]) / 2, evidence: s.trend.samples };
  }
  const v = s[parts.aggregation];
  return v === null ? { value: 0, uncertainty: 0, evidence: 0 } : { value: v, uncertainty: 0, evidence: s.samples };
}

/** Whether `name` is an observed series' metric or the client's RSS slope. */
export function isObserveMetric(name: string): boolean {
  return name === CLIENT_RSS_SLOPE || observeMetricParts(name) !== null;
}

/** Whether `name` is a slope (its expression takes a per-time unit). */
export function isSlopeMetric(name: string): boolean {
  return name === CLIENT_RSS_SLOPE || observeMetricParts(name)?.aggregation === 'slope';
}

/** The scale of an expression's unit for this metric (bytes, per hour), or an error naming what is allowed. */
export function observeUnitScale(name: string, unit: string): number | { error: string } {
  if (isSlopeMetric(name)) {
    const s = perHourScale(unit);
    return (
      s ?? { error: `unit "${unit}" is not allowed for ${name} (a slope); expected a growth per time like "1MB/h", "500KB/min" or "10/h"` }
    );
  }
  if (observeMetricParts(name)?.aggregation === 'samples')
    return unit === '' ? 1 : { error: `unit "${unit}" is not allowed for ${name} (a count of scrapes); expected a bare number` };
  const s = byteScale(unit);
  return s ?? { error: `unit "${unit}" is not allowed for ${name}; expected a bare number or a byte unit (KB, MB, GB)` };
}

/** Words for an unknown observe-shaped name, or undefined when the name is not observe-shaped. */
export function observeNameProblem(name: string): string | undefined {
  if (!name.startsWith(OBSERVE_METRIC_PREFIX) && !name.startsWith('client.rss.')) return undefined;
  if (name.startsWith('client.rss.'))
    return name === CLIENT_RSS_SLOPE ? undefined : `unknown metric "${name}": the client's RSS trend is ${CLIENT_RSS_SLOPE}`;
  if (observeMetricParts(name)) return undefined;
  return `unknown metric "${name}": an observed metric is observe.<endpoint>.<series>.<${OBSERVE_AGGREGATIONS.join('|')}>`;
}
