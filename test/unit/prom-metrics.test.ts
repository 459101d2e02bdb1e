/**
 * PromMetrics as a tick subscriber over a real RunAggregate: the exposition prom-client formats,
 * histogram buckets read off the HDR histogram, labels by cohort and cause, and counters that never
 * go backwards when a worker's counts fall (a worker gone, a source restarted).
 */
import { describe, expect, it } from 'vitest';
import { RunAggregate } from '../../src/metrics/aggregate.js';
import { createHistogram, encodeHistogram, recordMs } from '../../src/metrics/histogram.js';
import type { PublisherStats } from '../../src/metrics/publisher-stats.js';
import { createRing } from '../../src/run/publish-ring.js';
import { emptyCohortCounters, type CohortCounters, type WorkerMessage } from '../../src/run/protocol.js';
import { FANOUT_BUCKETS_S, PROM_METRICS, PromMetrics } from '../../src/driver/prom-metrics.js';
import { COUNTERS, HISTOGRAMS, type HistogramDef } from '../../src/run/registry.js';
import { parsePromText, sampleValue } from '../helpers/prom-text.js';
import { tickOf } from '../helpers/control-frames.js';

type Tick = Extract<WorkerMessage, { type: 'tick' }>;

function tick(
  workerId: number,
  o: { delivered: number; opened: number; open: number; failed?: number; samples?: number[]; cohorts?: Partial<CohortCounters>[] },
): Tick {
  return tickOf(workerId, {
    samples: o.samples,
    counters: {
      attempts: o.opened + (o.failed ?? 0),
      opened: o.opened,
      failed: o.failed ?? 0,
      failures: {},
      open: o.open,
      messages: o.delivered,
      pingsSent: 0,
      heartbeatsSent: 0,
      delivery: {
        delivered: o.delivered,
        duplicated: 0,
        outOfOrder: 0,
        late: 0,
        unmatched: 0,
        unjudged: 0,
        unevaluated: 0,
        foreign: 0,
        idMismatch: 0,
        ineligible: 0,
        expected: o.delivered,
        lost: 0,
        missedPublishes: 0,
        evaluated: 1,
      },
    },
    cohorts: (o.cohorts ?? [{}, {}]).map((c) => ({ ...emptyCohortCounters(), ...c })),
    lag: { maxMs: 5, p99Ms: 3, meanMs: 1, intervalMaxMs: 12 },
  });
}

function setUp(): { agg: RunAggregate; prom: PromMetrics } {
  const agg = new RunAggregate([10, 10], 2, createRing(1024));
  const publisher = { ok: 7, failed: 2 } as PublisherStats;
  const prom = new PromMetrics({
    aggregate: agg,
    cohorts: ['silent', 'ping'],
    publisher: () => publisher,
    info: { scenario: 'unit', version: '9.9.9', target: 'embedded' },
    sockets: 20,
  });
  return { agg, prom };
}

async function scrape(prom: PromMetrics): Promise<ReturnType<typeof parsePromText>> {
  return parsePromText(await prom.exposition());
}

describe('PromMetrics', () => {
  it('exports the aggregate summed over workers, with the fan-out buckets read off the HDR histogram', async () => {
    const { agg, prom } = setUp();
    // 1 ms falls in le=0.001 (bounds are inclusive); 61 s only in +Inf.
    agg.onTick(
      tick(0, { delivered: 4, opened: 10, open: 10, samples: [0.5, 1, 1.5, 3], cohorts: [{ byCause: { 'server-close': 2 } }, {}] }),
    );
    agg.onTick(
      tick(1, {
        delivered: 3,
        opened: 9,
        open: 8,
        samples: [40, 900, 61_000],
        cohorts: [{ byCause: { 'server-close': 1 } }, { byCause: { 'connection-lost': 4 }, reconnects: 3 }],
      }),
    );
    prom.onTick();
    const s = await scrape(prom);
    expect(sampleValue(s, 'wsload_run_info', { scenario: 'unit', version: '9.9.9', target: 'embedded' })).toBe(1);
    expect(sampleValue(s, 'wsload_sockets_open')).toBe(18);
    expect(sampleValue(s, 'wsload_connects_total', { result: 'ok' })).toBe(19);
    expect(sampleValue(s, 'wsload_connects_total', { result: 'failed' })).toBe(0);
    expect(sampleValue(s, 'wsload_disconnects_total', { cause: 'server-close', cohort: 'silent' })).toBe(3);
    expect(sampleValue(s, 'wsload_disconnects_total', { cause: 'connection-lost', cohort: 'ping' })).toBe(4);
    expect(sampleValue(s, 'wsload_reconnects_total')).toBe(3);
    expect(sampleValue(s, 'wsload_published_total')).toBe(7);
    expect(sampleValue(s, 'wsload_publish_failures_total')).toBe(2);
    expect(sampleValue(s, 'wsload_deliveries_total')).toBe(7);
    expect(sampleValue(s, 'wsload_event_loop_lag_seconds')).toBe(0.012);
    const bucketSamples = s.filter((x) => x.name === 'wsload_fanout_latency_seconds_bucket');
    expect(bucketSamples.map((x) => x.labels.le)).toEqual([...FANOUT_BUCKETS_S.map(String), '+Inf']);
    const buckets = Object.fromEntries(bucketSamples.map((x) => [x.labels.le, x.value]));
    expect(buckets).toMatchObject({ '0.001': 2, '0.002': 3, '0.005': 4, '0.02': 4, '0.05': 5, '0.5': 5, '1': 6, '60': 6, '+Inf': 7 });
    expect(sampleValue(s, 'wsload_fanout_latency_seconds_count')).toBe(7);
    expect(sampleValue(s, 'wsload_fanout_latency_seconds_sum')).toBeCloseTo((0.5 + 1 + 1.5 + 3 + 40 + 900 + 61_000) / 1000, 0);
    expect(await prom.exposition()).toContain('# TYPE wsload_fanout_latency_seconds histogram');
  });

  it('every disconnect series it knows at start (each cohort × cause) is there at 0 before the first tick', async () => {
    const { prom } = setUp();
    const s = await scrape(prom);
    const series = s.filter((x) => x.name === 'wsload_disconnects_total');
    expect(series.map((x) => `${x.labels.cohort}/${x.labels.cause}`).sort()).toEqual(
      ['ping', 'silent'].flatMap((c) =>
        ['client-close', 'connection-lost', 'protocol-error', 'server-close'].map((cause) => `${c}/${cause}`),
      ),
    );
    for (const x of series) expect(x.value).toBe(0);
    expect(sampleValue(s, 'wsload_lost_total')).toBe(0);
    expect(sampleValue(s, 'wsload_connects_total', { result: 'failed' })).toBe(0);
  });

  it('says when no socket connected (every socket failed, none opened) and counts deliveries missed while reconnecting', async () => {
    const { agg, prom } = setUp();
    // Half the sockets failed, none opened: not yet "no socket connected" (the others are still trying).
    agg.onTick(tick(0, { delivered: 0, opened: 0, open: 0, failed: 10 }));
    prom.onTick();
    expect(sampleValue(await scrape(prom), 'wsload_no_socket_connected')).toBe(0);
    agg.onTick(tick(1, { delivered: 0, opened: 0, open: 0, failed: 10 }));
    prom.onTick();
    expect(sampleValue(await scrape(prom), 'wsload_no_socket_connected')).toBe(1);
    // One socket connected: the target is up.
    agg.onTick(tick(1, { delivered: 0, opened: 1, open: 1, failed: 10, cohorts: [{}, { missedPublishes: 6 }] }));
    prom.onTick();
    const s = await scrape(prom);
    expect(sampleValue(s, 'wsload_no_socket_connected')).toBe(0);
    expect(sampleValue(s, 'wsload_missed_total')).toBe(6);
  });

  it('a sample exactly at a bucket bound counts under that bound (le tested against the lowest value of each HDR bucket)', async () => {
    const { agg, prom } = setUp();
    // One sample exactly at each bound, in ms; HDR buckets around 5, 50, 500 ms… are wider than 1 µs.
    const bounds = FANOUT_BUCKETS_S.map((b) => b * 1000);
    agg.onTick(tick(0, { delivered: bounds.length, opened: 10, open: 10, samples: bounds }));
    prom.onTick();
    const s = await scrape(prom);
    const buckets = s.filter((x) => x.name === 'wsload_fanout_latency_seconds_bucket');
    // The k-th bound holds exactly the k samples at or below it.
    expect(buckets.map((x) => [x.labels.le, x.value])).toEqual([
      ...FANOUT_BUCKETS_S.map((b, k) => [String(b), k + 1]),
      ['+Inf', bounds.length],
    ]);
  });

  it('a server stream: its judged messages count as deliveries, its staleness in wsload_stream_staleness_seconds', async () => {
    const { agg, prom } = setUp();
    const t = tick(0, { delivered: 0, opened: 10, open: 10 });
    const h = createHistogram();
    for (const ms of [2, 30, 700]) recordMs(h, ms);
    t.counters.stream = {
      messages: 5,
      unmatched: 1,
      gaps: 0,
      missing: 0,
      duplicated: 0,
      outOfOrder: 0,
      negative: 0,
      ahead: 0,
      staleCapped: 0,
      aheadMaxMs: 0,
    };
    t.histograms = { streamStaleness: encodeHistogram(h) };
    agg.onTick(t);
    prom.onTick();
    const s = await scrape(prom);
    expect(sampleValue(s, 'wsload_deliveries_total')).toBe(5);
    expect(sampleValue(s, 'wsload_stream_staleness_seconds_count')).toBe(3);
    expect(sampleValue(s, 'wsload_stream_staleness_seconds_bucket', { le: '0.05' })).toBe(2);
    expect(sampleValue(s, 'wsload_fanout_latency_seconds_count')).toBe(0);
  });

  it('counters never go backwards: a worker gone or a source whose counts fell leaves them where they were', async () => {
    const { agg, prom } = setUp();
    agg.onTick(tick(0, { delivered: 100, opened: 10, open: 10 }));
    agg.onTick(tick(1, { delivered: 50, opened: 10, open: 10 }));
    prom.onTick();
    expect(sampleValue(await scrape(prom), 'wsload_deliveries_total')).toBe(150);
    // Worker 1 is gone: its sockets no longer count as open, its counts stay.
    agg.markCrashed(1, 'test');
    prom.onTick();
    let s = await scrape(prom);
    expect(sampleValue(s, 'wsload_sockets_open')).toBe(10);
    expect(sampleValue(s, 'wsload_deliveries_total')).toBe(150);
    // A source starting again from lower counts (a restarted shard): the counter holds, then rises
    // only by what goes beyond what it already counted.
    agg.onTick(tick(0, { delivered: 20, opened: 2, open: 2 }));
    prom.onTick();
    s = await scrape(prom);
    expect(sampleValue(s, 'wsload_deliveries_total')).toBe(150);
    expect(sampleValue(s, 'wsload_connects_total', { result: 'ok' })).toBe(20);
    agg.onTick(tick(0, { delivered: 130, opened: 12, open: 10 }));
    prom.onEnd();
    s = await scrape(prom);
    expect(sampleValue(s, 'wsload_deliveries_total')).toBe(180);
    expect(sampleValue(s, 'wsload_connects_total', { result: 'ok' })).toBe(22);
  });

  it('exports what the registry declares: every entry with a `prom` export has its family, type and labels in /metrics', async () => {
    const { prom } = setUp();
    const text = await prom.exposition();
    const declared = [
      ...COUNTERS.flatMap((c) =>
        c.prom ? [{ name: c.prom.name, type: c.prom.type, labels: [...Object.keys(c.prom.fixed ?? {}), ...(c.prom.labels ?? [])] }] : [],
      ),
      ...HISTOGRAMS.flatMap((h: HistogramDef) =>
        h.prom ? [{ name: h.prom.name, type: 'histogram', labels: [...(h.prom.labels ?? [])] }] : [],
      ),
    ];
    expect(declared.length).toBeGreaterThan(10);
    for (const d of declared) {
      const family = PROM_METRICS.find((m) => m.name === d.name);
      expect(family?.type, d.name).toBe(d.type);
      for (const l of d.labels) expect(family?.labels, d.name).toContain(l);
      expect(text, d.name).toContain(`# TYPE ${d.name} ${d.type}`);
      // Every declared series is there from the first scrape, at 0 or its value.
      const sample = parsePromText(text).find((x) => x.name === d.name || x.name === `${d.name}_count`);
      expect(sample, d.name).toBeDefined();
    }
    // Nothing else but the run's own gauges.
    const own = [
      'wsload_run_info',
      'wsload_no_socket_connected',
      'wsload_event_loop_lag_seconds',
      'wsload_rss_bytes',
      'wsload_shard_rss_bytes',
    ];
    expect(PROM_METRICS.map((m) => m.name).sort()).toEqual([...new Set([...declared.map((d) => d.name), ...own])].sort());
  });
});
