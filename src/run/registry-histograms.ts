/**
 * The histogram registry: every histogram a run records, declared once with where its percentile set
 * sits in the Report, its unit, which way is better and who records it. Adding a histogram is one
 * entry in HISTOGRAMS (the table reads best whole: its entries share one shape).
 */
import type { PercentileSet } from './report.js';
import type { PromHistogramExport } from './prom-export.js';
import type { MetricDirection } from './metric-kinds.js';

/** Report sections that hold percentile sets of registered histograms. */
export type SetSection = 'fanout' | 'handshake' | 'publish' | 'disconnects' | 'client' | 'stream';

/** One histogram: recorded in µs, carried encoded in Report.histograms[key], summarised at section.field. */
export interface HistogramDef {
  /** Key in worker snapshots, the aggregate and Report.histograms. */
  readonly key: string;
  /** Report section and field of its percentile set: `${section}.${field}` ("fanout.latencyMs"). */
  readonly section: SetSection;
  readonly field: string;
  readonly unit: 'ms';
  readonly direction: MetricDirection;
  /** Metric family users name in thresholds and compare ("fanout" → "fanout.p99"); null: not nameable. */
  readonly family: string | null;
  /** What it measures, for metric descriptions. */
  readonly description: string;
  /** Short lower-case name for compare rows and chart titles ("fan-out latency"). */
  readonly label: string;
  /** Title of its percentile curve in a comparison; null when it is not charted. */
  readonly chart: string | null;
  /** Per-block histograms of it kept in Report.intervals[intervals] for compare's bootstrap; null: none. */
  readonly intervals: 'fanout' | 'completion' | null;
  /** Offered by `wsload report --hgrm` even when a report holds no such histogram. */
  readonly hgrm: boolean;
  /** Merging reports adds the histograms exactly and recomputes the percentile set from the sum. */
  readonly merge: 'add';
  /** The percentile set is absent from reports written before it existed. */
  readonly optional: boolean;
  /**
   * No sample exceeds publish.deadline (a publish incomplete by then is recorded at it): its
   * percentile set is capped at the deadline, which a bucket's top (10,002 ms for 10 s) would pass.
   */
  readonly cappedAtDeadline: boolean;
  /**
   * Who records it: 'worker' (every worker thread allocates it and ships its deltas each tick),
   * 'stream' (workers, only in a run of a server stream), 'main' (the driver's aggregate, from the
   * workers' judged publishes), 'publisher' (the publisher), 'cohorts' (the sum of its per-cohort
   * histograms, made by the report builder).
   */
  readonly source: 'worker' | 'stream' | 'main' | 'publisher' | 'cohorts';
  /** Exported to Prometheus with `--metrics` (run/prom-export.ts); absent: not exported. */
  readonly prom?: PromHistogramExport;
}

type HistogramInput<S extends SetSection, F extends string> = Omit<
  HistogramDef,
  'section' | 'field' | 'unit' | 'merge' | 'chart' | 'intervals' | 'hgrm' | 'optional' | 'cappedAtDeadline' | 'source'
> &
  Partial<HistogramDef> & { section: S; field: F };

/** One registry entry, its section and field kept as literal types (sectionSets is typed by them). */
function histogram<
  const S extends SetSection,
  const F extends string,
  const K extends string,
  const Src extends HistogramDef['source'] = 'worker',
>(
  d: HistogramInput<S, F> & { key: K; source?: Src },
): HistogramDef & { readonly section: S; readonly field: F; readonly key: K; readonly source: Src } {
  return {
    unit: 'ms',
    merge: 'add',
    chart: null,
    intervals: null,
    hgrm: false,
    optional: false,
    cappedAtDeadline: false,
    source: 'worker' as Src,
    ...d,
  };
}

/**
 * Every whole-run histogram, in the order its percentile set appears in the report (and latency
 * families in thresholds and compare). Per-cohort histograms are COHORT_HISTOGRAMS below.
 */
export const HISTOGRAMS = [
  histogram({
    key: 'fanout',
    section: 'fanout',
    field: 'latencyMs',
    direction: 'lower-is-better',
    family: 'fanout',
    description: 'publish scheduled → message received, per socket',
    label: 'fan-out latency',
    chart: 'Fan-out latency',
    intervals: 'fanout',
    hgrm: true,
    prom: {
      name: 'wsload_fanout_latency_seconds',
      help: (d) => `fan-out latency: ${d}`,
      report: 'histograms.fanout (_count: fanout.latencyMs.count)',
    },
  }),
  histogram({
    key: 'completion',
    section: 'fanout',
    field: 'completionMs',
    direction: 'lower-is-better',
    family: 'completion',
    description: 'publish scheduled → last eligible socket received it',
    label: 'publish completion (last socket)',
    chart: 'Publish completion',
    intervals: 'completion',
    hgrm: true,
    cappedAtDeadline: true,
    source: 'main',
  }),
  histogram({
    key: 'handshake',
    section: 'handshake',
    field: 'latencyMs',
    direction: 'lower-is-better',
    family: 'handshake',
    description: 'first-connect handshake, from when the socket was due on the ramp (queue wait + DNS + TCP + TLS + upgrade)',
    label: 'handshake latency',
    chart: 'Handshake latency',
    hgrm: true,
  }),
  histogram({
    key: 'handshakeQueue',
    section: 'handshake',
    field: 'queueMs',
    direction: 'lower-is-better',
    family: 'handshake.queue',
    description: 'first connects: due on the ramp → attempt started',
    label: 'handshake queue wait',
    optional: true,
  }),
  histogram({
    key: 'handshakeDns',
    section: 'handshake',
    field: 'dnsMs',
    direction: 'lower-is-better',
    family: null,
    description: 'first connects: DNS lookup',
    label: 'handshake DNS',
    optional: true,
  }),
  histogram({
    key: 'handshakeTcp',
    section: 'handshake',
    field: 'tcpMs',
    direction: 'lower-is-better',
    family: null,
    description: 'first connects: TCP connect',
    label: 'handshake TCP',
  }),
  histogram({
    key: 'handshakeTls',
    section: 'handshake',
    field: 'tlsMs',
    direction: 'lower-is-better',
    family: null,
    description: 'first connects: TLS handshake',
    label: 'handshake TLS',
  }),
  histogram({
    key: 'handshakeUpgrade',
    section: 'handshake',
    field: 'upgradeMs',
    direction: 'lower-is-better',
    family: null,
    description: 'first connects: HTTP upgrade',
    label: 'handshake upgrade',
  }),
  histogram({
    key: 'handshakeReconnect',
    section: 'handshake',
    field: 'reconnectMs',
    direction: 'lower-is-better',
    family: 'handshake.reconnect',
    description: 'reconnect handshake, from when the reconnect was due',
    label: 'reconnect handshake',
    optional: true,
  }),
  histogram({
    key: 'publish',
    section: 'publish',
    field: 'latencyMs',
    direction: 'lower-is-better',
    family: 'publish',
    description: "publish request round trip, net of wsload's own main-thread delay in handling the answer",
    label: 'publish latency',
    hgrm: true,
    source: 'publisher',
  }),
  histogram({
    key: 'publishMeasured',
    section: 'publish',
    field: 'measuredLatencyMs',
    direction: 'lower-is-better',
    family: null,
    description: "publish request round trip as the main thread saw it, wsload's own delay included",
    label: 'publish latency as measured',
    optional: true,
    source: 'publisher',
  }),
  histogram({
    key: 'scheduleLag',
    section: 'publish',
    field: 'scheduleLagMs',
    direction: 'lower-is-better',
    family: 'publish.scheduleLag',
    description: 'how late publishes left compared with their schedule',
    label: 'publish schedule lag',
    source: 'publisher',
  }),
  histogram({
    key: 'unsent',
    section: 'publish',
    field: 'unsentWaitMs',
    direction: 'lower-is-better',
    family: null,
    description: 'publishes due but never sent: how long each had waited when given up',
    label: 'never-sent publish wait',
    optional: true,
    source: 'publisher',
  }),
  histogram({
    key: 'idleAtClose',
    section: 'disconnects',
    field: 'idleAtCloseMs',
    direction: 'neutral',
    family: 'disconnects.idleAtClose',
    description: 'time since the last frame received, at close',
    label: 'idle at close',
    hgrm: true,
    source: 'cohorts',
  }),
  histogram({
    key: 'sentIdleAtClose',
    section: 'disconnects',
    field: 'sentIdleAtCloseMs',
    direction: 'neutral',
    family: null,
    description: 'time since the last frame sent, at close',
    label: 'sent-idle at close',
    source: 'cohorts',
  }),
  histogram({
    key: 'ageAtClose',
    section: 'disconnects',
    field: 'ageAtCloseMs',
    direction: 'neutral',
    family: 'disconnects.ageAtClose',
    description: 'socket age at close',
    label: 'age at close',
    hgrm: true,
    source: 'cohorts',
  }),
  // Present only in runs of a server-originated stream (the `stream` section is optional).
  histogram({
    key: 'streamStaleness',
    section: 'stream',
    field: 'stalenessMs',
    direction: 'lower-is-better',
    family: 'stream.staleness',
    description: 'receipt wall-clock time minus the timestamp the server embedded, per stream message',
    label: 'stream staleness',
    chart: 'Stream staleness',
    hgrm: true,
    optional: true,
    source: 'stream',
    prom: {
      name: 'wsload_stream_staleness_seconds',
      help: (d) => `server stream staleness: ${d}`,
      report: 'histograms.streamStaleness (_count: stream.stalenessMs.count); empty unless publish.source is "server"',
    },
  }),
  histogram({
    key: 'clientTurn',
    section: 'client',
    field: 'turnMs',
    direction: 'lower-is-better',
    family: null,
    description: 'time per event-loop turn that handled messages, all workers',
    label: 'client time per loop turn',
    optional: true,
  }),
] as const;

export type Registered = (typeof HISTOGRAMS)[number];

/** Histograms every worker thread records (source 'worker'): the set it allocates and ships. */
export type WorkerHistogramKey = Extract<Registered, { source: 'worker' }>['key'];
export const WORKER_HISTOGRAMS: readonly WorkerHistogramKey[] = HISTOGRAMS.flatMap((h) => (h.source === 'worker' ? [h.key] : []));

/** The registered percentile-set fields of one report section, e.g. { latencyMs, completionMs } of 'fanout'. */
export type SectionSets<S extends SetSection> = { [D in Registered as D['section'] extends S ? D['field'] : never]: PercentileSet };
