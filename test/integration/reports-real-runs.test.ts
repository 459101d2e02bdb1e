/**
 * The report consumers on reports of real runs (not fabricated ones): compare tells an injected
 * latency from noise, thresholds pass and fail on measured values, merge adds two runs exactly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { compare } from '../../dist/report/compare.js';
import { mergeReports } from '../../dist/report/merge.js';
import { evaluateThresholds } from '../../dist/report/thresholds.js';
import { runExitCode } from '../../dist/report/verdict.js';
import { decodeHistogram } from '../../dist/metrics/histogram.js';
import { startDelayedTarget, startPublishTarget, type TestTarget } from '../helpers/servers.js';
import { runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import type { Report } from '../../dist/run/report.js';
import { idleSamplesKey, locateHistogram } from '../../dist/run/registry.js';

let targets: TestTarget[] = [];
afterEach(async () => {
  await Promise.all(targets.map((t) => t.close()));
  targets = [];
});

// 10,000+ deliveries per run (250 sockets); 25 publishes/s for 4.5 s gives 112 publishes, enough for a p90.
async function fanoutRun(target: TestTarget, thresholds: Record<string, string> = {}, connections = 250): Promise<Report> {
  targets.push(target);
  return runQuietly(
    scenarioFrom({
      target: { url: target.wsUrl },
      connections,
      connectRate: 5000,
      duration: '4500ms',
      workers: connections > 100 ? 2 : 1,
      publish: { rate: 25, deadline: '2s' },
      report: { interval: '500ms' },
      thresholds,
    }),
  );
}

const called = (c: ReturnType<typeof compare>): string[] =>
  c.rows.filter((r) => r.gated && (r.verdict === 'better' || r.verdict === 'worse')).map((r) => `${r.metric} ${r.verdict}`);

describe('reports of real runs', () => {
  it('compare calls a target that delays every push by 500 ms worse on p50 and p90, the reverse better, a p99 of ~110 publishes undecided, and runs of one set-up nothing', async () => {
    // Side by side, so the three runs meet the same machine (it is shared with other suites).
    // 50 sockets each: light enough that a loaded machine does not starve the targets themselves.
    const [before, twin, after] = await Promise.all([
      fanoutRun(await startPublishTarget(), {}, 50),
      fanoutRun(await startPublishTarget(), {}, 50),
      fanoutRun(await startDelayedTarget(500), {}, 50),
    ]);
    expect(before.fanout.delivered).toBeGreaterThanOrEqual(5000);
    expect(before.intervals?.fanout.filter((e) => e !== '').length).toBeGreaterThanOrEqual(8);
    const forward = compare(before, after);
    const verdict = (c: typeof forward, m: string) => c.rows.find((r) => r.metric === m)?.verdict;
    // Plain evidence, called whatever else runs: no escape for a busy or saturated client.
    expect(verdict(forward, 'fanout.p50')).toBe('worse');
    expect(verdict(forward, 'fanout.p90')).toBe('worse');
    // 112 publishes: a p99's 95% interval needs 381; the gate says it could not decide, it does not pass.
    expect(forward.rows.find((r) => r.metric === 'fanout.p99')).toMatchObject({
      verdict: 'inconclusive',
      gated: true,
      note: expect.stringContaining('too few publishes'),
    });
    expect(forward.gate.undecided).toContain('fanout.p99');
    expect(forward.gate.outcome).toBe('regression');
    expect(forward.rows.filter((r) => r.unit === 'ms' && r.verdict === 'better')).toEqual([]);
    const backward = compare(after, before);
    expect(verdict(backward, 'fanout.p50')).toBe('better');
    expect(verdict(backward, 'fanout.p90')).toBe('better');
    expect(called(compare(before, twin))).toEqual([]);
    expect(called(compare(twin, before))).toEqual([]);
    expect(compare(before, before).regressions).toEqual([]);
  });

  it('evaluates thresholds on measured values: a pass, a failure and exit code 3', async () => {
    const report = await fanoutRun(await startDelayedTarget(30), { 'fanout.p50': '> 25ms', 'fanout.lost': '== 0', 'fanout.p99': '< 20ms' });
    const byMetric = Object.fromEntries(report.thresholds.map((t) => [t.metric, t]));
    expect(byMetric['fanout.p50'].pass).toBe(true);
    expect(byMetric['fanout.lost'].pass).toBe(true);
    expect(byMetric['fanout.p99'].pass).toBe(false);
    expect(byMetric['fanout.p99'].actual).toBe(report.fanout.latencyMs.p99);
    expect(runExitCode(report)).toBe(3);
    // Re-evaluating the saved report gives the same verdicts.
    expect(evaluateThresholds(report, report.scenario.thresholds)).toEqual(report.thresholds);
  });

  it('merges two runs made side by side into exact totals', async () => {
    const [a, b] = await Promise.all([fanoutRun(await startPublishTarget()), fanoutRun(await startPublishTarget())]);
    const m = mergeReports([a, b]);
    expect(m.connections.opened).toBe(a.connections.opened + b.connections.opened);
    expect(m.fanout.delivered).toBe(a.fanout.delivered + b.fanout.delivered);
    expect(m.fanout.expected).toBe(a.fanout.expected + b.fanout.expected);
    expect(m.fanout.latencyMs.count).toBe(a.fanout.latencyMs.count + b.fanout.latencyMs.count);
    expect(decodeHistogram(m.histograms.fanout).totalCount).toBe(m.fanout.delivered);
    expect(m.fanout.latencyMs.max).toBe(Math.max(a.fanout.latencyMs.max, b.fanout.latencyMs.max));
    // The per-block histograms travel too, added by time, so the merged run compares by its blocks.
    const blockTotal = (m.intervals?.fanout ?? []).reduce((n, e) => n + (e === '' ? 0 : decodeHistogram(e).totalCount), 0);
    expect(blockTotal).toBe(m.fanout.latencyMs.count);
    // Judged by its blocks; against itself the interval is centred on 0 (as wide as two such runs may differ).
    const self = compare(m, m).rows.find((r) => r.metric === 'fanout.p50');
    expect(self).toMatchObject({ method: 'blocks', change: 0 });
    expect(['same', 'inconclusive']).toContain(self?.verdict);
    expect(self?.interval?.low).toBeCloseTo(-(self?.interval?.high ?? NaN), 9);
    // Every histogram a real run writes (workers' included) is registered, so its percentile set is placed and merged.
    for (const key of Object.keys(a.histograms))
      expect(locateHistogram(key) !== null || key.startsWith(idleSamplesKey('')), key).toBe(true);
    for (const key of Object.keys(a.histograms))
      expect(locateHistogram(key)?.get(m)?.count ?? decodeHistogram(m.histograms[key]).totalCount, key).toBe(
        decodeHistogram(m.histograms[key]).totalCount,
      );
  });
});
