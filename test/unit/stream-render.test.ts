/** A server stream's report section as users read it: summary, HTML, verdict, thresholds. */
import { describe, expect, it } from 'vitest';
import { createHistogram, encodeHistogram, percentiles, recordMs } from '../../src/metrics/histogram.js';
import { renderReportHtml } from '../../src/render/html.js';
import { renderSummary } from '../../src/render/summary.js';
import { compare } from '../../src/report/compare.js';
import { clockCaveat } from '../../src/report/stream-caveat.js';
import { evaluateThresholds } from '../../src/report/thresholds.js';
import { runFailed, verdictLine } from '../../src/report/verdict.js';
import type { Report } from '../../src/run/report.js';
import { fakeReport } from '../helpers/fake-report.js';

function streamReport(missing: number): Report {
  const r = fakeReport({ published: 0, fanoutMs: [] });
  const h = createHistogram();
  for (let i = 1; i <= 100; i++) recordMs(h, i);
  r.scenario.publish = null;
  r.scenario.stream = { timestamp: '/ts', timestampUnit: 'ms', sequence: '/seq', binary: 'utf8-json' };
  r.stream = {
    messages: 100,
    unmatched: 1,
    gaps: missing > 0 ? 1 : 0,
    missing,
    duplicated: 2,
    outOfOrder: 3,
    negative: 0,
    aheadMaxMs: 0,
    stalenessMs: percentiles(h),
    clockCaveat: clockCaveat(0),
  };
  r.histograms.streamStaleness = encodeHistogram(h);
  return r;
}

describe('a server stream in the report', () => {
  it('the summary shows the stream figures and the clock caveat instead of "no publishing"', () => {
    const text = renderSummary(streamReport(4));
    expect(text).toContain('Server stream');
    expect(text).toContain('received − stamped');
    expect(text).toContain('clock caveat: staleness includes the offset');
    expect(text).not.toContain('no publishing in this scenario');
  });

  it('the HTML report puts the stream figures where fan-out would be, and charts staleness', () => {
    const html = renderReportHtml(streamReport(0));
    expect(html).toContain('stream gaps / missing / duplicated / out of order');
    expect(html).toContain('Stream staleness by percentile');
    expect(html).not.toContain('fan-out p50 / p90');
  });

  it('missing sequence numbers fail the run (its loss); a complete stream does not', () => {
    expect(runFailed(streamReport(0))).toBe(false);
    expect(runFailed(streamReport(4))).toBe(true);
    expect(verdictLine(streamReport(4))).toContain('4 stream messages missing in 1 sequence gaps');
    // The HTML banner gives the same outcome and names the reason.
    expect(renderReportHtml(streamReport(4))).toContain('4 stream messages missing in 1 sequence gaps (stream.missing)');
    expect(renderReportHtml(streamReport(4))).toContain('<div class="verdict failed"');
    // A passing stream's banner speaks of its stream, not of publishes it never made.
    const ok = renderReportHtml(streamReport(0));
    expect(ok).toContain('no failed connections or missing stream messages');
    expect(ok).not.toContain('lost deliveries or failed publishes');
  });

  it('a stream judged below the floor (50%) fails the run, has no staleness data, and the summary says how little was judged', () => {
    const r = streamReport(0);
    // 100 readable, of which 60 stamped ahead (staleness unknown), and 1 unmatched: 40 of 101 judged.
    r.stream = { ...r.stream!, negative: 60, ahead: 60, aheadMaxMs: 5000 };
    expect(runFailed(r)).toBe(true);
    expect(verdictLine(r)).toContain(
      "only 40 of 101 stream messages could be judged, below 50% (1 unmatched: check publish.timestamp and publish.sequence; 60 stamped more than 10 ms after they arrived: the service's clock runs ahead)",
    );
    expect(evaluateThresholds(r, { 'stream.staleness.p99': '< 500ms' })[0]).toMatchObject({ pass: false, noData: true });
    const text = renderSummary(r, { color: false });
    expect(text).toContain('60 messages were stamped more than 10 ms after they arrived (up to 5.00 s): their staleness is');
    expect(text).toContain('only 40 of 101 messages could be judged (below 50%)');
    // Just above the floor: judged, and the threshold is evaluated.
    r.stream = { ...r.stream, negative: 40, ahead: 40 };
    expect(runFailed(r)).toBe(false);
    expect(evaluateThresholds(r, { 'stream.staleness.p99': '< 500ms' })[0]).toMatchObject({ pass: true });
  });

  it('thresholds name stream.staleness.* and the stream counters', () => {
    const results = evaluateThresholds(streamReport(0), {
      'stream.staleness.p99': '< 50ms',
      'stream.duplicated': '== 0',
      'stream.missing': '< 1%',
    });
    expect(results.map((x) => [x.metric, x.pass])).toEqual([
      ['stream.staleness.p99', false],
      ['stream.duplicated', false],
      ['stream.missing', true],
    ]);
  });

  it('compare shows the stream rows only when a run measured a stream, and calls new missing messages a regression', () => {
    const c = compare(streamReport(0), streamReport(4));
    expect(c.rows.map((r) => r.metric)).toEqual(
      expect.arrayContaining(['stream.staleness.p50', 'stream.staleness.p99', 'stream.messages', 'stream.missing']),
    );
    // 0 → 4 missing of 100: as a rate, chance (4 events); as the "none missing" policy, a regression.
    expect(c.rows.find((r) => r.metric === 'stream.missing')?.verdict).toBe('inconclusive');
    expect(c.regressions).toContain('stream.missing.any');
    expect(c.gate.worse).toContain('stream.missing.any');
    expect(compare(fakeReport(), fakeReport()).rows.some((r) => r.metric.startsWith('stream.'))).toBe(false);
  });
});
