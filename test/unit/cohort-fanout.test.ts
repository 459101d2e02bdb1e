/**
 * Fan-out latency per cohort (fanout.byCohort, histograms "fanoutByCohort:<cohort>"): the summary
 * and HTML tables, compare's rows (shown, not judged), merge by adding histograms, and reports
 * written before it existed (no byCohort) still read, merged with new ones and compared.
 */
import { describe, expect, it } from 'vitest';
import { createHistogram, decodeHistogram, encodeHistogram, percentiles, recordMs } from '../../src/metrics/histogram.js';
import { renderReportHtml } from '../../src/render/html.js';
import { renderSummary } from '../../src/render/summary.js';
import { compare } from '../../src/report/compare.js';
import { mergeReports } from '../../src/report/merge.js';
import { parseReport } from '../../src/report/read.js';
import { breakdownKey, breakdownOf } from '../../src/run/registry.js';
import type { Report } from '../../src/run/report.js';
import { fakeReport } from '../helpers/fake-report.js';

const fanoutByCohort = breakdownOf('fanout', 'cohort');

/** A two-cohort report whose "ping" cohort received at `pingMs` and "quiet" at `quietMs` (n deliveries each). */
function twoCohorts(pingMs: number, quietMs: number, n = 200): Report {
  const r = fakeReport({ cohorts: { ping: 5, quiet: 5 } });
  if (!fanoutByCohort) throw new Error('no fan-out breakdown by cohort in the registry');
  r.fanout.byCohort = {};
  for (const [name, ms] of [
    ['ping', pingMs],
    ['quiet', quietMs],
  ] as const) {
    const h = createHistogram();
    for (let i = 0; i < n; i++) recordMs(h, ms + (i % 10) * 0.1);
    r.histograms[breakdownKey(fanoutByCohort, name)] = encodeHistogram(h);
    r.fanout.byCohort[name] = { latencyMs: percentiles(h) };
  }
  return r;
}

describe('fan-out latency per cohort', () => {
  it('is one registered breakdown: fan-out by cohort, from two cohorts up, under its own key prefix', () => {
    expect(fanoutByCohort).toMatchObject({ key: 'fanout', axis: 'cohort', prefix: 'fanoutByCohort', minValues: 2 });
  });

  it('shows a slower cohort in the summary and the HTML report', () => {
    const r = twoCohorts(180, 20);
    const summary = renderSummary(r, { color: false });
    const line = (name: string): string => summary.split('\n').find((l) => l.includes(name) && l.includes('ms')) ?? '';
    expect(summary).toContain('fan-out by cohort');
    expect(line('│ ping')).toMatch(/180/);
    expect(line('│ quiet')).toMatch(/20/);
    const html = renderReportHtml(r);
    expect(html).toContain('<h2>Fan-out by cohort</h2>');
    expect(html).toMatch(/<td>ping<\/td><td>18\d/);
  });

  it('has no table with one cohort (no byCohort)', () => {
    const r = fakeReport();
    expect(r.fanout.byCohort).toBeUndefined();
    expect(renderSummary(r, { color: false })).not.toContain('fan-out by cohort');
    expect(renderReportHtml(r)).not.toContain('Fan-out by cohort');
  });

  it('merges by adding the histograms: counts add, percentiles come from the sum', () => {
    const a = twoCohorts(180, 20);
    const b = twoCohorts(100, 30, 300);
    const m = mergeReports([a, b]);
    expect(m.fanout.byCohort?.ping.latencyMs.count).toBe(500);
    expect(m.fanout.byCohort?.quiet.latencyMs.count).toBe(500);
    const key = breakdownKey(fanoutByCohort ?? (undefined as never), 'ping');
    expect(m.fanout.byCohort?.ping.latencyMs).toEqual(percentiles(decodeHistogram(m.histograms[key])));
    expect(m.fanout.byCohort?.ping.latencyMs.max).toBeGreaterThanOrEqual(180);
    expect(m.warnings.filter((w) => w.includes('histogram'))).toEqual([]);
    // The inputs are not changed by merging them.
    expect(a.fanout.byCohort?.ping.latencyMs.count).toBe(200);
  });

  it('compares each cohort both runs kept, p50 and p99, shown and never judged or gated', () => {
    const c = compare(twoCohorts(20, 20), twoCohorts(180, 20));
    const rows = c.rows.filter((r) => r.metric.startsWith('fanout.byCohort.'));
    expect(rows.map((r) => r.metric)).toEqual([
      'fanout.byCohort.ping.p50',
      'fanout.byCohort.ping.p99',
      'fanout.byCohort.quiet.p50',
      'fanout.byCohort.quiet.p99',
    ]);
    const ping = rows[1];
    expect(ping.before).toBeLessThan(25);
    expect(ping.after).toBeGreaterThanOrEqual(180);
    expect(ping).toMatchObject({ verdict: 'inconclusive', gated: false, basis: 'informational' });
    expect(c.regressions.filter((m) => m.includes('byCohort'))).toEqual([]);
  });

  it('reads, merges and compares a report written before byCohort existed', () => {
    const old = JSON.parse(JSON.stringify(fakeReport({ cohorts: { ping: 5, quiet: 5 } }))) as Report;
    expect(old.fanout.byCohort).toBeUndefined();
    const read = parseReport(old, 'old.json');
    const m = mergeReports([read, twoCohorts(180, 20)]);
    // Only the new run had the breakdown: its sets are the new run's, and no "missing histogram" warning.
    expect(m.fanout.byCohort?.ping.latencyMs.count).toBe(200);
    expect(m.warnings.filter((w) => w.includes('fanoutByCohort'))).toEqual([]);
    expect(mergeReports([read, read]).fanout.byCohort).toBeUndefined();
    expect(compare(read, twoCohorts(180, 20)).rows.filter((r) => r.metric.includes('byCohort'))).toEqual([]);
  });
});
