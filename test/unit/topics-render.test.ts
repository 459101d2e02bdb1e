/** fanout.byTopic in the terminal summary (worst topics first when many, within 100 columns), the HTML report, thresholds and merge. */
import { describe, expect, it } from 'vitest';
import { renderSummary } from '../../src/render/summary.js';
import { renderReportHtml } from '../../src/render/html.js';
import { runExitCode, verdictLine } from '../../src/report/verdict.js';
import { evaluateThresholds } from '../../src/report/thresholds.js';
import { mergeReports } from '../../src/report/merge.js';
import { createHistogram, encodeHistogram, percentiles, recordMs } from '../../src/metrics/histogram.js';
import { topicHistogramKey } from '../../src/run/registry.js';
import type { Report, TopicStats } from '../../src/run/report.js';
import { fakeReport } from '../helpers/fake-report.js';

const set = (p99: number): TopicStats['latencyMs'] => ({ count: 100, min: 1, mean: 2, p50: 2, p90: 3, p99, p999: p99, max: p99 });

/** A passing report with `n` topics; topic-3 lost 7 deliveries, topic-5 is the slowest. */
function withTopics(n: number, misrouted = 0): Report {
  const r = fakeReport();
  r.fanout.misrouted = misrouted;
  r.fanout.byTopic = Object.fromEntries(
    Array.from({ length: n }, (_, i) => [
      `topic-${i}`,
      {
        sockets: 10,
        published: 5,
        expected: 50,
        delivered: i === 3 ? 43 : 50,
        lost: i === 3 ? 7 : 0,
        late: 0,
        duplicated: 0,
        latencyMs: set(i === 5 ? 900 : 10 + i),
      },
    ]),
  );
  return r;
}

describe('per-topic rendering', () => {
  it('the summary lists every topic when there are few', () => {
    const text = renderSummary(withTopics(3));
    expect(text).toContain('  by topic\n');
    for (const name of ['topic-0', 'topic-1', 'topic-2']) expect(text).toMatch(new RegExp(`│ ${name} +│ 10 `));
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it('with many topics the summary shows the worst 10 (most lost, then highest p99) and says how many are hidden', () => {
    const text = renderSummary(withTopics(25));
    expect(text).toContain('by topic: the 10 worst of 25 (most lost, then highest p99); 15 more in the report (fanout.byTopic)');
    const rows = text.split('\n').filter((l) => /^│ topic-\d+ /.test(l));
    expect(rows).toHaveLength(10);
    expect(rows[0]).toMatch(/^│ topic-3 /);
    expect(rows[1]).toMatch(/^│ topic-5 /);
  });

  it('the HTML report has a per-topic table, worst first', () => {
    const html = renderReportHtml(withTopics(4, 2));
    expect(html).toContain('<h2>Fan-out by topic</h2>');
    expect(html.indexOf('topic-3')).toBeLessThan(html.indexOf('topic-0'));
    expect(html).toContain('2 messages reached sockets of another topic (misrouted)');
    expect(renderReportHtml(fakeReport())).not.toContain('Fan-out by topic');
  });

  it('misrouted copies fail the run and are named in the verdict and summary', () => {
    const r = withTopics(2, 4);
    expect(runExitCode(r)).toBe(1);
    expect(verdictLine(r)).toContain('4 messages of a topic reached sockets not in that topic (fanout.misrouted)');
    expect(renderSummary(r)).toContain('4 messages of a topic reached sockets not in that topic');
    expect(runExitCode(withTopics(2, 0))).toBe(0);
  });
});

describe('per-topic thresholds on a report', () => {
  it("read fanout.byTopic: a latency aggregation, a counter and its percent of the topic's expected; an absent topic is no data", () => {
    const r = withTopics(6);
    const results = evaluateThresholds(r, {
      'fanout.byTopic.topic-5.p99': '< 500ms',
      'fanout.byTopic.topic-3.lost': '< 10%',
      'fanout.byTopic.topic-9.p99': '< 1s',
      'fanout.byTopic.topic-1.lost': '== 0',
    });
    expect(results.map((t) => [t.metric, t.actual, t.pass, t.noData ?? false])).toEqual([
      ['fanout.byTopic.topic-5.p99', 900, false, false],
      ['fanout.byTopic.topic-3.lost', 14, false, false],
      ['fanout.byTopic.topic-9.p99', 0, false, true],
      ['fanout.byTopic.topic-1.lost', 0, true, false],
    ]);
  });
});

describe('merging reports with topics', () => {
  /** A report whose byTopic latency sets come from real "fanout:<topic>" histograms. */
  function topicReport(): Report {
    const r = withTopics(2);
    r.scenario.topics = { names: ['topic-0', 'topic-1'], counts: [50, 50], assign: 'ranges' };
    for (const [name, values] of [
      ['topic-0', [5, 6, 7]],
      ['topic-1', [20, 30]],
    ] as const) {
      const h = createHistogram();
      for (const v of values) recordMs(h, v);
      r.histograms[topicHistogramKey('fanout', name)] = encodeHistogram(h);
      const stats = r.fanout.byTopic?.[name];
      if (stats) stats.latencyMs = percentiles(h);
    }
    return r;
  }

  it("adds each topic's counters and histograms exactly, by name", () => {
    const merged = mergeReports([topicReport(), topicReport()]);
    expect(merged.fanout.byTopic?.['topic-1']).toMatchObject({ sockets: 20, published: 10, expected: 100, delivered: 100, lost: 0 });
    expect(merged.fanout.byTopic?.['topic-1'].latencyMs.count).toBe(4);
    expect(merged.fanout.byTopic?.['topic-0'].latencyMs.max).toBeCloseTo(7, 1);
    expect(merged.scenario.topics).toEqual({ names: ['topic-0', 'topic-1'], counts: [100, 100], assign: 'ranges' });
    expect(merged.merged?.estimates['fanout.byTopic.*.completionMs']).toBeDefined();
  });

  it('with a run without topics: that run adds nothing to them, and no histogram is called missing', () => {
    const merged = mergeReports([fakeReport(), topicReport()]);
    expect(merged.fanout.byTopic?.['topic-0']).toMatchObject({ sockets: 10, expected: 50, delivered: 50 });
    expect(merged.fanout.byTopic?.['topic-0'].latencyMs.count).toBe(3);
    expect(merged.scenario.topics?.names).toEqual(['topic-0', 'topic-1']);
    expect(merged.warnings.filter((w) => w.includes('fanout:'))).toEqual([]);
    expect(mergeReports([fakeReport(), fakeReport()]).fanout.byTopic).toBeUndefined();
  });
});
