/**
 * Every metric users name in thresholds and `wsload compare`, declared once with its kind, unit and
 * how to read it from a finished Report. Names are paths into the report users already see
 * ("fanout.p99", "connections.failed"); keep them stable, they live in users' scenario files and CI.
 */
import type { PercentileSet, Report } from '../run/report.js';
import { nearest } from '../text/nearest.js';

export type MetricKind = 'latency' | 'counter';
/** ms for latency aggregations; count for counters and for a latency histogram's sample count. */
export type MetricUnit = 'ms' | 'count';
/** Which way is a regression, for compare; neutral metrics only describe the run's size. */
export type MetricDirection = 'lower-is-better' | 'higher-is-better' | 'neutral';
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

/** Latency families, in the order compare shows them. */
export const LATENCY_FAMILIES: readonly LatencyFamily[] = [
  { name: 'fanout', description: 'publish scheduled → message received, per socket', aggregations: ALL_AGGREGATIONS, get: (r): PercentileSet => r.fanout.latencyMs },
  { name: 'completion', description: 'publish scheduled → last eligible socket received it', aggregations: ALL_AGGREGATIONS, get: (r): PercentileSet => r.fanout.completionMs },
  { name: 'handshake', description: 'first-connect handshake, from when the socket was due on the ramp (queue wait + DNS + TCP + TLS + upgrade)', aggregations: ALL_AGGREGATIONS, get: (r): PercentileSet => r.handshake.latencyMs },
  { name: 'handshake.queue', description: 'first connects: due on the ramp → attempt started', aggregations: ALL_AGGREGATIONS, get: (r): Partial<PercentileSet> => r.handshake.queueMs ?? {} },
  { name: 'handshake.reconnect', description: 'reconnect handshake, from when the reconnect was due', aggregations: ALL_AGGREGATIONS, get: (r): Partial<PercentileSet> => r.handshake.reconnectMs ?? {} },
  { name: 'publish', description: 'publish HTTP request round trip', aggregations: ALL_AGGREGATIONS, get: (r): PercentileSet => r.publish.latencyMs },
  { name: 'publish.scheduleLag', description: 'how late publishes left compared with their schedule', aggregations: ALL_AGGREGATIONS, get: (r): PercentileSet => r.publish.scheduleLagMs },
  { name: 'disconnects.idleAtClose', description: 'time since the last frame received, at close', aggregations: ALL_AGGREGATIONS, get: (r): PercentileSet => r.disconnects.idleAtCloseMs },
  { name: 'disconnects.ageAtClose', description: 'socket age at close', aggregations: ALL_AGGREGATIONS, get: (r): PercentileSet => r.disconnects.ageAtCloseMs },
  { name: 'client.eventLoopLag', description: 'event-loop lag of the wsload workers', aggregations: ['max', 'p99'], get: (r) => r.client.eventLoopLagMs },
];

interface CounterSpec {
  name: string;
  description: string;
  direction: MetricDirection;
  get: (r: Report) => number;
  base?: MetricBase;
}

const baseOf = (describe: string, get: (r: Report) => number): MetricBase => ({ describe, get });

/** First connects; reports written before the split derive it (every reconnect is one successful handshake). */
function firstOpened(r: Report): number {
  return r.connections.firstOpened ?? Math.max(0, r.connections.opened - r.reconnects.total);
}

const COUNTERS: readonly CounterSpec[] = [
  // Reconnects inflate `opened`: 150 drops + reconnects must not read as "more opened, better". Kept
  // for old thresholds, but neutral; `connections.firstOpened` is the one judged.
  { name: 'connections.opened', description: 'successful handshakes, reconnects included', direction: 'neutral', get: (r) => r.connections.opened },
  { name: 'connections.firstOpened', description: 'sockets whose first connection succeeded (reconnects not counted)', direction: 'higher-is-better', get: firstOpened, base: baseOf('connections.target', (r) => r.connections.target) },
  { name: 'connections.reconnected', description: 'successful reconnect handshakes', direction: 'lower-is-better', get: (r) => r.connections.opened - firstOpened(r) },
  { name: 'connections.failed', description: 'failed handshakes, reconnect attempts included', direction: 'lower-is-better', get: (r) => r.connections.failed, base: baseOf('connections.target', (r) => r.connections.target) },
  { name: 'connections.peakOpen', description: 'most sockets open at once', direction: 'higher-is-better', get: (r) => r.connections.peakOpen },
  { name: 'fanout.published', description: 'publishes sent during the hold', direction: 'neutral', get: (r) => r.fanout.published },
  { name: 'fanout.expected', description: 'deliveries due (eligible socket × publish pairs)', direction: 'neutral', get: (r) => r.fanout.expected },
  { name: 'fanout.delivered', description: 'deliveries received before the deadline', direction: 'higher-is-better', get: (r) => r.fanout.delivered },
  { name: 'fanout.lost', description: 'deliveries due but not received before the deadline', direction: 'lower-is-better', get: (r) => r.fanout.lost, base: baseOf('fanout.expected', (r) => r.fanout.expected) },
  { name: 'fanout.duplicated', description: 'messages received more than once by a socket', direction: 'lower-is-better', get: (r) => r.fanout.duplicated, base: baseOf('fanout.delivered', (r) => r.fanout.delivered) },
  { name: 'fanout.outOfOrder', description: 'messages received after a later one', direction: 'lower-is-better', get: (r) => r.fanout.outOfOrder, base: baseOf('fanout.delivered', (r) => r.fanout.delivered) },
  { name: 'fanout.foreign', description: 'messages of another run against the same target (not counted anywhere else)', direction: 'lower-is-better', get: (r) => r.fanout.foreign ?? 0 },
  { name: 'fanout.idMismatch', description: "this run's messages whose pushed id differed from the publish's", direction: 'lower-is-better', get: (r) => r.fanout.idMismatch ?? 0, base: baseOf('fanout.expected', (r) => r.fanout.expected) },
  { name: 'fanout.late', description: 'first copies received after the deadline (also counted lost)', direction: 'lower-is-better', get: (r) => r.fanout.late },
  { name: 'fanout.incomplete', description: 'publishes not delivered to every eligible socket', direction: 'lower-is-better', get: (r) => r.fanout.incomplete, base: baseOf('fanout.published', (r) => r.fanout.published) },
  { name: 'publish.sent', description: 'publish requests made, failed ones included', direction: 'neutral', get: (r) => r.publish.sent },
  // `sent` already counts the failed requests: sent + failed read 100% failing as 50%.
  { name: 'publish.failed', description: 'publish requests that failed', direction: 'lower-is-better', get: (r) => r.publish.failed, base: baseOf('publish.sent', (r) => r.publish.sent) },
  { name: 'publish.skipped', description: 'publishes never sent: the queue waiting for a request slot was full, or the hold ended', direction: 'lower-is-better', get: (r) => r.publish.skipped },
  { name: 'publish.queued', description: 'publishes that waited for a free request slot', direction: 'lower-is-better', get: (r) => r.publish.queued ?? 0 },
  { name: 'disconnects.total', description: 'sockets that closed before the end of the run', direction: 'lower-is-better', get: (r) => r.disconnects.total, base: baseOf('connections.opened', (r) => r.connections.opened) },
  { name: 'reconnects.total', description: 'reconnections made', direction: 'lower-is-better', get: (r) => r.reconnects.total },
  { name: 'reconnects.missedPublishes', description: 'publishes missed while a socket was down', direction: 'lower-is-better', get: (r) => r.reconnects.missedPublishes },
];

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
  ...COUNTERS.map((c) => ({
    name: c.name,
    kind: 'counter' as const,
    unit: 'count' as const,
    description: c.description,
    direction: c.direction,
    family: null,
    aggregation: null,
    get: c.get,
    base: c.base ?? null,
  })),
];

const BY_NAME: ReadonlyMap<string, MetricDef> = new Map(METRICS.map((m) => [m.name, m]));

/** All metric names, in METRICS order. */
export function metricNames(): string[] {
  return METRICS.map((m) => m.name);
}

/** The metric called `name`, or undefined. */
export function lookupMetric(name: string): MetricDef | undefined {
  return BY_NAME.get(name);
}

/**
 * Why `name` is not a metric, in words a user can act on: a known family with an unsupported
 * aggregation lists the supported ones (as k6 does); anything else suggests the nearest name.
 * Returns undefined when `name` is a metric.
 */
export function unknownMetricMessage(name: string): string | undefined {
  if (BY_NAME.has(name)) return undefined;
  const dot = name.lastIndexOf('.');
  const familyName = dot > 0 ? name.slice(0, dot) : name;
  const family = LATENCY_FAMILIES.find((f) => f.name === familyName);
  if (family) {
    const agg = dot > 0 ? name.slice(dot + 1) : '';
    // "fanout.lsot" is more likely a mistyped counter than a wanted aggregation.
    const counter = nearest(name, COUNTERS.map((c) => c.name));
    const hint = counter ? ` (did you mean "${counter}"?)` : '';
    return `unknown metric "${name}"${hint}: "${agg}" is not an aggregation of ${family.name}; supported aggregations for ${family.name} are: ${family.aggregations.join(', ')}`;
  }
  const suggestion = nearest(name, metricNames());
  const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
  return `unknown metric "${name}"${hint}; expected a counter (${COUNTERS.map((c) => c.name).join(', ')}) or <latency>.<aggregation> with latency one of ${LATENCY_FAMILIES.map((f) => f.name).join(', ')}`;
}

/** Reads metric `name` from a report (ms for latencies, a count otherwise); undefined if unknown. */
export function metricValue(report: Report, name: string): number | undefined {
  return BY_NAME.get(name)?.get(report);
}
