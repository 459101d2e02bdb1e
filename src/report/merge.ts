/**
 * Merges reports of runs made side by side (one per machine) into one report: counters are
 * summed and histograms added exactly, so the merged percentiles are those of all samples, not an
 * average of percentiles. Pure: reports in, a new Report out.
 */
import { UsageError, WsloadError } from '../errors.js';
import { createHistogram, encodeHistogram, mergeEncoded, percentiles } from '../metrics/histogram.js';
import { cohortDrops, estimateIdleTimeout } from '../metrics/idle-timeout.js';
import { mergeIntervals } from '../metrics/interval-blocks.js';
import { reportHistogram } from './read.js';
import { evaluateThresholds } from './thresholds.js';
import { COHORT_HISTOGRAMS, cohortHistogramKey, type DisconnectStats, type PercentileSet, type ReconnectStats, type Report } from './types.js';

type Counts = Partial<Record<string, number>>;

function sumCounts<T extends Counts>(records: readonly T[]): T {
  const out: Counts = {};
  for (const rec of records) {
    for (const [k, v] of Object.entries(rec)) out[k] = (out[k] ?? 0) + (v ?? 0);
  }
  return out as T;
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** Histogram key → the percentile set it backs in a report (per-cohort keys are parsed apart). */
const FIXED_SETS: Record<string, [(r: Report) => PercentileSet, (r: Report, p: PercentileSet) => void]> = {
  fanout: [(r) => r.fanout.latencyMs, (r, p) => (r.fanout.latencyMs = p)],
  completion: [(r) => r.fanout.completionMs, (r, p) => (r.fanout.completionMs = p)],
  handshake: [(r) => r.handshake.latencyMs, (r, p) => (r.handshake.latencyMs = p)],
  handshakeTcp: [(r) => r.handshake.tcpMs, (r, p) => (r.handshake.tcpMs = p)],
  handshakeTls: [(r) => r.handshake.tlsMs, (r, p) => (r.handshake.tlsMs = p)],
  handshakeUpgrade: [(r) => r.handshake.upgradeMs, (r, p) => (r.handshake.upgradeMs = p)],
  publish: [(r) => r.publish.latencyMs, (r, p) => (r.publish.latencyMs = p)],
  scheduleLag: [(r) => r.publish.scheduleLagMs, (r, p) => (r.publish.scheduleLagMs = p)],
  idleAtClose: [(r) => r.disconnects.idleAtCloseMs, (r, p) => (r.disconnects.idleAtCloseMs = p)],
  sentIdleAtClose: [(r) => r.disconnects.sentIdleAtCloseMs, (r, p) => (r.disconnects.sentIdleAtCloseMs = p)],
  ageAtClose: [(r) => r.disconnects.ageAtCloseMs, (r, p) => (r.disconnects.ageAtCloseMs = p)],
};

function setAccessor(key: string): { get: (r: Report) => PercentileSet | undefined; set: (r: Report, p: PercentileSet) => void } | null {
  const f = FIXED_SETS[key];
  if (f) return { get: f[0], set: f[1] };
  const m = new RegExp(`^(${COHORT_HISTOGRAMS.join('|')}):(.+)$`).exec(key);
  if (!m) return null;
  const field = `${m[1]}Ms` as 'idleAtCloseMs' | 'sentIdleAtCloseMs' | 'ageAtCloseMs';
  const cohort = m[2];
  return {
    get: (r) => r.disconnects.byCohort[cohort]?.[field],
    set: (r, p) => {
      const stats = r.disconnects.byCohort[cohort];
      if (stats) stats[field] = p;
    },
  };
}

/** Best available set when no histogram backs it: exact count, min, max, mean; percentiles are upper bounds. */
function approximateSet(sets: readonly PercentileSet[]): PercentileSet {
  const withData = sets.filter((s) => s.count > 0);
  if (withData.length === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  const count = sum(withData.map((s) => s.count));
  const max = (k: keyof PercentileSet): number => Math.max(...withData.map((s) => s[k]));
  return {
    count,
    min: Math.min(...withData.map((s) => s.min)),
    mean: Math.round((sum(withData.map((s) => s.mean * s.count)) / count) * 1000) / 1000,
    p50: max('p50'),
    p90: max('p90'),
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

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
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

  const scenario = structuredClone(first.scenario);
  scenario.connections = sum(reports.map((r) => r.scenario.connections));
  const cohortSizes = byKey(reports.map((r) => Object.fromEntries(r.scenario.cohorts.map((c) => [c.name, c.count]))));
  for (const r of reports.slice(1)) {
    for (const c of r.scenario.cohorts) if (!scenario.cohorts.some((x) => x.name === c.name)) scenario.cohorts.push(structuredClone(c));
  }
  for (const c of scenario.cohorts) c.count = sum(cohortSizes.get(c.name) ?? []);

  const targets = unique(reports.filter((r) => !r.target.embedded).map((r) => r.target.url));
  if (targets.length > 1) warnings.push(`merged runs used different targets: ${targets.join(', ')}`);
  if (n > 1) {
    warnings.push(`merged ${n} reports (hosts: ${hosts.join(', ')}); connections.peakOpen is the sum of each run's peak, an upper bound`);
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
    connections: {
      target: sum(reports.map((r) => r.connections.target)),
      opened: sum(reports.map((r) => r.connections.opened)),
      failed: sum(reports.map((r) => r.connections.failed)),
      peakOpen: sum(reports.map((r) => r.connections.peakOpen)),
      openAtEnd: sum(reports.map((r) => r.connections.openAtEnd)),
      failures: sumCounts(reports.map((r) => r.connections.failures)),
    },
    handshake: structuredClone(first.handshake),
    fanout: {
      published: sum(reports.map((r) => r.fanout.published)),
      expected: sum(reports.map((r) => r.fanout.expected)),
      delivered: sum(reports.map((r) => r.fanout.delivered)),
      lost: sum(reports.map((r) => r.fanout.lost)),
      duplicated: sum(reports.map((r) => r.fanout.duplicated)),
      outOfOrder: sum(reports.map((r) => r.fanout.outOfOrder)),
      late: sum(reports.map((r) => r.fanout.late)),
      unmatched: sum(reports.map((r) => r.fanout.unmatched)),
      latencyMs: first.fanout.latencyMs,
      completionMs: first.fanout.completionMs,
      incomplete: sum(reports.map((r) => r.fanout.incomplete)),
    },
    publish: {
      sent: sum(reports.map((r) => r.publish.sent)),
      failed: sum(reports.map((r) => r.publish.failed)),
      skipped: sum(reports.map((r) => r.publish.skipped)),
      failures: sumCounts(reports.map((r) => r.publish.failures)),
      latencyMs: first.publish.latencyMs,
      scheduleLagMs: first.publish.scheduleLagMs,
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
    client: {
      eventLoopLagMs: {
        max: Math.max(...reports.map((r) => r.client.eventLoopLagMs.max)),
        p99: Math.max(...reports.map((r) => r.client.eventLoopLagMs.p99)),
      },
      workers,
      peakRssMb: Math.max(...reports.map((r) => r.client.peakRssMb)),
      saturated: reports.some((r) => r.client.saturated),
    },
    thresholds: [],
    warnings,
    // Timelines and interval logs are per run; they are not merged.
    files: { timeline: null, hlog: null },
    histograms: {},
  };

  const keys = unique(reports.flatMap((r) => Object.keys(r.histograms)));
  for (const key of keys) {
    const encoded = reports.map((r) => r.histograms[key]).filter((e): e is string => e !== undefined);
    const h = mergeEncoded(encoded);
    merged.histograms[key] = encodeHistogram(h);
    const accessor = setAccessor(key);
    accessor?.set(merged, percentiles(h));
    const missing = reports.filter((r) => r.histograms[key] === undefined && (accessor?.get(r)?.count ?? 1) > 0).length;
    if (missing > 0) warnings.push(`histogram "${key}" is missing from ${missing} of ${n} reports: its merged percentiles leave those runs out`);
  }
  // Per-block histograms combine by time, so compare judges the merged run by its blocks too.
  const timed = reports.flatMap((r) => (r.intervals ? [{ intervals: r.intervals, offsetMs: time(r.startedAt) - time(startedAt) }] : []));
  if (timed.length === n) merged.intervals = mergeIntervals(timed);
  else if (timed.length > 0) warnings.push(`${n - timed.length} of ${n} reports have no per-interval histograms: compare judges the merged report with per-delivery intervals`);
  // Percentile sets with no histogram in any report are combined as well as numbers allow.
  const cohortKeys = Object.keys(byCohort).flatMap((c) => COHORT_HISTOGRAMS.map((kind) => cohortHistogramKey(kind, c)));
  for (const key of [...Object.keys(FIXED_SETS), ...cohortKeys]) {
    if (keys.includes(key)) continue;
    const accessor = setAccessor(key);
    if (!accessor) continue;
    const sets = reports.map((r) => accessor.get(r)).filter((s): s is PercentileSet => s !== undefined);
    accessor.set(merged, approximateSet(sets));
    if (sets.some((s) => s.count > 0)) warnings.push(`no histogram "${key}" in the merged reports: its percentiles are upper bounds (the largest of the runs')`);
  }

  // The same estimator the run used, fed every machine's drops: a timeout seen by a few sockets on
  // each machine may only reach the estimator's minimum sample count once they are put together.
  const verdict = estimateIdleTimeout(
    // Reports keep no per-cohort handshake count, so a cohort's configured size stands in for it.
    merged.scenario.cohorts.map((c) =>
      cohortDrops(c, reportHistogram(merged, cohortHistogramKey('idleAtClose', c.name)) ?? createHistogram(), merged.disconnects.byCohort[c.name]?.byCause ?? {}, c.count),
    ),
  );
  merged.disconnects.idleTimeout = verdict.estimate;
  merged.disconnects.idleTimeoutNote = verdict.note;
  merged.disconnects.survivingCohorts = verdict.survivingCohorts;
  merged.disconnects.recommendation = verdict.recommendation;

  try {
    merged.thresholds = evaluateThresholds(merged, merged.scenario.thresholds);
  } catch (err) {
    if (!(err instanceof WsloadError)) throw err;
    warnings.push(`thresholds were not evaluated on the merged report: ${err.message.split('\n')[0]}`);
  }
  return merged;
}
