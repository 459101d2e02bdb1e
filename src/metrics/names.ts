/**
 * Every metric users name in thresholds and `wsload compare`, derived from the histogram and counter
 * registry (src/run/registry.ts): each latency family's aggregations, then each named counter. Names are paths into the report users already see
 * ("fanout.p99", "connections.failed"); keep them stable, they live in users' scenario files and CI.
 */
import type { PercentileSet, Report } from '../run/report.js';
import { COUNTERS, HISTOGRAMS, counterDef, setLocation, type CounterDef, type MetricDirection } from '../run/registry.js';
import { nearest } from '../text/nearest.js';
import { InternalError } from '../errors.js';

export type MetricKind = 'latency' | 'counter';
/** ms for latency aggregations; count for counters and for a latency histogram's sample count. */
export type MetricUnit = 'ms' | 'count';
export type { MetricDirection };
export type Aggregation = 'min' | 'mean' | 'p50' | 'p90' | 'p99' | 'p999' | 'max' | 'count';

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
  get: (report: Report) => Partial<Record<Aggregation, number>>;
}

const ALL_AGGREGATIONS: readonly Aggregation[] = ['min', 'mean', 'p50', 'p90', 'p99', 'p999', 'max', 'count'];

const AGGREGATION_TEXT: Record<Aggregation, string> = {
  min: 'minimum',
  mean: 'mean',
  p50: 'median',
  p90: '90th percentile',
  p99: '99th percentile',
  p999: '99.9th percentile',
  max: 'maximum',
  count: 'number of samples',
};

/** Latency families, in registry order (histograms with a family), then event-loop lag (no histogram). */
export const LATENCY_FAMILIES: readonly LatencyFamily[] = [
  ...HISTOGRAMS.flatMap((def): LatencyFamily[] => {
    if (def.family === null) return [];
    const at = setLocation(def);
    return [{ name: def.family, description: def.description, aggregations: ALL_AGGREGATIONS, get: (r): Partial<PercentileSet> => at.get(r) ?? {} }];
  }),
  { name: 'client.eventLoopLag', description: 'event-loop lag of the wsload workers', aggregations: ['max', 'p99'], get: (r) => r.client.eventLoopLagMs },
];

/** Counters users name, in registry order. */
const COUNTER_METRICS: readonly CounterDef[] = COUNTERS.filter((c) => c.metric);

function baseOf(path: string | null): MetricBase | null {
  if (path === null) return null;
  const def = counterDef(path);
  if (!def) throw new InternalError(`metric base ${path} is not a registered counter (src/run/registry.ts)`);
  return { describe: path, get: def.get };
}

function latencyMetrics(family: LatencyFamily): MetricDef[] {
  return family.aggregations.map((agg) => ({
    name: `${family.name}.${agg}`,
    kind: 'latency' as const,
    unit: agg === 'count' ? ('count' as const) : ('ms' as const),
    description: `${family.description} (${AGGREGATION_TEXT[agg]})`,
    direction: agg === 'count' ? ('neutral' as const) : ('lower-is-better' as const),
    family: family.name,
    aggregation: agg,
    get: (r: Report) => family.get(r)[agg] ?? 0,
    base: null,
  }));
}

/** Every metric, latency aggregations first, in a stable order (compare prints rows in it). */
export const METRICS: readonly MetricDef[] = [
  ...LATENCY_FAMILIES.flatMap(latencyMetrics),
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
  return BY_NAME.get(name) ?? topicMetric(name);
}

/** Per-topic metrics are named "fanout.byTopic.<topic>.<aggregation or counter>". */
export const TOPIC_METRIC_PREFIX = 'fanout.byTopic.';
const TOPIC_COUNTER_FIELDS = ['expected', 'delivered', 'lost', 'late', 'duplicated'] as const;
const TOPIC_NAME_PATTERN = /^[A-Za-z0-9._:-]+$/;

/** The topic a per-topic metric name is about, or null when the name is no per-topic metric. */
export function topicOfMetric(name: string): string | null {
  if (!name.startsWith(TOPIC_METRIC_PREFIX)) return null;
  const rest = name.slice(TOPIC_METRIC_PREFIX.length);
  const dot = rest.lastIndexOf('.');
  const topic = rest.slice(0, dot);
  return dot > 0 && TOPIC_NAME_PATTERN.test(topic) ? topic : null;
}

/**
 * A per-topic metric read from fanout.byTopic[topic] (built on demand: topics are the scenario's):
 * its fan-out latency aggregations and its counters, lost and delivered with a percent of its
 * expected. A topic absent from the report reads 0 with no samples, so its threshold fails as no data.
 */
function topicMetric(name: string): MetricDef | undefined {
  const topic = topicOfMetric(name);
  if (topic === null) return undefined;
  const field = name.slice(name.lastIndexOf('.') + 1);
  const stats = (r: Report): NonNullable<Report['fanout']['byTopic']>[string] | undefined => r.fanout.byTopic?.[topic];
  const agg = ALL_AGGREGATIONS.find((a) => a === field);
  if (agg !== undefined) {
    const [latency] = latencyMetrics({ name: `${TOPIC_METRIC_PREFIX}${topic}`, description: `fan-out latency of topic "${topic}"`, aggregations: [agg], get: (r) => stats(r)?.latencyMs ?? {} });
    return { ...latency, ...(agg !== 'count' ? { evidence: (r: Report) => stats(r)?.latencyMs.count ?? 0 } : {}) };
  }
  const counter = TOPIC_COUNTER_FIELDS.find((c) => c === field);
  if (counter === undefined) return undefined;
  const expected = (r: Report): number => stats(r)?.expected ?? 0;
  const percentOfExpected = counter === 'lost' || counter === 'delivered' || counter === 'late';
  return {
    name,
    kind: 'counter',
    unit: 'count',
    description: `${counter} deliveries of topic "${topic}"`,
    direction: counter === 'delivered' ? 'higher-is-better' : counter === 'expected' ? 'neutral' : 'lower-is-better',
    family: null,
    aggregation: null,
    get: (r) => stats(r)?.[counter] ?? 0,
    base: percentOfExpected ? { describe: `${TOPIC_METRIC_PREFIX}${topic}.expected`, get: expected } : null,
    evidence: expected,
  };
}

/**
 * Why `name` is not a metric, in words a user can act on: a known family with an unsupported
 * aggregation lists the supported ones (as k6 does); anything else suggests the nearest name.
 * Returns undefined when `name` is a metric.
 */
export function unknownMetricMessage(name: string): string | undefined {
  if (BY_NAME.has(name) || topicMetric(name) !== undefined) return undefined;
  if (topicOfMetric(name) !== null) {
    return `unknown metric "${name}": a per-topic metric is fanout.byTopic.<topic>.<${ALL_AGGREGATIONS.join('|')}|${TOPIC_COUNTER_FIELDS.join('|')}>`;
  }
  const dot = name.lastIndexOf('.');
  const familyName = dot > 0 ? name.slice(0, dot) : name;
  const family = LATENCY_FAMILIES.find((f) => f.name === familyName);
  if (family) {
    const agg = dot > 0 ? name.slice(dot + 1) : '';
    // "fanout.lsot" is more likely a mistyped counter than a wanted aggregation.
    const counter = nearest(name, COUNTER_METRICS.map((c) => c.path));
    const hint = counter ? ` (did you mean "${counter}"?)` : '';
    return `unknown metric "${name}"${hint}: "${agg}" is not an aggregation of ${family.name}; supported aggregations for ${family.name} are: ${family.aggregations.join(', ')}`;
  }
  const suggestion = nearest(name, metricNames());
  const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
  return `unknown metric "${name}"${hint}; expected a counter (${COUNTER_METRICS.map((c) => c.path).join(', ')}) or <latency>.<aggregation> with latency one of ${LATENCY_FAMILIES.map((f) => f.name).join(', ')}`;
}

/** Reads metric `name` from a report (ms for latencies, a count otherwise); undefined if unknown. */
export function metricValue(report: Report, name: string): number | undefined {
  return lookupMetric(name)?.get(report);
}
