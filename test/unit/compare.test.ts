import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/report/read.js';
import { ROOT } from '../helpers/cli.js';
import { createHistogram } from '../../src/metrics/histogram.js';
import { compare, judgeChange, resolutionUs, toleranceMs, type Comparison, type Verdict } from '../../src/report/compare.js';
import type { Report } from '../../src/run/report.js';
import { renderCompareTable } from '../../src/render/compare-table.js';
import { fmtMs, fmtPct } from '../../src/render/format.js';
import { fakeReport, fixturePair, seededRandom, type FakeClose } from '../helpers/fake-report.js';

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
function correlatedRun(
  seed: number,
  opts: { publishes?: number; sockets?: number; shiftMs?: number; slowShare?: number; slowMs?: number } = {},
): number[] {
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

/** A run of `run()` whose client was saturated by other processes (the machine was busy). */
const saturatedBy = (r: Report, cause: 'machine' | 'wsload'): Report => {
  const s = structuredClone(r);
  s.client.saturated = true;
  s.client.saturationCause = cause;
  s.client.turnMs = { count: 100, min: 0, mean: 1, p50: 1, p90: 2, p99: 3, p999: 3, max: 3 };
  return s;
};

describe('compare', () => {
  it('calls a run with blocks against itself "same" on every judged latency row, never better or worse', () => {
    const r = run(1);
    const c = compare(r, r);
    for (const m of ['fanout.p50', 'fanout.p90', 'fanout.p99', 'completion.p99']) {
      expect(rowOf(c, m), m).toMatchObject({ verdict: 'same', method: 'blocks', basis: 'statistical', gated: true });
      expect(rowOf(c, m).interval?.low).toBeCloseTo(-(rowOf(c, m).interval?.high ?? NaN), 9);
    }
    expect(c.rows.filter((row) => row.verdict === 'better' || row.verdict === 'worse')).toEqual([]);
    expect(c.warnings).toEqual([]);
    expect(c.notes).toEqual([expect.stringContaining('one run per side: the latency intervals cover the noise within each run')]);
    for (const row of c.rows) if (row.change !== null) expect(row.change).toBe(0);
  });

  it('judges old reports (no blocks) with the per-delivery intervals and says so; counters as rates, lost also as a policy', () => {
    const { before, after } = fixturePair();
    const c = compare(before, after);
    expect(c.notes).toHaveLength(3);
    expect(c.notes[1]).toContain('has no per-interval histograms');
    expect(c.notes[1]).toContain('old per-delivery intervals');
    expect(rowOf(c, 'fanout.p50')).toMatchObject({ verdict: 'same', method: 'per-delivery' });
    // 60 publishes cannot resolve a p99, whatever 12,000 deliveries suggest: its interval needs 381.
    expect(rowOf(c, 'fanout.p99')).toMatchObject({
      verdict: 'inconclusive',
      note: expect.stringContaining('too few publishes before for p99 (60 < 381'),
    });
    // 0 → 50 lost of ~12,000 expected: shown beyond chance as a rate, and the "no lost delivery" policy fails.
    expect(rowOf(c, 'fanout.lost')).toMatchObject({
      verdict: 'worse',
      basis: 'statistical',
      before: 0,
      after: 50,
      change: 50,
      changePct: null,
      rate: { before: 0, per: 'per 1,000 expected deliveries' },
    });
    expect(rowOf(c, 'fanout.lost').pValue).toBeLessThan(1e-10);
    expect(rowOf(c, 'fanout.lost.any')).toMatchObject({ verdict: 'worse', basis: 'policy', gated: true });
    expect(rowOf(c, 'fanout.delivered')).toMatchObject({ verdict: 'worse', change: -50, gated: false });
    expect(rowOf(c, 'disconnects.byCause.connection-lost')).toMatchObject({
      verdict: 'worse',
      before: 0,
      after: 40,
      rate: { per: 'per socket-hour' },
    });
    expect(rowOf(c, 'disconnects.byCause.client-close')).toMatchObject({ verdict: 'same', basis: 'informational' });
    expect(rowOf(c, 'disconnects.idleTimeout')).toMatchObject({
      verdict: 'worse',
      basis: 'estimate',
      before: null,
      after: 60_090,
      note: 'idle-timeout disconnects appeared',
    });
    expect(rowOf(c, 'fanout.max')).toMatchObject({ verdict: 'inconclusive', note: 'one sample: not judged', gated: false });
    expect(c.regressions).toEqual([
      'fanout.delivered',
      'fanout.lost',
      'fanout.lost.any',
      'disconnects.byCause.connection-lost',
      'disconnects.idleTimeout',
    ]);
    expect(c.gate).toMatchObject({
      outcome: 'regression',
      worse: ['fanout.lost', 'fanout.lost.any', 'disconnects.byCause.connection-lost', 'disconnects.idleTimeout'],
    });
  });

  it('judges counters as rates over their exposure: 3 → 4 drops is chance, 0 → 40 is not, and twice the sockets may drop twice as often', () => {
    const drops = (n: number): FakeClose[] =>
      Array.from({ length: n }, (_, i) => ({ cause: 'connection-lost', code: 1006, idleMs: 1000 + i, ageMs: 5000 + i }));
    const three = fakeReport({ connections: 200, closes: drops(3) });
    const four = fakeReport({ connections: 200, closes: drops(4) });
    const forty = fakeReport({ connections: 200, closes: drops(40) });
    const lost = 'disconnects.byCause.connection-lost';
    expect(rowOf(compare(three, four), lost)).toMatchObject({
      verdict: 'inconclusive',
      note: expect.stringContaining('not told from chance'),
    });
    expect(compare(three, four, { gate: [lost] }).gate).toMatchObject({ outcome: 'undecided', undecided: [lost] });
    expect(rowOf(compare(three, forty), lost).verdict).toBe('worse');
    // 8 drops of 400 sockets against 4 of 200 over the same hold: the same rate.
    const doubled = fakeReport({ connections: 400, closes: drops(8) });
    expect(rowOf(compare(four, doubled), lost).verdict).not.toBe('worse');
    // Nothing on either side is the same, and does not keep a gate from passing.
    const none = compare(fakeReport(), fakeReport());
    expect(rowOf(none, 'fanout.lost')).toMatchObject({ verdict: 'same', note: 'none in either run' });
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
    expect(rowOf(c, 'connections.firstOpened')).toMatchObject({
      verdict: 'same',
      before: before.connections.opened,
      after: before.connections.opened,
    });
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

  it('flips every verdict when the runs are swapped, with one run or several per side', () => {
    for (const [before, after] of [
      [[fixturePair().before], [fixturePair().after]],
      [[run(1)], [run(2, { shiftMs: 5 })]],
      [
        [run(1), run(3, { shiftMs: 1 }), run(5)],
        [run(2, { shiftMs: 5 }), run(4, { shiftMs: 6 })],
      ],
    ]) {
      const forward = compare(before, after);
      const backward = compare(after, before);
      const v = verdicts(backward);
      expect(Object.keys(v)).toEqual(Object.keys(verdicts(forward)));
      for (const row of forward.rows) {
        expect(v[row.metric], row.metric).toBe(FLIP[row.verdict]);
        const back = rowOf(backward, row.metric);
        if (row.interval) {
          expect(back.interval?.low, row.metric).toBeCloseTo(-row.interval.high, 9);
          expect(back.interval?.high, row.metric).toBeCloseTo(-row.interval.low, 9);
        }
      }
      expect(Object.values(verdicts(forward))).toContain('worse');
      expect(backward.gate.outcome).toBe(
        forward.gate.worse.length > 0 && forward.gate.undecided.length === 0 ? 'pass' : backward.gate.outcome,
      );
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
    expect(p50.adjustedP).toBeLessThan(0.05);
    expect(c.gate.outcome).toBe('regression');
  });

  it('calls plain evidence in five blocks: every block of the slower run above every block of the faster one', () => {
    // 50 publishes in 5 blocks, +100 ms: the interval's t has few degrees of freedom, and still clears the tolerance.
    const shape = { publishes: 50, sockets: 200 };
    const c = compare(run(1, shape, 5), run(2, { ...shape, shiftMs: 100 }, 5));
    expect(rowOf(c, 'fanout.p50')).toMatchObject({ verdict: 'worse', method: 'blocks' });
    expect(rowOf(c, 'fanout.p90')).toMatchObject({ verdict: 'worse', method: 'blocks' });
    // p99 of 50 publishes has no 95% interval at all (it needs 381): a rule of the test, not a blanket count.
    expect(rowOf(c, 'fanout.p99')).toMatchObject({ verdict: 'inconclusive', note: expect.stringContaining('(50 < 381') });
    // One block has no spread: a run needs two.
    const one = compare(run(1, shape, 1), run(2, { ...shape, shiftMs: 100 }, 1));
    expect(rowOf(one, 'fanout.p50')).toMatchObject({
      verdict: 'inconclusive',
      note: 'the before run: 1 block with samples (a spread needs 2): run longer',
    });
  });

  it('never vetoes: a saturated client widens the interval by the change in its own delay, and a clear change stays called', () => {
    const base = run(1);
    const slow = saturatedBy(run(2, { shiftMs: 5 }), 'machine');
    const c = compare(base, slow);
    const p50 = rowOf(c, 'fanout.p50');
    expect(p50.verdict).toBe('worse');
    expect(p50.interval?.low).toBeGreaterThan(p50.tolerance ?? Infinity);
    // Its handling time (turn p50 1 ms, none before) is in the widening, and the note says so.
    expect(p50.note).toContain("a saturated client's handling time");
    expect(c.warnings).toContain(
      "the after run's client was saturated (this machine was busy: other processes): its latencies include wsload's own delay, and the latency intervals are widened by the change in it",
    );
    // The widened interval that crosses the tolerance is inconclusive, as for any run.
    const busier = saturatedBy(run(2, { shiftMs: 5 }), 'wsload');
    busier.client.turnMs = { count: 100, min: 0, mean: 6, p50: 6, p90: 9, p99: 12, p999: 12, max: 12 };
    expect(rowOf(compare(base, busier), 'fanout.p50').verdict).toBe('inconclusive');
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
    // Likewise a busier worker loop, which stamps receipts late: its mean lag at the median, its p90 at p90.
    const busier = structuredClone(run(2, { shiftMs: 5 }));
    busier.client.workers = busier.client.workers.map((w) => ({
      ...w,
      eventLoopLagMs: { ...w.eventLoopLagMs, mean: w.eventLoopLagMs.mean + 5 },
    }));
    expect(rowOf(compare(run(1), busier), 'fanout.p50').verdict).toBe('inconclusive');
    busier.client.workers = busier.client.workers.map((w) => ({
      ...w,
      eventLoopLagMs: { ...w.eventLoopLagMs, p90: w.eventLoopLagMs.p99 + 8 },
    }));
    expect(rowOf(compare(run(1), busier), 'fanout.p90').verdict).toBe('inconclusive');
  });

  it('with several runs per side takes the spread between runs into account, which one run per side cannot see', () => {
    // Each run of one set-up drifts by its own few ms (another tenant, a cold cache): runs differ by more than their blocks say.
    const before = [run(11, { shiftMs: 0 }), run(12, { shiftMs: 3 }), run(13, { shiftMs: -2 })];
    const after = [run(14, { shiftMs: 2 }), run(15, { shiftMs: -1 }), run(16, { shiftMs: 1.5 })];
    // One pair of them, judged on within-run noise only, calls the drift a change...
    expect(rowOf(compare(before[2], before[1]), 'fanout.p50').verdict).toBe('worse');
    // ...three against three does not.
    const c = compare(before, after);
    const p50 = rowOf(c, 'fanout.p50');
    expect(p50).toMatchObject({
      method: 'runs',
      runs: { before: before.map((r) => r.fanout.latencyMs.p50), after: after.map((r) => r.fanout.latencyMs.p50) },
    });
    expect(['same', 'inconclusive']).toContain(p50.verdict);
    expect(p50.before).toBeCloseTo(
      (before[0].fanout.latencyMs.p50 + before[1].fanout.latencyMs.p50 + before[2].fanout.latencyMs.p50) / 3,
      9,
    );
    expect(c.notes[0]).toBe(
      '3 runs before, 3 after: the latency intervals cover the spread between the runs of each side and the noise within them',
    );
    expect(c.runs.before).toHaveLength(3);
    // A change larger than the drift is still called: +12 ms on every run.
    const slower = [run(17, { shiftMs: 14 }), run(18, { shiftMs: 11 }), run(19, { shiftMs: 13.5 })];
    expect(rowOf(compare(before, slower), 'fanout.p50')).toMatchObject({ verdict: 'worse', method: 'runs' });
  });

  it('counts lost and never-sent deliveries in the fan-out percentiles: a target slower than the deadline does not read faster', () => {
    const base = run(1);
    // The after run's slowest 5% missed the deadline: received-only, its p99 drops; over every expected delivery it does not.
    const values = correlatedRun(2, { shiftMs: 0 });
    const sorted = [...values].sort((a, b) => a - b);
    const kept = sorted.slice(0, Math.floor(sorted.length * 0.95));
    const late = fakeReport({ connections: 50, fanoutMs: kept, lost: values.length - kept.length, published: 1200, blocks: 40 });
    const c = compare(base, late);
    const p99 = rowOf(c, 'fanout.p99');
    // At the deadline (the top of its histogram bucket): a lower bound.
    expect(p99.after).toBeGreaterThanOrEqual(late.scenario.publish?.deadlineMs ?? Infinity);
    expect(p99.after).toBeLessThan((late.scenario.publish?.deadlineMs ?? 0) * 1.001);
    expect(p99.receivedOnly?.after).toBe(late.fanout.latencyMs.p99);
    expect(p99.receivedOnly?.after).toBeLessThan(base.fanout.latencyMs.p99);
    expect(p99.verdict).toBe('worse');
    expect(p99.description).toContain('lost and never-sent counted');
    // The report says the same: fanout.censored over every expected delivery.
    const other = structuredClone(late);
    other.scenario.publish = { ...(other.scenario.publish as NonNullable<Report['scenario']['publish']>), deadlineMs: 2000 };
    expect(compare(base, other).warnings.join('\n')).toContain('publish deadlines differ (5000 ms vs 2000 ms)');
  });

  it('gates the default rows (or those asked for) with Holm over the statistical ones, and says when it cannot decide', () => {
    const c = compare(run(1), run(2, { shiftMs: 5 }));
    expect(c.gate.metrics).toEqual(c.rows.filter((r) => r.gated).map((r) => r.metric));
    expect(c.gate.metrics).toEqual(
      expect.arrayContaining([
        'handshake.p99',
        'fanout.p50',
        'fanout.p90',
        'fanout.p99',
        'completion.p99',
        'fanout.lost',
        'fanout.lost.any',
        'publish.p99',
      ]),
    );
    expect(c.gate.metrics).not.toContain('fanout.p999');
    expect(c.gate.family).toBe(c.rows.filter((r) => r.gated && r.basis === 'statistical' && r.pValue !== null).length);
    for (const r of c.rows.filter((x) => x.gated && x.pValue !== null))
      expect(r.adjustedP ?? -1, r.metric).toBeGreaterThanOrEqual(r.pValue ?? 2);
    // Only fan-out p99.9 gated: 1,200 publishes cannot judge it (3,838 needed), so the gate cannot pass.
    const only = compare(run(1), run(2, { shiftMs: 5 }), { gate: ['fanout.p999'] });
    expect(only.gate).toMatchObject({ metrics: ['fanout.p999'], worse: [], undecided: ['fanout.p999'], outcome: 'undecided', family: 0 });
    // A stream row asked for in runs without a stream: absent, so undecided too.
    expect(compare(run(1), run(1), { gate: ['stream.staleness.p99'] }).gate).toMatchObject({
      undecided: ['stream.staleness.p99'],
      outcome: 'undecided',
    });
    expect(compare(run(1), run(1), { gate: ['fanout.p50', 'fanout.lost'] }).gate).toMatchObject({
      outcome: 'pass',
      worse: [],
      undecided: [],
    });
    expect(() => compare(run(1), run(1), { gate: ['fanout.p55'] })).toThrow(
      'compare: gate: no compared metric "fanout.p55" (did you mean "fanout.p50"?)',
    );
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
    expect(w).toContain('connection counts differ: 100 vs 120; rates are compared, but the load differed');
    expect(w).toContain('the after run was interrupted (SIGTERM): it covers only part of its plan');
  });

  it('judges the idle-timeout estimate with tolerances; client lag has no interval, so beyond its tolerance it is inconclusive', () => {
    const est = (estimateMs: number) => ({ estimateMs, spreadMs: 200, samples: 20, cohort: 'default' });
    const a = fakeReport({ lagMs: { max: 20, p99: 10 }, idleTimeout: est(60_000) });
    const same = fakeReport({ lagMs: { max: 20, p99: 14 }, idleTimeout: est(60_150) });
    const worse = fakeReport({ lagMs: { max: 90, p99: 40 }, idleTimeout: est(30_000) });
    expect(rowOf(compare(a, same), 'client.eventLoopLag.p99').verdict).toBe('same');
    expect(rowOf(compare(a, same), 'disconnects.idleTimeout').verdict).toBe('same');
    expect(rowOf(compare(a, worse), 'client.eventLoopLag.p99')).toMatchObject({
      verdict: 'inconclusive',
      basis: 'informational',
      gated: false,
    });
    expect(rowOf(compare(a, worse), 'disconnects.idleTimeout').verdict).toBe('worse');
  });

  it('judges handshakes by blocks of the ramp and publish latency by blocks of time, like fan-out', () => {
    const hs = (shift: number) => Array.from({ length: 2000 }, (_, i) => 2 + (i % 10) * 0.3 + shift);
    const c = compare(
      fakeReport({ connections: 2000, handshakeMs: hs(0), blocks: 20 }),
      fakeReport({ connections: 2000, handshakeMs: hs(10), blocks: 20 }),
    );
    expect(rowOf(c, 'handshake.p99')).toMatchObject({ verdict: 'worse', method: 'blocks' });
    const pub = (shift: number) => Array.from({ length: 400 }, (_, i) => 1 + (i % 7) * 0.2 + shift);
    const p = compare(
      fakeReport({ publishMs: pub(0), published: 400, blocks: 20 }),
      fakeReport({ publishMs: pub(8), published: 400, blocks: 20 }),
    );
    expect(rowOf(p, 'publish.p50')).toMatchObject({ verdict: 'worse', method: 'blocks' });
    expect(rowOf(p, 'publish.p99')).toMatchObject({ verdict: 'worse', method: 'blocks' });
  });

  it('still compares reports written before handshake, publish and lost blocks existed (fan-out by blocks, the rest per sample)', () => {
    const strip = (r: Report): Report => {
      const { handshake: _h, publish: _p, lost: _l, ...intervals } = r.intervals as NonNullable<Report['intervals']>;
      return { ...r, intervals };
    };
    const c = compare(strip(run(1)), strip(run(2, { shiftMs: 5 })));
    expect(rowOf(c, 'fanout.p50')).toMatchObject({ method: 'blocks', verdict: 'worse' });
    expect(rowOf(c, 'publish.p50').method).toBe('per-sample');
    // The committed report files of an older wsload read and compare.
    const before = parseReport(JSON.parse(readFileSync(join(ROOT, 'test/fixtures/reports/before.json'), 'utf8')), 'before.json');
    const after = parseReport(JSON.parse(readFileSync(join(ROOT, 'test/fixtures/reports/after.json'), 'utf8')), 'after.json');
    expect(compare(before, after).gate.worse).toContain('fanout.lost');
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
    expect(judgeChange({ low: 0.5, high: 3 }, 1)).toEqual({
      verdict: 'inconclusive',
      note: '95% interval of the change +0.50 to +3.00 ms crosses the tolerance ±1.00 ms',
    });
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
  it('shows before, after, change and verdict per metric within 100 columns, the gate, then the notes', () => {
    const { before, after } = fixturePair();
    const text = renderCompareTable(compare(before, after));
    expect(text).not.toMatch(/\u001b\[/);
    expect(text.split('\n').filter((l) => [...l].length > 100)).toEqual([]);
    const p50 = text.split('\n').find((l) => l.startsWith('│ fanout.p50 '));
    const b = before.fanout.latencyMs.p50;
    // Over every expected delivery (50 lost counted at the deadline): the after value moves up a little.
    const a = rowOf(compare(before, after), 'fanout.p50').after ?? NaN;
    const cells = p50
      ?.split('│')
      .slice(1, -1)
      .map((x) => x.trim());
    expect(cells?.slice(0, 5)).toEqual(['fanout.p50', fmtMs(b), fmtMs(a), `+${fmtMs(a - b)} (+${fmtPct((100 * (a - b)) / b)})`, 'same*']);
    expect(text).toMatch(/│ fanout\.p99 +│[^\n]+│ inconclusive\* │ received only: /);
    expect(text).toMatch(/│ fanout\.lost\.any +│[^\n]+│ WORSE\* +│ policy: no +│/);
    expect(text).toContain('│   ↳ connection-lost ');
    expect(text).toContain(
      '5 regressions: fanout.delivered, fanout.lost, fanout.lost.any, disconnects.byCause.connection-lost,\n  disconnects.idleTimeout',
    );
    expect(text).toContain("gate (verdicts marked *): 16 rows, 5 statistical under Holm's control: REGRESSION on fanout.lost,");
    expect(text).toContain('\nNotes\n  - one run per side:');
    expect(text).toContain('\n  - the before report (2025-03-01T09:00:00.000Z) has no per-interval histograms');
  });

  it('shows a slower run as WORSE on the judged rows', () => {
    const text = renderCompareTable(compare(run(1), run(2, { shiftMs: 5 })));
    expect(text).toMatch(/│ fanout\.p50 +│[^\n]+│ WORSE\* +│/);
    expect(text).not.toContain('Each run');
  });

  it("lists each run's figures when a side has several runs", () => {
    const before = [run(1), run(3)];
    const after = [run(2, { shiftMs: 5 }), run(4, { shiftMs: 5 })];
    const text = renderCompareTable(compare(before, after));
    expect(text).toContain("before (2 runs, mean of each run's value; first): fake");
    const runsTable = text.slice(text.indexOf('Each run'));
    expect(runsTable).toContain('fanout.p50');
    for (const r of [...before, ...after]) expect(runsTable).toContain(fmtMs(r.fanout.latencyMs.p50));
    expect(text.split('\n').filter((l) => [...l].length > 100)).toEqual([]);
  });
});
