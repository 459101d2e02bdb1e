/**
 * Merges reports of runs made side by side (one per machine) into one report: counters are
 * summed and histograms added exactly, so the merged percentiles are those of all samples, not an
 * average of percentiles. Pure: reports in, a new Report out. One merger per report section, each
 * in src/report/merge/; this module assembles them in the order they depend on each other.
 */
import { censoredFanout } from './censored.js';
import { UsageError } from '../errors.js';
import { mergeInfo } from './merge-exactness.js';
import { reportSchema } from '../run/report-schema.js';
import type { Report } from '../run/report.js';
import { COUNTERS, mergeCounter, setCounter } from '../run/registry.js';
import { inShapeOrder, sumCounts } from './merge/sums.js';
import { mergeHeader, mergeScenario, mergeWarnings } from './merge/header.js';
import { mergeDisconnectSection, mergeIdleTimeout, mergeReconnectSection } from './merge/disconnects.js';
import { mergeClient } from './merge/client.js';
import { mergeHistograms, mergeIntervalSection } from './merge/histograms.js';
import { mergeBreakdowns, mergeExtensions, mergeObserveSection, mergeStreamSection, mergeThresholds } from './merge/sections.js';

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
  // First, as before the split: a scenario mismatch is the error a user sees before any other.
  const scenario = mergeScenario(reports);
  const cohortSocketsKnown = reports.every((r) => r.connections.openedByCohort !== undefined);
  const info = mergeInfo(reports, cohortSocketsKnown);
  const warnings = mergeWarnings(reports, info);
  const disconnects = mergeDisconnectSection(reports);
  const workers = reports.flatMap((r) => r.client.workers).map((w, i) => ({ ...structuredClone(w), worker: i }));

  const merged: Report = {
    formatVersion: first.formatVersion,
    tool: 'wsload',
    scenario,
    ...mergeHeader(reports),
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
    disconnects,
    reconnects: mergeReconnectSection(reports),
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

  mergeStreamSection(merged, reports, warnings);
  for (const def of COUNTERS) if (def.merge !== 'derived') setCounter(merged, def, mergeCounter(def, reports));
  mergeObserveSection(merged, reports, info);
  mergeBreakdowns(merged, reports, info, cohortSocketsKnown);
  mergeExtensions(merged, reports, warnings);
  // A field the first (older) report lacks was set last: the merged file keeps the format's field order.
  merged.connections = inShapeOrder(merged.connections, reportSchema.shape.connections.shape);
  merged.fanout = inShapeOrder(merged.fanout, reportSchema.shape.fanout.shape);
  merged.publish = inShapeOrder(merged.publish, reportSchema.shape.publish.shape);

  mergeHistograms(merged, reports, Object.keys(disconnects.byCohort), warnings);
  mergeIntervalSection(merged, reports, warnings);
  mergeIdleTimeout(merged, reports, merged.startedAt);
  // Over every expected delivery of the merged runs, from the merged counters and histograms (the first report's would be its own).
  const censored = reports.some((r) => r.fanout.censored !== undefined) ? censoredFanout(merged) : null;
  if (censored) merged.fanout.censored = censored;
  else delete merged.fanout.censored;
  merged.thresholds = mergeThresholds(merged, warnings);
  return merged;
}
