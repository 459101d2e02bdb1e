/**
 * The clock's bound on fan-out latency: how it is tracked over a run (the largest in use, drift
 * between probe rounds included), how thresholds use it (a value within the uncertainty of its
 * limit is not a clean pass), and receipts before their scheduled time (counted and shown within
 * max(uncertainty, 1 ms), none on one clock; beyond, the run fails and latency thresholds with it). Merge keeps the
 * widest bound and says when an older report's books do not add up.
 */
import { describe, expect, it } from 'vitest';
import { ClockOffsetEstimator, ClockTrack, type ProbeSample } from '../../src/coordinator/clock-offset.js';
import { evaluateThresholds, thresholdValueText } from '../../src/report/thresholds.js';
import { runExitCode, runFailed, verdictLine } from '../../src/report/verdict.js';
import { earlyBeyondBound } from '../../src/report/clock-bound.js';
import { mergeReports } from '../../src/report/merge.js';
import type { Report, ShardReport } from '../../src/run/report.js';
import { fakeReport, latencies } from '../helpers/fake-report.js';

/** A probe of an agent whose clock runs `offsetMs` ahead; legs of `outMs` and `backMs`. */
function probe(at: number, offsetMs: number, outMs: number, backMs: number): ProbeSample {
  const t1 = at + outMs + offsetMs;
  return { t0: at, t1, t2: t1 + 0.01, t3: at + outMs + 0.01 + backMs };
}

/** The estimate of one round of probes at `at`, the agent's clock `offsetMs` ahead then. */
function round(at: number, offsetMs: number, legs: [number, number][]): { offsetMs: number; uncertaintyMs: number } {
  const est = new ClockOffsetEstimator();
  legs.forEach(([out, back], i) => est.add(probe(at + i, offsetMs, out, back)));
  return est.estimate()!;
}

describe('the clock bound over a run', () => {
  it('holds the true offset at every round, drifting, and is the largest in use plus the drift between rounds', () => {
    const track = new ClockTrack();
    // A clock drifting 2 ms per 30 s round; probes of 0.4 ms legs, one of them queued.
    const truth = [100, 102, 104, 106];
    const rounds = truth.map((o, i) =>
      round(i * 30_000, o, [
        [0.2, 0.2],
        [0.2, 3],
        [1, 0.2],
        [0.3, 0.3],
      ]),
    );
    for (const [i, est] of rounds.entries()) {
      expect(Math.abs(est.offsetMs - truth[i])).toBeLessThanOrEqual(est.uncertaintyMs + 1e-9);
      track.apply(est);
    }
    // Each offset was in use until the next round: by then off by the drift, 2 ms, plus the next round's bound.
    expect(track.driftMs).toBeCloseTo(2, 6);
    expect(track.uncertaintyMs).toBeCloseTo(2 + rounds[1].uncertaintyMs, 6);
    for (const [i, est] of rounds.slice(0, -1).entries())
      expect(Math.abs(est.offsetMs - truth[i + 1])).toBeLessThanOrEqual(track.uncertaintyMs + 1e-9);
    expect(track.estimates).toBe(4);
  });

  it("is infinite before any estimate and the round's own bound after one", () => {
    const track = new ClockTrack();
    expect(track.uncertaintyMs).toBe(Number.POSITIVE_INFINITY);
    track.apply({ offsetMs: 5, uncertaintyMs: 0.3 });
    expect(track.uncertaintyMs).toBe(0.3);
    expect(track.driftMs).toBe(0);
    // A worse round later counts: its bound was in use too.
    track.apply({ offsetMs: 5, uncertaintyMs: 4 });
    expect(track.uncertaintyMs).toBe(4);
  });
});

/** A report with the latencies of `fanoutMs`, a `fanout.p99 < limit` threshold and the clock's bound set. */
function withClock(fanoutMs: number[], uncertaintyMs: number, early = 0, earlyMaxMs = 0): Report {
  const r = fakeReport({ fanoutMs });
  r.clock = { uncertaintyMs };
  r.fanout.early = early;
  r.fanout.earlyMaxMs = earlyMaxMs;
  return r;
}

describe('latency thresholds with the clock bound', () => {
  const samples = latencies(2_000, { baseMs: 40, spreadMs: 20, seed: 3 });

  it('pass cleanly only when the limit is clear of the uncertainty; within it they fail as uncertain', () => {
    const base = withClock(samples, 0);
    const p99 = base.fanout.latencyMs.p99;
    const limit = `< ${Math.ceil(p99 + 2)}ms`;
    // On one clock: passes.
    expect(evaluateThresholds(base, { 'fanout.p99': limit })[0]).toMatchObject({ pass: true });
    expect(evaluateThresholds(base, { 'fanout.p99': limit })[0].clockUncertaintyMs).toBeUndefined();
    // ±0.5 ms: still clear of the limit.
    expect(evaluateThresholds(withClock(samples, 0.5), { 'fanout.p99': limit })[0]).toMatchObject({ pass: true, clockUncertaintyMs: 0.5 });
    // ±5 ms: the true p99 may be above the limit: not a clean pass.
    const unsure = evaluateThresholds(withClock(samples, 5), { 'fanout.p99': limit })[0];
    expect(unsure).toMatchObject({ pass: false, uncertain: true, clockUncertaintyMs: 5 });
    // A lower bound is judged the other way, and a latency count or a counter ignores the clock.
    expect(
      evaluateThresholds(withClock(samples, 5), { 'fanout.p50': `> ${Math.floor(base.fanout.latencyMs.p50 - 2)}ms` })[0],
    ).toMatchObject({ pass: false, uncertain: true });
    expect(
      evaluateThresholds(withClock(samples, 5), { 'fanout.count': '> 10', 'fanout.lost': '== 0' }).every(
        (t) => t.pass && t.clockUncertaintyMs === undefined,
      ),
    ).toBe(true);
    // The verdict line and the exit code say it.
    const r = withClock(samples, 5);
    r.thresholds = [unsure];
    expect(runExitCode(r)).toBe(3);
    expect(verdictLine(r)).toContain(
      `fanout.p99 ${limit} (got ${thresholdValueText(unsure)} ± 5 ms, within the clock uncertainty of the limit)`,
    );
    expect(thresholdValueText(unsure)).toMatch(/^\d+(\.\d+)? ms$/);
  });

  it('fail every fan-out and completion latency threshold when receipts came early beyond the bound', () => {
    const r = withClock(samples, 0.4, 12, 950);
    const results = evaluateThresholds(r, { 'fanout.p99': '< 10s', 'completion.p50': '< 10s', 'publish.p99': '< 10s' });
    expect(results.map((t) => [t.metric, t.pass, t.clockWrong ?? false])).toEqual([
      ['fanout.p99', false, true],
      ['completion.p50', false, true],
      // The publish request is timed on the coordinator's own clock.
      ['publish.p99', true, false],
    ]);
  });
});

/** A spread report whose one remote shard had `early` receipts up to `earlyMaxMs` early, with clock bound `u`. */
function spread(u: number, early: number, earlyMaxMs: number): Report {
  const r = withClock(latencies(500, { seed: 5 }), u, early, earlyMaxMs);
  const shard: ShardReport = {
    index: 0,
    name: 'remote',
    host: 'elsewhere',
    pid: 1,
    sockets: 10,
    opened: 10,
    failed: 0,
    peakRssMb: 50,
    eventLoopLagMs: 1,
    saturated: false,
    clockOffsetMs: 1000,
    clockUncertaintyMs: u,
    clockDriftMs: 0,
    lost: false,
    fanout: { expected: r.fanout.expected, delivered: r.fanout.delivered, lost: r.fanout.lost, unconfirmed: 0, early, earlyMaxMs },
  };
  r.shards = [shard];
  return r;
}

describe('receipts before their scheduled time', () => {
  it('fail the run beyond max(uncertainty, 1 ms), naming the shard, how many and how early', () => {
    // An offset 3 s wrong that claimed ±1.5 ms.
    const r = spread(1.5, 480, 2995.2);
    expect(earlyBeyondBound(r)).toEqual([{ where: 'remote', early: 480, earlyMaxMs: 2995.2, toleranceMs: 1.5 }]);
    expect(runFailed(r)).toBe(true);
    expect(runExitCode(r)).toBe(1);
    expect(verdictLine(r)).toBe(
      "FAILED: 480 deliveries on shard remote arrived before their publish's scheduled time, up to 2995.2 ms early (the ±1.5 ms clock uncertainty allows 1.5 ms): " +
        'the clock offset in use was wrong by at least that much, so fan-out and completion latency are not a measurement (fanout.early)',
    );
    // Just past a wide bound fails too.
    expect(earlyBeyondBound(spread(150, 3, 150.5))).toEqual([{ where: 'remote', early: 3, earlyMaxMs: 150.5, toleranceMs: 150 }]);
  });

  it('are counted and shown, not a failure, within max(uncertainty, 1 ms); never tolerated on one clock', () => {
    // Within a wide bound: what the bound allows, no evidence of a wrong offset.
    const wide = spread(150, 12, 7.5);
    expect(earlyBeyondBound(wide)).toEqual([]);
    expect(runFailed(wide)).toBe(false);
    expect(wide.fanout.early).toBe(12);
    // A sub-millisecond bound tolerates up to 1 ms.
    expect(runFailed(spread(0.6, 3, 0.4))).toBe(false);
    expect(runFailed(spread(0.6, 3, 0.9))).toBe(false);
    expect(runFailed(spread(0.6, 3, 1.2))).toBe(true);
    // One process: a receipt cannot precede its publish's schedule at all.
    const one = withClock(latencies(500, { seed: 5 }), 0, 1, 0.01);
    expect(verdictLine(one)).toMatch(
      /^FAILED: 1 delivery arrived before their publish's scheduled time, up to 0\.01 ms early \(on one clock none can be\)/,
    );
  });
});

describe('merging reports', () => {
  it('keeps the widest clock bound and sums the early and unconfirmed counts', () => {
    const a = spread(0.5, 0, 0);
    const b = spread(3, 2, 0.8);
    b.fanout.unconfirmed = 40;
    b.fanout.lost += 40;
    b.fanout.expected += 40;
    const m = mergeReports([a, b]);
    expect(m.clock).toEqual({ uncertaintyMs: 3 });
    expect(m.fanout.early).toBe(2);
    expect(m.fanout.earlyMaxMs).toBe(0.8);
    expect(m.fanout.unconfirmed).toBe(40);
    expect(m.fanout.delivered + m.fanout.lost).toBe(m.fanout.expected);
    expect(m.merged?.estimates['fanout.unconfirmed']).toMatch(/upper bound/);
  });

  it("says so when an older report's books do not add up (a lost shard's unjudged receipts), and reads one without a clock section", () => {
    const old = fakeReport({ fanoutMs: latencies(300, { seed: 9 }) });
    // As main wrote them before: a lost shard's receipts of unjudged publishes in delivered only.
    old.fanout.delivered += 500;
    delete old.clock;
    old.shards = [{ ...spread(2, 0, 0).shards![0], fanout: undefined }];
    const m = mergeReports([old, fakeReport({ fanoutMs: latencies(300, { seed: 10 }) })]);
    expect(m.merged?.estimates['fanout.expected']).toMatch(/^1 of 2 reports have delivered \+ lost ≠ expected/);
    expect(m.warnings.some((w) => w.startsWith('fanout: 1 of 2 reports have delivered + lost ≠ expected'))).toBe(true);
    // The older report's bound comes from its shards.
    expect(m.clock).toEqual({ uncertaintyMs: 2 });
  });
});
