/** Disconnects and reconnects merged overall and per cohort; the idle-timeout estimate made again from every run's drops. */
import { mergeEncoded, percentiles } from '../../metrics/histogram.js';
import { cohortDrops, estimateIdleTimeout } from '../../metrics/idle-timeout.js';
import { protocolHeartbeat } from '../../metrics/protocol-heartbeat.js';
import { MAX_EVENTS } from '../../metrics/drop-events.js';
import type { DisconnectStats, DropEvent, IdleTimeoutScreening, ReconnectStats, Report } from '../../run/report.js';
import { cohortHistogramKey, idleSamplesKey } from '../../run/registry.js';
import { withoutStreamIdleEstimate } from '../stream-caveat.js';
import { byKey, sum, sumCounts } from './sums.js';

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
  return {
    total: sum(stats.map((s) => s.total)),
    downMs: sum(stats.map((s) => s.downMs)),
    missedPublishes: sum(stats.map((s) => s.missedPublishes)),
  };
}

/** Disconnect counters overall and per cohort; the idle-timeout estimate is made again later from the merged histograms. */
export function mergeDisconnectSection(reports: readonly Report[]): Report['disconnects'] {
  const byCohort: Record<string, DisconnectStats> = {};
  for (const [name, stats] of byKey(reports.map((r) => r.disconnects.byCohort))) byCohort[name] = mergeDisconnectCounters(stats);
  return {
    ...mergeDisconnectCounters(reports.map((r) => r.disconnects)),
    byCohort,
    // Estimated again below from the merged idle-at-close histograms.
    idleTimeout: null,
    idleTimeoutNote: null,
    survivingCohorts: [],
    recommendation: null,
  };
}

/** Reconnect counters overall and per cohort. */
export function mergeReconnectSection(reports: readonly Report[]): Report['reconnects'] {
  const byCohort: Record<string, ReconnectStats> = {};
  for (const [name, stats] of byKey(reports.map((r) => r.reconnects.byCohort))) byCohort[name] = mergeReconnects(stats);
  return { ...mergeReconnects(reports.map((r) => r.reconnects)), byCohort };
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
  const withScreening = reports
    .map((r) => r.disconnects.idleTimeoutScreening)
    .filter((s): s is Record<string, IdleTimeoutScreening> => s !== undefined);
  if (withScreening.length === 0) return undefined;
  const out: Record<string, IdleTimeoutScreening> = {};
  for (const [name, list] of byKey(withScreening)) {
    const total = (k: keyof IdleTimeoutScreening): number => sum(list.map((x) => x[k] ?? 0));
    // A reason no report counted (older versions lack the newer ones, newer ones lack inDropEvent) stays absent.
    const some = (k: 'tookActive' | 'idleSurvived' | 'unconfirmed' | 'inDropEvent'): Partial<IdleTimeoutScreening> =>
      list.some((x) => x[k] !== undefined) ? { [k]: total(k) } : {};
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
    .map((r) =>
      r.disconnects.idleTimeoutScreening !== undefined
        ? r.histograms[idleSamplesKey(cohort)]
        : r.histograms[cohortHistogramKey('idleAtClose', cohort)],
    )
    .filter((e): e is string => e !== undefined);
}

/** The disconnects' events, screening and idle-timeout estimate, from every run's drops put together. */
export function mergeIdleTimeout(merged: Report, reports: readonly Report[], startedAt: string): void {
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
    protocolHeartbeat(merged.scenario.protocol),
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
