/** The merged sections that are present only when a run had them: stream, observe, extensions, stages, per-topic and per-cohort entries; thresholds. */
import { mergeEncoded, percentiles } from '../../metrics/histogram.js';
import type { Report, TopicStats } from '../../run/report.js';
import { axisCountersOf } from '../../run/registry.js';
import { emptyStreamCounters } from '../../run/stream-counters.js';
import { WsloadError } from '../../errors.js';
import { evaluateThresholds } from '../thresholds.js';
import { clockCaveat } from '../stream-caveat.js';
import { approximateSet, byKey, sum, sumCounts } from './sums.js';

/** A server stream's section, when any run had one: its counters and staleness are set later like the others'. */
export function mergeStreamSection(merged: Report, reports: readonly Report[], warnings: string[]): void {
  const n = reports.length;
  const streams = reports.filter((r) => r.stream !== undefined).length;
  if (streams === 0) return;
  merged.stream = {
    ...emptyStreamCounters(),
    stalenessMs: percentiles(mergeEncoded([])),
    clockCaveat: '',
  };
  if (streams < n)
    warnings.push(`${n - streams} of ${n} reports measured no server stream: the stream figures are those of the other ${streams}`);
}

/** Side-by-side runs observe the same gateway from several machines: its view is one; the first run's is kept. */
export function mergeObserveSection(merged: Report, reports: readonly Report[], info: Report['merged'] & object): void {
  const observing = reports.find((r) => r.observe !== undefined);
  if (!observing?.observe) return;
  merged.observe = observing.observe;
  info.estimates.observe =
    'the observed endpoints as one run scraped them (side-by-side runs observe the same gateway; its figures are not summed)';
}

/** Negotiated extensions: upgrades per answer add exactly; absent when no run offered any (as in each report). */
export function mergeExtensions(merged: Report, reports: readonly Report[], warnings: string[]): void {
  const offering = reports.flatMap((r) => (r.connections.extensions ? [r.connections.extensions] : []));
  if (offering.length === 0) {
    delete merged.connections.extensions;
    return;
  }
  const offers = [...new Set(offering.map((e) => e.offered))];
  if (offers.length > 1 || offering.length < reports.length)
    warnings.push(
      `the runs offered different extensions (${[...offers, ...(offering.length < reports.length ? ['none'] : [])].join(' | ')}): connections.extensions counts the upgrades of the runs that offered, under the first offer`,
    );
  merged.connections.extensions = {
    offered: offers[0],
    accepted: sumCounts(offering.map((e) => e.accepted)),
    refused: sum(offering.map((e) => e.refused)),
  };
}

/** fanout.byTopic summed by topic name (each registered per-topic counter by its merge rule; percentile sets are recomputed from the "fanout:<t>" histograms afterwards); undefined when no run had topics. */
function mergeByTopic(reports: readonly Report[]): Record<string, TopicStats> | undefined {
  if (!reports.some((r) => r.fanout.byTopic)) return undefined;
  const out: Record<string, TopicStats> = {};
  for (const [name, stats] of byKey(reports.map((r) => r.fanout.byTopic ?? {}))) {
    // Entries are plain objects whose registered fields are counts (checked by the registry test).
    const counters = Object.fromEntries(
      axisCountersOf('topic').map((c) => [
        c.field,
        sum(stats.map((s) => (s as unknown as Record<string, number | undefined>)[c.field] ?? 0)),
      ]),
    ) as Omit<TopicStats, 'latencyMs' | 'completionMs'>;
    out[name] = {
      ...counters,
      latencyMs: approximateSet(stats.map((s) => s.latencyMs)),
      ...(stats.some((s) => s.completionMs)
        ? { completionMs: approximateSet(stats.flatMap((s) => (s.completionMs ? [s.completionMs] : []))) }
        : {}),
    };
  }
  return out;
}

/** Stage counters, per-topic and per-cohort entries (fanout.unjudged and unevaluated are registered counters, merged with the rest): present when a run had them, absent otherwise (as in each report). */
export function mergeBreakdowns(
  merged: Report,
  reports: readonly Report[],
  info: Report['merged'] & object,
  cohortSocketsKnown: boolean,
): void {
  // Stage counters add exactly; kept absent when no run had stages, as in each report.
  if (reports.some((r) => r.connections.rampDownCloses !== undefined)) {
    merged.connections.rampDownCloses = reports.reduce((s, r) => s + (r.connections.rampDownCloses ?? 0), 0);
    merged.connections.reopened = reports.reduce((s, r) => s + (r.connections.reopened ?? 0), 0);
  }
  // Before the histograms: their per-topic percentile sets are written into these entries.
  const byTopic = mergeByTopic(reports);
  if (byTopic) {
    merged.fanout.byTopic = byTopic;
    info.estimates['fanout.byTopic.*.completionMs'] =
      "each run's per-topic completion covers only its own sockets of the topic (a lower bound, as fanout.completionMs)";
  }
  // Per-cohort fan-out: entries of percentile sets only, made from the merged "fanoutByCohort:<c>" histograms below.
  if (reports.some((r) => r.fanout.byCohort)) merged.fanout.byCohort = {};
  else delete merged.fanout.byCohort;
  if (merged.stream) merged.stream.clockCaveat = clockCaveat(merged.stream.aheadMaxMs);
  if (cohortSocketsKnown) merged.connections.openedByCohort = sumCounts(reports.map((r) => r.connections.openedByCohort ?? {}));
  else delete merged.connections.openedByCohort;
}

/** Thresholds evaluated again on the merged numbers; one that cannot be is a warning, not a failed merge. */
export function mergeThresholds(merged: Report, warnings: string[]): Report['thresholds'] {
  try {
    return evaluateThresholds(merged, merged.scenario.thresholds);
  } catch (err) {
    if (!(err instanceof WsloadError)) throw err;
    warnings.push(`thresholds were not evaluated on the merged report: ${err.message.split('\n')[0]}`);
    return [];
  }
}
