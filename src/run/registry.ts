/**
 * The histogram and counter registry: every histogram a run records and every counter a report
 * carries, declared once with where it sits in the Report, its unit, which way is better and how
 * reports merge it. report/build, report/merge, report/compare, metrics/names, render/html and
 * render/hgrm read these tables instead of restating them; test/unit/registry.test.ts checks each
 * entry against a real built report. Adding a counter is one entry here plus the place it is counted.
 */
import type { PercentileSet, Report } from './report.js';

/** Which way is a regression, for compare; neutral metrics only describe the run's size. */
export type MetricDirection = 'lower-is-better' | 'higher-is-better' | 'neutral';

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
}

type HistogramInput<S extends SetSection, F extends string> = Omit<HistogramDef, 'section' | 'field' | 'unit' | 'merge' | 'chart' | 'intervals' | 'hgrm' | 'optional' | 'cappedAtDeadline' | 'source'> &
  Partial<HistogramDef> & { section: S; field: F };

/** One registry entry, its section and field kept as literal types (sectionSets is typed by them). */
function histogram<const S extends SetSection, const F extends string, const K extends string, const Src extends HistogramDef['source'] = 'worker'>(
  d: HistogramInput<S, F> & { key: K; source?: Src },
): HistogramDef & { readonly section: S; readonly field: F; readonly key: K; readonly source: Src } {
  return { unit: 'ms', merge: 'add', chart: null, intervals: null, hgrm: false, optional: false, cappedAtDeadline: false, source: 'worker' as Src, ...d };
}

/**
 * Every whole-run histogram, in the order its percentile set appears in the report (and latency
 * families in thresholds and compare). Per-cohort histograms are COHORT_HISTOGRAMS below.
 */
export const HISTOGRAMS = [
  histogram({ key: 'fanout', section: 'fanout', field: 'latencyMs', direction: 'lower-is-better', family: 'fanout', description: 'publish scheduled → message received, per socket', label: 'fan-out latency', chart: 'Fan-out latency', intervals: 'fanout', hgrm: true }),
  histogram({ key: 'completion', section: 'fanout', field: 'completionMs', direction: 'lower-is-better', family: 'completion', description: 'publish scheduled → last eligible socket received it', label: 'publish completion (last socket)', chart: 'Publish completion', intervals: 'completion', hgrm: true, cappedAtDeadline: true, source: 'main' }),
  histogram({ key: 'handshake', section: 'handshake', field: 'latencyMs', direction: 'lower-is-better', family: 'handshake', description: 'first-connect handshake, from when the socket was due on the ramp (queue wait + DNS + TCP + TLS + upgrade)', label: 'handshake latency', chart: 'Handshake latency', hgrm: true }),
  histogram({ key: 'handshakeQueue', section: 'handshake', field: 'queueMs', direction: 'lower-is-better', family: 'handshake.queue', description: 'first connects: due on the ramp → attempt started', label: 'handshake queue wait', optional: true }),
  histogram({ key: 'handshakeDns', section: 'handshake', field: 'dnsMs', direction: 'lower-is-better', family: null, description: 'first connects: DNS lookup', label: 'handshake DNS', optional: true }),
  histogram({ key: 'handshakeTcp', section: 'handshake', field: 'tcpMs', direction: 'lower-is-better', family: null, description: 'first connects: TCP connect', label: 'handshake TCP' }),
  histogram({ key: 'handshakeTls', section: 'handshake', field: 'tlsMs', direction: 'lower-is-better', family: null, description: 'first connects: TLS handshake', label: 'handshake TLS' }),
  histogram({ key: 'handshakeUpgrade', section: 'handshake', field: 'upgradeMs', direction: 'lower-is-better', family: null, description: 'first connects: HTTP upgrade', label: 'handshake upgrade' }),
  histogram({ key: 'handshakeReconnect', section: 'handshake', field: 'reconnectMs', direction: 'lower-is-better', family: 'handshake.reconnect', description: 'reconnect handshake, from when the reconnect was due', label: 'reconnect handshake', optional: true }),
  histogram({ key: 'publish', section: 'publish', field: 'latencyMs', direction: 'lower-is-better', family: 'publish', description: "publish request round trip, net of wsload's own main-thread delay in handling the answer", label: 'publish latency', hgrm: true, source: 'publisher' }),
  histogram({ key: 'publishMeasured', section: 'publish', field: 'measuredLatencyMs', direction: 'lower-is-better', family: null, description: "publish request round trip as the main thread saw it, wsload's own delay included", label: 'publish latency as measured', optional: true, source: 'publisher' }),
  histogram({ key: 'scheduleLag', section: 'publish', field: 'scheduleLagMs', direction: 'lower-is-better', family: 'publish.scheduleLag', description: 'how late publishes left compared with their schedule', label: 'publish schedule lag', source: 'publisher' }),
  histogram({ key: 'unsent', section: 'publish', field: 'unsentWaitMs', direction: 'lower-is-better', family: null, description: 'publishes due but never sent: how long each had waited when given up', label: 'never-sent publish wait', optional: true, source: 'publisher' }),
  histogram({ key: 'idleAtClose', section: 'disconnects', field: 'idleAtCloseMs', direction: 'neutral', family: 'disconnects.idleAtClose', description: 'time since the last frame received, at close', label: 'idle at close', hgrm: true, source: 'cohorts' }),
  histogram({ key: 'sentIdleAtClose', section: 'disconnects', field: 'sentIdleAtCloseMs', direction: 'neutral', family: null, description: 'time since the last frame sent, at close', label: 'sent-idle at close', source: 'cohorts' }),
  histogram({ key: 'ageAtClose', section: 'disconnects', field: 'ageAtCloseMs', direction: 'neutral', family: 'disconnects.ageAtClose', description: 'socket age at close', label: 'age at close', hgrm: true, source: 'cohorts' }),
  // Present only in runs of a server-originated stream (the `stream` section is optional).
  histogram({ key: 'streamStaleness', section: 'stream', field: 'stalenessMs', direction: 'lower-is-better', family: 'stream.staleness', description: 'receipt wall-clock time minus the timestamp the server embedded, per stream message', label: 'stream staleness', chart: 'Stream staleness', hgrm: true, optional: true, source: 'stream' }),
  histogram({ key: 'clientTurn', section: 'client', field: 'turnMs', direction: 'lower-is-better', family: null, description: 'time per event-loop turn that handled messages, all workers', label: 'client time per loop turn', optional: true }),
] as const;

type Registered = (typeof HISTOGRAMS)[number];

/** Histograms every worker thread records (source 'worker'): the set it allocates and ships. */
export type WorkerHistogramKey = Extract<Registered, { source: 'worker' }>['key'];
export const WORKER_HISTOGRAMS: readonly WorkerHistogramKey[] = HISTOGRAMS.flatMap((h) => (h.source === 'worker' ? [h.key] : []));

/** The registered percentile-set fields of one report section, e.g. { latencyMs, completionMs } of 'fanout'. */
export type SectionSets<S extends SetSection> = { [D in Registered as D['section'] extends S ? D['field'] : never]: PercentileSet };

/**
 * A breakdown axis: the values a run's histograms can be kept per. Per-value percentile sets sit in
 * the family's section under the axis's field: `${section}.${field}[value][family field]`
 * (disconnects.byCohort.<c>.idleAtCloseMs, fanout.byTopic.<t>.latencyMs, fanout.byCohort.<c>.latencyMs).
 * Shards are not an axis of histograms: a shard's books are in shards[] and its histograms are added
 * into the run's as they arrive (the coordinator keeps none per shard).
 */
export type Axis = 'cohort' | 'topic';

export const AXES = {
  cohort: { field: 'byCohort', values: (r: Report): string[] => r.scenario.cohorts.map((c) => c.name) },
  topic: { field: 'byTopic', values: (r: Report): string[] => r.scenario.topics?.names ?? [] },
} as const satisfies Record<Axis, { field: string; values: (r: Report) => string[] }>;

/** One family kept per value of an axis: histograms "<prefix>:<value>" in Report.histograms. */
export interface BreakdownDef {
  /** The family's registered (whole-run) histogram: its section, field, unit and cap. */
  readonly key: Registered['key'];
  readonly axis: Axis;
  /** Report.histograms key before ":<value>"; the family's own key for the breakdowns older reports carry. */
  readonly prefix: string;
  /** Kept only when the axis has at least this many values (one cohort's fan-out is the run's). */
  readonly minValues: number;
  /**
   * 'sets': the per-value entry holds only percentile sets and is made where one is set (merge);
   * 'built': a section builder makes the entry with its counters, a set is written into it.
   */
  readonly entry: 'sets' | 'built';
  /** Absent from reports written before it existed, or from runs without that value: not "missing" in merge. */
  readonly optional: boolean;
}

const breakdown = (d: Pick<BreakdownDef, 'key' | 'axis'> & Partial<BreakdownDef>): BreakdownDef => ({ prefix: d.key, minValues: 1, entry: 'built', optional: false, ...d });

/**
 * Every breakdown, declared once: the worker allocates and ships what it records of these
 * (worker/histogram-set.ts), the report builds, merges, compares and renders them from here.
 */
export const BREAKDOWNS: readonly BreakdownDef[] = [
  breakdown({ key: 'idleAtClose', axis: 'cohort' }),
  breakdown({ key: 'sentIdleAtClose', axis: 'cohort' }),
  breakdown({ key: 'ageAtClose', axis: 'cohort' }),
  breakdown({ key: 'fanout', axis: 'topic', optional: true }),
  breakdown({ key: 'completion', axis: 'topic', optional: true }),
  // "Is the ping cohort slower?": fan-out latency per cohort, from 2 cohorts up.
  breakdown({ key: 'fanout', axis: 'cohort', prefix: 'fanoutByCohort', minValues: 2, entry: 'sets', optional: true }),
];

/** The breakdowns of `axis`. */
export function breakdownsOf(axis: Axis): BreakdownDef[] {
  return BREAKDOWNS.filter((b) => b.axis === axis);
}

/** The breakdown of family `key` by `axis`, or undefined. */
export function breakdownOf(key: string, axis: Axis): BreakdownDef | undefined {
  return BREAKDOWNS.find((b) => b.key === key && b.axis === axis);
}

/** Key of breakdown `b`'s histogram for `value` in Report.histograms. */
export function breakdownKey(b: BreakdownDef, value: string): string {
  return `${b.prefix}:${value}`;
}

/** The breakdown and value behind a Report.histograms key ("fanout:news"), or null for a whole-run or other key. */
export function parseBreakdownKey(key: string): { b: BreakdownDef; value: string } | null {
  const colon = key.indexOf(':');
  if (colon < 0) return null;
  const b = BREAKDOWNS.find((x) => x.prefix === key.slice(0, colon));
  return b ? { b, value: key.slice(colon + 1) } : null;
}

/** Disconnect histograms kept per cohort, under "<kind>:<cohort>"; summarised at disconnects.byCohort[cohort][field]. */
export const COHORT_HISTOGRAMS = ['idleAtClose', 'sentIdleAtClose', 'ageAtClose'] as const;
export type CohortHistogramKind = (typeof COHORT_HISTOGRAMS)[number];

/** Key of a per-cohort disconnect histogram in Report.histograms. */
export function cohortHistogramKey(kind: CohortHistogramKind, cohort: string): string {
  return `${kind}:${cohort}`;
}

/** Fan-out histograms kept per topic, under "<kind>:<topic>"; summarised at fanout.byTopic[topic] (latencyMs, completionMs). */
export const TOPIC_HISTOGRAMS = ['fanout', 'completion'] as const;
export type TopicHistogramKind = (typeof TOPIC_HISTOGRAMS)[number];

/** Key of a per-topic histogram in Report.histograms. */
export function topicHistogramKey(kind: TopicHistogramKind, topic: string): string {
  return `${kind}:${topic}`;
}

/** Key of a cohort's idle-timeout samples histogram in Report.histograms (no percentile set; see IdleTimeoutScreening). */
export function idleSamplesKey(cohort: string): string {
  return `idleTimeoutSamples:${cohort}`;
}

/**
 * The cap of the percentile set behind Report.histograms[key] ("completion", "completion:<topic>"):
 * the delivery deadline for histograms no sample of which can exceed it, else undefined.
 */
export function percentileCapMs(key: string, deadlineMs: number | undefined): number | undefined {
  const def = histogramDef(parseBreakdownKey(key)?.b.key ?? key);
  return def?.cappedAtDeadline === true ? deadlineMs : undefined;
}

/** The registered whole-run histogram `key`, or undefined. */
export function histogramDef(key: string): HistogramDef | undefined {
  return HISTOGRAMS.find((h) => h.key === key);
}

/** The histogram behind latency family `family` ("fanout", "handshake.queue"), or undefined. */
export function histogramOfFamily(family: string): HistogramDef | undefined {
  return HISTOGRAMS.find((h) => h.family === family);
}

/** Where a histogram's percentile set sits in a report: a whole-run entry, or a cohort's disconnect set. */
export interface SetLocation {
  get: (r: Report) => PercentileSet | undefined;
  set: (r: Report, p: PercentileSet) => void;
}

/** Location of the percentile set of histogram `def` in a report. */
export function setLocation(def: HistogramDef): SetLocation {
  // Sections are plain objects whose registered fields are PercentileSets (checked by the registry test);
  // an optional section (stream) is absent from reports of runs without it: no set there.
  const section = (r: Report): Record<string, PercentileSet | undefined> | undefined => r[def.section] as unknown as Record<string, PercentileSet | undefined> | undefined;
  return {
    get: (r) => section(r)?.[def.field],
    set: (r, p) => {
      const s = section(r);
      if (s) s[def.field] = p;
    },
  };
}

/** Location of the percentile set behind Report.histograms[key], whole-run or per value of an axis; null when none backs it. */
export function locateHistogram(key: string): SetLocation | null {
  const def = histogramDef(key);
  if (def) return setLocation(def);
  const parsed = parseBreakdownKey(key);
  return parsed ? breakdownLocation(parsed.b, parsed.value) : null;
}

/** Per-value entries of breakdown `b` in a report (`fanout.byTopic`), made when `create` and its entries are sets only. */
function breakdownEntries(r: Report, b: BreakdownDef, create: boolean): Record<string, Record<string, PercentileSet | undefined> | undefined> | undefined {
  const def = histogramDef(b.key) as HistogramDef;
  // Sections are plain objects (the registry test checks each entry against a built report).
  const section = r[def.section] as unknown as Record<string, Record<string, Record<string, PercentileSet | undefined> | undefined> | undefined> | undefined;
  if (!section) return undefined;
  const field = AXES[b.axis].field;
  if (section[field] === undefined && create && b.entry === 'sets') section[field] = {};
  return section[field];
}

/** Where breakdown `b`'s set for `value` sits: `${section}.${axis field}[value][field]`. */
export function breakdownLocation(b: BreakdownDef, value: string): SetLocation {
  const field = (histogramDef(b.key) as HistogramDef).field;
  return {
    get: (r) => breakdownEntries(r, b, false)?.[value]?.[field],
    set: (r, p) => {
      const entries = breakdownEntries(r, b, true);
      if (!entries) return;
      if (entries[value] === undefined && b.entry === 'sets') entries[value] = {};
      const entry = entries[value];
      if (entry) entry[field] = p;
    },
  };
}

/** Percentile sets of one report section, by field, in registry order: `fanout: { ...counters, ...sectionSets('fanout', pct) }`. */
export function sectionSets<S extends SetSection>(section: S, pct: (def: HistogramDef) => PercentileSet): SectionSets<S> {
  const fields = HISTOGRAMS.filter((h: HistogramDef) => h.section === section).map((h) => [h.field, pct(h)]);
  // The mapped type lists exactly the fields of this section's entries, which are what is built here.
  return Object.fromEntries(fields) as SectionSets<S>;
}

/**
 * How reports merge a counter: "sum" (counts of side-by-side runs add up; peakOpen becomes an upper
 * bound), "max" (the worst run's), "derived" (computed from other counters, not stored).
 */
export type CounterMerge = 'sum' | 'max' | 'derived';

/** One counter of a report. */
export interface CounterDef {
  /** Report path ("fanout.lost"); for derived counters, the name users give it. */
  readonly path: string;
  readonly description: string;
  readonly unit: 'count' | 'ms';
  readonly direction: MetricDirection;
  /** Path of the counter a percentage is of (`fanout.lost < 0.1%` = 100 × lost / expected); null: no percent form. */
  readonly base: string | null;
  readonly merge: CounterMerge;
  /** Named in thresholds and compare (a metric); false for counters only merge reads. */
  readonly metric: boolean;
  /** Its value in a report, with the fallback for reports written before it existed. */
  readonly get: (r: Report) => number;
}

/** First connects; reports written before the split derive it (every reconnect is one successful handshake). */
function firstOpened(r: Report): number {
  return r.connections.firstOpened ?? Math.max(0, r.connections.opened - r.reconnects.total);
}

/** ± ms of fan-out and completion latency (reports before `clock` existed: the largest shard bound, else 0). */
export function clockUncertaintyOf(r: Report): number {
  return r.clock?.uncertaintyMs ?? Math.max(0, ...(r.shards ?? []).map((s) => s.clockUncertaintyMs));
}

const counter = (d: Omit<CounterDef, 'unit' | 'base' | 'merge' | 'metric'> & Partial<CounterDef>): CounterDef => ({
  unit: 'count',
  base: null,
  merge: 'sum',
  metric: true,
  ...d,
});

/** Every counter, in the order thresholds and compare list metric counters. */
export const COUNTERS: readonly CounterDef[] = [
  // Reconnects inflate `opened`: 150 drops + reconnects must not read as "more opened, better". Kept
  // for old thresholds, but neutral; `connections.firstOpened` is the one judged.
  counter({ path: 'connections.opened', description: 'successful handshakes, reconnects included', direction: 'neutral', get: (r) => r.connections.opened }),
  counter({ path: 'connections.firstOpened', description: 'sockets whose first connection succeeded (reconnects not counted)', direction: 'higher-is-better', get: firstOpened, base: 'connections.target' }),
  // Sockets the stages brought back after a ramp-down are neither first opens nor reconnects.
  counter({ path: 'connections.reconnected', description: 'successful reconnect handshakes', direction: 'lower-is-better', get: (r) => r.connections.opened - firstOpened(r) - (r.connections.reopened ?? 0), merge: 'derived' }),
  counter({ path: 'connections.failed', description: 'failed handshakes, reconnect attempts included', direction: 'lower-is-better', get: (r) => r.connections.failed, base: 'connections.target' }),
  // Summed over side-by-side runs it is an upper bound (merge says so in a warning).
  counter({ path: 'connections.peakOpen', description: 'most sockets open at once', direction: 'higher-is-better', get: (r) => r.connections.peakOpen }),
  counter({ path: 'fanout.published', description: 'publishes sent during the hold', direction: 'neutral', get: (r) => r.fanout.published }),
  counter({ path: 'fanout.expected', description: 'deliveries due (eligible socket × publish pairs)', direction: 'neutral', get: (r) => r.fanout.expected }),
  counter({ path: 'fanout.delivered', description: 'deliveries received before the deadline', direction: 'higher-is-better', get: (r) => r.fanout.delivered }),
  counter({ path: 'fanout.lost', description: 'deliveries due but not received before the deadline', direction: 'lower-is-better', get: (r) => r.fanout.lost, base: 'fanout.expected' }),
  // The reasons of `lost` (with fanout.late): older reports counted every loss that was not late on an open socket.
  counter({ path: 'fanout.lostBeforeClose', description: 'deliveries owed by a connection that closed without them (sent while it was subscribed, at least 250 ms before the close)', direction: 'lower-is-better', get: (r) => r.fanout.lostBeforeClose ?? 0, base: 'fanout.expected' }),
  counter({ path: 'fanout.lostOpen', description: "deliveries due to a connection still open at the publish's deadline that never arrived", direction: 'lower-is-better', get: (r) => r.fanout.lostOpen ?? Math.max(0, r.fanout.lost - r.fanout.late), base: 'fanout.expected' }),
  counter({ path: 'fanout.duplicated', description: 'messages received more than once by a socket', direction: 'lower-is-better', get: (r) => r.fanout.duplicated, base: 'fanout.delivered' }),
  counter({ path: 'fanout.outOfOrder', description: 'messages received after a later one', direction: 'lower-is-better', get: (r) => r.fanout.outOfOrder, base: 'fanout.delivered' }),
  // Each process counts the others' pushes as foreign: summed, they say how much was shared.
  counter({ path: 'fanout.foreign', description: 'messages of another run against the same target (not counted anywhere else)', direction: 'lower-is-better', get: (r) => r.fanout.foreign ?? 0 }),
  counter({ path: 'fanout.idMismatch', description: "this run's messages whose pushed id differed from the publish's", direction: 'lower-is-better', get: (r) => r.fanout.idMismatch ?? 0, base: 'fanout.expected' }),
  // Its own failure (verdict.ts): a misrouted copy leaves every other count intact, so nothing else shows it.
  counter({ path: 'fanout.misrouted', description: "copies of a topic's publish received by a socket not in that topic (not delivered, not lost)", direction: 'lower-is-better', get: (r) => r.fanout.misrouted ?? 0 }),
  counter({ path: 'fanout.late', description: 'first copies received after the deadline (also counted lost)', direction: 'lower-is-better', get: (r) => r.fanout.late }),
  // Receipts before their scheduled time: a remote agent's clock offset was wrong (report/clock-bound.ts).
  counter({ path: 'fanout.early', description: "deliveries received before their publish's scheduled time (a wrong clock offset)", direction: 'lower-is-better', get: (r) => r.fanout.early ?? 0, base: 'fanout.delivered' }),
  // Owed by a worker or shard lost mid-run after its last snapshot: counted in lost, fate unknown.
  counter({ path: 'fanout.unconfirmed', description: 'deliveries lost workers or shards owed after their last snapshot, counted lost (an upper bound)', direction: 'lower-is-better', get: (r) => r.fanout.unconfirmed ?? 0, base: 'fanout.expected' }),
  counter({ path: 'fanout.incomplete', description: 'publishes not delivered to every eligible socket', direction: 'lower-is-better', get: (r) => r.fanout.incomplete, base: 'fanout.published' }),
  counter({ path: 'publish.sent', description: 'publish requests made, failed ones included', direction: 'neutral', get: (r) => r.publish.sent }),
  // `sent` already counts the failed requests: sent + failed read 100% failing as 50%.
  counter({ path: 'publish.failed', description: 'publish requests that failed', direction: 'lower-is-better', get: (r) => r.publish.failed, base: 'publish.sent' }),
  counter({ path: 'publish.skipped', description: 'publishes never sent: the queue waiting for a request slot was full, or the hold ended', direction: 'lower-is-better', get: (r) => r.publish.skipped }),
  counter({ path: 'publish.queued', description: 'publishes that waited for a free request slot', direction: 'lower-is-better', get: (r) => r.publish.queued ?? 0 }),
  counter({ path: 'disconnects.total', description: 'sockets that closed before the end of the run', direction: 'lower-is-better', get: (r) => r.disconnects.total, base: 'connections.opened' }),
  counter({ path: 'reconnects.total', description: 'reconnections made', direction: 'lower-is-better', get: (r) => r.reconnects.total }),
  counter({ path: 'reconnects.missedPublishes', description: 'publishes missed while a socket was down', direction: 'lower-is-better', get: (r) => r.reconnects.missedPublishes }),
  // The same count as a share of what was due had no socket been down, so that a soak can gate on
  // it like on fanout.lost ("< 0.01%"): missed deliveries are in neither fanout.expected nor lost.
  counter({ path: 'fanout.missed', description: 'deliveries missed while a socket was down reconnecting (reconnects.missedPublishes; in neither fanout.expected nor fanout.lost)', direction: 'lower-is-better', get: (r) => r.reconnects.missedPublishes, base: 'fanout.due', merge: 'derived' }),
  // A server-originated stream (publish.source "server"); 0 in reports without the section.
  counter({ path: 'stream.messages', description: 'stream messages judged (timestamp and sequence readable)', direction: 'neutral', get: (r) => r.stream?.messages ?? 0 }),
  counter({ path: 'stream.gaps', description: "times a socket's stream sequence jumped ahead", direction: 'lower-is-better', get: (r) => r.stream?.gaps ?? 0, base: 'stream.messages' }),
  counter({ path: 'stream.missing', description: 'stream sequence numbers skipped and never received', direction: 'lower-is-better', get: (r) => r.stream?.missing ?? 0, base: 'stream.messages' }),
  counter({ path: 'stream.duplicated', description: 'stream messages a socket had already received', direction: 'lower-is-better', get: (r) => r.stream?.duplicated ?? 0, base: 'stream.messages' }),
  counter({ path: 'stream.outOfOrder', description: "stream messages older than the socket's newest, not received before", direction: 'lower-is-better', get: (r) => r.stream?.outOfOrder ?? 0, base: 'stream.messages' }),
  counter({ path: 'stream.unmatched', description: 'stream messages without a readable timestamp or sequence', direction: 'lower-is-better', get: (r) => r.stream?.unmatched ?? 0 }),
  counter({ path: 'stream.negative', description: "stream messages stamped later than their receipt (the service's clock ahead)", direction: 'neutral', get: (r) => r.stream?.negative ?? 0 }),
  counter({ path: 'stream.ahead', description: 'stream messages stamped more than 10 ms after their receipt: staleness unknown, not judged', direction: 'lower-is-better', get: (r) => r.stream?.ahead ?? 0, base: 'stream.messages' }),
  counter({ path: 'stream.staleCapped', description: 'stream messages stamped more than 365 days before their receipt (staleness recorded as 365 days)', direction: 'lower-is-better', get: (r) => r.stream?.staleCapped ?? 0, base: 'stream.messages' }),
  // Counters merge reads but users do not name (yet): adding `metric: true` makes them thresholds.
  counter({ path: 'stream.aheadMaxMs', description: "largest amount a stream timestamp was ahead of its receipt (the service's clock ahead)", unit: 'ms', direction: 'neutral', get: (r) => r.stream?.aheadMaxMs ?? 0, metric: false, merge: 'max' }),
  counter({ path: 'fanout.earlyMaxMs', description: "how far before its scheduled time the earliest delivery came", unit: 'ms', direction: 'lower-is-better', get: (r) => r.fanout.earlyMaxMs ?? 0, metric: false, merge: 'max' }),
  // Fan-out and completion latency are known within ± this; compare widens its intervals by it.
  counter({ path: 'clock.uncertaintyMs', description: 'how far fan-out and completion latency can be off from the clocks receipts were timed on', unit: 'ms', direction: 'lower-is-better', get: clockUncertaintyOf, metric: false, merge: 'max' }),
  counter({ path: 'fanout.due', description: 'deliveries due had every socket stayed up: fanout.expected + fanout.missed', direction: 'neutral', get: (r) => r.fanout.expected + r.reconnects.missedPublishes, metric: false, merge: 'derived' }),
  counter({ path: 'connections.target', description: 'sockets the scenario asked for', direction: 'neutral', get: (r) => r.connections.target, metric: false }),
  counter({ path: 'connections.openAtEnd', description: 'sockets open when the hold ended', direction: 'neutral', get: (r) => r.connections.openAtEnd, metric: false }),
  counter({ path: 'fanout.unmatched', description: 'messages with no recognisable sequence number', direction: 'neutral', get: (r) => r.fanout.unmatched, metric: false }),
  counter({ path: 'publish.maxQueueMs', description: 'longest wait for a publish request slot', unit: 'ms', direction: 'lower-is-better', get: (r) => r.publish.maxQueueMs ?? 0, metric: false, merge: 'max' }),
  counter({ path: 'reconnects.downMs', description: 'time sockets spent disconnected waiting to reconnect', unit: 'ms', direction: 'lower-is-better', get: (r) => r.reconnects.downMs, metric: false }),
];

/** The registered counter at `path`, or undefined. */
export function counterDef(path: string): CounterDef | undefined {
  return COUNTERS.find((c) => c.path === path);
}

/** Writes a stored counter's value at its report path (two levels: "section.field"). */
export function setCounter(r: Report, def: CounterDef, value: number): void {
  const [section, field] = def.path.split('.');
  // An optional section (stream) absent from the report stays absent.
  const into = r[section as keyof Report] as unknown as Record<string, number> | undefined;
  if (into) into[field] = value;
}

/** The merged value of a stored counter over reports, by its merge rule. */
export function mergeCounter(def: CounterDef, reports: readonly Report[]): number {
  const values = reports.map(def.get);
  return def.merge === 'max' ? Math.max(0, ...values) : values.reduce((a, b) => a + b, 0);
}
