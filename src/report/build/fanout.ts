/** The report's fan-out section around its percentile sets: the delivery books, per topic and per cohort, and what a user must read about them. */
import type { Scenario } from '../../run/scenario.js';
import type { PercentileSet, Report, TopicStats } from '../../run/report.js';
import type { Totals } from '../../metrics/aggregate.js';
import {
  AXES,
  axisCountersOf,
  breakdownKey,
  breakdownsOf,
  histogramDef,
  percentileCapMs,
  topicHistogramKey,
  type Axis,
  type AxisCounterDef,
  type SetSection,
  type TopicCounterKey,
} from '../../run/registry.js';
import { percentiles, type Histogram } from '../../metrics/histogram.js';
import type { PublisherStats } from '../../metrics/publisher-stats.js';
import { earlyBeyondBound, EARLY_TOLERANCE_MS } from '../clock-bound.js';
import { pct, round3, type BuildContext } from './context.js';

/** The fan-out section's fields before its percentile sets (the format's field order). */
export function fanoutCounters(ctx: BuildContext) {
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
    ...valueSets(
      'fanout',
      'cohort',
      scenario.cohorts.map((c) => c.name),
      h,
      deadlineMs,
    ),
  };
}

/** The fan-out section's fields after its percentile sets. */
export function fanoutTail(ctx: BuildContext) {
  const d = ctx.totals.delivery;
  return {
    incomplete: ctx.input.aggregate.incomplete,
    early: d.early ?? 0,
    earlyMaxMs: round3(d.earlyMaxMs ?? 0),
    unconfirmed: ctx.totals.unconfirmed,
    // Only when some came: receipts older than the publish ring are rare (a socket held minutes).
    ...(d.unjudged > 0 ? { unjudged: d.unjudged } : {}),
    // Only when some were: a worker stalled past its ring's window (minutes at the slowest rates).
    ...(d.unevaluated > 0 ? { unevaluated: d.unevaluated } : {}),
  };
}

/**
 * The per-value entries of `section`'s breakdowns by `axis` whose entries are percentile sets only
 * (fanout.byCohort): `{ byCohort: { <value>: { latencyMs } } }`, or {} when the run keeps none (too few values).
 */
function valueSets(
  section: SetSection,
  axis: Axis,
  values: readonly string[],
  h: (name: string) => Histogram | undefined,
  deadlineMs: number | undefined,
): Record<string, Record<string, Record<string, PercentileSet>>> {
  const kept = breakdownsOf(axis).filter(
    (b) => b.entry === 'sets' && histogramDef(b.key)?.section === section && values.length >= b.minValues,
  );
  if (kept.length === 0) return {};
  const entries = values.map((v) => [
    v,
    Object.fromEntries(
      kept.map((b) => [(histogramDef(b.key) as { field: string }).field, pct(h(breakdownKey(b, v)), percentileCapMs(b.key, deadlineMs))]),
    ),
  ]);
  return { [AXES[axis].field]: Object.fromEntries(entries) as Record<string, Record<string, PercentileSet>> };
}

/** fanout.byTopic: each topic's counters (the registry's per-topic counters, by their source) and percentile sets (its histograms "fanout:<t>", "completion:<t>"). */
function topicStats(
  scenario: Scenario,
  totals: Totals,
  publisher: PublisherStats | null,
  h: (name: string) => Histogram | undefined,
): Record<string, TopicStats> {
  const topics = scenario.topics;
  const out: Record<string, TopicStats> = {};
  if (!topics) return out;
  const at = (c: AxisCounterDef, i: number): number =>
    c.source === 'scenario'
      ? (topics.counts[i] ?? 0)
      : c.source === 'publisher'
        ? (publisher?.okByTopic?.[i] ?? 0)
        : (totals.topics?.[c.field as TopicCounterKey][i] ?? 0);
  topics.names.forEach((name, i) => {
    const completion = h(topicHistogramKey('completion', name));
    // The entry's counters are AXIS_COUNTERS' topic fields (the registry test checks them against the schema).
    const counters = Object.fromEntries(axisCountersOf('topic').map((c) => [c.field, at(c, i)])) as Omit<
      TopicStats,
      'latencyMs' | 'completionMs'
    >;
    out[name] = {
      ...counters,
      latencyMs: pct(h(topicHistogramKey('fanout', name))),
      ...(completion && completion.totalCount > 0 ? { completionMs: percentiles(completion, scenario.publish?.deadlineMs) } : {}),
    };
  });
  return out;
}

/** What a user must read about the books: deliveries owed by lost workers, receipts too old to judge, publishes never evaluated, early receipts within the clock's bound. */
export function bookWarnings(report: Report, totals: Totals): string[] {
  const out: string[] = [];
  const f = report.fanout;
  if (totals.unconfirmed > 0) {
    out.push(
      `${totals.unconfirmed} deliveries that lost workers or shards owed after their last snapshot are counted lost (fanout.unconfirmed): ` +
        'nobody was left to see whether they arrived, so they are an upper bound of what the target failed to deliver; every other delivery figure is exact',
    );
  }
  if (totals.unknownOwed > 0) {
    out.push(
      `${totals.unknownOwed} publishes sent after a lost worker's last snapshot had left the publish ring when it was declared lost: what they were owed is not booked`,
    );
  }
  if ((f.unjudged ?? 0) > 0) {
    out.push(
      `${f.unjudged} copies of this run's publishes arrived after their publish had left the publish ring (fanout.unjudged): too late to tell a late first copy from a duplicate ` +
        'or from a replay to a later connection, they are none of these; a delivery lost at its deadline stays lost, so lost may include some that came this late, and late, ' +
        'duplicated and ineligible may be short by up to that many',
    );
  }
  if ((f.unevaluated ?? 0) > 0) {
    out.push(
      `${f.unevaluated} publishes left a worker's publish ring before it evaluated them (fanout.unevaluated: the worker, or the main thread writing an agent's ring, ` +
        'stalled longer than the ring holds): only the copies received of them are booked (expected = delivered + late, lost = late); the sockets that never got them ' +
        'are not, so lost and expected may be short by up to that many publishes × their sockets',
    );
  }
  const early = f.early ?? 0;
  if (early > 0 && earlyBeyondBound(report).length === 0) {
    out.push(
      `${early} deliveries arrived before their publish's scheduled time, up to ${f.earlyMaxMs ?? 0} ms early, within the ±${report.clock?.uncertaintyMs ?? 0} ms clock uncertainty ` +
        `(tolerated up to the uncertainty, at least ${EARLY_TOLERANCE_MS} ms): recorded at 0 ms, the latency figures stand within ± the uncertainty`,
    );
  }
  return out;
}
