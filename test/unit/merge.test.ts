import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { createHistogram, decodeHistogram, encodeHistogram, percentiles, recordMs } from '../../src/metrics/histogram.js';
import { mergeReports } from '../../src/report/merge.js';
import { renderSummary } from '../../src/render/summary.js';
import { parseReport } from '../../src/report/read.js';
import type { Report } from '../../src/run/report.js';
import { fakeReport, fixturePair, latencies, type FakeClose } from '../helpers/fake-report.js';

const drops = (n: number, cohort: string, idleMs: number): FakeClose[] =>
  Array.from({ length: n }, (_, i) => ({
    cohort,
    cause: 'connection-lost',
    code: 1006,
    idleMs: idleMs + i * 15,
    ageMs: 70_000 + i,
    error: 'ECONNRESET',
  }));

function machines(): { a: Report; b: Report; fanoutA: number[]; fanoutB: number[] } {
  const fanoutA = latencies(6_000, { seed: 21, baseMs: 3, tailMs: 30 });
  const fanoutB = latencies(9_000, { seed: 22, baseMs: 8, tailMs: 90, tailShare: 0.02 });
  const a = fakeReport({
    host: 'loadgen-a',
    connections: 300,
    failures: { refused: 4 },
    cohorts: { quiet: 150, ping: 150 },
    fanoutMs: fanoutA,
    lost: 6,
    duplicated: 1,
    publishFailed: 2,
    closes: [...drops(2, 'quiet', 60_000), { cohort: 'ping', cause: 'server-close', code: 1001, idleMs: 500, ageMs: 30_000 }],
    reconnects: 3,
    lagMs: { max: 30, p99: 8 },
    startedAt: '2025-05-01T12:00:00.500Z',
    durationMs: 60_000,
    warnings: ['shared warning', 'only on a'],
  });
  const b = fakeReport({
    host: 'loadgen-b',
    connections: 500,
    failures: { timeout: 5, refused: 1 },
    cohorts: { quiet: 250, ping: 250 },
    fanoutMs: fanoutB,
    lost: 9,
    closes: drops(2, 'quiet', 60_010),
    reconnects: 1,
    lagMs: { max: 55, p99: 6 },
    startedAt: '2025-05-01T12:00:00.000Z',
    durationMs: 61_000,
    warnings: ['shared warning'],
    saturated: true,
  });
  return { a, b, fanoutA, fanoutB };
}

describe('mergeReports', () => {
  it('sums every counter of the runs', () => {
    const { a, b } = machines();
    const m = mergeReports([a, b]);
    expect(m.connections).toMatchObject({
      target: 800,
      opened: a.connections.opened + b.connections.opened,
      failed: 10,
      failures: { refused: 5, timeout: 5 },
      peakOpen: a.connections.peakOpen + b.connections.peakOpen,
    });
    expect(m.fanout).toMatchObject({
      published: a.fanout.published + b.fanout.published,
      expected: a.fanout.expected + b.fanout.expected,
      delivered: 15_000,
      lost: 15,
      duplicated: 1,
    });
    expect(m.publish).toMatchObject({ sent: a.publish.sent + b.publish.sent, failed: 2, failures: { 'http-503': 2 } });
    expect(m.closes.byCode).toEqual({ '1006': 4, '1001': 1 });
    expect(m.disconnects).toMatchObject({ total: 5, byCause: { 'connection-lost': 4, 'server-close': 1 }, byError: { ECONNRESET: 4 } });
    expect(m.disconnects.byCohort.quiet).toMatchObject({ total: 4, byCause: { 'connection-lost': 4 } });
    expect(m.disconnects.byCohort.ping).toMatchObject({ total: 1, byCause: { 'server-close': 1 } });
    expect(m.reconnects).toMatchObject({ total: 4, byCohort: { quiet: { total: 4 }, ping: { total: 0 } } });
    expect(m.scenario.connections).toBe(800);
    expect(m.scenario.cohorts.map((c) => [c.name, c.count])).toEqual([
      ['quiet', 400],
      ['ping', 400],
    ]);
  });

  it('adds histograms exactly: merged percentiles are those of every sample together', () => {
    const { a, b, fanoutA, fanoutB } = machines();
    const m = mergeReports([a, b]);
    const fanout = decodeHistogram(m.histograms.fanout);
    expect(fanout.totalCount).toBe(fanoutA.length + fanoutB.length);
    const all = createHistogram();
    for (const v of [...fanoutA, ...fanoutB]) recordMs(all, v);
    // Encoding keeps buckets, not the raw max, so compare with the single histogram as it travels.
    expect(m.fanout.latencyMs).toEqual(percentiles(decodeHistogram(encodeHistogram(all))));
    expect(m.fanout.latencyMs.p99).toBe(percentiles(all).p99);
    expect(m.fanout.latencyMs.count).toBe(a.fanout.latencyMs.count + b.fanout.latencyMs.count);
    expect(m.handshake.latencyMs.count).toBe(a.handshake.latencyMs.count + b.handshake.latencyMs.count);
    expect(m.fanout.completionMs.count).toBe(a.fanout.completionMs.count + b.fanout.completionMs.count);
    expect(m.disconnects.byCohort.quiet.idleAtCloseMs.count).toBe(4);
    for (const key of new Set([...Object.keys(a.histograms), ...Object.keys(b.histograms)])) {
      expect(decodeHistogram(m.histograms[key]).totalCount, key).toBe(
        (a.histograms[key] ? decodeHistogram(a.histograms[key]).totalCount : 0) +
          (b.histograms[key] ? decodeHistogram(b.histograms[key]).totalCount : 0),
      );
    }
  });

  it('spans both runs in time and keeps the worst client health', () => {
    const { a, b } = machines();
    const m = mergeReports([a, b]);
    expect(m.startedAt).toBe('2025-05-01T12:00:00.000Z');
    expect(m.endedAt).toBe('2025-05-01T12:01:01.000Z');
    expect(m.client.eventLoopLagMs).toEqual({ max: 55, p99: 8 });
    expect(m.client.saturated).toBe(true);
    expect(m.client.workers.map((w) => w.worker)).toEqual([0, 1, 2, 3]);
    expect(m.environment.host).toBe('loadgen-a, loadgen-b');
  });

  it('merges warnings and says peakOpen is an upper bound', () => {
    const { a, b } = machines();
    const w = mergeReports([a, b]).warnings;
    expect(w.filter((x) => x === 'shared warning')).toHaveLength(1);
    expect(w).toContain('only on a');
    expect(w.some((x) => x.includes('peakOpen') && x.includes('upper bound'))).toBe(true);
  });

  it('estimates the idle timeout from the drops of all machines together', () => {
    const { a, b } = machines();
    // Two drops per machine is below the estimator's minimum; four together are enough.
    expect(a.disconnects.idleTimeout).toBeNull();
    const m = mergeReports([a, b]);
    expect(m.disconnects.idleTimeout).toMatchObject({ cohort: 'quiet', samples: 4 });
    expect(m.disconnects.idleTimeout?.estimateMs).toBeGreaterThan(59_900);
    expect(m.disconnects.idleTimeout?.estimateMs).toBeLessThan(60_100);
    expect(m.disconnects.recommendation).toMatch(/^sockets idle for 1m were cut/);
  });

  it('evaluates the thresholds again on the merged numbers', () => {
    const { a, b } = machines();
    a.scenario.thresholds = { 'fanout.lost': '< 10', 'connections.failed': '== 0' };
    const m = mergeReports([a, b]);
    expect(m.thresholds).toEqual([
      { metric: 'fanout.lost', expression: '< 10', actual: 15, pass: false },
      { metric: 'connections.failed', expression: '== 0', actual: 10, pass: false },
    ]);
  });

  it('produces a valid report', () => {
    const { a, b } = machines();
    expect(() => parseReport(JSON.parse(JSON.stringify(mergeReports([a, b]))), 'merged')).not.toThrow();
    const { before, after } = fixturePair();
    expect(() => parseReport(JSON.parse(JSON.stringify(mergeReports([before, after, before]))), 'merged')).not.toThrow();
  });

  it('warns when a run lacks a histogram its numbers say it had', () => {
    const { a, b } = machines();
    delete b.histograms.fanout;
    const m = mergeReports([a, b]);
    expect(m.fanout.latencyMs.count).toBe(a.fanout.latencyMs.count);
    expect(m.warnings).toContain('histogram "fanout" is missing from 1 of 2 reports: its merged percentiles leave those runs out');
  });

  it('refuses an empty list', () => {
    expect(() => mergeReports([])).toThrow(UsageError);
  });
});

describe('mergeReports: what is exact', () => {
  it('marks each merged figure exact or an estimate, and says why', () => {
    const { a, b } = machines();
    const m = mergeReports([a, b]);
    expect(m.merged).toMatchObject({ reports: 2, overlapping: true });
    expect(m.merged!.overlapMs).toBe(60_000);
    expect(m.merged!.exact.join(' ')).toContain('histogram percentiles');
    expect(m.merged!.exact.join(' ')).toContain('summed counters');
    expect(Object.keys(m.merged!.estimates)).toEqual(
      expect.arrayContaining(['connections.peakOpen', 'fanout.completionMs', 'scenario.publish.rate', 'disconnects.idleTimeout']),
    );
    expect(m.merged!.estimates['connections.peakOpen']).toContain('upper bound');
    const text = renderSummary(m);
    expect(text).toContain('Merged from 2 reports');
    expect(text).toContain('estimate: connections.peakOpen — upper bound');
    expect(text).not.toContain('DID NOT OVERLAP');
    // A single run's report carries no merge marker.
    expect(a.merged).toBeUndefined();
  });

  it('flags runs that did not overlap in time', () => {
    const { a, b } = machines();
    const later = structuredClone(b);
    later.startedAt = '2025-05-01T14:00:00.000Z';
    later.endedAt = '2025-05-01T14:01:01.000Z';
    const m = mergeReports([a, later]);
    expect(m.merged).toMatchObject({ overlapping: false, overlapMs: 0 });
    expect(m.merged!.estimates['*']).toContain('did not overlap');
    expect(m.warnings.join('\n')).toContain('did not overlap in time');
    expect(renderSummary(m)).toContain('!! MERGED RUNS DID NOT OVERLAP IN TIME');
  });

  it('estimates the idle timeout from sockets that connected, not configured cohort sizes', () => {
    // Cohort "ping" was configured on both machines but none of its sockets ever connected.
    const neverConnected = (r: Report): Report => {
      r.disconnects.byCohort.ping = { ...r.disconnects.byCohort.ping, total: 0, byCode: {}, byCause: {} };
      return r;
    };
    const { a, b } = machines();
    for (const r of [a, b]) {
      neverConnected(r);
      r.connections.openedByCohort = { quiet: r.scenario.cohorts[0].count, ping: 0 };
    }
    const m = mergeReports([a, b]);
    expect(m.connections.openedByCohort).toEqual({ quiet: 400, ping: 0 });
    expect(m.disconnects.survivingCohorts).not.toContain('ping');
    expect(m.merged!.estimates['disconnects.idleTimeout']).toBeUndefined();
    // Configured sizes (older reports): "ping" reads as a cohort that survived.
    const fresh = machines();
    const old = mergeReports([neverConnected(fresh.a), neverConnected(fresh.b)]);
    expect(old.disconnects.survivingCohorts).toContain('ping');
    expect(old.merged!.estimates['disconnects.idleTimeout']).toContain('configured cohort sizes');
  });
});

describe('merge: fan-out over every expected delivery', () => {
  it('is computed again from the merged runs, not taken from the first', async () => {
    const { censoredFanout } = await import('../../src/report/censored.js');
    const withCensored = (r: Report): Report => ({ ...r, fanout: { ...r.fanout, censored: censoredFanout(r) ?? undefined } });
    const a = withCensored(fakeReport({ fanoutMs: latencies(900, { seed: 5 }), lost: 100, connections: 10 }));
    const b = withCensored(fakeReport({ fanoutMs: latencies(1000, { seed: 6 }), connections: 10 }));
    const m = mergeReports([a, b]);
    expect(m.fanout.censored).toMatchObject({ lost: 100, deadlineMs: 5000 });
    expect(m.fanout.censored?.latencyMs.count).toBe(2000);
    expect(m.fanout.censored?.latencyMs.count).not.toBe(a.fanout.censored?.latencyMs.count);
    expect(mergeReports([fixturePair().before, fixturePair().after]).fanout.censored).toBeUndefined();
  });
});
