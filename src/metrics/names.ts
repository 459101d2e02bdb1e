/**
 * Every metric users name in thresholds and `wsload compare`, derived from the histogram and counter
 * registry (src/run/registry.ts): each latency family's aggregations, then each named counter. Names are paths into the report users already see
 * ("fanout.p99", "connections.failed"); keep them stable, they live in users' scenario files and CI.
 */
import type { PercentileSet, Report } from '../run/report.js';
import {
  COUNTERS,
  HISTOGRAMS,
  axisCountersOf,
  counterDef,
  percentileCapMs,
  setLocation,
  topicHistogramKey,
  type AxisCounterDef,
  type CounterDef,
  type MetricDirection,
} from '../run/registry.js';
import { SHOWN_PERCENTILES, parsePercentile } from '../run/percentiles.js';
import { decodeHistogram, type Histogram } from './histogram.js';
import { nearest } from '../text/nearest.js';
import { InternalError } from '../errors.js';
import {
  OBSERVE_METRIC_PREFIX,
  CLIENT_RSS_SLOPE,
  isSlopeMetric,
  observeMetricParts,
  observeMetricValue,
  observeNameProblem,
} from './observe/metric.js';

export type MetricKind = 'latency' | 'counter';
/** ms for latency aggregations; count for counters and for a latency histogram's sample count. */
export type MetricUnit = 'ms' | 'count';
export type { MetricDirection };
/** min, mean, max, count, or a percentile: a shown one ("p95", "p999") or any pNN / pNN.N ("p97.5"). */
export type Aggregation = 'min' | 'mean' | 'max' | 'count' | `p${string}`;

/** A metric's percent base: `fanout.lost < 0.1%` means 100 × lost / base. */
export interface MetricBase {
  /** What the percentage is of, for messages ("fanout.expected"). */
  describe: string;
  get: (report: Report) => number;
}

/** One metric users can name. */
export interface MetricDef {
  name: string;
  kind: MetricKind;
  unit: MetricUnit;
  description: string;
  direction: MetricDirection;
  /** Set for latency aggregations: the family ("fanout") and aggregation ("p99"). */
  family: string | null;
  aggregation: Aggregation | null;
  get: (report: Report) => number;
  /** Counters that can be written as a percentage have one; others (and latencies) do not. */
  base: MetricBase | null;
  /** Samples behind the value when neither a registered family nor a base says (per-topic latencies); absent: those decide. */
  evidence?: (report: Report) => number;
}

/** A latency histogram summarised in the report, of which users pick an aggregation. */
export interface LatencyFamily {
  name: string;
  description: string;
  aggregations: readonly Aggregation[];
  get: (report: Report) => Partial<PercentileSet>;
  /**
   * Key of the histogram behind it in Report.histograms ("fanout", "fanout:<topic>"): any
   * percentile beyond the set's is read off it. Null: only the listed aggregations (event-loop lag).
   */
  histogram: string | null;
}

/** The aggregations listed for every latency family (compare's and the docs' list): the shown percentiles among them. */
const ALL_AGGREGATIONS: readonly Aggregation[] = ['min', 'mean', ...SHOWN_PERCENTILES, 'max', 'count'];

const AGGREGATION_TEXT: Record<string, string> = {
  min: 'minimum',
  mean: 'mean',
  p50: 'median',
  max: 'maximum',
  count: 'number of samples',
};

/** "95th percentile", "99.9th percentile". */
function aggregationText(agg: Aggregation): string {
  const text = AGGREGATION_TEXT[agg];
  if (text !== undefined) return text;
  const p = parsePercentile(agg);
  return p && !('error' in p) ? `${p.percent}th percentile` : agg;
}

/** How an aggregation is written in messages: "p999" is also "p99.9". */
function aggregationName(agg: Aggregation): string {
  return agg === 'p999' ? 'p99.9 (p999)' : agg;
}

/** Decoded histograms of a report, by key, decoded once: a percentile outside the set is read off them. */
const decoded = new WeakMap<Report, Map<string, Histogram | null>>();

function histogramOf(report: Report, key: string): Histogram | null {
  let byKey = decoded.get(report);
  if (!byKey) decoded.set(report, (byKey = new Map()));
  if (!byKey.has(key)) {
    const encoded = report.histograms[key];
    byKey.set(key, encoded ? decodeHistogram(encoded) : null);
  }
  return byKey.get(key) ?? null;
}

/**
 * Percentile `percent` of a family in a report, ms: the set's value when it carries it, else read
 * off the histogram (rounded and capped as the set's own are: src/metrics/histogram.ts percentiles).
 */
function percentileValue(report: Report, family: LatencyFamily, percent: number, key: string | null): number {
  const set = family.get(report);
  const fromSet = key === null ? undefined : (set as Record<string, number | undefined>)[key];
  if (fromSet !== undefined) return fromSet;
  const h = family.histogram === null ? null : histogramOf(report, family.histogram);
  if (!h || h.totalCount === 0) return 0;
  const cap = family.histogram === null ? undefined : percentileCapMs(family.histogram, report.scenario.publish?.deadlineMs);
  const us = Math.min(cap === undefined ? Infinity : cap * 1000, h.getValueAtPercentile(percent));
  return Math.round(us) / 1000;
}

/** Latency families, in registry order (histograms with a family), then event-loop lag (no histogram). */
export const LATENCY_FAMILIES: readonly LatencyFamily[] = [
  ...HISTOGRAMS.flatMap((def): LatencyFamily[] => {
    if (def.family === null) return [];
    const at = setLocation(def);
    return [
      {
        name: def.family,
        description: def.description,
        aggregations: ALL_AGGREGATIONS,
        get: (r): Partial<PercentileSet> => at.get(r) ?? {},
        histogram: def.key,
      },
    ];
  }),
  {
    name: 'client.eventLoopLag',
    description: 'event-loop lag of the wsload workers',
    aggregations: ['max', 'p99'],
    get: (r) => r.client.eventLoopLagMs,
    histogram: null,
  },
];

/** Counters users name, in registry order. */
const COUNTER_METRICS: readonly CounterDef[] = COUNTERS.filter((c) => c.metric);

function baseOf(path: string | null): MetricBase | null {
  if (path === null) return null;
  const def = counterDef(path);
  if (!def) throw new InternalError(`metric base ${path} is not a registered counter (src/run/registry.ts)`);
  return { describe: path, get: def.get };
}

function latencyMetrics(family: LatencyFamily, aggregations: readonly Aggregation[] = family.aggregations): MetricDef[] {
  return aggregations.map((agg) => {
    const p = parsePercentile(agg);
    const percentile = p && !('error' in p) ? p : null;
    const get = percentile
      ? (r: Report): number => percentileValue(r, family, percentile.percent, percentile.key)
      : (r: Report): number => (family.get(r) as Record<string, number | undefined>)[agg] ?? 0;
    return {
      name: `${family.name}.${agg}`,
      kind: 'latency' as const,
      unit: agg === 'count' ? ('count' as const) : ('ms' as const),
      description: `${family.description} (${aggregationText(agg)})`,
      direction: agg === 'count' ? ('neutral' as const) : ('lower-is-better' as const),
      family: family.name,
      aggregation: agg,
      get,
      base: null,
    };
  });
}

/**
 * A latency percentile not among the listed ones ("fanout.p97.5", "handshake.p99.99"), read off
 * the family's histogram; undefined when the name is none, or its family keeps no histogram.
 */
function percentileMetric(name: string): MetricDef | undefined {
  for (const family of LATENCY_FAMILIES) {
    if (!name.startsWith(`${family.name}.`) || family.histogram === null) continue;
    const agg = name.slice(family.name.length + 1);
    const p = parsePercentile(agg);
    if (p && !('error' in p)) return latencyMetrics(family, [agg as Aggregation])[0];
  }
  return undefined;
}

/** Every metric, latency aggregations first, in a stable order (compare prints rows in it). */
export const METRICS: readonly MetricDef[] = [
  ...LATENCY_FAMILIES.flatMap((f) => latencyMetrics(f)),
  ...COUNTER_METRICS.map((c) => ({
    name: c.path,
    kind: 'counter' as const,
    unit: c.unit,
    description: c.description,
    direction: c.direction,
    family: null,
    aggregation: null,
    get: c.get,
    base: baseOf(c.base),
  })),
];

const BY_NAME: ReadonlyMap<string, MetricDef> = new Map(METRICS.map((m) => [m.name, m]));

/** All metric names, in METRICS order. */
export function metricNames(): string[] {
  return METRICS.map((m) => m.name);
}

/** The metric called `name` (a per-topic one included), or undefined. */
export function lookupMetric(name: string): MetricDef | undefined {
  return BY_NAME.get(name) ?? percentileMetric(name) ?? topicMetric(name) ?? observeMetric(name);
}

/** An observed series' aggregation or a trend's slope (metrics/observe/metric.ts), built on demand: the names are the scenario's. */
function observeMetric(name: string): MetricDef | undefined {
  const parts = observeMetricParts(name);
  if (name !== CLIENT_RSS_SLOPE && parts === null) return undefined;
  const what = parts
    ? `${parts.aggregation} of ${parts.series} observed at ${parts.endpoint}`
    : "slope of the client's RSS after the warm-up";
  return {
    name,
    kind: 'counter',
    unit: 'count',
    description: isSlopeMetric(name) ? `${what} (per hour)` : what,
    direction: isSlopeMetric(name) ? 'lower-is-better' : 'neutral',
    family: null,
    aggregation: null,
    get: (r) => observeMetricValue(r, name)?.value ?? 0,
    base: null,
    evidence: (r) => observeMetricValue(r, name)?.evidence ?? 0,
  };
}

/** Per-topic metrics are named "fanout.byTopic.<topic>.<aggregation or counter>". */
export const TOPIC_METRIC_PREFIX = 'fanout.byTopic.';
/** The per-topic counters users name: the registry's, marked metric. */
const TOPIC_COUNTERS: readonly AxisCounterDef[] = axisCountersOf('topic').filter((c) => c.metric);
const TOPIC_COUNTER_FIELDS: readonly string[] = TOPIC_COUNTERS.map((c) => c.field);
const TOPIC_NAME_PATTERN = /^[A-Za-z0-9._:-]+$/;

/** The topic a per-topic metric name is about, or null when the name is no per-topic metric. */
export function topicOfMetric(name: string): string | null {
  if (!name.startsWith(TOPIC_METRIC_PREFIX)) return null;
  const rest = name.slice(TOPIC_METRIC_PREFIX.length);
  // "news.p99.9": a percentile with decimals holds a dot of its own.
  const decimal = topicAggregation(name);
  const dot = decimal !== null ? rest.length - decimal.length - 1 : rest.lastIndexOf('.');
  const topic = rest.slice(0, dot);
  return dot > 0 && TOPIC_NAME_PATTERN.test(topic) ? topic : null;
}

/** The aggregation of a per-topic name when it is a percentile with decimals ("p99.9"), else null. */
function topicAggregation(name: string): string | null {
  return /\.(p\d{1,3}\.\d+)$/.exec(name)?.[1] ?? null;
}

/**
 * A per-topic metric read from fanout.byTopic[topic] (built on demand: topics are the scenario's):
 * its fan-out latency aggregations and its counters, lost and delivered with a percent of its
 * expected. A topic absent from the report reads 0 with no samples, so its threshold fails as no data.
 */
function topicMetric(name: string): MetricDef | undefined {
  const topic = topicOfMetric(name);
  if (topic === null) return undefined;
  const field = topicAggregation(name) ?? name.slice(name.lastIndexOf('.') + 1);
  const stats = (r: Report): NonNullable<Report['fanout']['byTopic']>[string] | undefined => r.fanout.byTopic?.[topic];
  // A per-topic latency: a listed aggregation, or any percentile (read off "fanout:<topic>").
  const pct = parsePercentile(field);
  const agg = ALL_AGGREGATIONS.find((a) => a === field) ?? (pct && !('error' in pct) ? (field as Aggregation) : undefined);
  if (agg !== undefined) {
    const family: LatencyFamily = {
      name: `${TOPIC_METRIC_PREFIX}${topic}`,
      description: `fan-out latency of topic "${topic}"`,
      aggregations: [agg],
      get: (r) => stats(r)?.latencyMs ?? {},
      histogram: topicHistogramKey('fanout', topic),
    };
    const [latency] = latencyMetrics(family);
    return { ...latency, ...(agg !== 'count' ? { evidence: (r: Report) => stats(r)?.latencyMs.count ?? 0 } : {}) };
  }
  const counter = TOPIC_COUNTERS.find((c) => c.field === field);
  if (counter === undefined) return undefined;
  // Entries are plain objects whose registered fields are counts (checked by the registry test).
  const value = (r: Report, f: string): number => (stats(r) as unknown as Record<string, number | undefined> | undefined)?.[f] ?? 0;
  const expected = (r: Report): number => stats(r)?.expected ?? 0;
  const base = counter.base;
  return {
    name,
    kind: 'counter',
    unit: 'count',
    description: counter.describe(topic),
    direction: counter.direction,
    family: null,
    aggregation: null,
    get: (r) => value(r, counter.field),
    base: base !== null ? { describe: `${TOPIC_METRIC_PREFIX}${topic}.${base}`, get: (r: Report) => value(r, base) } : null,
    evidence: expected,
  };
}

/**
 * Why `name` is not a metric, in words a user can act on: a known family with an unsupported
 * aggregation lists the supported ones (as k6 does); anything else suggests the nearest name.
 * Returns undefined when `name` is a metric.
 */
export function unknownMetricMessage(name: string): string | undefined {
  if (lookupMetric(name) !== undefined) return undefined;
  const observed = observeNameProblem(name);
  if (observed !== undefined) return observed;
  // A percentile-shaped aggregation that is no percentile ("p100", "p0", "p99.9999"): say why, at once.
  for (const prefix of [
    ...LATENCY_FAMILIES.filter((f) => f.histogram !== null).map((f) => f.name),
    ...(topicOfMetric(name) !== null
      ? [name.slice(0, name.length - (topicAggregation(name) ?? name.slice(name.lastIndexOf('.') + 1)).length - 1)]
      : []),
  ]) {
    if (!name.startsWith(`${prefix}.`)) continue;
    const p = parsePercentile(name.slice(prefix.length + 1));
    if (p && 'error' in p) return `"${name}": ${p.error}`;
  }
  if (topicOfMetric(name) !== null) {
    return `unknown metric "${name}": a per-topic metric is fanout.byTopic.<topic>.<${ALL_AGGREGATIONS.join('|')}|pNN|pNN.N|${TOPIC_COUNTER_FIELDS.join('|')}>`;
  }
  const dot = name.lastIndexOf('.');
  const familyName = dot > 0 ? name.slice(0, dot) : name;
  const family = LATENCY_FAMILIES.find((f) => f.name === familyName);
  if (family) {
    const agg = dot > 0 ? name.slice(dot + 1) : '';
    // "fanout.lsot" is more likely a mistyped counter than a wanted aggregation.
    const counter = nearest(
      name,
      COUNTER_METRICS.map((c) => c.path),
    );
    const hint = counter ? ` (did you mean "${counter}"?)` : '';
    const any = family.histogram !== null ? ' or any percentile pNN or pNN.N (p97.5, p99.99)' : '';
    return `unknown metric "${name}"${hint}: "${agg}" is not an aggregation of ${family.name}; supported aggregations for ${family.name} are: ${family.aggregations.map(aggregationName).join(', ')}${any}`;
  }
  const suggestion = nearest(name, metricNames());
  const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
  return `unknown metric "${name}"${hint}; expected a counter (${COUNTER_METRICS.map((c) => c.path).join(', ')}), <latency>.<aggregation> with latency one of ${LATENCY_FAMILIES.map((f) => f.name).join(', ')}, ${CLIENT_RSS_SLOPE} or ${OBSERVE_METRIC_PREFIX}<endpoint>.<series>.<aggregation>`;
}

/** Reads metric `name` from a report (ms for latencies, a count otherwise); undefined if unknown. */
export function metricValue(report: Report, name: string): number | undefined {
  return lookupMetric(name)?.get(report);
}
