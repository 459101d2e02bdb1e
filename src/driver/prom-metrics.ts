/**
 * The run's Prometheus metrics as a tick subscriber. What is exported is declared once, on the
 * registry's entries (run/registry.ts: a counter's or histogram's `prom`: name, type, help, labels
 * from its breakdown axes, how its value is read while the run goes on); this module iterates the
 * registry, so a new counter or histogram family appears in /metrics by its declaration alone.
 * Besides them, RUN_GAUGES: the run's and the process's state, which no report field is (run info,
 * memory, event-loop lag). Kept in a prom-client Registry and refreshed from the aggregate (all
 * workers, and whatever else feeds the tick bus, summed) on every driver tick and at the end.
 * Counters are fed deltas, so they never go backwards.
 */
import { Counter, Gauge, Histogram as PromHistogram, Registry } from 'prom-client';
import { addInto, createHistogram, histogramBuckets, type Histogram } from '../metrics/histogram.js';
import type { RunAggregate, Totals } from '../metrics/aggregate.js';
import { publisherHistograms, type PublisherStats } from '../metrics/publisher-stats.js';
import { COUNTERS, HISTOGRAMS, breakdownKey, breakdownOf, type HistogramDef } from '../run/registry.js';
import { promHelp, type LiveCounts, type PromAt, type PromCounterExport, type PromLabel } from '../run/prom-export.js';
import { CLOSE_LOG_CAUSES } from '../run/protocol.js';
import type { TickSubscriber } from './tick-bus.js';

export type PromMetricType = 'counter' | 'gauge' | 'histogram';

/** One exported metric family. */
export interface PromMetricDef {
  readonly name: string;
  readonly type: PromMetricType;
  readonly labels: readonly string[];
  readonly help: string;
  /** The report field its value equals at the end of the run (docs/live.md). */
  readonly report: string;
}

/** Fan-out histogram buckets, seconds: 1 ms to 60 s in 1-2-5 steps (and 30 s). */
export const FANOUT_BUCKETS_S: readonly number[] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60];

/** Where the metrics are read from while the run goes on. */
export interface PromSources {
  aggregate: RunAggregate;
  /** Cohort names, in the aggregate's cohort order. */
  cohorts: readonly string[];
  /** With topics: their names, in the aggregate's topic order; absent without topics. */
  topics?: readonly string[];
  /** The publisher once the hold started, else null. */
  publisher: () => PublisherStats | null;
  info: { scenario: string; version: string; target: string };
  /** Sockets the run is to hold (connections.target). */
  sockets: number;
  /** The shards' (agents') resident memory in a spread run; absent in one process. */
  shards?: () => readonly { shard: string; rssBytes: number }[];
}

/** One series' value. */
interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** A gauge of the run's or the process's state (no report field is it): read whole at each refresh. */
interface RunGauge extends PromMetricDef {
  readonly type: 'gauge';
  readonly read: (s: PromSources, t: Totals) => readonly Sample[];
}

const one = (value: number): Sample[] => [{ labels: {}, value }];

const RUN_INFO: RunGauge = {
  name: 'wsload_run_info',
  type: 'gauge',
  labels: ['scenario', 'version', 'target'],
  help: 'Always 1; labels name the run: scenario name, wsload version, target URL',
  report: 'scenario.name, environment.wsload, target.url',
  read: (s) => [{ labels: s.info, value: 1 }],
};

/** The run's gauges that are no report metric, after the registry's families in exposition order. */
const RUN_GAUGES: readonly RunGauge[] = [
  {
    name: 'wsload_no_socket_connected',
    type: 'gauge',
    labels: [],
    help: '1 while not one socket has connected and at least as many attempts as sockets failed (target down: the run exits 5), else 0',
    report: 'connections.opened == 0 with connections.failed > 0 (exit code 5)',
    read: (s, t) => one(t.opened === 0 && t.failed > 0 && t.failed >= s.sockets ? 1 : 0),
  },
  {
    name: 'wsload_event_loop_lag_seconds',
    type: 'gauge',
    labels: [],
    help: "worst worker thread's event-loop lag in its last tick",
    report: 'client.eventLoopLagMs.max is the highest over the run',
    read: (s) => one(Math.max(0, ...s.aggregate.workers.map((w) => w.lag.intervalMaxMs)) / 1000),
  },
  {
    name: 'wsload_rss_bytes',
    type: 'gauge',
    labels: [],
    help: 'resident memory of the wsload process',
    report: 'client.peakRssMb is the highest over the run',
    read: () => one(process.memoryUsage().rss),
  },
  {
    name: 'wsload_shard_rss_bytes',
    type: 'gauge',
    labels: ['shard'],
    help: 'resident memory of each shard or agent of a spread run, at its last report (every 500 ms); no series in one process',
    report: 'shards[].peakRssMb is the highest over the run',
    // A lost shard's series goes away rather than freezing at its last value (run gauges are reset each refresh).
    read: (s) => (s.shards?.() ?? []).map((x) => ({ labels: { shard: x.shard }, value: x.rssBytes })),
  },
];

/** A registered counter with its export. */
interface CounterExport {
  readonly path: string;
  readonly description: string;
  readonly prom: PromCounterExport;
}

const COUNTER_EXPORTS: readonly CounterExport[] = COUNTERS.flatMap((c) =>
  c.prom ? [{ path: c.path, description: c.description, prom: c.prom }] : [],
);
const HISTOGRAM_EXPORTS: readonly HistogramDef[] = HISTOGRAMS.filter((h: HistogramDef) => h.prom !== undefined);

/** The registry's exported families, one per name (a family several counters share: labels united, the first's help). */
function registryFamilies(): PromMetricDef[] {
  const families = new Map<string, PromMetricDef>();
  for (const c of COUNTER_EXPORTS) {
    const labels = [...Object.keys(c.prom.fixed ?? {}), ...(c.prom.labels ?? [])];
    const fixed = Object.entries(c.prom.fixed ?? {}).map(([k, v]) => `${k}="${v}"`);
    const report = c.prom.report ?? (fixed.length > 0 ? `${fixed.join(',')}: ${c.path}` : c.path);
    const had = families.get(c.prom.name);
    if (had === undefined) {
      families.set(c.prom.name, { name: c.prom.name, type: c.prom.type, labels, help: promHelp(c.prom.help, c.description), report });
    } else if (had.type !== c.prom.type) {
      throw new TypeError(`${c.prom.name} is declared both a ${had.type} and a ${c.prom.type}`);
    } else families.set(had.name, { ...had, labels: [...new Set([...had.labels, ...labels])], report: `${had.report}; ${report}` });
  }
  for (const h of HISTOGRAM_EXPORTS) {
    const prom = h.prom as NonNullable<HistogramDef['prom']>;
    for (const axis of prom.labels ?? [])
      if (!breakdownOf(h.key, axis)) throw new TypeError(`${prom.name} is labelled by ${axis}, but ${h.key} has no breakdown by it`);
    families.set(prom.name, {
      name: prom.name,
      type: 'histogram',
      labels: [...(prom.labels ?? [])],
      help: promHelp(prom.help, h.description),
      report: prom.report ?? `histograms.${h.key}`,
    });
  }
  return [...families.values()];
}

/** Every metric wsload exports, in exposition order (the Grafana dashboard test reads this list). */
export const PROM_METRICS: readonly PromMetricDef[] = [RUN_INFO, ...registryFamilies(), ...RUN_GAUGES].map(
  ({ name, type, labels, help, report }): PromMetricDef => ({ name, type, labels, help, report }),
);

/** The names of every exported series, histogram series (_bucket, _sum, _count) included. */
export function promSeriesNames(): string[] {
  return PROM_METRICS.flatMap((m): string[] =>
    m.type === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name],
  );
}

/** One series of a counter export: its labels and where its value is read. */
interface CounterSeries {
  readonly labels: Record<string, string>;
  readonly at: PromAt;
}

/** Every series of a counter export: one per combination of its labels' values (all known at start). */
function seriesOf(prom: PromCounterExport, values: Record<PromLabel, readonly string[]>): CounterSeries[] {
  let out: CounterSeries[] = [{ labels: { ...prom.fixed }, at: { cohort: 0, topic: 0, cause: '' } }];
  for (const label of prom.labels ?? []) {
    out = out.flatMap((s) =>
      values[label].map((v, i) => ({
        labels: { ...s.labels, [label]: v },
        at: { ...s.at, ...(label === 'cause' ? { cause: v } : { [label]: i }) },
      })),
    );
  }
  return out;
}

type PromValue = { value: number; labels: Record<string, string | number>; sharedLabels: Record<string, string>; metricName: string };

/** One labelled series of an HDR-backed histogram, as read at the last refresh. */
interface HdrSeries {
  readonly labels: Record<string, string>;
  readonly cumulative: readonly number[];
  readonly count: number;
  readonly sumS: number;
}

/**
 * A Prometheus histogram whose buckets are read off HDR histograms at each refresh instead of one
 * observe() per delivery: the exposition still comes from prom-client's registry.
 */
class HdrBackedHistogram extends PromHistogram {
  private series: HdrSeries[] = [];

  constructor(
    private readonly metric: PromMetricDef,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    super({ name: metric.name, help: metric.help, buckets: [...bounds], labelNames: [...metric.labels], registers: [registry] });
  }

  /**
   * Takes the histograms' counts as they are now (each only grows, so neither do the buckets). An
   * HDR bucket counts under every bound its lowest value does not exceed: a sample recorded exactly
   * at a bound (5 ms) is then under `le="0.005"`, while testing the bucket's top (5.003 ms) put it in
   * the next one. A bucket that straddles a bound counts wholly below it: within HDR's precision
   * (3 significant digits, 0.1 %).
   */
  update(from: readonly { labels: Record<string, string>; h: Histogram }[]): void {
    this.series = from.map(({ labels, h }) => {
      const b = histogramBuckets(h);
      const cumulative = this.bounds.map(() => 0);
      for (let i = 0; i < b.lowestUs.length; i++) {
        const us = b.lowestUs[i];
        // Bounds ascend.
        for (let k = this.bounds.length - 1; k >= 0 && us <= this.bounds[k] * 1e6; k--) cumulative[k] += b.counts[i];
      }
      // HDR's mean (each bucket at its middle) times the count: the sum to the histogram's precision.
      return { labels, cumulative, count: b.total, sumS: b.total > 0 ? (h.mean * b.total) / 1e6 : 0 };
    });
  }

  /** What prom-client's registry formats (the method it calls on a histogram when present). */
  async getForPromString(): Promise<{ name: string; help: string; type: string; aggregator: string; values: PromValue[] }> {
    const { name } = this.metric;
    const values = this.series.flatMap(({ labels, cumulative, count, sumS }): PromValue[] => [
      ...this.bounds.map((le, i) => ({ value: cumulative[i], labels: { ...labels, le }, sharedLabels: {}, metricName: `${name}_bucket` })),
      { value: count, labels: { ...labels, le: '+Inf' }, sharedLabels: {}, metricName: `${name}_bucket` },
      { value: sumS, labels, sharedLabels: {}, metricName: `${name}_sum` },
      { value: count, labels, sharedLabels: {}, metricName: `${name}_count` },
    ]);
    return { name, help: this.metric.help, type: 'histogram', aggregator: 'sum', values };
  }
}

/** The run's registry, refreshed as a tick subscriber. */
export class PromMetrics implements TickSubscriber {
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();
  private readonly histograms: { def: HistogramDef; prom: HdrBackedHistogram }[] = [];
  /** Every series of each counter export, all known at start. */
  private readonly counterSeries: { prom: PromCounterExport; series: CounterSeries[] }[];
  /** Last value fed to each counter series, by name and labels: counters are fed the increase only. */
  private readonly fed = new Map<string, number>();

  constructor(private readonly sources: PromSources) {
    for (const m of PROM_METRICS) {
      const config = { name: m.name, help: m.help, labelNames: [...m.labels], registers: [this.registry] };
      if (m.type === 'counter') this.counters.set(m.name, new Counter(config));
      else if (m.type === 'gauge') this.gauges.set(m.name, new Gauge(config));
      else {
        const def = HISTOGRAM_EXPORTS.find((h) => h.prom?.name === m.name) as HistogramDef;
        this.histograms.push({ def, prom: new HdrBackedHistogram(m, FANOUT_BUCKETS_S, this.registry) });
      }
    }
    const values: Record<PromLabel, readonly string[]> = {
      cohort: sources.cohorts,
      topic: sources.topics ?? [],
      cause: CLOSE_LOG_CAUSES,
    };
    // Every label set known at start exists at 0 from the first scrape: Prometheus' increase() and
    // rate() need a sample before the first burst to count it, and a run without drops reads 0, not
    // "no data".
    this.counterSeries = COUNTER_EXPORTS.map((c) => ({ prom: c.prom, series: seriesOf(c.prom, values) }));
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
    const t = this.sources.aggregate.totals();
    const publisher = this.sources.publisher();
    const live: LiveCounts = { ...t, publisher };
    for (const { prom, series } of this.counterSeries) {
      for (const s of series) {
        const value = prom.live(live, s.at);
        if (prom.type === 'counter') this.feed(prom.name, s.labels, value);
        else this.gauge(prom.name).set(s.labels, value);
      }
    }
    for (const { def, prom } of this.histograms) prom.update(this.liveHistograms(def, publisher));
    for (const g of [RUN_INFO, ...RUN_GAUGES]) {
      const gauge = this.gauge(g.name);
      gauge.reset();
      for (const s of g.read(this.sources, t)) gauge.set(s.labels, s.value);
    }
  }

  /** The histograms behind a histogram export as they stand now: the whole run's, or one per value of its axis. */
  private liveHistograms(def: HistogramDef, publisher: PublisherStats | null): { labels: Record<string, string>; h: Histogram }[] {
    const axis = def.prom?.labels?.[0];
    if (axis === undefined) return [{ labels: {}, h: this.liveHistogram(def, def.key, publisher) }];
    const b = breakdownOf(def.key, axis);
    const names = axis === 'cohort' ? this.sources.cohorts : (this.sources.topics ?? []);
    // Checked when the families were listed: an axis label has its breakdown.
    return b ? names.map((v) => ({ labels: { [axis]: v }, h: this.sources.aggregate.histogram(breakdownKey(b, v)) })) : [];
  }

  /** A whole-run histogram where its source keeps it while the run goes on. */
  private liveHistogram(def: HistogramDef, key: string, publisher: PublisherStats | null): Histogram {
    const { aggregate, cohorts } = this.sources;
    switch (def.source) {
      case 'main':
        return key === 'completion' ? aggregate.completion : aggregate.histogram(key);
      case 'publisher':
        return publisherHistograms(publisher).find(([k]) => k === key)?.[1] ?? createHistogram();
      case 'cohorts': {
        // The run's is the sum of its cohorts' (as the report builds it).
        const sum = createHistogram();
        const b = breakdownOf(key, 'cohort');
        if (b) for (const c of cohorts) addInto(sum, aggregate.histogram(breakdownKey(b, c)));
        return sum;
      }
      default:
        return aggregate.histogram(key);
    }
  }

  private gauge(name: string): Gauge {
    const g = this.gauges.get(name);
    if (!g) throw new TypeError(`${name} is not a gauge`);
    return g;
  }

  /** Raises a counter series to `value`; a lower value (a source that went away) leaves it where it was. */
  private feed(name: string, labels: Record<string, string>, value: number): void {
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
