import { describe, expect, it } from 'vitest';
import { createHistogram, recordMs } from '../../src/metrics/histogram.js';
import { compare, latencyVerdict, resolutionUs, type Comparison, type Verdict } from '../../src/report/compare.js';
import { renderCompareTable } from '../../src/render/compare-table.js';
import { fmtMs } from '../../src/render/format.js';
import { fakeReport, fixturePair, latencies } from '../helpers/fake-report.js';

const FLIP: Record<Verdict, Verdict> = { better: 'worse', worse: 'better', same: 'same' };

function verdicts(c: Comparison): Record<string, Verdict> {
  return Object.fromEntries(c.rows.map((r) => [r.metric, r.verdict]));
}

function rowOf(c: Comparison, metric: string) {
  const row = c.rows.find((r) => r.metric === metric);
  if (!row) throw new Error(`no row ${metric}: ${c.rows.map((r) => r.metric).join(', ')}`);
  return row;
}

describe('compare', () => {
  it('calls a report against itself "same" on every row, with no warnings', () => {
    for (const r of Object.values(fixturePair())) {
      const c = compare(r, r);
      expect(new Set(Object.values(verdicts(c)))).toEqual(new Set(['same']));
      expect(c.regressions).toEqual([]);
      expect(c.warnings).toEqual([]);
      for (const row of c.rows) if (row.change !== null) expect(row.change).toBe(0);
    }
  });

  it('flags the injected slower tail, the losses and the idle timeout of the after run', () => {
    const { before, after } = fixturePair();
    const c = compare(before, after);
    expect(rowOf(c, 'fanout.p99')).toMatchObject({ verdict: 'worse', before: before.fanout.latencyMs.p99, after: after.fanout.latencyMs.p99 });
    expect(rowOf(c, 'fanout.p99').changePct).toBeCloseTo((100 * (after.fanout.latencyMs.p99 - before.fanout.latencyMs.p99)) / before.fanout.latencyMs.p99, 6);
    // The body of the distribution did not move: a 0.3% wobble of the median is not a change.
    expect(rowOf(c, 'fanout.p50').verdict).toBe('same');
    expect(rowOf(c, 'fanout.p90').verdict).toBe('same');
    expect(rowOf(c, 'fanout.lost')).toMatchObject({ verdict: 'worse', before: 0, after: 50, change: 50, changePct: null });
    expect(rowOf(c, 'fanout.delivered')).toMatchObject({ verdict: 'worse', change: -50 });
    expect(rowOf(c, 'disconnects.byCause.connection-lost')).toMatchObject({ verdict: 'worse', before: 0, after: 40 });
    expect(rowOf(c, 'disconnects.byCause.client-close').verdict).toBe('same');
    expect(rowOf(c, 'disconnects.idleTimeout')).toMatchObject({ verdict: 'worse', before: null, after: 60_090, note: 'idle-timeout disconnects appeared' });
    expect(rowOf(c, 'fanout.max')).toMatchObject({ verdict: 'same', note: 'one sample: not judged' });
    expect(c.regressions).toEqual(['fanout.p99', 'fanout.delivered', 'fanout.lost', 'disconnects.byCause.connection-lost', 'disconnects.idleTimeout']);
  });

  it('does not score 150 drops and reconnects as "more opened, better"', () => {
    const before = fakeReport();
    const after = structuredClone(before);
    // Same sockets, but 150 of them dropped and reconnected: opened counts every handshake.
    after.connections.opened += 150;
    after.connections.firstOpened = before.connections.opened;
    after.reconnects.total = 150;
    const c = compare(before, after);
    expect(c.rows.map((r) => r.metric)).not.toContain('connections.opened');
    expect(rowOf(c, 'connections.firstOpened')).toMatchObject({ verdict: 'same', before: before.connections.opened, after: before.connections.opened });
    expect(rowOf(c, 'reconnects.total').verdict).toBe('worse');
    expect(c.regressions).not.toContain('connections.firstOpened');
  });

  it('warns when lag or handshake latency were measured under different definitions', () => {
    const before = fakeReport();
    const after = structuredClone(before);
    after.client.turnMs = { ...before.fanout.latencyMs };
    after.handshake.queueMs = { ...before.handshake.latencyMs };
    const text = compare(before, after).warnings.join('\n');
    expect(text).toContain('event-loop lag was measured differently');
    expect(text).toContain('handshake latency was measured differently');
    expect(compare(after, after).warnings).toEqual([]);
  });

  it('flips every verdict when the runs are swapped', () => {
    const { before, after } = fixturePair();
    const forward = verdicts(compare(before, after));
    const backward = verdicts(compare(after, before));
    expect(Object.keys(backward)).toEqual(Object.keys(forward));
    for (const [metric, v] of Object.entries(forward)) expect(backward[metric], metric).toBe(FLIP[v]);
    expect(Object.values(forward)).toContain('worse');
  });

  it('does not call two runs of the same distribution different', () => {
    const a = fakeReport({ fanoutMs: latencies(20_000, { seed: 3, tailShare: 0.015, tailMs: 400 }) });
    const b = fakeReport({ fanoutMs: latencies(20_000, { seed: 4, tailShare: 0.015, tailMs: 400 }) });
    const c = compare(a, b);
    for (const m of ['fanout.p50', 'fanout.p90', 'fanout.p99', 'fanout.p999', 'completion.p99', 'handshake.p99']) expect(rowOf(c, m).verdict, m).toBe('same');
    // Their p99s do differ by more than the 5% / 1 ms tolerance: the confidence interval is what holds the verdict.
    const p99 = rowOf(c, 'fanout.p99');
    expect(Math.abs(p99.change ?? 0)).toBeGreaterThan(Math.max(1, 0.05 * Math.min(p99.before ?? 0, p99.after ?? 0)));
    expect(p99.note).toBe('within the 95% interval of the percentile');
  });

  it('will not judge a percentile with fewer than 100 samples above it', () => {
    const a = fakeReport({ fanoutMs: latencies(5_000, { seed: 1 }) });
    const b = fakeReport({ fanoutMs: latencies(5_000, { seed: 1 }).map((v) => v * 10) });
    const c = compare(a, b);
    expect(rowOf(c, 'fanout.p99')).toMatchObject({ verdict: 'same', note: 'too few samples (5,000 < 10,000)' });
    // p50 and p90 have enough samples and the tenfold slowdown is caught there.
    expect(rowOf(c, 'fanout.p50').verdict).toBe('worse');
    expect(rowOf(c, 'fanout.p90').verdict).toBe('worse');
  });

  it('judges p99.9 once there are 100,000 samples', () => {
    const base = latencies(100_000, { seed: 5, tailShare: 0.0005, tailMs: 20 });
    const slow = latencies(100_000, { seed: 6, tailShare: 0.005, tailMs: 400 });
    const c = compare(fakeReport({ fanoutMs: base }), fakeReport({ fanoutMs: slow }));
    expect(rowOf(c, 'fanout.p999').verdict).toBe('worse');
    expect(rowOf(c, 'fanout.p50').verdict).toBe('same');
  });

  it('warns when the runs are not comparable', () => {
    const a = fakeReport({ connections: 100 });
    const b = fakeReport({ connections: 120, url: 'wss://gw.example.test/ws', interrupted: 'SIGTERM' });
    const w = compare(a, b).warnings;
    expect(w).toContain('targets differ: the embedded target vs wss://gw.example.test/ws');
    expect(w).toContain('connection counts differ: 100 vs 120; counters are not comparable one to one');
    expect(w).toContain('the after run was interrupted (SIGTERM): it covers only part of its plan');
  });

  it('judges client lag and the idle-timeout estimate with tolerances', () => {
    const est = (estimateMs: number) => ({ estimateMs, spreadMs: 200, samples: 20, cohort: 'default' });
    const a = fakeReport({ lagMs: { max: 20, p99: 10 }, idleTimeout: est(60_000) });
    const same = fakeReport({ lagMs: { max: 20, p99: 14 }, idleTimeout: est(60_150) });
    const worse = fakeReport({ lagMs: { max: 90, p99: 40 }, idleTimeout: est(30_000) });
    expect(rowOf(compare(a, same), 'client.eventLoopLag.p99').verdict).toBe('same');
    expect(rowOf(compare(a, same), 'disconnects.idleTimeout').verdict).toBe('same');
    expect(rowOf(compare(a, worse), 'client.eventLoopLag.p99').verdict).toBe('worse');
    expect(rowOf(compare(a, worse), 'disconnects.idleTimeout').verdict).toBe('worse');
  });

  it('survives a JSON round trip (what --json prints)', () => {
    const { before, after } = fixturePair();
    const c = compare(before, after);
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
  });
});

describe('latencyVerdict', () => {
  const hist = (values: number[]) => {
    const h = createHistogram();
    for (const v of values) recordMs(h, v);
    return h;
  };

  it('needs a change above 1 ms even when it is more than 5%', () => {
    const a = hist(Array.from({ length: 1000 }, () => 2));
    const b = hist(Array.from({ length: 1000 }, () => 2.9));
    expect(latencyVerdict(a, b, 0.5).verdict).toBe('same');
    const c = hist(Array.from({ length: 1000 }, () => 3.2));
    expect(latencyVerdict(a, c, 0.5).verdict).toBe('worse');
    expect(latencyVerdict(c, a, 0.5).verdict).toBe('better');
  });

  it('needs a change above 5% even when it is more than 1 ms', () => {
    const a = hist(Array.from({ length: 1000 }, () => 100));
    expect(latencyVerdict(a, hist(Array.from({ length: 1000 }, () => 104)), 0.5).verdict).toBe('same');
    expect(latencyVerdict(a, hist(Array.from({ length: 1000 }, () => 106)), 0.5).verdict).toBe('worse');
  });

  it('knows the histogram resolution (3 significant digits)', () => {
    const h = createHistogram();
    expect(resolutionUs(h, 1500)).toBe(1);
    expect(resolutionUs(h, 5000)).toBe(4);
    expect(resolutionUs(h, 60_000_000)).toBe(32_768);
  });
});

describe('renderCompareTable', () => {
  it('shows before, after, change and verdict per metric within 100 columns', () => {
    const { before, after } = fixturePair();
    const text = renderCompareTable(compare(before, after));
    expect(text).not.toMatch(/\u001b\[/);
    expect(text.split('\n').filter((l) => [...l].length > 100)).toEqual([]);
    const p99 = text.split('\n').find((l) => l.startsWith('│ fanout.p99 '));
    const b = before.fanout.latencyMs.p99;
    const a = after.fanout.latencyMs.p99;
    const cells = p99?.split('│').slice(1, -1).map((x) => x.trim());
    expect(cells).toEqual(['fanout.p99', fmtMs(b), fmtMs(a), `+${fmtMs(a - b)} (+${Math.round((100 * (a - b)) / b)}%)`, 'WORSE', '']);
    expect(text).toContain('│   ↳ connection-lost ');
    expect(text).toContain('5 regressions: fanout.p99, fanout.delivered, fanout.lost, disconnects.byCause.connection-lost,\n  disconnects.idleTimeout');
  });
});
