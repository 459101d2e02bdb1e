import { describe, expect, it } from 'vitest';
import { createHistogram } from '../../src/metrics/histogram.js';
import { compare, judgeChange, resolutionUs, toleranceMs, type Comparison, type Verdict } from '../../src/report/compare.js';
import type { Report } from '../../src/run/report.js';
import { renderCompareTable } from '../../src/render/compare-table.js';
import { fmtMs, fmtPct } from '../../src/render/format.js';
import { fakeReport, fixturePair, seededRandom } from '../helpers/fake-report.js';

const FLIP: Record<Verdict, Verdict> = { better: 'worse', worse: 'better', same: 'same', inconclusive: 'inconclusive' };

function verdicts(c: Comparison): Record<string, Verdict> {
  return Object.fromEntries(c.rows.map((r) => [r.metric, r.verdict]));
}

function rowOf(c: Comparison, metric: string) {
  const row = c.rows.find((r) => r.metric === metric);
  if (!row) throw new Error(`no row ${metric}: ${c.rows.map((r) => r.metric).join(', ')}`);
  return row;
}

/**
 * Deliveries of one run where each publish has its own fate (a delay all its deliveries share),
 * as on a real server: the independent units are the publishes, not the deliveries.
 */
function correlatedRun(seed: number, opts: { publishes?: number; sockets?: number; shiftMs?: number; slowShare?: number; slowMs?: number } = {}): number[] {
  const { publishes = 1200, sockets = 50, shiftMs = 0, slowShare = 0.1, slowMs = 30 } = opts;
  const rand = seededRandom(seed);
  const out: number[] = [];
  for (let p = 0; p < publishes; p++) {
    const fate = 3 + (rand() < slowShare ? rand() * slowMs : rand() * 4);
    for (let k = 0; k < sockets; k++) out.push(fate + rand() * 2 + shiftMs);
  }
  return out;
}

const LATENCY_ROWS = ['fanout.p50', 'fanout.p90', 'fanout.p99', 'fanout.p999', 'completion.p99', 'handshake.p99'];
const runs = new Map<string, Report>();
/** A fake run of correlatedRun's deliveries in `blocks` blocks (memoised: building one takes a while). */
const run = (seed: number, opts: Parameters<typeof correlatedRun>[1] = {}, blocks = 40): Report => {
  const key = JSON.stringify([seed, opts, blocks]);
  let r = runs.get(key);
  if (!r) runs.set(key, (r = fakeReport({ connections: opts.sockets ?? 50, fanoutMs: correlatedRun(seed, opts), blocks })));
  return r;
};
const withoutBlocks = (r: Report): Report => {
  const { intervals: _ignored, ...rest } = r;
  return rest;
};

describe('compare', () => {
  it('calls a run with blocks against itself "same" on every judged latency row, never better or worse', () => {
    const r = run(1);
    const c = compare(r, r);
    for (const m of ['fanout.p50', 'fanout.p90', 'fanout.p99', 'completion.p99']) expect(rowOf(c, m), m).toMatchObject({ verdict: 'same', method: 'blocks', interval: { low: 0, high: 0 } });
    expect(c.rows.filter((row) => row.verdict === 'better' || row.verdict === 'worse')).toEqual([]);
    expect(c.warnings).toEqual([]);
    expect(c.notes).toEqual([]);
    for (const row of c.rows) if (row.change !== null) expect(row.change).toBe(0);
  });

  it('judges old reports (no blocks) with the per-delivery intervals and says so', () => {
    const { before, after } = fixturePair();
    const c = compare(before, after);
    expect(c.notes).toHaveLength(2);
    expect(c.notes[0]).toContain('has no per-interval histograms');
    expect(c.notes[0]).toContain('old per-delivery intervals');
    expect(rowOf(c, 'fanout.p50')).toMatchObject({ verdict: 'same', method: 'per-delivery' });
    // 60 publishes cannot resolve a p99, whatever 12,000 deliveries suggest.
    expect(rowOf(c, 'fanout.p99')).toMatchObject({ verdict: 'inconclusive', note: 'too few publishes for p99 (60 < 1,000)', before: before.fanout.latencyMs.p99, after: after.fanout.latencyMs.p99 });
    expect(rowOf(c, 'fanout.lost')).toMatchObject({ verdict: 'worse', before: 0, after: 50, change: 50, changePct: null });
    expect(rowOf(c, 'fanout.delivered')).toMatchObject({ verdict: 'worse', change: -50 });
    expect(rowOf(c, 'disconnects.byCause.connection-lost')).toMatchObject({ verdict: 'worse', before: 0, after: 40 });
    expect(rowOf(c, 'disconnects.byCause.client-close').verdict).toBe('same');
    expect(rowOf(c, 'disconnects.idleTimeout')).toMatchObject({ verdict: 'worse', before: null, after: 60_090, note: 'idle-timeout disconnects appeared' });
    expect(rowOf(c, 'fanout.max')).toMatchObject({ verdict: 'inconclusive', note: 'one sample: not judged' });
    expect(c.regressions).toEqual(['fanout.delivered', 'fanout.lost', 'disconnects.byCause.connection-lost', 'disconnects.idleTimeout']);
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
    for (const [before, after] of [
      [fixturePair().before, fixturePair().after],
      [run(1), run(2, { shiftMs: 5 })],
    ]) {
      const forward = compare(before, after);
      const backward = compare(after, before);
      const v = verdicts(backward);
      expect(Object.keys(v)).toEqual(Object.keys(verdicts(forward)));
      for (const row of forward.rows) {
        expect(v[row.metric], row.metric).toBe(FLIP[row.verdict]);
        const back = rowOf(backward, row.metric);
        if (row.interval) expect(back.interval).toEqual({ low: -row.interval.high, high: -row.interval.low });
      }
      expect(Object.values(verdicts(forward))).toContain('worse');
    }
  });

  it('does not call repeated runs of one set-up different, where per-delivery intervals did', () => {
    // Issue 13's shape: 200 publishes to 1,000 sockets, one publish in ten slowed by up to 60 ms.
    const shape = { publishes: 200, sockets: 1000, slowShare: 0.1, slowMs: 60 };
    let oldFalse = 0;
    for (const [a, b] of [
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]) {
      const ra = run(a, shape, 20);
      const rb = run(b, shape, 20);
      const c = compare(ra, rb);
      for (const m of LATENCY_ROWS) expect(['same', 'inconclusive'], `${a} vs ${b}: ${m}`).toContain(rowOf(c, m).verdict);
      const old = compare(withoutBlocks(ra), withoutBlocks(rb));
      oldFalse += LATENCY_ROWS.filter((m) => ['better', 'worse'].includes(rowOf(old, m).verdict)).length;
    }
    // The same data judged as 200,000 independent deliveries per run: false verdicts, as issue 13 saw.
    expect(oldFalse).toBeGreaterThan(0);
  });

  it('calls a run slowed by 5 ms per delivery worse on p50 and p90 and better nowhere', () => {
    const c = compare(run(1), run(2, { shiftMs: 5 }));
    expect(rowOf(c, 'fanout.p50').verdict).toBe('worse');
    expect(rowOf(c, 'fanout.p90').verdict).toBe('worse');
    expect(c.rows.filter((row) => row.verdict === 'better')).toEqual([]);
    const p50 = rowOf(c, 'fanout.p50');
    expect(p50.interval?.low).toBeGreaterThan(p50.tolerance ?? Infinity);
  });

  it("does not call a change better or worse when a run's client was saturated (its own delay is in the latencies)", () => {
    const slow = fakeReport({ connections: 50, fanoutMs: correlatedRun(2, { shiftMs: 5 }), blocks: 40, saturated: true });
    const c = compare(run(1), slow);
    expect(rowOf(c, 'fanout.p50')).toMatchObject({ verdict: 'inconclusive', note: "the after run's client was saturated: its latencies include wsload's own delay" });
    expect(rowOf(c, 'fanout.p50').interval?.low).toBeGreaterThan(1);
    expect(c.warnings).toContain("the after run's client was saturated: its latencies include wsload's own delay");
  });

  it("does not count a change in the client's own delay (publisher lateness, worker loop lag) as the target's", () => {
    const slow = structuredClone(run(2, { shiftMs: 5 }));
    // The publisher left 5 ms later at the median: the whole change may be the client's.
    slow.publish.scheduleLagMs = { ...slow.publish.scheduleLagMs, p50: slow.publish.scheduleLagMs.p50 + 5 };
    const p50 = rowOf(compare(run(1), slow), 'fanout.p50');
    expect(p50.verdict).toBe('inconclusive');
    expect(p50.note).toContain("(widened by ±5.00 ms: the change in the client's own delay)");
    expect(p50.tolerance).toBe(1);
    expect(p50.interval?.low).toBeLessThan(1);
    expect(rowOf(compare(run(1), run(2, { shiftMs: 5 })), 'fanout.p50').verdict).toBe('worse');
    // Likewise a busier worker loop, which stamps receipts late (event-loop lag p99 4 → 9 ms).
    const busier = structuredClone(run(2, { shiftMs: 5 }));
    busier.client.eventLoopLagMs = { ...busier.client.eventLoopLagMs, p99: busier.client.eventLoopLagMs.p99 + 5 };
    expect(rowOf(compare(run(1), busier), 'fanout.p50').verdict).toBe('inconclusive');
  });

  it('is inconclusive with too few blocks, and on a tail too few publishes resolve', () => {
    const few = compare(run(1, {}, 6), run(2, { shiftMs: 5 }, 6));
    expect(rowOf(few, 'fanout.p50')).toMatchObject({ verdict: 'inconclusive', note: 'too few blocks of time with samples (6 < 10): run longer' });
    const c = compare(run(1), run(2, { shiftMs: 5 }));
    expect(rowOf(c, 'fanout.p999')).toMatchObject({ verdict: 'inconclusive', note: 'too few publishes for p99.9 (1,200 < 10,000)' });
    expect(rowOf(c, 'fanout.max').verdict).toBe('inconclusive');
  });

  it('judges p99.9 once there are 10,000 publishes', () => {
    const opts = { publishes: 10_000, sockets: 10 };
    const base = run(5, { ...opts, slowShare: 0.01, slowMs: 20 }, 50);
    const slow = run(6, { ...opts, slowShare: 0.05, slowMs: 200 }, 50);
    const c = compare(base, slow);
    expect(rowOf(c, 'fanout.p999').verdict).toBe('worse');
    expect(rowOf(c, 'fanout.p50').verdict).not.toBe('better');
    expect(compare(base, run(7, { ...opts, slowShare: 0.01, slowMs: 20 }, 50)).rows.filter((r) => r.metric === 'fanout.p999' && r.verdict !== 'inconclusive' && r.verdict !== 'same')).toEqual([]);
  });

  it('gives the same verdicts every time (seeded resampling)', () => {
    const a = run(1);
    const b = run(2, { shiftMs: 1 });
    expect(compare(a, b)).toEqual(compare(a, b));
  });

  it('warns when the runs are not comparable', () => {
    const a = fakeReport({ connections: 100 });
    const b = fakeReport({ connections: 120, url: 'wss://gw.example.test/ws', interrupted: 'SIGTERM' });
    const w = compare(a, b).warnings;
    expect(w).toContain('targets differ: the embedded target vs wss://gw.example.test/ws');
    expect(w).toContain('connection counts differ: 100 vs 120; counters are not comparable one to one');
    expect(w).toContain('the after run was interrupted (SIGTERM): it covers only part of its plan');
  });

  it('judges the idle-timeout estimate with tolerances; client lag has no interval, so beyond its tolerance it is inconclusive', () => {
    const est = (estimateMs: number) => ({ estimateMs, spreadMs: 200, samples: 20, cohort: 'default' });
    const a = fakeReport({ lagMs: { max: 20, p99: 10 }, idleTimeout: est(60_000) });
    const same = fakeReport({ lagMs: { max: 20, p99: 14 }, idleTimeout: est(60_150) });
    const worse = fakeReport({ lagMs: { max: 90, p99: 40 }, idleTimeout: est(30_000) });
    expect(rowOf(compare(a, same), 'client.eventLoopLag.p99').verdict).toBe('same');
    expect(rowOf(compare(a, same), 'disconnects.idleTimeout').verdict).toBe('same');
    expect(rowOf(compare(a, worse), 'client.eventLoopLag.p99').verdict).toBe('inconclusive');
    expect(rowOf(compare(a, worse), 'disconnects.idleTimeout').verdict).toBe('worse');
  });

  it('survives a JSON round trip (what --json prints)', () => {
    const c = compare(run(1), run(2, { shiftMs: 5 }));
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
  });
});

describe('judgeChange', () => {
  it('is worse or better only when the whole interval is beyond the tolerance, same only when it is all within', () => {
    expect(judgeChange({ low: 1.01, high: 5 }, 1).verdict).toBe('worse');
    expect(judgeChange({ low: -5, high: -1.01 }, 1).verdict).toBe('better');
    expect(judgeChange({ low: -1, high: 1 }, 1).verdict).toBe('same');
    expect(judgeChange({ low: 0.5, high: 3 }, 1)).toEqual({ verdict: 'inconclusive', note: '95% interval of the change +0.50 to +3.00 ms crosses the tolerance ±1.00 ms' });
    expect(judgeChange({ low: -3, high: 3 }, 1).verdict).toBe('inconclusive');
  });

  it('takes 5% of the smaller value, at least 1 ms, and at least the histogram resolution as the tolerance', () => {
    const h = createHistogram();
    expect(toleranceMs(h, h, 2000, 2900)).toBe(1);
    expect(toleranceMs(h, h, 100_000, 120_000)).toBe(5);
    expect(resolutionUs(h, 1500)).toBe(1);
    expect(resolutionUs(h, 5000)).toBe(4);
    expect(resolutionUs(h, 60_000_000)).toBe(32_768);
    expect(toleranceMs(h, h, 60_000_000, 60_000_000)).toBe(3_000);
  });
});

describe('renderCompareTable', () => {
  it('shows before, after, change and verdict per metric within 100 columns, then the notes', () => {
    const { before, after } = fixturePair();
    const text = renderCompareTable(compare(before, after));
    expect(text).not.toMatch(/\u001b\[/);
    expect(text.split('\n').filter((l) => [...l].length > 100)).toEqual([]);
    const p50 = text.split('\n').find((l) => l.startsWith('│ fanout.p50 '));
    const b = before.fanout.latencyMs.p50;
    const a = after.fanout.latencyMs.p50;
    const cells = p50?.split('│').slice(1, -1).map((x) => x.trim());
    expect(cells?.slice(0, 5)).toEqual(['fanout.p50', fmtMs(b), fmtMs(a), `+${fmtMs(a - b)} (+${fmtPct((100 * (a - b)) / b)})`, 'same']);
    expect(text).toMatch(/│ fanout\.p99 +│[^\n]+│ inconclusive │ too few/);
    expect(text).toContain('│   ↳ connection-lost ');
    expect(text).toContain('4 regressions: fanout.delivered, fanout.lost, disconnects.byCause.connection-lost,\n  disconnects.idleTimeout');
    expect(text).toContain('\nNotes\n  - the before report (2025-03-01T09:00:00.000Z) has no per-interval histograms');
  });

  it('shows a slower run as WORSE on the judged rows', () => {
    const text = renderCompareTable(compare(run(1), run(2, { shiftMs: 5 })));
    expect(text).toMatch(/│ fanout\.p50 +│[^\n]+│ WORSE +│/);
    expect(text).not.toContain('Notes');
  });
});
