/**
 * Merges reports of runs made side by side (one per machine) into one report: counters are
 * summed and histograms added exactly, so the merged percentiles are those of all samples, not an
 * average of percentiles. Pure: reports in, a new Report out.
 */
import { atLeast, type ShownPercentile } from '../run/percentiles.js';
import { censoredFanout } from './censored.js';
import { UsageError, WsloadError } from '../errors.js';
import { encodeHistogram, mergeEncoded, percentiles } from '../metrics/histogram.js';
import { cohortDrops, estimateIdleTimeout } from '../metrics/idle-timeout.js';
import { mergeInfo } from './merge-exactness.js';
import { reportSchema } from '../run/report-schema.js';
import { mergeIntervals } from '../metrics/interval-blocks.js';
import { evaluateThresholds } from './thresholds.js';
import { clockCaveat, withoutStreamIdleEstimate } from './stream-caveat.js';
import { MAX_EVENTS } from '../metrics/drop-events.js';
import type { DisconnectStats, DropEvent, IdleTimeoutScreening, PercentileSet, ReconnectStats, Report, TopicStats } from '../run/report.js';
import { COUNTERS, HISTOGRAMS, breakdownKey, breakdownsOf, cohortHistogramKey, histogramDef, idleSamplesKey, locateHistogram, mergeCounter, parseBreakdownKey, percentileCapMs, setCounter } from '../run/registry.js';

type Counts = Partial<Record<string, number>>;

function sumCounts<T extends Counts>(records: readonly T[]): T {
  const out: Counts = {};
  for (const rec of records) {
    for (const [k, v] of Object.entries(rec)) out[k] = (out[k] ?? 0) + (v ?? 0);
  }
  return out as T;
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** `obj` with its keys in the order `shape` declares them (keys the shape lacks keep their order, last). */
function inShapeOrder<T extends object>(obj: T, shape: object): T {
  const keys = [...new Set([...Object.keys(shape), ...Object.keys(obj)])].filter((k) => k in obj);
  return Object.fromEntries(keys.map((k) => [k, obj[k as keyof T]])) as T;
}

/** Best available set when no histogram backs it: exact count, min, max, mean; percentiles are upper bounds. */
function approximateSet(sets: readonly PercentileSet[]): PercentileSet {
  const withData = sets.filter((s) => s.count > 0);
  if (withData.length === 0) return { count: 0, min: 0, mean: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  const count = sum(withData.map((s) => s.count));
  // A set of an older report without p75 or p95 counts with the next percentile it has (an upper bound still).
  const max = (k: ShownPercentile | 'max'): number => Math.max(...withData.map((s) => (k === 'max' ? s.max : atLeast(s, k))));
  return {
    count,
    min: Math.min(...withData.map((s) => s.min)),
    mean: Math.round((sum(withData.map((s) => s.mean * s.count)) / count) * 1000) / 1000,
    p50: max('p50'),
    p75: max('p75'),
    p90: max('p90'),
    p95: max('p95'),
    p99: max('p99'),
    p999: max('p999'),
    max: max('max'),
  };
}

function mergeDisconnectCounters(stats: readonly DisconnectStats[]): DisconnectStats {
  const zero = percentiles(mergeEncoded([]));
  return {
    total: sum(stats.map((s) => s.total)),
    byCode: sumCounts(stats.map((s) => s.byCode)),
    byCause: sumCounts(stats.map((s) => s.byCause)),
    byError: sumCounts(stats.map((s) => s.byError)),
    // Recomputed from the merged histograms below.
    idleAtCloseMs: zero,
    sentIdleAtCloseMs: zero,
    ageAtCloseMs: zero,
  };
}

function mergeReconnects(stats: readonly ReconnectStats[]): ReconnectStats {
  return { total: sum(stats.map((s) => s.total)), downMs: sum(stats.map((s) => s.downMs)), missedPublishes: sum(stats.map((s) => s.missedPublishes)) };
}

function byKey<T>(records: readonly Record<string, T>[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const rec of records) {
    for (const [k, v] of Object.entries(rec)) out.set(k, [...(out.get(k) ?? []), v]);
  }
  return out;
}

/** Every run's drop events on the merged run's clock (startMs since the earliest start), in time order. */
function mergeEvents(reports: readonly Report[], startedAt: string): DropEvent[] | undefined {
  if (!reports.some((r) => r.disconnects.events !== undefined)) return undefined;
  const origin = Date.parse(startedAt);
  return reports
    .flatMap((r) =>
      (r.disconnects.events ?? []).map((e) => {
        const shift = Date.parse(r.startedAt) - origin;
        return { ...structuredClone(e), startMs: e.startMs + shift, endMs: e.endMs + shift };
      }),
    )
    .sort((a, b) => a.startMs - b.startMs)
    .slice(0, MAX_EVENTS);
}

/** Screening counts summed per cohort over the reports that have them. */
function mergeScreening(reports: readonly Report[]): Record<string, IdleTimeoutScreening> | undefined {
  const withScreening = reports.map((r) => r.disconnects.idleTimeoutScreening).filter((s): s is Record<string, IdleTimeoutScreening> => s !== undefined);
  if (withScreening.length === 0) return undefined;
  const out: Record<string, IdleTimeoutScreening> = {};
  for (const [name, list] of byKey(withScreening)) {
    const total = (k: keyof IdleTimeoutScreening): number => sum(list.map((x) => x[k] ?? 0));
    // A reason no report counted (older versions lack the newer ones, newer ones lack inDropEvent) stays absent.
    const some = (k: 'tookActive' | 'idleSurvived' | 'unconfirmed' | 'inDropEvent'): Partial<IdleTimeoutScreening> => (list.some((x) => x[k] !== undefined) ? { [k]: total(k) } : {});
    out[name] = {
      samples: total('samples'),
      closeFrame: total('closeFrame'),
      clientSide: total('clientSide'),
      receivingTraffic: total('receivingTraffic'),
      ...some('tookActive'),
      ...some('idleSurvived'),
      ...some('unconfirmed'),
      ...some('inDropEvent'),
    };
  }
  return out;
}

/**
 * A cohort's idle-timeout samples over all reports: the screened samples where a report has them,
 * every idle-at-close time of reports from before screening existed.
 */
function mergedSamples(reports: readonly Report[], cohort: string): string[] {
  return reports
    .map((r) => (r.disconnects.idleTimeoutScreening !== undefined ? r.histograms[idleSamplesKey(cohort)] : r.histograms[cohortHistogramKey('idleAtClose', cohort)]))
    .filter((e): e is string => e !== undefined);
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** The runs' topics by name: sockets summed, names in first-seen order (a run's assign kept when all agree, else "ranges"). */
function mergeScenarioTopics(reports: readonly Report[]): NonNullable<Report['scenario']['topics']> {
  const counts = new Map<string, number>();
  for (const r of reports) r.scenario.topics?.names.forEach((name, i) => counts.set(name, (counts.get(name) ?? 0) + (r.scenario.topics?.counts[i] ?? 0)));
  const assigns = [...new Set(reports.flatMap((r) => (r.scenario.topics ? [r.scenario.topics.assign] : [])))];
  return { names: [...counts.keys()], counts: [...counts.values()], assign: assigns.length === 1 ? assigns[0] : 'ranges' };
}

/** fanout.byTopic summed by topic name (percentile sets are recomputed from the "fanout:<t>" histograms afterwards); undefined when no run had topics. */
function mergeByTopic(reports: readonly Report[]): Record<string, TopicStats> | undefined {
  if (!reports.some((r) => r.fanout.byTopic)) return undefined;
  const out: Record<string, TopicStats> = {};
  for (const [name, stats] of byKey(reports.map((r) => r.fanout.byTopic ?? {}))) {
    const total = (key: 'sockets' | 'published' | 'expected' | 'delivered' | 'lost' | 'late' | 'duplicated'): number => sum(stats.map((s) => s[key]));
    out[name] = {
      sockets: total('sockets'),
      published: total('published'),
      expected: total('expected'),
      delivered: total('delivered'),
      lost: total('lost'),
      late: total('late'),
      duplicated: total('duplicated'),
      latencyMs: approximateSet(stats.map((s) => s.latencyMs)),
      ...(stats.some((s) => s.completionMs) ? { completionMs: approximateSet(stats.flatMap((s) => (s.completionMs ? [s.completionMs] : []))) } : {}),
    };
  }
  return out;
}

/** The first run's scenario with connections, cohort sizes and topics summed over the runs (cohorts and topics by name). */
function mergeScenario(reports: readonly Report[]): Report['scenario'] {
  const scenario = structuredClone(reports[0].scenario);
  scenario.connections = sum(reports.map((r) => r.scenario.connections));
  const cohortSizes = byKey(reports.map((r) => Object.fromEntries(r.scenario.cohorts.map((c) => [c.name, c.count]))));
  for (const r of reports.slice(1)) {
    for (const c of r.scenario.cohorts) if (!scenario.cohorts.some((x) => x.name === c.name)) scenario.cohorts.push(structuredClone(c));
  }
  for (const c of scenario.cohorts) c.count = sum(cohortSizes.get(c.name) ?? []);
  if (reports.some((r) => r.scenario.topics)) scenario.topics = mergeScenarioTopics(reports);

  return scenario;
}

/** The client section: the worst lag and memory of the runs, every run's workers numbered on, any saturation. */
function mergeClient(reports: readonly Report[], workers: Report['client']['workers']): Report['client'] {
  return {
  eventLoopLagMs: {
    max: Math.max(...reports.map((r) => r.client.eventLoopLagMs.max)),
    p99: Math.max(...reports.map((r) => r.client.eventLoopLagMs.p99)),
  },
  workers,
  peakRssMb: Math.max(...reports.map((r) => r.client.peakRssMb)),
  saturated: reports.some((r) => r.client.saturated),
  saturationReasons: unique(reports.flatMap((r) => r.client.saturationReasons ?? [])),
  ...(reports.some((r) => r.client.mainThreadLagMs)
    ? {
        mainThreadLagMs: {
          max: Math.max(...reports.map((r) => r.client.mainThreadLagMs?.max ?? 0)),
          p99: Math.max(...reports.map((r) => r.client.mainThreadLagMs?.p99 ?? 0)),
        },
      }
    : {}),
};
}

/**
 * Report.histograms of the merged report: every key any run had, added exactly, and the percentile
 * set behind it (whole-run or per value of a breakdown) recomputed from the sum; a set no run kept
 * a histogram for is combined as well as numbers allow. Says in `warnings` what is missing.
 */
function mergeHistograms(merged: Report, reports: readonly Report[], cohorts: readonly string[], warnings: string[]): void {
  const n = reports.length;
  const deadlines = reports.flatMap((r) => (r.scenario.publish ? [r.scenario.publish.deadlineMs] : []));
  const deadlineMs = deadlines.length > 0 ? Math.max(...deadlines) : undefined;
  const keys = unique(reports.flatMap((r) => Object.keys(r.histograms)));
  for (const key of keys) {
    const encoded = reports.map((r) => r.histograms[key]).filter((e): e is string => e !== undefined);
    const h = mergeEncoded(encoded);
    merged.histograms[key] = encodeHistogram(h);
    const accessor = locateHistogram(key);
    // Completion is capped at the longest deadline of the runs (no sample of any run passed its own).
    accessor?.set(merged, percentiles(h, percentileCapMs(key, deadlineMs)));
    // A cohort with no idle-timeout samples has no such histogram: not missing.
    const optional = key.startsWith(idleSamplesKey(''));
    // A percentile set absent from older reports (optional in the registry) had no samples there.
    // So is a value of an optional breakdown (a topic, a cohort's fan-out) in a run without it.
    const absent = histogramDef(key)?.optional === true || parseBreakdownKey(key)?.b.optional === true ? 0 : 1;
    const missing = optional ? 0 : reports.filter((r) => r.histograms[key] === undefined && (accessor?.get(r)?.count ?? absent) > 0).length;
    if (missing > 0) warnings.push(`histogram "${key}" is missing from ${missing} of ${n} reports: its merged percentiles leave those runs out`);
  }
  // Percentile sets with no histogram in any report are combined as well as numbers allow.
  const cohortKeys = cohorts.flatMap((c) => breakdownsOf('cohort').flatMap((b) => (b.optional ? [] : [breakdownKey(b, c)])));
  for (const key of [...HISTOGRAMS.map((h) => h.key), ...cohortKeys]) {
    if (keys.includes(key)) continue;
    const accessor = locateHistogram(key);
    if (!accessor) continue;
    const sets = reports.map((r) => accessor.get(r)).filter((s): s is PercentileSet => s !== undefined);
    accessor.set(merged, approximateSet(sets));
    if (sets.some((s) => s.count > 0)) warnings.push(`no histogram "${key}" in the merged reports: its percentiles are upper bounds (the largest of the runs')`);
  }
}

/** The disconnects' events, screening and idle-timeout estimate, from every run's drops put together. */
function mergeIdleTimeout(merged: Report, reports: readonly Report[], startedAt: string): void {
  // The same estimator the run used, fed every machine's drops: a timeout seen by a few sockets on
  // each machine may only reach the estimator's minimum sample count once they are put together.
  const screening = mergeScreening(reports);
  const events = mergeEvents(reports, startedAt);
  const estimated = estimateIdleTimeout(
    // Sockets that connected, as the run itself counts them; older reports keep no per-cohort
    // count, and then a cohort's configured size stands in (marked in merged.estimates).
    merged.scenario.cohorts.map((c) =>
      cohortDrops(
        c,
        mergeEncoded(mergedSamples(reports, c.name)),
        screening?.[c.name] ?? null,
        merged.disconnects.byCohort[c.name]?.byCause ?? {},
        merged.connections.openedByCohort?.[c.name] ?? c.count,
      ),
    ),
  );
  // A server stream's sockets kept receiving: an estimate within its message interval is no idle timeout.
  const verdict = withoutStreamIdleEstimate(estimated, merged.stream, merged.connections.peakOpen * merged.phases.holdMs);
  if (events !== undefined) merged.disconnects.events = events;
  if (screening !== undefined) merged.disconnects.idleTimeoutScreening = screening;
  merged.disconnects.idleTimeout = verdict.estimate;
  merged.disconnects.idleTimeoutNote = verdict.note;
  merged.disconnects.survivingCohorts = verdict.survivingCohorts;
  merged.disconnects.recommendation = verdict.recommendation;
}

/**
 * Merges reports of runs made at the same time on different machines. Counters are summed;
 * histograms are added exactly from their encoded form and every percentile set is recomputed
 * from the merged histograms; peakOpen is summed (an upper bound, said in a warning); startedAt
 * is the earliest, endedAt the latest; the scenario is the first report's with connections (and
 * cohort sizes) summed; the idle timeout is estimated again from the merged idle-at-close
 * histograms; thresholds are evaluated again on the merged numbers; warnings are merged. Per-block
 * histograms (intervals) are added by time when every report has them. Timeline and .hlog files
 * are per run and are not carried over.
 */
export function mergeReports(reports: readonly Report[]): Report {
  if (reports.length === 0) throw new UsageError('merge needs at least one report');
  const first = reports[0];
  const warnings: string[] = unique(reports.flatMap((r) => r.warnings));
  const hosts = unique(reports.map((r) => r.environment.host));
  const n = reports.length;

  const scenario = mergeScenario(reports);

  const targets = unique(reports.filter((r) => !r.target.embedded).map((r) => r.target.url));
  if (targets.length > 1) warnings.push(`merged runs used different targets: ${targets.join(', ')}`);
  if (n > 1) {
    warnings.push(`merged ${n} reports (hosts: ${hosts.join(', ')}); connections.peakOpen is the sum of each run's peak, an upper bound`);
  }
  const cohortSocketsKnown = reports.every((r) => r.connections.openedByCohort !== undefined);
  const info = mergeInfo(reports, cohortSocketsKnown);
  if (info.estimates['fanout.expected'] !== undefined) warnings.push(`fanout: ${info.estimates['fanout.expected']}`);
  if (n > 1 && !info.overlapping) {
    warnings.push('the merged runs did not overlap in time (startedAt/endedAt): their sums describe different periods, not one combined load');
  }

  const time = (s: string): number => Date.parse(s);
  const startedAt = reports.reduce((a, r) => (time(r.startedAt) < time(a) ? r.startedAt : a), first.startedAt);
  const endedAt = reports.reduce((a, r) => (time(r.endedAt) > time(a) ? r.endedAt : a), first.endedAt);

  const cohortStats = byKey(reports.map((r) => r.disconnects.byCohort));
  const byCohort: Record<string, DisconnectStats> = {};
  for (const [name, stats] of cohortStats) byCohort[name] = mergeDisconnectCounters(stats);
  const reconnectCohorts = byKey(reports.map((r) => r.reconnects.byCohort));
  const reconnectsByCohort: Record<string, ReconnectStats> = {};
  for (const [name, stats] of reconnectCohorts) reconnectsByCohort[name] = mergeReconnects(stats);

  const workers = reports.flatMap((r) => r.client.workers).map((w, i) => ({ ...structuredClone(w), worker: i }));
  const interruptReasons = unique(reports.map((r) => r.interruptReason).filter((x): x is string => x !== null));

  const merged: Report = {
    formatVersion: first.formatVersion,
    tool: 'wsload',
    scenario,
    startedAt,
    endedAt,
    interrupted: reports.some((r) => r.interrupted),
    interruptReason: interruptReasons.length > 0 ? interruptReasons.join('; ') : null,
    environment: { ...first.environment, host: hosts.join(', ') },
    target: { ...first.target, tlsInsecure: reports.some((r) => r.target.tlsInsecure) },
    phases: { rampMs: Math.max(...reports.map((r) => r.phases.rampMs)), holdMs: Math.max(...reports.map((r) => r.phases.holdMs)) },
    // Counters are set below by their registered merge rule; the first report gives the field order.
    connections: { ...first.connections, failures: sumCounts(reports.map((r) => r.connections.failures)) },
    handshake: structuredClone(first.handshake),
    fanout: { ...first.fanout },
    publish: {
      ...first.publish,
      behind: reports.some((r) => r.publish.behind === true),
      runTag: null,
      failures: sumCounts(reports.map((r) => r.publish.failures)),
    },
    closes: { byCode: sumCounts(reports.map((r) => r.closes.byCode)) },
    disconnects: {
      ...mergeDisconnectCounters(reports.map((r) => r.disconnects)),
      byCohort,
      // Estimated again below from the merged idle-at-close histograms.
      idleTimeout: null,
      idleTimeoutNote: null,
      survivingCohorts: [],
      recommendation: null,
    },
    reconnects: { ...mergeReconnects(reports.map((r) => r.reconnects)), byCohort: reconnectsByCohort },
    client: mergeClient(reports, workers),
    // Set below by its registered merge rule: the widest bound of the runs'.
    clock: { uncertaintyMs: 0 },
    thresholds: [],
    warnings,
    merged: info,
    // Timelines and interval logs are per run; they are not merged.
    files: { timeline: null, hlog: null },
    histograms: {},
  };

  // A server stream's section, when any run had one: its counters and staleness are set below like the others'.
  const streams = reports.filter((r) => r.stream !== undefined).length;
  if (streams > 0) {
    merged.stream = { messages: 0, unmatched: 0, gaps: 0, missing: 0, duplicated: 0, outOfOrder: 0, negative: 0, ahead: 0, staleCapped: 0, aheadMaxMs: 0, stalenessMs: percentiles(mergeEncoded([])), clockCaveat: '' };
    if (streams < n) warnings.push(`${n - streams} of ${n} reports measured no server stream: the stream figures are those of the other ${streams}`);
  }
  for (const def of COUNTERS) if (def.merge !== 'derived') setCounter(merged, def, mergeCounter(def, reports));
  // Side-by-side runs observe the same gateway from several machines: its view is one; the first run's is kept.
  const observing = reports.find((r) => r.observe !== undefined);
  if (observing?.observe) {
    merged.observe = observing.observe;
    info.estimates.observe = "the observed endpoints as one run scraped them (side-by-side runs observe the same gateway; its figures are not summed)";
  }
  // Stage counters add exactly; kept absent when no run had stages, as in each report.
  if (reports.some((r) => r.connections.rampDownCloses !== undefined)) {
    merged.connections.rampDownCloses = reports.reduce((s, r) => s + (r.connections.rampDownCloses ?? 0), 0);
    merged.connections.reopened = reports.reduce((s, r) => s + (r.connections.reopened ?? 0), 0);
  }
  // Before the histograms: their per-topic percentile sets are written into these entries.
  const byTopic = mergeByTopic(reports);
  if (byTopic) {
    merged.fanout.byTopic = byTopic;
    info.estimates['fanout.byTopic.*.completionMs'] = "each run's per-topic completion covers only its own sockets of the topic (a lower bound, as fanout.completionMs)";
  }
  // Per-cohort fan-out: entries of percentile sets only, made from the merged "fanoutByCohort:<c>" histograms below.
  if (reports.some((r) => r.fanout.byCohort)) merged.fanout.byCohort = {};
  else delete merged.fanout.byCohort;
  if (merged.stream) merged.stream.clockCaveat = clockCaveat(merged.stream.aheadMaxMs);
  if (cohortSocketsKnown) merged.connections.openedByCohort = sumCounts(reports.map((r) => r.connections.openedByCohort ?? {}));
  else delete merged.connections.openedByCohort;
  // A field the first (older) report lacks was set last: the merged file keeps the format's field order.
  merged.connections = inShapeOrder(merged.connections, reportSchema.shape.connections.shape);
  merged.fanout = inShapeOrder(merged.fanout, reportSchema.shape.fanout.shape);
  merged.publish = inShapeOrder(merged.publish, reportSchema.shape.publish.shape);

  mergeHistograms(merged, reports, Object.keys(byCohort), warnings);
  // Per-block histograms combine by time, so compare judges the merged run by its blocks too.
  const timed = reports.flatMap((r) => (r.intervals ? [{ intervals: r.intervals, offsetMs: time(r.startedAt) - time(startedAt) }] : []));
  if (timed.length === n) merged.intervals = mergeIntervals(timed);
  else if (timed.length > 0) warnings.push(`${n - timed.length} of ${n} reports have no per-interval histograms: compare judges the merged report with per-delivery intervals`);

  mergeIdleTimeout(merged, reports, startedAt);
  // Over every expected delivery of the merged runs, from the merged counters and histograms (the first report's would be its own).
  const censored = reports.some((r) => r.fanout.censored !== undefined) ? censoredFanout(merged) : null;
  if (censored) merged.fanout.censored = censored;
  else delete merged.fanout.censored;

  try {
    merged.thresholds = evaluateThresholds(merged, merged.scenario.thresholds);
  } catch (err) {
    if (!(err instanceof WsloadError)) throw err;
    warnings.push(`thresholds were not evaluated on the merged report: ${err.message.split('\n')[0]}`);
  }
  return merged;
}
