import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.js';
import { lookupMetric, METRICS, metricNames, metricValue, unknownMetricMessage } from '../../src/metrics/names.js';
import { evaluateThresholds, parseThreshold, thresholdHolds, type ThresholdOp } from '../../src/report/thresholds.js';
import type { PercentileSet, Report } from '../../src/run/report.js';
import { validateScenario } from '../../src/scenario/validate.js';

function pct(p99: number, extra: Partial<PercentileSet> = {}): PercentileSet {
  return { count: 100, min: 1, mean: p99 / 2, p50: p99 / 3, p90: p99 / 1.5, p99, p999: p99 * 1.2, max: p99 * 2, ...extra };
}

function disconnectStats(): Report['disconnects'] {
  return {
    total: 5,
    byCode: { '1006': 5 },
    byCause: { 'connection-lost': 5 },
    byError: {},
    idleAtCloseMs: pct(60_000),
    sentIdleAtCloseMs: pct(60_000),
    ageAtCloseMs: pct(120_000),
    byCohort: {},
    idleTimeout: null,
    idleTimeoutNote: null,
    survivingCohorts: [],
    recommendation: null,
  };
}

function report(): Report {
  const scenario = validateScenario({ name: 'r', connections: 200, duration: '10s' }, { cpus: 2 });
  if (!('scenario' in scenario)) throw new Error('fixture scenario invalid');
  return {
    formatVersion: 1,
    tool: 'wsload',
    scenario: scenario.scenario,
    startedAt: '2025-01-01T00:00:00.000Z',
    endedAt: '2025-01-01T00:00:10.000Z',
    interrupted: false,
    interruptReason: null,
    environment: {
      wsload: '0.1.0',
      node: 'v20',
      platform: 'linux',
      arch: 'x64',
      cpus: 2,
      cpuModel: 'x',
      host: 'h',
      totalMemoryMb: 1,
      openFilesLimit: 20_000,
      ephemeralPorts: 28_232,
    },
    target: { url: 'ws://127.0.0.1:1/ws', publishUrl: null, embedded: true, tlsInsecure: false },
    phases: { rampMs: 200, holdMs: 10_000 },
    connections: { target: 200, opened: 198, failed: 2, peakOpen: 198, openAtEnd: 198, failures: { refused: 2 } },
    handshake: { latencyMs: pct(12), tcpMs: pct(1), tlsMs: pct(0, { count: 0 }), upgradeMs: pct(2) },
    fanout: {
      published: 100,
      expected: 20_000,
      delivered: 19_990,
      lost: 10,
      duplicated: 0,
      outOfOrder: 4,
      late: 1,
      unmatched: 0,
      latencyMs: pct(180),
      completionMs: pct(240),
      incomplete: 3,
    },
    publish: { sent: 100, failed: 5, skipped: 0, failures: { timeout: 5 }, latencyMs: pct(8), scheduleLagMs: pct(1) },
    closes: { byCode: {} },
    disconnects: disconnectStats(),
    reconnects: { total: 0, downMs: 0, missedPublishes: 0, byCohort: {} },
    client: { eventLoopLagMs: { max: 40, p99: 15 }, workers: [], peakRssMb: 100, saturated: false },
    thresholds: [],
    warnings: [],
    files: { timeline: null, hlog: null },
    histograms: {},
  };
}

describe('metric registry', () => {
  it('declares every documented metric once, with a getter that reads the report', () => {
    const names = metricNames();
    expect(new Set(names).size).toBe(names.length);
    const r = report();
    expect(metricValue(r, 'fanout.p99')).toBe(180);
    expect(metricValue(r, 'completion.max')).toBe(480);
    expect(metricValue(r, 'handshake.count')).toBe(100);
    expect(metricValue(r, 'disconnects.idleAtClose.p50')).toBe(20_000);
    expect(metricValue(r, 'client.eventLoopLag.p99')).toBe(15);
    expect(metricValue(r, 'connections.failed')).toBe(2);
    expect(metricValue(r, 'fanout.lost')).toBe(10);
    expect(metricValue(r, 'publish.failed')).toBe(5);
    expect(metricValue(r, 'reconnects.missedPublishes')).toBe(0);
    expect(metricValue(r, 'nope')).toBeUndefined();
  });

  it('gives every latency metric ms and every counter a count, with the documented bases', () => {
    for (const m of METRICS) {
      if (m.kind === 'counter') expect(m.unit).toBe('count');
      if (m.kind === 'latency') expect(m.unit).toBe(m.aggregation === 'count' ? 'count' : 'ms');
    }
    expect(lookupMetric('fanout.lost')?.base?.describe).toBe('fanout.expected');
    expect(lookupMetric('connections.failed')?.base?.describe).toBe('connections.target');
    expect(lookupMetric('publish.failed')?.base?.get(report())).toBe(100);
    expect(lookupMetric('fanout.published')?.base).toBeNull();
    expect(lookupMetric('client.eventLoopLag.max')).toBeDefined();
    expect(lookupMetric('client.eventLoopLag.p50')).toBeUndefined();
  });

  it('explains an unknown aggregation the k6 way', () => {
    expect(unknownMetricMessage('client.eventLoopLag.p50')).toContain('supported aggregations for client.eventLoopLag are: max, p99');
    expect(unknownMetricMessage('fanout.p99')).toBeUndefined();
    expect(unknownMetricMessage('conections.failed')).toContain('did you mean "connections.failed"');
  });
});

describe('parseThreshold', () => {
  it.each([
    ['fanout.p99', '< 250ms', '<', 250, false],
    ['fanout.p99', '<250', '<', 250, false],
    ['fanout.p99', '<= 1.5s', '<=', 1500, false],
    ['fanout.p99', '> 500us', '>', 0.5, false],
    ['handshake.count', '>= 100', '>=', 100, false],
    ['fanout.lost', '== 0', '==', 0, false],
    ['fanout.lost', '< 0.1%', '<', 0.1, true],
    ['connections.failed', '!= 3', '!=', 3, false],
  ])('%s %s', (metric, expr, op, value, percent) => {
    const t = parseThreshold(metric, expr);
    expect(t).toMatchObject({ op, value, percent, expression: expr });
  });

  it.each([
    ['fanout.p99', '250ms', 'op one of < <= > >= == !='],
    ['fanout.p99', '< fast', 'got "< fast"'],
    ['fanout.p99', '< 5%', 'unit "%" is not allowed for fanout.p99'],
    ['fanout.p99', '< 5m', 'expected us, ms or s'],
    ['fanout.lost', '< 5ms', 'a bare count or a percentage of fanout.expected'],
    ['fanout.published', '< 5%', 'no base to take a percentage of'],
    [
      'fanout.pmax',
      '< 5ms',
      'supported aggregations for fanout are: min, mean, p50, p75, p90, p95, p99, p99.9 (p999), max, count or any percentile pNN or pNN.N (p97.5, p99.99)',
    ],
    ['fanout.p100', '< 5ms', '"fanout.p100": "p100" is no percentile (the largest value is "max")'],
    ['fanout.p0', '< 5ms', '"fanout.p0": "p0" is no percentile (the minimum is "min")'],
    ['completion.p99.9999', '< 5ms', '"completion.p99.9999": "p99.9999" has more than 3 decimals'],
    ['client.eventLoopLag.p95', '< 5ms', 'supported aggregations for client.eventLoopLag are: max, p99'],
    ['latency', '< 5ms', 'unknown metric "latency"'],
  ])('%s %s is rejected', (metric, expr, fragment) => {
    const t = parseThreshold(metric, expr);
    expect('error' in t && t.error).toContain(fragment);
  });
});

describe('evaluateThresholds', () => {
  it('compares latencies in ms, counts, and percentages of their base', () => {
    const results = evaluateThresholds(report(), {
      'fanout.p99': '< 250ms',
      'completion.p99': '< 0.2s',
      'fanout.lost': '== 0',
      'connections.failed': '<= 1%',
      'publish.failed': '< 5%',
      'fanout.outOfOrder': '< 0.1%',
    });
    expect(results).toEqual([
      { metric: 'fanout.p99', expression: '< 250ms', actual: 180, pass: true },
      { metric: 'completion.p99', expression: '< 0.2s', actual: 240, pass: false },
      { metric: 'fanout.lost', expression: '== 0', actual: 10, pass: false },
      { metric: 'connections.failed', expression: '<= 1%', actual: 1, pass: true },
      { metric: 'publish.failed', expression: '< 5%', actual: 5, pass: false },
      { metric: 'fanout.outOfOrder', expression: '< 0.1%', actual: (100 * 4) / 19_990, pass: true },
    ]);
  });

  it('takes publish.failed as a share of the requests made (sent already counts failures)', () => {
    // Every request failing: sent 10 (all made), failed 10. The old base sent + failed read 50%.
    const r = report();
    r.publish = { ...r.publish, sent: 10, failed: 10, failures: { 'http-500': 10 } };
    const [result] = evaluateThresholds(r, { 'publish.failed': '< 60%' });
    expect(result).toMatchObject({ actual: 100, pass: false });
    expect(lookupMetric('publish.failed')?.base?.describe).toBe('publish.sent');
  });

  it('judges first connects, not opened with reconnects, and keeps old reports readable', () => {
    const r = report();
    r.connections = { ...r.connections, opened: 348, firstOpened: 198 };
    r.reconnects = { ...r.reconnects, total: 150 };
    expect(metricValue(r, 'connections.firstOpened')).toBe(198);
    expect(metricValue(r, 'connections.reconnected')).toBe(150);
    expect(lookupMetric('connections.opened')?.direction).toBe('neutral');
    expect(lookupMetric('connections.firstOpened')?.direction).toBe('higher-is-better');
    // A report written before the split: derived from opened − reconnects.
    delete r.connections.firstOpened;
    expect(metricValue(r, 'connections.firstOpened')).toBe(198);
  });

  it('fails a threshold whose metric has no samples: an empty latency histogram, a zero base', () => {
    const r = report();
    r.fanout.expected = 0;
    r.fanout.lost = 0;
    r.fanout.latencyMs = pct(0, { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p999: 0, max: 0 });
    expect(
      evaluateThresholds(r, { 'fanout.lost': '<= 0%', 'fanout.p99': '< 250ms', 'fanout.count': '== 0', 'fanout.late': '== 1' }),
    ).toEqual([
      { metric: 'fanout.lost', expression: '<= 0%', actual: 0, pass: false, noData: true },
      { metric: 'fanout.p99', expression: '< 250ms', actual: 0, pass: false, noData: true },
      // A sample count and a counter without a base are measured even when 0.
      { metric: 'fanout.count', expression: '== 0', actual: 0, pass: true },
      { metric: 'fanout.late', expression: '== 1', actual: 1, pass: true },
    ]);
  });

  it('returns an empty list for no thresholds', () => {
    expect(evaluateThresholds(report(), {})).toEqual([]);
  });

  it('throws a ScenarioError naming every bad threshold', () => {
    let caught: unknown;
    try {
      evaluateThresholds(report(), { 'fanout.p100': '< 1s', 'fanout.lost': 'zero', 'fanout.p99': '< 1s' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ScenarioError);
    expect((caught as ScenarioError).issues.map((i) => i.path)).toEqual(['thresholds["fanout.p100"]', 'thresholds["fanout.lost"]']);
  });
});

describe('thresholdHolds: the one comparison of the report and the live dashboard', () => {
  const cases: [ThresholdOp, number, number, boolean][] = [
    ['<', 249, 250, true],
    ['<', 250, 250, false],
    ['<=', 250, 250, true],
    ['<=', 251, 250, false],
    ['>', 251, 250, true],
    ['>', 250, 250, false],
    ['>=', 250, 250, true],
    ['>=', 249, 250, false],
    ['==', 0, 0, true],
    ['==', 1, 0, false],
    ['!=', 1, 0, true],
    ['!=', 0, 0, false],
  ];
  it.each(cases)('%s: %d against %d is %s without uncertainty', (op, actual, limit, holds) => {
    expect(thresholdHolds(actual, op, limit)).toBe(holds);
  });
  it('a value within the uncertainty of its limit does not hold; one clear of it does; a failing one fails', () => {
    expect(thresholdHolds(245, '<', 250, 10)).toBe(false);
    expect(thresholdHolds(239, '<', 250, 10)).toBe(true);
    expect(thresholdHolds(255, '>', 250, 10)).toBe(false);
    expect(thresholdHolds(0, '==', 0, 0.5)).toBe(false);
    expect(thresholdHolds(3, '!=', 0, 1)).toBe(true);
    expect(thresholdHolds(260, '<', 250, 10)).toBe(false);
  });
});
