/**
 * Turns what a run measured into the Report (pure: no I/O). One builder per report section, each
 * in src/report/build/, fed the same context; this module assembles them in the format's field order.
 */
import { REPORT_FORMAT_VERSION, type Report } from '../run/report.js';
import { COHORT_HISTOGRAMS, percentileCapMs, sectionSets, type SectionSets, type SetSection } from '../run/registry.js';
import type { Histogram } from '../metrics/histogram.js';
import { publisherHistograms } from '../metrics/publisher-stats.js';
import { emptyStreamCounters } from '../run/stream-counters.js';
import { evaluateThresholds } from './thresholds.js';
import { censoredFanout } from './censored.js';
import { pct, round3, type BuildContext, type BuildInput } from './build/context.js';
import { cohortBooks, disconnectsSection, encodedHistograms } from './build/cohorts.js';
import { clientHealth, clientSection } from './build/client.js';
import { bookWarnings, fanoutCounters, fanoutTail } from './build/fanout.js';
import { publishCounters } from './build/publish.js';
import { connectionsSection, streamStats } from './build/connections.js';

export type { BuildInput } from './build/context.js';
export { SATURATED_LAG_P99_MS, SATURATED_LAG_MAX_MS } from './saturation.js';
export { publishBehind } from './publish-behind.js';

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
  const sets = <S extends SetSection>(section: S): SectionSets<S> =>
    sectionSets(section, (def) => pct(runHistograms.get(def.key), percentileCapMs(def.key, ctx.deadlineMs)));

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
    reconnects: {
      total: books.sum.reconnects,
      downMs: Math.round(books.sum.downMs),
      missedPublishes: ctx.totals.delivery.missedPublishes,
      byCohort: books.reconnectsByCohort,
    },
    client: clientSection(ctx, health, sets('client')),
    clock: { uncertaintyMs: round3(input.clockUncertaintyMs ?? 0) },
    ...(scenario.stream || ctx.totals.stream
      ? { stream: streamStats(ctx.totals.stream ?? emptyStreamCounters(), sets('stream').stalenessMs) }
      : {}),
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
