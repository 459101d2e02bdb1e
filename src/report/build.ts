/** Turns what a run measured into the Report (pure: no I/O). */
import type { Scenario } from '../run/scenario.js';
import type { DisconnectStats, PercentileSet, Report, ReconnectStats, TopicStats } from '../run/report.js';
import type { Totals } from '../metrics/aggregate.js';
import { REPORT_FORMAT_VERSION, type IdleTimeoutScreening } from '../run/report.js';
import { COHORT_HISTOGRAMS, cohortHistogramKey, idleSamplesKey, sectionSets, topicHistogramKey, type CohortHistogramKind, type SectionSets, type SetSection } from '../run/registry.js';
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
}

function pct(h: Histogram | undefined): PercentileSet {
  return percentiles(h ?? createHistogram());
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

/** Builds the report, thresholds evaluated. */
export function buildReport(input: BuildInput): Report {
  const { scenario, aggregate, publisher } = input;
  const totals = aggregate.totals();
  const d = totals.delivery;
  const h = (name: string): Histogram | undefined => aggregate.histograms.get(name);
  const warnings = [...input.warnings];

  // Disconnects: per cohort, then the sum.
  const allCohorts = Object.fromEntries(COHORT_HISTOGRAMS.map((kind) => [kind, createHistogram()])) as Record<CohortHistogramKind, Histogram>;
  const byCohort: Record<string, DisconnectStats> = {};
  const reconnectsByCohort: Record<string, ReconnectStats> = {};
  const drops: CohortDrops[] = [];
  const screening: Record<string, IdleTimeoutScreening> = {};
  const samplesHistograms: Record<string, string> = {};
  const sum: CohortCounters = emptyCohortCounters();
  scenario.cohorts.forEach((cohort, i) => {
    const cc = totals.cohorts[i];
    const own = Object.fromEntries(COHORT_HISTOGRAMS.map((kind) => [kind, h(cohortHistogramKey(kind, cohort.name)) ?? createHistogram()])) as Record<CohortHistogramKind, Histogram>;
    for (const kind of COHORT_HISTOGRAMS) addInto(allCohorts[kind], own[kind]);
    const idle = own.idleAtClose;
    byCohort[cohort.name] = disconnectStats(cc, (kind) => own[kind]);
    reconnectsByCohort[cohort.name] = { total: cc.reconnects, downMs: Math.round(cc.downMs), missedPublishes: cc.missedPublishes };
    sum.closes += cc.closes;
    sum.reconnects += cc.reconnects;
    sum.downMs += cc.downMs;
    for (const key of ['byCode', 'byCause', 'byError'] as const) {
      for (const [k, v] of Object.entries(cc[key])) sum[key][k] = (sum[key][k] ?? 0) + v;
    }
    const screened = input.drops?.screening;
    const samples = screened ? screened.samples[i] : idle;
    if (screened) {
      screening[cohort.name] = { ...screened.counts[i] };
      if (samples.totalCount > 0) samplesHistograms[idleSamplesKey(cohort.name)] = encodeHistogram(samples);
    }
    drops.push(cohortDrops(cohort, samples, screened ? screened.counts[i] : null, cc.byCause, cc.opened));
  });
  // Socket-time of the hold over which a server stream's messages came (open sockets at the peak, as an upper bound).
  const idleVerdict = withoutStreamIdleEstimate(estimateIdleTimeout(drops), totals.stream, input.peakOpen * input.phases.holdMs);

  // Client health.
  const lagMax = Math.max(0, ...aggregate.workers.map((w) => w.lag.maxMs));
  const lagP99 = Math.max(0, ...aggregate.workers.map((w) => w.lag.p99Ms));
  const skipped = publisher?.skipped ?? 0;
  // A publish path that cannot keep the rate is not the client's event loop: it is named apart.
  const behind = publisher !== null && publishBehind(publisher);
  if (publisher && behind) warnings.push(publishBehindWarning(publisher, scenario));
  const turn = pct(h('clientTurn'));
  const mainLag = input.mainLag ?? null;
  const hostCpu = input.hostCpu ?? null;
  const verdict = judgeSaturation({ workers: aggregate.workers, mainLag, turn, fanout: pct(h('fanout')), holdMs: input.phases.holdMs, cpu: hostCpu });
  const saturated = verdict.saturated;
  if (saturated) warnings.push(`the client was saturated during the hold (${verdict.reasons.join('; ')}): ${verdict.advice ?? ''}`);
  for (const w of aggregate.workers) {
    if (w.crashed) warnings.push(`worker ${w.workerId} crashed (${w.crashed}); its ${w.sockets} sockets stopped counting then`);
  }
  if (input.target.tlsInsecure) warnings.push('TLS certificate verification was OFF (tls.insecure): the gateway\'s certificate was not checked');
  const failures = Object.entries(totals.failures).sort((a, b) => b[1] - a[1]);
  if (failures.length > 0 && totals.opened === 0) {
    warnings.push(`no socket connected: ${failures.map(([r, n]) => `${n} ${describeFailure(r)}`).join(', ')}`);
  }

  const histograms: Record<string, string> = {};
  for (const [name, hist] of aggregate.histograms) if (hist.totalCount > 0) histograms[name] = encodeHistogram(hist);
  if (aggregate.completion.totalCount > 0) histograms.completion = encodeHistogram(aggregate.completion);
  if (publisher) {
    histograms.publish = encodeHistogram(publisher.latency);
    histograms.scheduleLag = encodeHistogram(publisher.scheduleLag);
    if (publisher.unsent && publisher.unsent.totalCount > 0) histograms.unsent = encodeHistogram(publisher.unsent);
  }
  Object.assign(histograms, samplesHistograms);
  if (allCohorts.idleAtClose.totalCount > 0) for (const kind of COHORT_HISTOGRAMS) histograms[kind] = encodeHistogram(allCohorts[kind]);
  // Every registered histogram of the run by key, for the percentile sets (src/run/registry.ts places them).
  const runHistograms = new Map<string, Histogram | undefined>([
    ...aggregate.histograms,
    ['completion', aggregate.completion],
    ['publish', publisher?.latency],
    ['scheduleLag', publisher?.scheduleLag],
    ['unsent', publisher?.unsent],
    ...COHORT_HISTOGRAMS.map((kind): [string, Histogram] => [kind, allCohorts[kind]]),
  ]);
  const sets = <S extends SetSection>(section: S): SectionSets<S> => sectionSets(section, (def) => pct(runHistograms.get(def.key)));

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
    connections: {
      target: scenario.connections,
      opened: totals.opened,
      firstOpened: totals.firstOpened,
      failed: totals.failed,
      peakOpen: input.peakOpen,
      openedByCohort: Object.fromEntries(scenario.cohorts.map((c, i) => [c.name, totals.cohorts[i].opened])),
      openAtEnd: input.openAtEnd,
      ...(scenario.stages ? { rampDownCloses: totals.rampDownCloses, reopened: totals.reopened } : {}),
      failures: totals.failures,
    },
    handshake: sets('handshake'),
    fanout: {
      published: publisher ? publisher.ok : 0,
      expected: d.expected,
      delivered: d.delivered,
      lost: d.lost,
      duplicated: d.duplicated,
      outOfOrder: d.outOfOrder,
      late: d.late,
      unmatched: d.unmatched,
      foreign: d.foreign,
      idMismatch: d.idMismatch,
      misrouted: d.misrouted ?? 0,
      ...(scenario.topics ? { byTopic: topicStats(scenario, totals, publisher, h) } : {}),
      ...sets('fanout'),
      incomplete: aggregate.incomplete,
    },
    publish: {
      sent: publisher?.sent ?? 0,
      failed: publisher?.failed ?? 0,
      skipped,
      queued: publisher?.queued ?? 0,
      maxQueueMs: Math.round(publisher?.maxQueueMs ?? 0),
      behind,
      runTag: publisher?.runTag ?? null,
      failures: { ...(publisher?.failures ?? {}) },
      ...sets('publish'),
    },
    closes: { byCode: { ...sum.byCode } },
    disconnects: {
      ...disconnectStats(sum, (kind) => allCohorts[kind]),
      byCohort,
      idleTimeout: idleVerdict.estimate,
      idleTimeoutNote: idleVerdict.note,
      survivingCohorts: idleVerdict.survivingCohorts,
      recommendation: idleVerdict.recommendation,
      ...(input.drops ? { events: input.drops.events, idleTimeoutScreening: screening } : {}),
    },
    reconnects: {
      total: sum.reconnects,
      downMs: Math.round(sum.downMs),
      missedPublishes: d.missedPublishes,
      byCohort: reconnectsByCohort,
    },
    client: {
      eventLoopLagMs: { max: round2(lagMax), p99: round2(lagP99) },
      ...(mainLag ? { mainThreadLagMs: { max: round2(mainLag.maxMs), p99: round2(mainLag.p99Ms) } } : {}),
      ...sets('client'),
      saturationReasons: verdict.reasons,
      saturationCause: verdict.cause,
      ...(hostCpu ? { cpu: hostCpu } : {}),
      workers: aggregate.workers.map((w) => ({
        worker: w.workerId,
        sockets: w.sockets,
        eventLoopLagMs: { max: round2(w.lag.maxMs), p99: round2(w.lag.p99Ms), ...(w.lag.p90Ms !== undefined ? { p90: round2(w.lag.p90Ms) } : {}), mean: round2(w.lag.meanMs) },
        ...(w.lag.utilization !== undefined ? { utilization: round2(w.lag.utilization) } : {}),
        crashed: w.crashed,
      })),
      peakRssMb: Math.round(input.peakRssMb),
      saturated,
    },
    ...(scenario.stream || totals.stream ? { stream: streamStats(totals.stream ?? emptyStreamCounters(), sets('stream').stalenessMs) } : {}),
    thresholds: [],
    warnings,
    files: input.files,
    histograms,
  };
  const censored = censoredFanout(report);
  if (censored) report.fanout.censored = censored;
  report.thresholds = evaluateThresholds(report, scenario.thresholds);
  return report;
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
      ...(completion && completion.totalCount > 0 ? { completionMs: percentiles(completion) } : {}),
    };
  });
  return out;
}

/**
 * The publish path missed the rate: a publish dropped from a full queue, or one that waited more
 * than a publish interval for a slot. One due just as the hold ended, queued for less, is only
 * `skipped`: the schedule simply ended before it.
 */
export function publishBehind(p: PublisherStats): boolean {
  return p.overflowed > 0 || p.maxQueueMs > p.intervalMs;
}

function publishBehindWarning(p: PublisherStats, scenario: Scenario): string {
  const api = percentiles(p.latency);
  return (
    `the publish path did not keep the rate of ${+(1000 / p.intervalMs).toFixed(3)}/s${scenario.publish?.stages ? ' (the stages\' peak)' : ''}: ${p.queued} publishes waited for one of ` +
    `${scenario.publish?.concurrency ?? 0} request slots (publish.concurrency), up to ${Math.round(p.maxQueueMs)} ms, and ${p.skipped} were never sent; ` +
    `the publish API answered in p99 ${api.p99.toFixed(1)} ms. Fan-out latency includes that wait (it counts from the scheduled time): ` +
    'raise publish.concurrency or speed up the publish API before blaming the gateway'
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
    aheadMaxMs: Math.round(c.aheadMaxMs * 1000) / 1000,
    stalenessMs,
    clockCaveat: clockCaveat(c.aheadMaxMs),
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
