/**
 * The histogram and counter registry (src/run/registry.ts) is the only place a metric is declared:
 * these checks go over every entry, with no per-metric code, so a new entry is checked by adding it.
 * The report is built by the real buildReport from a RunAggregate fed real encoded histograms.
 */
import { describe, expect, it } from 'vitest';
import { RunAggregate } from '../../src/metrics/aggregate.js';
import { createHistogram, decodeHistogram, encodeHistogram, percentiles, recordMs, type Histogram } from '../../src/metrics/histogram.js';
import { lookupMetric, metricValue } from '../../src/metrics/names.js';
import type { PublisherStats } from '../../src/metrics/publisher-stats.js';
import { hgrmNames } from '../../src/render/hgrm.js';
import { buildReport } from '../../src/report/build.js';
import { compare } from '../../src/report/compare.js';
import { mergeReports } from '../../src/report/merge.js';
import { parseReport } from '../../src/report/read.js';
import { announce, createRing } from '../../src/run/publish-ring.js';
import { emptyCohortCounters, type WorkerMessage } from '../../src/run/protocol.js';
import { topicStatsSchema } from '../../src/run/report-schema.js';
import { TOPIC_COUNTER_KEYS, emptyTopicCounters } from '../../src/run/delivery-counters.js';
import {
  AXIS_COUNTERS,
  BREAKDOWNS,
  COHORT_HISTOGRAMS,
  COUNTERS,
  HISTOGRAMS,
  breakdownKey,
  breakdownLocation,
  breakdownsOf,
  cohortHistogramKey,
  histogramDef,
  locateHistogram,
  parseBreakdownKey,
  setLocation,
  type HistogramDef,
} from '../../src/run/registry.js';
import { cohortHistograms, topicHistograms, workerHistograms } from '../../src/worker/histogram-set.js';
import type { Report } from '../../src/run/report.js';
import { fakeReport } from '../helpers/fake-report.js';

const ALL: readonly HistogramDef[] = HISTOGRAMS;
/** Histograms the main thread makes rather than a worker sends: completion (per publish), the publisher's, the cohorts' sums. */
const MAIN_THREAD = new Set<string>(ALL.filter((d) => d.source !== 'worker' && d.source !== 'stream').map((d) => d.key));

/** A histogram of n samples around `base` ms: every registered histogram gets a different count, so a mix-up shows. */
function samples(n: number, base: number): Histogram {
  const h = createHistogram();
  for (let i = 0; i < n; i++) recordMs(h, base + i * 0.37);
  return h;
}

/** The count fed to histogram `key` (the i-th registered one gets i + 2 samples; cohort kinds per cohort). */
const fed = new Map<string, number>(ALL.map((d, i) => [d.key, i + 2]));

function builtReport(): Report {
  const scenario = fakeReport({ cohorts: { quiet: 5, chatty: 5 } }).scenario;
  const cohorts = scenario.cohorts.map((c) => c.name);
  const ring = createRing(64);
  const completions = fed.get('completion') ?? 0;
  for (let seq = 1; seq <= completions; seq++) announce(ring, seq, 1000 * seq, 1000 * seq);
  const agg = new RunAggregate([10], cohorts.length, ring);
  const histograms: Record<string, string> = {};
  for (const def of ALL) if (!MAIN_THREAD.has(def.key)) histograms[def.key] = encodeHistogram(samples(fed.get(def.key) ?? 0, 3));
  // Cohort histograms split their kind's count between the cohorts, so the sums are checked too.
  for (const kind of COHORT_HISTOGRAMS) {
    const n = fed.get(kind) ?? 0;
    histograms[cohortHistogramKey(kind, cohorts[0])] = encodeHistogram(samples(1, 500));
    histograms[cohortHistogramKey(kind, cohorts[1])] = encodeHistogram(samples(n - 1, 9000));
  }
  // Every other per-cohort breakdown (fan-out): a sample in one cohort, the rest in the other, each its own sizes.
  for (const b of breakdownsOf('cohort').filter((x) => !(COHORT_HISTOGRAMS as readonly string[]).includes(x.key))) {
    histograms[breakdownKey(b, cohorts[0])] = encodeHistogram(samples(3, 40));
    histograms[breakdownKey(b, cohorts[1])] = encodeHistogram(samples(4, 70));
  }
  const cc = emptyCohortCounters();
  const tick: Extract<WorkerMessage, { type: 'tick' }> = {
    type: 'tick',
    workerId: 0,
    counters: {
      attempts: 12,
      opened: 11,
      firstOpened: 10,
      failed: 1,
      failures: { refused: 1 },
      open: 9,
      messages: 40,
      pingsSent: 0,
      heartbeatsSent: 0,
      delivery: {
        delivered: 37,
        duplicated: 2,
        outOfOrder: 1,
        late: 1,
        unmatched: 3,
        unjudged: 0,
        unevaluated: 0,
        foreign: 4,
        idMismatch: 1,
        ineligible: 0,
        expected: 40,
        lost: 3,
        missedPublishes: 2,
        evaluated: completions,
      },
      // A server stream's counters (its section is optional): every registered counter is then present.
      stream: {
        messages: 30,
        unmatched: 2,
        gaps: 3,
        missing: 5,
        duplicated: 1,
        outOfOrder: 2,
        negative: 4,
        ahead: 3,
        staleCapped: 1,
        aheadMaxMs: 12.5,
      },
    },
    cohorts: [
      cc,
      {
        ...emptyCohortCounters(),
        opened: 11,
        closes: 2,
        reconnects: 1,
        downMs: 250,
        byCause: { 'connection-lost': 2 },
        byCode: { 1006: 2 },
      },
    ],
    histograms,
    seqResults: Array.from({ length: completions }, (_, i) => ({
      seq: i + 1,
      delivered: 10,
      lost: 0,
      lastReceiptMs: 1000 * (i + 1) + 20 + i,
      failed: false,
    })),
    lag: { maxMs: 3, p99Ms: 2, meanMs: 1, intervalMaxMs: 1 },
    ramped: true,
    final: true,
  };
  agg.onTick(tick);
  const publisher: PublisherStats = {
    sent: 12,
    ok: 11,
    failed: 1,
    skipped: 1,
    overflowed: 0,
    queued: 2,
    maxQueueMs: 7,
    intervalMs: 100,
    runTag: 'abc',
    failures: { 'http-503': 1 },
    latency: samples(fed.get('publish') ?? 0, 20),
    measuredLatency: samples(fed.get('publishMeasured') ?? 0, 25),
    scheduleLag: samples(fed.get('scheduleLag') ?? 0, 1),
    unsent: samples(fed.get('unsent') ?? 0, 40),
  };
  const base = fakeReport();
  return buildReport({
    scenario,
    aggregate: agg,
    publisher,
    startedAt: new Date('2026-01-01T00:00:00Z'),
    endedAt: new Date('2026-01-01T00:01:00Z'),
    interrupted: false,
    interruptReason: null,
    target: base.target,
    phases: { rampMs: 1000, holdMs: 59_000 },
    peakOpen: 10,
    openAtEnd: 9,
    peakRssMb: 80,
    environment: base.environment,
    files: { timeline: null, hlog: null },
    warnings: [],
  });
}

/** Value at a dotted report path in the report as written (JSON), undefined when absent. */
function at(json: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), json);
}

describe('histogram and counter registry', () => {
  const report = builtReport();
  const written = parseReport(JSON.parse(JSON.stringify(report)), 'built.json');

  it('places every registered histogram at its report path, summarising exactly that histogram, in the report as written and as read', () => {
    for (const r of [report, written]) {
      for (const def of ALL) {
        const encoded = r.histograms[def.key];
        expect(encoded, def.key).toBeDefined();
        const h = decodeHistogram(encoded);
        expect(h.totalCount, def.key).toBe(fed.get(def.key));
        expect(setLocation(def).get(r), `${def.section}.${def.field}`).toEqual(percentiles(h));
        expect(locateHistogram(def.key)?.get(r)).toEqual(percentiles(h));
      }
      for (const kind of COHORT_HISTOGRAMS) {
        for (const cohort of Object.keys(r.disconnects.byCohort)) {
          const key = cohortHistogramKey(kind, cohort);
          expect(locateHistogram(key)?.get(r), key).toEqual(percentiles(decodeHistogram(r.histograms[key])));
        }
      }
    }
  });

  it('resolves every counter at its report path (derived ones from the others), in the report as written', () => {
    const json: unknown = JSON.parse(JSON.stringify(report));
    for (const def of COUNTERS) {
      const value = def.get(written);
      expect(Number.isFinite(value), def.path).toBe(true);
      // A rare counter is written only when above 0 (CounterDef.onlyWhenAny): absent, it reads 0.
      if (def.merge !== 'derived') expect(at(json, def.path) ?? (def.onlyWhenAny === true ? 0 : undefined), def.path).toBe(value);
      if (def.base !== null)
        expect(
          COUNTERS.some((c) => c.path === def.base),
          `${def.path} base ${def.base}`,
        ).toBe(true);
    }
  });

  it('gives users every latency family and every named counter as metrics, read through the registry', () => {
    for (const def of ALL) {
      if (def.family === null) continue;
      const set = setLocation(def).get(report);
      for (const agg of ['p50', 'p99', 'max', 'count'] as const)
        expect(metricValue(report, `${def.family}.${agg}`), `${def.family}.${agg}`).toBe(set?.[agg]);
    }
    for (const def of COUNTERS) {
      const metric = lookupMetric(def.path);
      if (!def.metric) {
        expect(metric, def.path).toBeUndefined();
        continue;
      }
      expect(metric?.get(report), def.path).toBe(def.get(report));
      expect(metric?.direction).toBe(def.direction);
      expect(metric?.base?.describe ?? null).toBe(def.base);
    }
    for (const def of ALL) if (def.hgrm) expect(hgrmNames(report)).toContain(def.key);
  });

  it('merges every counter by its rule and every histogram by adding it', () => {
    const merged = mergeReports([report, written]);
    for (const def of COUNTERS) {
      const one = def.get(report);
      const expected = def.merge === 'max' ? one : 2 * one;
      expect(def.get(merged), def.path).toBe(expected);
    }
    for (const def of ALL) {
      expect(setLocation(def).get(merged)?.count, def.key).toBe(2 * (fed.get(def.key) ?? 0));
      expect(decodeHistogram(merged.histograms[def.key]).totalCount).toBe(2 * (fed.get(def.key) ?? 0));
    }
    expect(merged.warnings.filter((w) => w.includes('histogram'))).toEqual([]);
  });

  it('compares only registered metrics: every row is a counter, a latency family aggregation or a named special row', () => {
    const merged = mergeReports([report, written]);
    const families = new Set(ALL.map((d) => d.family).filter((f) => f !== null));
    for (const row of compare(report, merged).rows) {
      const counter = COUNTERS.some((c) => c.path === row.metric && c.metric);
      const family = families.has(row.metric.slice(0, row.metric.lastIndexOf('.')));
      // Policy rows are named by the counter they police plus ".any" when the counter also has its rate row.
      const policy = row.basis === 'policy' && COUNTERS.some((c) => c.path === row.metric.replace(/\.any$/, '') && c.metric);
      // A registered breakdown's rows: "<family>.byCohort.<cohort>.<agg>".
      const breakdown = BREAKDOWNS.some(
        (b) => b.axis === 'cohort' && row.metric.startsWith(`${histogramDef(b.key)?.family ?? '-'}.byCohort.`),
      );
      const special =
        breakdown ||
        policy ||
        row.metric.startsWith('disconnects.byCause.') ||
        row.metric === 'disconnects.idleTimeout' ||
        row.metric === 'client.eventLoopLag.p99';
      expect(counter || family || special, row.metric).toBe(true);
    }
  });

  it('keeps every per-cohort breakdown at its place in the report, from the histogram it names, in the report as written, and merged by adding', () => {
    const merged = mergeReports([report, written]);
    const cohortBreakdowns = breakdownsOf('cohort');
    expect(cohortBreakdowns.map((b) => b.prefix)).toContain('fanoutByCohort');
    for (const b of cohortBreakdowns) {
      for (const cohort of ['quiet', 'chatty']) {
        const key = breakdownKey(b, cohort);
        expect(parseBreakdownKey(key)).toEqual({ b, value: cohort });
        for (const r of [report, written])
          expect(breakdownLocation(b, cohort).get(r), key).toEqual(percentiles(decodeHistogram(r.histograms[key])));
        expect(breakdownLocation(b, cohort).get(merged)?.count, key).toBe(2 * decodeHistogram(report.histograms[key]).totalCount);
      }
    }
    expect(Object.keys(report.fanout.byCohort ?? {})).toEqual(['quiet', 'chatty']);
  });

  it('declares each breakdown of a registered family, under a key prefix no other breakdown or whole-run histogram uses', () => {
    const prefixes = BREAKDOWNS.map((b) => b.prefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    for (const b of BREAKDOWNS) {
      expect(histogramDef(b.key), b.key).toBeDefined();
      // A breakdown's own prefix is its family's key (the keys older reports carry) or a name no whole-run histogram has.
      if (b.prefix !== b.key) expect(histogramDef(b.prefix), b.prefix).toBeUndefined();
    }
  });

  it('allocates in a worker exactly the registered worker histograms, per cohort the disconnect timings (and fan-out from two cohorts), per topic fan-out', () => {
    expect(Object.keys(workerHistograms()).sort()).toEqual(
      ALL.filter((d) => d.source === 'worker')
        .map((d) => d.key)
        .sort(),
    );
    expect(Object.keys(cohortHistograms(1)[0]).sort()).toEqual([...COHORT_HISTOGRAMS].sort());
    expect(Object.keys(cohortHistograms(2)[1]).sort()).toEqual([...COHORT_HISTOGRAMS, 'fanout'].sort());
    expect(topicHistograms(3).map((t) => Object.keys(t))).toEqual([['fanout'], ['fanout'], ['fanout']]);
  });

  it('declares the per-topic counters once: the report entry holds exactly them besides its percentile sets, in order; workers count those of source worker', () => {
    const topic = AXIS_COUNTERS.filter((c) => c.axis === 'topic');
    const sets = BREAKDOWNS.filter((b) => b.axis === 'topic').map((b) => (histogramDef(b.key) as HistogramDef).field);
    expect([...topic.map((c) => c.field), ...sets]).toEqual(Object.keys(topicStatsSchema.shape));
    expect(TOPIC_COUNTER_KEYS).toEqual(topic.filter((c) => c.source === 'worker').map((c) => c.field));
    expect(Object.keys(emptyTopicCounters(2))).toEqual([...TOPIC_COUNTER_KEYS]);
    for (const c of topic) if (c.base !== null) expect(topic.map((x) => x.field)).toContain(c.base);
    // A built report with topics carries every counter, and its metric reads it back.
    const r = fakeReport();
    r.scenario.topics = { names: ['news'], counts: [4], assign: 'ranges' };
    r.fanout.byTopic = {
      news: { sockets: 4, published: 3, expected: 12, delivered: 10, lost: 2, late: 1, duplicated: 5, latencyMs: r.fanout.latencyMs },
    };
    for (const c of topic.filter((x) => x.metric)) {
      const m = lookupMetric(`fanout.byTopic.news.${c.field}`);
      expect(m?.get(r), c.field).toBe(r.fanout.byTopic.news[c.field as 'expected']);
      expect(m?.direction).toBe(c.direction);
    }
    expect(lookupMetric('fanout.byTopic.news.lost')?.base?.get(r)).toBe(12);
    const merged = mergeReports([r, structuredClone(r)]);
    expect(merged.fanout.byTopic?.news).toMatchObject({
      sockets: 8,
      published: 6,
      expected: 24,
      delivered: 20,
      lost: 4,
      late: 2,
      duplicated: 10,
    });
  });
});
