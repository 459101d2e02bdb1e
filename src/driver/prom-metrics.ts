/**
 * The run's Prometheus metrics as a tick subscriber: every metric declared once in PROM_METRICS
 * (name, type, labels, the report field its final value equals), kept in a prom-client Registry
 * and refreshed from the aggregate (all workers, and whatever else feeds the tick bus, summed) on
 * every driver tick and at the end. Counters are fed deltas, so they never go backwards.
 */
import { Counter, Gauge, Histogram as PromHistogram, Registry } from 'prom-client';
import { histogramBuckets, type Histogram } from '../metrics/histogram.js';
import type { RunAggregate } from '../metrics/aggregate.js';
import type { PublisherStats } from '../metrics/publisher-stats.js';
import { counterDef, histogramDef } from '../run/registry.js';
import { CLOSE_LOG_CAUSES } from '../run/protocol.js';
import type { TickSubscriber } from './tick-bus.js';

export type PromMetricType = 'counter' | 'gauge' | 'histogram';

/** One exported metric. */
export interface PromMetricDef {
  readonly name: string;
  readonly type: PromMetricType;
  readonly labels: readonly string[];
  readonly help: string;
  /** The report field its value equals at the end of the run (README "Watch a run live"). */
  readonly report: string;
}

/** Help text of a registered counter: one description for the report, compare and Prometheus. */
function counterHelp(path: string): string {
  const def = counterDef(path);
  if (!def) throw new TypeError(`no registered counter ${path}`);
  return def.description;
}

/** Fan-out histogram buckets, seconds: 1 ms to 60 s in 1-2-5 steps (and 30 s). */
export const FANOUT_BUCKETS_S: readonly number[] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60];

/** Every metric wsload exports, in exposition order (the Grafana dashboard test reads this list). */
export const PROM_METRICS = [
  { name: 'wsload_run_info', type: 'gauge', labels: ['scenario', 'version', 'target'], help: 'Always 1; labels name the run: scenario name, wsload version, target URL', report: 'scenario.name, environment.wsload, target.url' },
  { name: 'wsload_sockets_open', type: 'gauge', labels: [], help: 'sockets open now, all workers', report: 'connections.openAtEnd (at the end of the hold; 0 once wsload closed its sockets)' },
  { name: 'wsload_connects_total', type: 'counter', labels: ['result'], help: 'handshakes by result: ok (reconnects included) or failed', report: 'result="ok": connections.opened; result="failed": connections.failed' },
  { name: 'wsload_disconnects_total', type: 'counter', labels: ['cause', 'cohort'], help: 'sockets that closed before the end of the run, by cause and cohort', report: 'disconnects.byCohort[cohort].byCause[cause] (summed: disconnects.total)' },
  { name: 'wsload_reconnects_total', type: 'counter', labels: [], help: counterHelp('reconnects.total'), report: 'reconnects.total' },
  { name: 'wsload_published_total', type: 'counter', labels: [], help: 'publishes answered OK during the hold', report: 'fanout.published' },
  { name: 'wsload_publish_failures_total', type: 'counter', labels: [], help: counterHelp('publish.failed'), report: 'publish.failed' },
  { name: 'wsload_deliveries_total', type: 'counter', labels: [], help: `${counterHelp('fanout.delivered')}; with publish.source "server", stream messages judged`, report: 'fanout.delivered (a server stream: stream.messages)' },
  { name: 'wsload_lost_total', type: 'counter', labels: [], help: counterHelp('fanout.lost'), report: 'fanout.lost' },
  { name: 'wsload_missed_total', type: 'counter', labels: [], help: counterHelp('fanout.missed'), report: 'fanout.missed (reconnects.missedPublishes)' },
  { name: 'wsload_no_socket_connected', type: 'gauge', labels: [], help: '1 while not one socket has connected and at least as many attempts as sockets failed (target down: the run exits 5), else 0', report: 'connections.opened == 0 with connections.failed > 0 (exit code 5)' },
  { name: 'wsload_fanout_latency_seconds', type: 'histogram', labels: [], help: `fan-out latency: ${histogramDef('fanout')?.description ?? ''}`, report: 'histograms.fanout (_count: fanout.latencyMs.count)' },
  { name: 'wsload_stream_staleness_seconds', type: 'histogram', labels: [], help: `server stream staleness: ${histogramDef('streamStaleness')?.description ?? ''}`, report: 'histograms.streamStaleness (_count: stream.stalenessMs.count); empty unless publish.source is "server"' },
  { name: 'wsload_event_loop_lag_seconds', type: 'gauge', labels: [], help: "worst worker thread's event-loop lag in its last tick", report: 'client.eventLoopLagMs.max is the highest over the run' },
  { name: 'wsload_rss_bytes', type: 'gauge', labels: [], help: 'resident memory of the wsload process', report: 'client.peakRssMb is the highest over the run' },
  { name: 'wsload_shard_rss_bytes', type: 'gauge', labels: ['shard'], help: 'resident memory of each shard or agent of a spread run, at its last report (every 500 ms); no series in one process', report: 'shards[].peakRssMb is the highest over the run' },
] as const satisfies readonly PromMetricDef[];

export type PromMetricName = (typeof PROM_METRICS)[number]['name'];

/** The names of every exported series, histogram series (_bucket, _sum, _count) included. */
export function promSeriesNames(): string[] {
  return PROM_METRICS.flatMap((m): string[] => (m.type === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name]));
}

function def(name: PromMetricName): PromMetricDef {
  // PROM_METRICS lists every PromMetricName.
  return PROM_METRICS.find((m) => m.name === name) as PromMetricDef;
}

type PromValue = { value: number; labels: Record<string, string | number>; sharedLabels: Record<string, string>; metricName: string };

/**
 * A Prometheus histogram whose buckets are read off an HDR histogram at each refresh instead of
 * one observe() per delivery: the exposition still comes from prom-client's registry.
 */
class HdrBackedHistogram extends PromHistogram {
  private cumulative: number[];
  private count = 0;
  private sumS = 0;

  constructor(
    private readonly metric: PromMetricDef,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    super({ name: metric.name, help: metric.help, buckets: [...bounds], registers: [registry] });
    this.cumulative = bounds.map(() => 0);
  }

  /**
   * Takes the histogram's counts as they are now (it only grows, so neither do the buckets). An
   * HDR bucket counts under every bound its lowest value does not exceed: a sample recorded exactly
   * at a bound (5 ms) is then under `le="0.005"`, while testing the bucket's top (5.003 ms) put it in
   * the next one. A bucket that straddles a bound counts wholly below it: within HDR's precision
   * (3 significant digits, 0.1 %).
   */
  update(h: Histogram): void {
    const b = histogramBuckets(h);
    const cumulative = this.bounds.map(() => 0);
    for (let i = 0; i < b.lowestUs.length; i++) {
      const us = b.lowestUs[i];
      // Bounds ascend.
      for (let k = this.bounds.length - 1; k >= 0 && us <= this.bounds[k] * 1e6; k--) cumulative[k] += b.counts[i];
    }
    this.cumulative = cumulative;
    this.count = b.total;
    // HDR's mean (each bucket at its middle) times the count: the sum to the histogram's precision.
    this.sumS = b.total > 0 ? (h.mean * b.total) / 1e6 : 0;
  }

  /** What prom-client's registry formats (the method it calls on a histogram when present). */
  async getForPromString(): Promise<{ name: string; help: string; type: string; aggregator: string; values: PromValue[] }> {
    const bucket = `${this.metric.name}_bucket`;
    const values: PromValue[] = [
      ...this.bounds.map((le, i) => ({ value: this.cumulative[i], labels: { le }, sharedLabels: {}, metricName: bucket })),
      { value: this.count, labels: { le: '+Inf' }, sharedLabels: {}, metricName: bucket },
      { value: this.sumS, labels: {}, sharedLabels: {}, metricName: `${this.metric.name}_sum` },
      { value: this.count, labels: {}, sharedLabels: {}, metricName: `${this.metric.name}_count` },
    ];
    return { name: this.metric.name, help: this.metric.help, type: 'histogram', aggregator: 'sum', values };
  }
}

/** Where the metrics are read from while the run goes on. */
export interface PromSources {
  aggregate: RunAggregate;
  /** Cohort names, in the aggregate's cohort order. */
  cohorts: readonly string[];
  /** The publisher once the hold started, else null. */
  publisher: () => PublisherStats | null;
  info: { scenario: string; version: string; target: string };
  /** Sockets the run is to hold (connections.target). */
  sockets: number;
  /** The shards' (agents') resident memory in a spread run; absent in one process. */
  shards?: () => readonly { shard: string; rssBytes: number }[];
}

/** The run's registry, refreshed as a tick subscriber. */
export class PromMetrics implements TickSubscriber {
  readonly registry = new Registry();
  private readonly counters = new Map<PromMetricName, Counter>();
  private readonly gauges = new Map<PromMetricName, Gauge>();
  private readonly fanout: HdrBackedHistogram;
  private readonly staleness: HdrBackedHistogram;
  /** Last value fed to each counter series, by name and labels: counters are fed the increase only. */
  private readonly fed = new Map<string, number>();

  constructor(private readonly sources: PromSources) {
    for (const m of PROM_METRICS) {
      const config = { name: m.name, help: m.help, labelNames: [...m.labels], registers: [this.registry] };
      if (m.type === 'counter') this.counters.set(m.name, new Counter(config));
      else if (m.type === 'gauge') this.gauges.set(m.name, new Gauge(config));
    }
    this.fanout = new HdrBackedHistogram(def('wsload_fanout_latency_seconds'), FANOUT_BUCKETS_S, this.registry);
    this.staleness = new HdrBackedHistogram(def('wsload_stream_staleness_seconds'), FANOUT_BUCKETS_S, this.registry);
    this.gauge('wsload_run_info').set(sources.info, 1);
    // Every label set known at start exists at 0 from the first scrape: Prometheus' increase() and
    // rate() need a sample before the first burst to count it, and a run without drops reads 0, not
    // "no data".
    for (const cohort of sources.cohorts) for (const cause of CLOSE_LOG_CAUSES) this.feed('wsload_disconnects_total', { cause, cohort }, 0);
    this.refresh();
  }

  onTick(): void {
    this.refresh();
  }

  onEnd(): void {
    this.refresh();
  }

  /** The text exposition (prom-client's). */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Reads every metric from its source. */
  refresh(): void {
    const { aggregate, cohorts } = this.sources;
    const t = aggregate.totals();
    const publisher = this.sources.publisher();
    this.gauge('wsload_sockets_open').set(t.open);
    this.feed('wsload_connects_total', { result: 'ok' }, t.opened);
    this.feed('wsload_connects_total', { result: 'failed' }, t.failed);
    t.cohorts.forEach((c, i) => {
      for (const [cause, n] of Object.entries(c.byCause)) this.feed('wsload_disconnects_total', { cause, cohort: cohorts[i] ?? String(i) }, n);
    });
    this.feed('wsload_reconnects_total', {}, t.cohorts.reduce((s, c) => s + c.reconnects, 0));
    this.feed('wsload_published_total', {}, publisher?.ok ?? 0);
    this.feed('wsload_publish_failures_total', {}, publisher?.failed ?? 0);
    // A server stream's judged messages are its deliveries (it has no publishes).
    this.feed('wsload_deliveries_total', {}, t.delivery.delivered + (t.stream?.messages ?? 0));
    this.feed('wsload_lost_total', {}, t.delivery.lost);
    this.feed('wsload_missed_total', {}, t.cohorts.reduce((sum, c) => sum + c.missedPublishes, 0));
    this.gauge('wsload_no_socket_connected').set(t.opened === 0 && t.failed > 0 && t.failed >= this.sources.sockets ? 1 : 0);
    this.fanout.update(aggregate.histogram('fanout'));
    this.staleness.update(aggregate.histogram('streamStaleness'));
    this.gauge('wsload_event_loop_lag_seconds').set(Math.max(0, ...aggregate.workers.map((w) => w.lag.intervalMaxMs)) / 1000);
    this.gauge('wsload_rss_bytes').set(process.memoryUsage().rss);
    const shards = this.gauge('wsload_shard_rss_bytes');
    // A lost shard's series goes away rather than freezing at its last value.
    shards.reset();
    for (const s of this.sources.shards?.() ?? []) shards.set({ shard: s.shard }, s.rssBytes);
  }

  private gauge(name: PromMetricName): Gauge {
    const g = this.gauges.get(name);
    if (!g) throw new TypeError(`${name} is not a gauge`);
    return g;
  }

  /** Raises a counter series to `value`; a lower value (a source that went away) leaves it where it was. */
  private feed(name: PromMetricName, labels: Record<string, string>, value: number): void {
    const key = `${name}${JSON.stringify(labels)}`;
    const before = this.fed.get(key);
    const counter = this.counters.get(name);
    if (!counter) throw new TypeError(`${name} is not a counter`);
    if (before === undefined) {
      // Present from the first scrape (at 0), so rate() sees the first increase.
      counter.inc(labels, Math.max(0, value));
      this.fed.set(key, Math.max(0, value));
    } else if (value > before) {
      counter.inc(labels, value - before);
      this.fed.set(key, value);
    }
  }
}
