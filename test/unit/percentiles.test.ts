/**
 * Percentiles users expect (issue 23 item 4): p75, p95, p99.9 and any pNN / pNN.N in thresholds of
 * every latency family, read off the histogram the report carries; the shown set declared once;
 * reports of older versions (no p75, p95) read with them computed from their histograms.
 */
import { describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../src/metrics/histogram.js';
import { lookupMetric, metricNames } from '../../src/metrics/names.js';
import { SHOWN_PERCENTILES, parsePercentile } from '../../src/run/percentiles.js';
import { evaluateThresholds, parseThreshold } from '../../src/report/thresholds.js';
import { parseReport } from '../../src/report/read.js';
import { comparableMetrics } from '../../src/report/compare.js';
import { fakeReport, latencies } from '../helpers/fake-report.js';

const report = fakeReport({
  fanoutMs: latencies(20_000, { baseMs: 5, spreadMs: 40, tailMs: 400, tailShare: 0.02, seed: 7 }),
  handshakeMs: latencies(500, { baseMs: 2, spreadMs: 10, seed: 3 }),
});
/** The value of percentile p of a histogram of the report, ms, as the report rounds it. */
const fromHistogram = (key: string, p: number): number =>
  Math.round(decodeHistogram(report.histograms[key] as string).getValueAtPercentile(p)) / 1000;

describe('parsePercentile', () => {
  it.each([
    ['p95', 95, 'p95'],
    ['p75', 75, 'p75'],
    ['p999', 99.9, 'p999'],
    ['p99.9', 99.9, 'p999'],
    ['p97.5', 97.5, null],
    ['p99.999', 99.999, null],
    ['p1', 1, null],
  ])('%s is the %sth percentile (set key %s)', (name, percent, key) => {
    expect(parsePercentile(name)).toMatchObject({ percent, key });
  });

  it.each([
    ['p0', 'the minimum is "min"'],
    ['p100', 'the largest value is "max"'],
    ['p150', 'the largest value is "max"'],
    ['p9999', 'for 99.99% write p99.99'],
    ['p99.9999', 'more than 3 decimals'],
  ])('refuses %s (%s)', (name, fragment) => {
    const p = parsePercentile(name);
    expect(p !== null && 'error' in p && p.error).toContain(fragment);
  });

  it('leaves names that are no percentile to the caller', () => {
    for (const name of ['max', 'mean', 'count', 'pxx', 'p']) expect(parsePercentile(name)).toBeNull();
  });
});

describe('percentile metrics', () => {
  it("reads the shown percentiles off the report's sets, any other off the histogram behind them", () => {
    expect(report.fanout.latencyMs.p75).toBe(fromHistogram('fanout', 75));
    expect(report.fanout.latencyMs.p95).toBe(fromHistogram('fanout', 95));
    expect(lookupMetric('fanout.p95')?.get(report)).toBe(report.fanout.latencyMs.p95);
    expect(lookupMetric('fanout.p99.9')?.get(report)).toBe(report.fanout.latencyMs.p999);
    expect(lookupMetric('fanout.p97.5')?.get(report)).toBe(fromHistogram('fanout', 97.5));
    expect(lookupMetric('fanout.p99.99')?.get(report)).toBe(fromHistogram('fanout', 99.99));
    expect(lookupMetric('handshake.p95')?.get(report)).toBe(fromHistogram('handshake', 95));
    // Ordered as percentiles are.
    const at = (p: string): number => lookupMetric(`fanout.${p}`)?.get(report) ?? NaN;
    expect(at('p75')).toBeLessThanOrEqual(at('p90'));
    expect(at('p95')).toBeLessThanOrEqual(at('p97.5'));
    expect(at('p97.5')).toBeLessThanOrEqual(at('p99'));
  });

  it('takes a percentile threshold on every latency family with a histogram, and fails one against its value', () => {
    const families = [
      ...new Set(
        metricNames()
          .filter((n) => n.endsWith('.p50'))
          .map((n) => n.slice(0, -4)),
      ),
    ];
    expect(families).toContain('fanout');
    for (const f of families) {
      for (const p of ['p75', 'p95', 'p99.9', 'p97.5'])
        expect(parseThreshold(`${f}.${p}`, '< 1s'), `${f}.${p}`).not.toHaveProperty('error');
    }
    const p975 = fromHistogram('fanout', 97.5);
    const [pass, fail] = evaluateThresholds(report, {
      'fanout.p97.5': `<= ${p975}ms`,
      'fanout.p95': `< ${report.fanout.latencyMs.p95 ?? 0}ms`,
    });
    expect(pass).toMatchObject({ metric: 'fanout.p97.5', pass: true, actual: p975 });
    expect(fail).toMatchObject({ metric: 'fanout.p95', pass: false, actual: report.fanout.latencyMs.p95 });
  });

  it('shows the declared set in compare rows (p75 and p95 beside p50, p90, p99, p99.9)', () => {
    expect(SHOWN_PERCENTILES).toEqual(['p50', 'p75', 'p90', 'p95', 'p99', 'p999']);
    const fanoutRows = comparableMetrics().filter((m) => /^fanout\.p\d/.test(m));
    expect(fanoutRows).toEqual(SHOWN_PERCENTILES.map((p) => `fanout.${p}`));
  });
});

describe('a report written before p75 and p95 were kept', () => {
  it('reads with them computed from its histograms, as a run computes them', () => {
    const older = JSON.parse(JSON.stringify(report, (k, v: unknown) => (k === 'p75' || k === 'p95' ? undefined : v))) as Record<
      string,
      unknown
    >;
    expect(JSON.stringify(older)).not.toContain('"p95"');
    const read = parseReport(older, 'older.json');
    expect(read.fanout.latencyMs.p75).toBe(report.fanout.latencyMs.p75);
    expect(read.fanout.latencyMs.p95).toBe(report.fanout.latencyMs.p95);
    expect(read.handshake.latencyMs.p95).toBe(report.handshake.latencyMs.p95);
    expect(read.fanout.completionMs.p95).toBe(report.fanout.completionMs.p95);
  });
});
