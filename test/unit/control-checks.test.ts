/**
 * What the coordinator refuses from an agent before it reaches the aggregate, the report or the
 * metrics (shape, numbers, frame order, worker ids it owns, each worker's order), what an agent
 * refuses from its coordinator, and how either side judges silence net of its own stalls. The
 * end-to-end cases (a real coordinator, fake and real agents) are in test/cli/hostile-*.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { checkAgentFrame, checkCoordinatorFrame } from '../../src/run/control-schema.js';
import { closeReason } from '../../src/run/control-protocol.js';
import { AgentChecks } from '../../src/coordinator/agent-checks.js';
import { SilenceJudge } from '../../src/run/silence.js';
import { emptyCohortCounters } from '../../src/run/protocol.js';
import { counters, encodedLatencies, hello, stats, tick } from '../helpers/control-frames.js';

const frame = (msg: object, n = 1): string => JSON.stringify({ ...msg, n });
const worker = (msg: object, n = 1): string => frame({ type: 'worker', msg }, n);

function why(data: string): string {
  const r = checkAgentFrame(data);
  if (r.ok) throw new Error(`accepted: ${data.slice(0, 200)}`);
  return r.why;
}

describe("the shape of an agent's frames", () => {
  it('accepts what a well-behaved agent sends', () => {
    for (const msg of [
      hello('a', '0.1.0'),
      stats(10, 12),
      { type: 'probe-reply', id: 3, t0: 1.5, t1: 2.5, t2: 2.6 },
      { type: 'gone', workerId: 2, reason: 'exited with code 1' },
      { type: 'worker', msg: { type: 'ready', workerId: 0 } },
      { type: 'worker', msg: { type: 'fatal', workerId: 0, error: { name: 'Error', code: null, message: 'boom' } } },
      {
        type: 'worker',
        msg: tick(0, 2, {
          histograms: { fanout: encodedLatencies(50, 20) },
          closeLog: [10.5, 1, 0, 1006, 300.25, 120.75],
          openLog: [1.5, 1, 2.5, 1, 3, -1],
        }),
      },
    ]) {
      const r = checkAgentFrame(frame(msg));
      expect(r.ok, JSON.stringify(r)).toBe(true);
    }
  });

  it('refuses what would have reached the report as a string, NaN, Infinity or a missing field, naming the field', () => {
    expect(why('not json')).toBe('not JSON: "not json"');
    expect(why('[1,2]')).toMatch(/^a frame: /);
    expect(why(frame({ type: 'hello!' }))).toMatch(/^a "hello!" frame at type: /);
    expect(why(frame({ ...stats(), peakRssMb: '80' }))).toMatch(/^a "stats" frame at peakRssMb: .*expected number/);
    expect(why(frame({ ...stats(), open: -1 }))).toMatch(/at open: /);
    expect(why(frame({ ...stats(), open: 1.5 }))).toMatch(/at open: .*int/);
    // JSON's way to Infinity.
    expect(why(frame(stats()).replace('"rssMb":75', '"rssMb":1e400'))).toMatch(/at rssMb: /);
    expect(why(JSON.stringify(stats()))).toMatch(/at n: /);
    expect(why(frame(stats(), 0))).toMatch(/at n: /);
    expect(why(worker(tick(0, 1, { counters: { ...counters(), opened: '5' as unknown as number } })))).toMatch(
      /at msg\.counters\.opened: /,
    );
    expect(
      why(worker(tick(0, 1, { counters: { ...counters(), delivery: { ...counters().delivery, lost: 'x' as unknown as number } } }))),
    ).toMatch(/at msg\.counters\.delivery\.lost: /);
    // A counter added later must still be a count.
    expect(why(worker(tick(0, 1, { counters: { ...counters(), delivery: { ...counters().delivery, newOne: 'x' } as never } })))).toMatch(
      /at msg\.counters\.delivery\.newOne: /,
    );
    expect(why(worker(tick(0, 1, { cohorts: [{ ...emptyCohortCounters(), byCode: { 1006: 'a' as unknown as number } }] })))).toMatch(
      /at msg\.cohorts\.0\.byCode\.1006: /,
    );
    expect(
      why(worker(tick(0, 1, { seqResults: [{ seq: 1, delivered: 1, lost: 0, lastReceiptMs: 5, failed: 'no' as unknown as boolean }] }))),
    ).toMatch(/at msg\.seqResults\.0\.failed: /);
    expect(why(worker(tick(0, 1, { openLog: [1, 1, 2] })))).toMatch(/at msg\.openLog: /);
    expect(why(worker(tick(0, 1, { openLog: [1, 2] })))).toMatch(/at msg\.openLog: /);
    expect(why(worker(tick(0, 1, { closeLog: [1, 0, 9, 1006, 3, 3] })))).toMatch(/at msg\.closeLog: /);
    expect(why(worker(tick(0, 1, { histograms: { fanout: 5 as unknown as string } })))).toMatch(/at msg\.histograms\.fanout: /);
    expect(why(worker({ type: 'tick', workerId: 0 }))).toMatch(/at msg\.counters: /);
    expect(why(worker({ type: 'explode', workerId: 0 }))).toMatch(/at msg\.type: /);
  });
});

describe("what an agent's frames must respect beyond their shape", () => {
  function checks(): AgentChecks {
    const c = new AgentChecks();
    expect(c.check({ ...hello('a', 'v'), n: 1 }, false, 0)).toBeNull();
    c.assigned([
      { workerId: 1, indices: [1, 3, 5], cohorts: [{ name: 'default' }] as never, topics: undefined },
      { workerId: 3, indices: [7, 9], cohorts: [{ name: 'default' }] as never, topics: undefined },
    ]);
    return c;
  }
  const w = (msg: object, n: number): Parameters<AgentChecks['check']>[0] => ({ type: 'worker', msg, n }) as never;

  it("takes frames in order from the agent's own workers", () => {
    const c = checks();
    expect(c.check(w({ type: 'ready', workerId: 1 }, 2), true, 0)).toBeNull();
    expect(c.check(w(tick(1, 1, { counters: counters({ opened: 3 }), openLog: [1, 1, 2, 1, 3, 1] }), 3), true, 0)).toBeNull();
    expect(c.check({ ...stats(3, 3), n: 4 }, true, 0)).toBeNull();
    expect(
      c.check(
        w(
          tick(1, 1, {
            counters: counters({ opened: 3, delivered: 3, expected: 3 }),
            seqResults: [{ seq: 1, delivered: 3, lost: 0, lastReceiptMs: 9, failed: false }],
          }),
          5,
        ),
        true,
        1,
      ),
    ).toBeNull();
    expect(
      c.check(
        w(
          tick(1, 1, {
            counters: counters({ opened: 3, open: 0, delivered: 3, expected: 3 }),
            openLog: [9, -1, 9, -1, 9, -1],
            final: true,
          }),
          6,
        ),
        true,
        1,
      ),
    ).toBeNull();
    expect(c.check({ type: 'gone', workerId: 3, reason: 'exited with code 1', n: 7 }, true, 1)).toBeNull();
  });

  it('refuses a duplicated, missing or replayed frame', () => {
    const c = checks();
    expect(c.check({ ...stats(), n: 2 }, true, 0)).toBeNull();
    expect(c.check({ ...stats(), n: 2 }, true, 0)).toBe('frame 2 came again after frame 2 (duplicated or replayed)');
    const d = checks();
    expect(d.check({ ...stats(), n: 4 }, true, 0)).toBe('frame 4 came where frame 2 was due (2 missing)');
  });

  it("refuses a frame about a worker that is not the agent's, or one that already ended", () => {
    const c = checks();
    expect(c.check(w(tick(2), 2), true, 0)).toBe('a "tick" for worker 2, which is not one of its workers (1, 3)');
    expect(c.check({ type: 'gone', workerId: 0, reason: 'x', n: 3 }, true, 0)).toBe(
      'a "gone" for worker 0, which is not one of its workers (1, 3)',
    );
    expect(c.check(w(tick(1, 1, { final: true }), 4), true, 0)).toBeNull();
    expect(c.check(w(tick(1), 5), true, 0)).toBe('a "tick" for worker 1 after that worker had ended');
    expect(c.check({ type: 'gone', workerId: 1, reason: 'x', n: 6 }, true, 0)).toBe('a "gone" for worker 1 after that worker had ended');
    const before = new AgentChecks();
    expect(before.check({ ...stats(), n: 1 }, false, 0)).toBe('a "stats" frame before its hello');
    expect(before.check({ ...hello('a', 'v'), n: 2 }, false, 0)).toBeNull();
    expect(before.check(w(tick(0), 3), true, 0)).toBe('a "tick" for worker 0, which is not one of its workers (it has none yet)');
  });

  it('refuses counts that cannot be: more sockets open than it holds, a duplicated open log, counters going back, publishes judged twice or never announced', () => {
    const at = (msg: object, lastAnnounced = 0): string | null => {
      const c = checks();
      return c.check(w(msg, 2), true, lastAnnounced);
    };
    expect(at(tick(3, 1, { counters: counters({ opened: 3, open: 3 }) }))).toBe("worker 3's tick: 3 sockets open of the 2 it holds");
    expect(at(tick(3, 1, { openLog: [1, 1, 2, 1, 3, 1] }))).toBe("worker 3's tick: its open log has 3 sockets open of the 2 it holds");
    expect(at(tick(3, 1, { openLog: [1, -1] }))).toBe("worker 3's tick: its open log has -1 sockets open of the 2 it holds");
    expect(at(tick(3, 2))).toBe("worker 3's tick: counters of 2 cohorts in a run of 1");
    expect(at(tick(3, 1, { closeLog: [5, 1, 0, 1006, 10, 10] }))).toBe("worker 3's tick: a close in cohort 1 of a run of 1");
    expect(at(tick(3, 1, { seqResults: [{ seq: 4, delivered: 0, lost: 0, lastReceiptMs: 0, failed: false }] }), 3)).toBe(
      "worker 3's tick: publish 4 judged, but only 3 were announced",
    );
    expect(
      at(tick(3, 1, { counters: { ...counters(), topics: { expected: [1], delivered: [1], lost: [0], late: [0], duplicated: [0] } } })),
    ).toBe("worker 3's tick: topic counters that do not match the run's 0 topics");
    const c = checks();
    expect(
      c.check(
        w(
          tick(1, 1, {
            counters: counters({ opened: 2 }),
            openLog: [1, 1, 2, 1],
            seqResults: [{ seq: 1, delivered: 2, lost: 0, lastReceiptMs: 5, failed: false }],
          }),
          2,
        ),
        true,
        2,
      ),
    ).toBeNull();
    // The same tick again under a new frame number: publish 1 judged twice; its open log would make 4 of 3.
    expect(
      c.check(
        w(
          tick(1, 1, {
            counters: counters({ opened: 2 }),
            seqResults: [{ seq: 1, delivered: 2, lost: 0, lastReceiptMs: 5, failed: false }],
          }),
          3,
        ),
        true,
        2,
      ),
    ).toBe("worker 1's tick: publish 1 judged again after publish 1");
    expect(c.check(w(tick(1, 1, { counters: counters({ opened: 2 }), openLog: [1, 1, 2, 1] }), 4), true, 2)).toBe(
      "worker 1's tick: its open log has 4 sockets open of the 3 it holds",
    );
    const e = checks();
    expect(e.check(w(tick(1, 1, { counters: counters({ opened: 2 }) }), 2), true, 0)).toBeNull();
    expect(e.check(w(tick(1, 1, { counters: counters({ opened: 1 }) }), 3), true, 0)).toBe(
      "worker 1's tick: attempts went back from 2 to 1",
    );
    const s = checks();
    expect(s.check({ ...stats(6, 6), n: 2 }, true, 0)).toBe('stats of 6 sockets open (peak 6) on an agent given 5');
  });
});

describe('what an agent refuses from its coordinator', () => {
  it('accepts its frames and refuses a bad one naming the field', () => {
    for (const msg of [
      { type: 'beat' },
      { type: 'probe', id: 1, t0: 5 },
      { type: 'publish', seq: 1, scheduledMs: 1, sentMs: 2 },
      { type: 'settle', seq: 1, ok: true, ackMs: 3 },
      { type: 'driver', workerId: 1, msg: { type: 'drain', lastSeq: 4, deadlineAtMs: 99 } },
      { type: 'standby', reason: 'late' },
      { type: 'end' },
    ]) {
      expect(checkCoordinatorFrame(frame(msg)).ok).toBe(true);
    }
    const bad = checkCoordinatorFrame(frame({ type: 'publish', seq: 0, scheduledMs: 1, sentMs: 2 }));
    expect(bad.ok ? '' : bad.why).toMatch(/^a "publish" frame at seq: /);
    const driver = checkCoordinatorFrame(frame({ type: 'driver', workerId: 1, msg: { type: 'drain', lastSeq: 4 } }));
    expect(driver.ok ? '' : driver.why).toMatch(/^a "driver" frame at msg\.deadlineAtMs: /);
  });
});

describe("silence judged net of the judge's own stalls", () => {
  it('loses a peer silent past the limit while the judge was awake', () => {
    const j = new SilenceJudge(3_000, 1_000, 0);
    j.heard(500);
    expect(j.check(1_000)).toBeNull();
    expect(j.check(2_000)).toBeNull();
    expect(j.check(3_000)).toBeNull();
    expect(j.check(4_000)).toBe(3_500);
  });

  it("does not count its own stall as the peer's silence, and passes no judgment right after one", () => {
    const j = new SilenceJudge(3_000, 1_000, 0);
    expect(j.check(1_000)).toBeNull();
    // Stalled 17 s: the check due at 2 s runs at 19 s. What queued meanwhile is read before the next check.
    expect(j.check(19_000)).toBeNull();
    expect(j.silenceMs(19_000)).toBe(2_000);
    j.heard(19_001);
    expect(j.check(20_000)).toBeNull();
    // Nothing came after all: judged by the time it was awake (2 s before the stall, 1 s after).
    const k = new SilenceJudge(3_000, 1_000, 0);
    expect(k.check(1_000)).toBeNull();
    expect(k.check(19_000)).toBeNull();
    expect(k.check(20_000)).toBe(3_000);
  });
});

describe('the reason of a close frame', () => {
  it('fits in 123 bytes whatever the reason, marking a cut', () => {
    expect(closeReason('short')).toBe('short');
    const long = closeReason(`dropped: ${'é'.repeat(200)}`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(123);
    expect(long.endsWith('…')).toBe(true);
    expect(Buffer.byteLength(closeReason('x'.repeat(500)))).toBe(123);
  });
});
