/** The report's per-cohort books: disconnects and reconnects per cohort, their sums, the idle-timeout verdict, report.histograms. */
import type { DisconnectStats, IdleTimeoutScreening, ReconnectStats, Report } from '../../run/report.js';
import { COHORT_HISTOGRAMS, cohortHistogramKey, idleSamplesKey, sectionSets, type CohortHistogramKind } from '../../run/registry.js';
import { addInto, createHistogram, encodeHistogram, percentiles, type Histogram } from '../../metrics/histogram.js';
import { cohortDrops, estimateIdleTimeout, type CohortDrops } from '../../metrics/idle-timeout.js';
import { protocolHeartbeat } from '../../metrics/protocol-heartbeat.js';
import { publisherHistograms } from '../../metrics/publisher-stats.js';
import { emptyCohortCounters, type CohortCounters } from '../../run/protocol.js';
import { withoutStreamIdleEstimate } from '../stream-caveat.js';
import type { BuildContext } from './context.js';

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

/** The cohorts' books: per cohort disconnects and reconnects, their sums, and the idle-timeout verdict. */
export interface CohortBooks {
  byCohort: Record<string, DisconnectStats>;
  reconnectsByCohort: Record<string, ReconnectStats>;
  /** The per-cohort disconnect histograms added up (registry source 'cohorts'). */
  allCohorts: Record<CohortHistogramKind, Histogram>;
  sum: CohortCounters;
  screening: Record<string, IdleTimeoutScreening>;
  samplesHistograms: Record<string, string>;
  idleVerdict: ReturnType<typeof withoutStreamIdleEstimate>;
}

/** Disconnects and reconnects per cohort, then their sums; the idle-timeout verdict from every cohort's drops. */
export function cohortBooks(ctx: BuildContext): CohortBooks {
  const { input, totals, h } = ctx;
  const allCohorts = Object.fromEntries(COHORT_HISTOGRAMS.map((kind) => [kind, createHistogram()])) as Record<
    CohortHistogramKind,
    Histogram
  >;
  const books: Omit<CohortBooks, 'idleVerdict'> = {
    byCohort: {},
    reconnectsByCohort: {},
    allCohorts,
    sum: emptyCohortCounters(),
    screening: {},
    samplesHistograms: {},
  };
  const { sum } = books;
  const drops: CohortDrops[] = [];
  input.scenario.cohorts.forEach((cohort, i) => {
    const cc = totals.cohorts[i];
    const own = Object.fromEntries(
      COHORT_HISTOGRAMS.map((kind) => [kind, h(cohortHistogramKey(kind, cohort.name)) ?? createHistogram()]),
    ) as Record<CohortHistogramKind, Histogram>;
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
  const idleVerdict = withoutStreamIdleEstimate(
    estimateIdleTimeout(drops, protocolHeartbeat(input.scenario.protocol)),
    totals.stream,
    input.peakOpen * input.phases.holdMs,
  );
  return { ...books, idleVerdict };
}

export function disconnectsSection(ctx: BuildContext, books: CohortBooks): Report['disconnects'] {
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

/** Report.histograms: what the aggregate holds, completion, the publisher's, the idle-timeout samples and the cohorts' sums. */
export function encodedHistograms(ctx: BuildContext, books: CohortBooks): Record<string, string> {
  const { aggregate, publisher } = ctx.input;
  const histograms: Record<string, string> = {};
  for (const [name, hist] of aggregate.histograms) if (hist.totalCount > 0) histograms[name] = encodeHistogram(hist);
  if (aggregate.completion.totalCount > 0) histograms.completion = encodeHistogram(aggregate.completion);
  // The publisher's are kept even empty (a run that published nothing says so); a never-sent wait only when some was.
  for (const [key, hist] of publisherHistograms(publisher))
    if (hist && (key !== 'unsent' || hist.totalCount > 0)) histograms[key] = encodeHistogram(hist);
  Object.assign(histograms, books.samplesHistograms);
  if (books.allCohorts.idleAtClose.totalCount > 0)
    for (const kind of COHORT_HISTOGRAMS) histograms[kind] = encodeHistogram(books.allCohorts[kind]);
  return histograms;
}
