/** Turns what a run measured into the Report (pure: no I/O). */
import type { Scenario } from '../run/scenario.js';
import type { DisconnectStats, PercentileSet, Report, ReconnectStats, ShardReport, TopicStats } from '../run/report.js';
import type { Totals } from '../metrics/aggregate.js';
import { REPORT_FORMAT_VERSION, type IdleTimeoutScreening } from '../run/report.js';
import { AXES, COHORT_HISTOGRAMS, breakdownKey, breakdownsOf, cohortHistogramKey, histogramDef, idleSamplesKey, percentileCapMs, sectionSets, topicHistogramKey, type Axis, type CohortHistogramKind, type SectionSets, type SetSection } from '../run/registry.js';
import type { DropFindings } from '../metrics/drop-events.js';
import { addInto, createHistogram, encodeHistogram, percentiles, type Histogram } from '../metrics/histogram.js';
import { cohortDrops, estimateIdleTimeout, type CohortDrops } from '../metrics/idle-timeout.js';
import type { RunAggregate } from '../metrics/aggregate.js';
import type { PublisherStats } from '../metrics/publisher-stats.js';
import { emptyCohortCounters, type CohortCounters } from '../run/protocol.js';
import { evaluateThresholds } from './thresholds.js';
import { describeFailure } from '../metrics/classify.js';
import type { LoopLagReading } from '../metrics/loop-lag.js';
import { judgeSaturation } from './saturation.js';
import { emptyStreamCounters, type StreamCounters } from '../run/stream-counters.js';
import type { HostCpu, StreamStats } from '../run/report.js';
import { clockCaveat, withoutStreamIdleEstimate } from './stream-caveat.js';
import { earlyBeyondBound, EARLY_TOLERANCE_MS } from './clock-bound.js';
import { publishBehind, publishBlame } from './publish-behind.js';
import { censoredFanout } from './censored.js';

export { SATURATED_LAG_P99_MS, SATURATED_LAG_MAX_MS } from './saturation.js';

export interface BuildInput {
  scenario: Scenario;
  aggregate: RunAggregate;
  publisher: PublisherStats | null;
  startedAt: Date;
  endedAt: Date;
  interrupted: boolean;
  interruptReason: string | null;
  target: Report['target'];
  phases: Report['phases'];
  peakOpen: number;
  /** Sockets open when the hold ended, before wsload closed its own (after that it is always 0). */
  openAtEnd: number;
  peakRssMb: number;
  /** The main thread's event-loop lag during the hold; null when there was no hold. */
  mainLag?: LoopLagReading | null;
  /** This machine's CPU during the hold (how busy, how much was wsload); null: not measured. */
  hostCpu?: HostCpu | null;
  environment: Report['environment'];
  files: Report['files'];
  /** Sentences the driver already knows a user must read. */
  warnings: string[];
  /** Drop events and the idle-timeout screening of every close; absent: every close is an idle-timeout sample. */
  drops?: DropFindings;
  /** A run spread over processes: its shards (report.shards), before thresholds read their books and clocks. */
  shards?: ShardReport[];
  /** ± ms of fan-out and completion latency from the clocks receipts were timed on (0: the publisher's own). */
  clockUncertaintyMs?: number;
}

function pct(h: Histogram | undefined, capMs?: number): PercentileSet {
  return percentiles(h ?? createHistogram(), capMs);
}

/** Disconnect counters and the percentile sets of its histograms (one per cohort histogram kind). */
function disconnectStats(counters: CohortCounters, hist: (kind: CohortHistogramKind) => Histogram): DisconnectStats {
  return {
    total: counters.closes,
    byCode: { ...counters.byCode },
    byCause: { ...counters.byCause },
    byError: { ...counters.byError },
    ...sectionSets('disconnects', (def) => percentiles(hist(def.key as CohortHistogramKind))),
  };
}

/** What every section builder reads: the input, the summed counters and the run's histograms by key. */
interface BuildContext {
  input: BuildInput;
  totals: Totals;
  /** A histogram the aggregate holds, by key (whole-run, per cohort, per topic). */
  h: (name: string) => Histogram | undefined;
  deadlineMs: number | undefined;
  /** Sentences for report.warnings, in the order the sections add them. */
  warnings: string[];
}

/** The cohorts' books: per cohort disconnects and reconnects, their sums, and the idle-timeout verdict. */
interface CohortBooks {
  byCohort: Record<string, DisconnectStats>;
  reconnectsByCohort: Record<string, ReconnectStats>;
  /** The per-cohort disconnect histograms added up (registry source 'cohorts'). */
  allCohorts: Record<CohortHistogramKind, Histogram>;
  sum: CohortCounters;
  screening: Record<string, IdleTimeoutScreening>;
  samplesHistograms: Record<string, string>;
  idleVerdict: ReturnType<typeof withoutStreamIdleEstimate>;
}

/** Builds the report, thresholds evaluated: one builder per section, fed the same context. */
export function buildReport(input: BuildInput): Report {
  const { scenario, aggregate, publisher } = input;
  const ctx: BuildContext = {
    input,
    totals: aggregate.totals(),
    h: (name) => aggregate.histograms.get(name),
    deadlineMs: scenario.publish?.deadlineMs,
    warnings: [...input.warnings],
  };
  const books = cohortBooks(ctx);
  const health = clientHealth(ctx);
  // Every registered histogram of the run by key, for the percentile sets (src/run/registry.ts places them).
  const runHistograms = new Map<string, Histogram | undefined>([
    ...aggregate.histograms,
    ['completion', aggregate.completion],
    ...publisherHistograms(publisher),
    ...COHORT_HISTOGRAMS.map((kind): [string, Histogram] => [kind, books.allCohorts[kind]]),
  ]);
  const sets = <S extends SetSection>(section: S): SectionSets<S> => sectionSets(section, (def) => pct(runHistograms.get(def.key), percentileCapMs(def.key, ctx.deadlineMs)));

  const report: Report = {
    formatVersion: REPORT_FORMAT_VERSION,
    tool: 'wsload',
    // Identity values are tokens and user ids: the report keeps the file, fields and count only.
    scenario: scenario.identities ? { ...scenario, identities: { ...scenario.identities, rows: [] } } : scenario,
    startedAt: input.startedAt.toISOString(),
    endedAt: input.endedAt.toISOString(),
    interrupted: input.interrupted,
    interruptReason: input.interruptReason,
    environment: input.environment,
    target: input.target,
    phases: input.phases,
    connections: connectionsSection(ctx),
    handshake: sets('handshake'),
    fanout: { ...fanoutCounters(ctx), ...sets('fanout'), ...fanoutTail(ctx) },
    publish: { ...publishCounters(ctx, health.behind), ...sets('publish') },
    closes: { byCode: { ...books.sum.byCode } },
    disconnects: disconnectsSection(ctx, books),
    reconnects: { total: books.sum.reconnects, downMs: Math.round(books.sum.downMs), missedPublishes: ctx.totals.delivery.missedPublishes, byCohort: books.reconnectsByCohort },
    client: clientSection(ctx, health, sets('client')),
    clock: { uncertaintyMs: round3(input.clockUncertaintyMs ?? 0) },
    ...(scenario.stream || ctx.totals.stream ? { stream: streamStats(ctx.totals.stream ?? emptyStreamCounters(), sets('stream').stalenessMs) } : {}),
    thresholds: [],
    warnings: ctx.warnings,
    files: input.files,
    histograms: encodedHistograms(ctx, books),
    ...(input.shards ? { shards: input.shards } : {}),
  };
  ctx.warnings.push(...bookWarnings(report, ctx.totals));
  const censored = censoredFanout(report);
  if (censored) report.fanout.censored = censored;
  report.thresholds = evaluateThresholds(report, scenario.thresholds);
  return report;
}

/** Disconnects and reconnects per cohort, then their sums; the idle-timeout verdict from every cohort's drops. */
function cohortBooks(ctx: BuildContext): CohortBooks {
  const { input, totals, h } = ctx;
  const allCohorts = Object.fromEntries(COHORT_HISTOGRAMS.map((kind) => [kind, createHistogram()])) as Record<CohortHistogramKind, Histogram>;
  const books: Omit<CohortBooks, 'idleVerdict'> = { byCohort: {}, reconnectsByCohort: {}, allCohorts, sum: emptyCohortCounters(), screening: {}, samplesHistograms: {} };
  const { sum } = books;
  const drops: CohortDrops[] = [];
  input.scenario.cohorts.forEach((cohort, i) => {
    const cc = totals.cohorts[i];
    const own = Object.fromEntries(COHORT_HISTOGRAMS.map((kind) => [kind, h(cohortHistogramKey(kind, cohort.name)) ?? createHistogram()])) as Record<CohortHistogramKind, Histogram>;
    for (const kind of COHORT_HISTOGRAMS) addInto(allCohorts[kind], own[kind]);
    books.byCohort[cohort.name] = disconnectStats(cc, (kind) => own[kind]);
    books.reconnectsByCohort[cohort.name] = { total: cc.reconnects, downMs: Math.round(cc.downMs), missedPublishes: cc.missedPublishes };
    sum.closes += cc.closes;
    sum.reconnects += cc.reconnects;
    sum.downMs += cc.downMs;
    for (const key of ['byCode', 'byCause', 'byError'] as const) {
      for (const [k, v] of Object.entries(cc[key])) sum[key][k] = (sum[key][k] ?? 0) + v;
    }
    const screened = input.drops?.screening;
    const samples = screened ? screened.samples[i] : own.idleAtClose;
    if (screened) {
      books.screening[cohort.name] = { ...screened.counts[i] };
      if (samples.totalCount > 0) books.samplesHistograms[idleSamplesKey(cohort.name)] = encodeHistogram(samples);
    }
    drops.push(cohortDrops(cohort, samples, screened ? screened.counts[i] : null, cc.byCause, cc.opened));
  });
  // Socket-time of the hold over which a server stream's messages came (open sockets at the peak, as an upper bound).
  const idleVerdict = withoutStreamIdleEstimate(estimateIdleTimeout(drops), totals.stream, input.peakOpen * input.phases.holdMs);
  return { ...books, idleVerdict };
}

/** The client's health: event-loop lag, the saturation verdict, and the warnings about the client and the publish path. */
function clientHealth(ctx: BuildContext) {
  const { input, totals, warnings } = ctx;
  const { aggregate, publisher, scenario } = input;
  // A publish path that cannot keep the rate is not the client's event loop: it is named apart.
  const behind = publisher !== null && publishBehind(publisher);
  const mainLag = input.mainLag ?? null;
  if (publisher && behind) warnings.push(publishBehindWarning(publisher, scenario, mainLag));
  const hostCpu = input.hostCpu ?? null;
  const verdict = judgeSaturation({ workers: aggregate.workers, mainLag, turn: pct(ctx.h('clientTurn')), fanout: pct(ctx.h('fanout')), holdMs: input.phases.holdMs, opened: totals.opened, cpu: hostCpu });
  if (verdict.saturated) warnings.push(`the client was saturated during the hold (${verdict.reasons.join('; ')}): ${verdict.advice ?? ''}`);
  for (const w of aggregate.workers) {
    if (w.crashed) warnings.push(`worker ${w.workerId} crashed (${w.crashed}); its ${w.sockets} sockets stopped counting then`);
  }
  if (input.target.tlsInsecure) warnings.push('TLS certificate verification was OFF (tls.insecure): the gateway\'s certificate was not checked');
  const failures = Object.entries(totals.failures).sort((a, b) => b[1] - a[1]);
  if (failures.length > 0 && totals.opened === 0) {
    warnings.push(`no socket connected: ${failures.map(([r, n]) => `${n} ${describeFailure(r)}`).join(', ')}`);
  }
  return { behind, mainLag, hostCpu, verdict };
}

type ClientHealth = ReturnType<typeof clientHealth>;

/** The publisher's histograms by registered key (source 'publisher'); none without a publisher. */
function publisherHistograms(p: PublisherStats | null): [string, Histogram | undefined][] {
  return p ? [['publish', p.latency], ['publishMeasured', p.measuredLatency], ['scheduleLag', p.scheduleLag], ['unsent', p.unsent]] : [];
}

/** Report.histograms: what the aggregate holds, completion, the publisher's, the idle-timeout samples and the cohorts' sums. */
function encodedHistograms(ctx: BuildContext, books: CohortBooks): Record<string, string> {
  const { aggregate, publisher } = ctx.input;
  const histograms: Record<string, string> = {};
  for (const [name, hist] of aggregate.histograms) if (hist.totalCount > 0) histograms[name] = encodeHistogram(hist);
  if (aggregate.completion.totalCount > 0) histograms.completion = encodeHistogram(aggregate.completion);
  // The publisher's are kept even empty (a run that published nothing says so); a never-sent wait only when some was.
  for (const [key, hist] of publisherHistograms(publisher)) if (hist && (key !== 'unsent' || hist.totalCount > 0)) histograms[key] = encodeHistogram(hist);
  Object.assign(histograms, books.samplesHistograms);
  if (books.allCohorts.idleAtClose.totalCount > 0) for (const kind of COHORT_HISTOGRAMS) histograms[kind] = encodeHistogram(books.allCohorts[kind]);
  return histograms;
}

function connectionsSection(ctx: BuildContext): Report['connections'] {
  const { input, totals } = ctx;
  const { scenario } = input;
  return {
    target: scenario.connections,
    opened: totals.opened,
    firstOpened: totals.firstOpened,
    failed: totals.failed,
    peakOpen: input.peakOpen,
    openedByCohort: Object.fromEntries(scenario.cohorts.map((c, i) => [c.name, totals.cohorts[i].opened])),
    openAtEnd: input.openAtEnd,
    ...(scenario.stages ? { rampDownCloses: totals.rampDownCloses, reopened: totals.reopened } : {}),
    failures: totals.failures,
  };
}

/** The fan-out section's fields before its percentile sets (the format's field order). */
function fanoutCounters(ctx: BuildContext) {
  const { input, totals, h, deadlineMs } = ctx;
  const { scenario, publisher } = input;
  const d = totals.delivery;
  return {
    published: publisher ? publisher.ok : 0,
    expected: d.expected,
    delivered: d.delivered,
    lost: d.lost,
    lostBeforeClose: d.lostBeforeClose ?? 0,
    lostOpen: d.lostOpen ?? 0,
    duplicated: d.duplicated,
    outOfOrder: d.outOfOrder,
    late: d.late,
    unmatched: d.unmatched,
    foreign: d.foreign,
    idMismatch: d.idMismatch,
    misrouted: d.misrouted ?? 0,
    ...(scenario.topics ? { byTopic: topicStats(scenario, totals, publisher, h) } : {}),
    ...valueSets('fanout', 'cohort', scenario.cohorts.map((c) => c.name), h, deadlineMs),
  };
}

/** The fan-out section's fields after its percentile sets. */
function fanoutTail(ctx: BuildContext) {
  const d = ctx.totals.delivery;
  return { incomplete: ctx.input.aggregate.incomplete, early: d.early ?? 0, earlyMaxMs: round3(d.earlyMaxMs ?? 0), unconfirmed: ctx.totals.unconfirmed };
}

/** The publish section's fields before its percentile sets. */
function publishCounters(ctx: BuildContext, behind: boolean) {
  const p = ctx.input.publisher;
  return {
    sent: p?.sent ?? 0,
    failed: p?.failed ?? 0,
    skipped: p?.skipped ?? 0,
    queued: p?.queued ?? 0,
    maxQueueMs: Math.round(p?.maxQueueMs ?? 0),
    behind,
    runTag: p?.runTag ?? null,
    failures: { ...(p?.failures ?? {}) },
  };
}

function disconnectsSection(ctx: BuildContext, books: CohortBooks): Report['disconnects'] {
  const drops = ctx.input.drops;
  const v = books.idleVerdict;
  return {
    ...disconnectStats(books.sum, (kind) => books.allCohorts[kind]),
    byCohort: books.byCohort,
    idleTimeout: v.estimate,
    idleTimeoutNote: v.note,
    survivingCohorts: v.survivingCohorts,
    recommendation: v.recommendation,
    ...(drops ? { events: drops.events, idleTimeoutScreening: books.screening } : {}),
  };
}

function clientSection(ctx: BuildContext, health: ClientHealth, sets: SectionSets<'client'>): Report['client'] {
  const { input } = ctx;
  const workers = input.aggregate.workers;
  const { mainLag, hostCpu, verdict } = health;
  return {
    eventLoopLagMs: { max: round2(Math.max(0, ...workers.map((w) => w.lag.maxMs))), p99: round2(Math.max(0, ...workers.map((w) => w.lag.p99Ms))) },
    ...(mainLag ? { mainThreadLagMs: { max: round2(mainLag.maxMs), p99: round2(mainLag.p99Ms) } } : {}),
    ...sets,
    saturationReasons: verdict.reasons,
    saturationCause: verdict.cause,
    ...(hostCpu ? { cpu: hostCpu } : {}),
    workers: workers.map((w) => ({
      worker: w.workerId,
      sockets: w.sockets,
      eventLoopLagMs: { max: round2(w.lag.maxMs), p99: round2(w.lag.p99Ms), ...(w.lag.p90Ms !== undefined ? { p90: round2(w.lag.p90Ms) } : {}), mean: round2(w.lag.meanMs) },
      ...(w.lag.utilization !== undefined ? { utilization: round2(w.lag.utilization) } : {}),
      crashed: w.crashed,
    })),
    peakRssMb: Math.round(input.peakRssMb),
    saturated: verdict.saturated,
  };
}

/**
 * The per-value entries of `section`'s breakdowns by `axis` whose entries are percentile sets only
 * (fanout.byCohort): `{ byCohort: { <value>: { latencyMs } } }`, or {} when the run keeps none (too few values).
 */
function valueSets(section: SetSection, axis: Axis, values: readonly string[], h: (name: string) => Histogram | undefined, deadlineMs: number | undefined): Record<string, Record<string, Record<string, PercentileSet>>> {
  const kept = breakdownsOf(axis).filter((b) => b.entry === 'sets' && histogramDef(b.key)?.section === section && values.length >= b.minValues);
  if (kept.length === 0) return {};
  const entries = values.map((v) => [v, Object.fromEntries(kept.map((b) => [(histogramDef(b.key) as { field: string }).field, pct(h(breakdownKey(b, v)), percentileCapMs(b.key, deadlineMs))]))]);
  return { [AXES[axis].field]: Object.fromEntries(entries) as Record<string, Record<string, PercentileSet>> };
}

/** What a user must read about the books: deliveries owed by lost workers, early receipts within the clock's bound. */
function bookWarnings(report: Report, totals: Totals): string[] {
  const out: string[] = [];
  const f = report.fanout;
  if (totals.unconfirmed > 0) {
    out.push(
      `${totals.unconfirmed} deliveries that lost workers or shards owed after their last snapshot are counted lost (fanout.unconfirmed): ` +
        'nobody was left to see whether they arrived, so they are an upper bound of what the target failed to deliver; every other delivery figure is exact',
    );
  }
  if (totals.unknownOwed > 0) {
    out.push(`${totals.unknownOwed} publishes sent after a lost worker's last snapshot had left the publish ring when it was declared lost: what they were owed is not booked`);
  }
  const early = f.early ?? 0;
  if (early > 0 && earlyBeyondBound(report).length === 0) {
    out.push(
      `${early} deliveries arrived before their publish's scheduled time, up to ${f.earlyMaxMs ?? 0} ms early, within the ±${report.clock?.uncertaintyMs ?? 0} ms clock uncertainty ` +
        `(tolerated up to ${EARLY_TOLERANCE_MS} ms): recorded at 0 ms`,
    );
  }
  return out;
}

/** fanout.byTopic: each topic's sockets, publishes, counters and percentile sets (its histograms "fanout:<t>", "completion:<t>"). */
function topicStats(scenario: Scenario, totals: Totals, publisher: PublisherStats | null, h: (name: string) => Histogram | undefined): Record<string, TopicStats> {
  const topics = scenario.topics;
  const out: Record<string, TopicStats> = {};
  if (!topics) return out;
  topics.names.forEach((name, i) => {
    const c = totals.topics;
    const completion = h(topicHistogramKey('completion', name));
    out[name] = {
      sockets: topics.counts[i] ?? 0,
      published: publisher?.okByTopic?.[i] ?? 0,
      expected: c?.expected[i] ?? 0,
      delivered: c?.delivered[i] ?? 0,
      lost: c?.lost[i] ?? 0,
      late: c?.late[i] ?? 0,
      duplicated: c?.duplicated[i] ?? 0,
      latencyMs: pct(h(topicHistogramKey('fanout', name))),
      ...(completion && completion.totalCount > 0 ? { completionMs: percentiles(completion, scenario.publish?.deadlineMs) } : {}),
    };
  });
  return out;
}

export { publishBehind } from './publish-behind.js';

function publishBehindWarning(p: PublisherStats, scenario: Scenario, mainLag: LoopLagReading | null): string {
  const rate = 1000 / p.intervalMs;
  const slots = scenario.publish?.concurrency ?? 1;
  const blame = publishBlame({
    net: percentiles(p.latency),
    measured: percentiles(p.measuredLatency),
    slots,
    ratePerS: rate,
    mainLag: mainLag ? { p99: mainLag.p99Ms, max: mainLag.maxMs } : null,
  });
  return (
    `the publish path did not keep the rate of ${+rate.toFixed(3)}/s${scenario.publish?.stages ? ' (the stages\' peak)' : ''}: ${p.queued} publishes waited for one of ` +
    `${slots} request slots (publish.concurrency), up to ${Math.round(p.maxQueueMs)} ms, and ${p.skipped} were never sent; ` +
    `${blame.cause}. Fan-out latency includes that wait (it counts from the scheduled time): ${blame.remedy}`
  );
}

/** The report's stream section from the summed counters. */
function streamStats(c: StreamCounters, stalenessMs: PercentileSet): StreamStats {
  return {
    messages: c.messages,
    unmatched: c.unmatched,
    gaps: c.gaps,
    missing: c.missing,
    duplicated: c.duplicated,
    outOfOrder: c.outOfOrder,
    negative: c.negative,
    ahead: c.ahead,
    staleCapped: c.staleCapped,
    aheadMaxMs: Math.round(c.aheadMaxMs * 1000) / 1000,
    stalenessMs,
    clockCaveat: clockCaveat(c.aheadMaxMs),
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
