import { describe, expect, it } from 'vitest';
import { describeStages, peakTarget, RateSchedule, socketEvents, stagesTotalMs } from '../../src/run/load-stages.js';

/** Events as readable tuples: [atMs, "open"|"close", global index]. */
function events(stages: { durationMs: number; target: number }[], indices: number[]): [number, string, number][] {
  const e = socketEvents(stages, indices);
  return Array.from(e.atMs, (at, n) => {
    const s = e.socket[n];
    return [Math.round(at * 1000) / 1000, s >= 0 ? 'open' : 'close', indices[s >= 0 ? s : ~s]];
  });
}

describe('socketEvents', () => {
  it('opens socket i when the ramp reaches i + 1, exactly', () => {
    // 0 → 4 in 1000 ms: level L at L × 250 ms.
    expect(events([{ durationMs: 1000, target: 4 }], [0, 1, 2, 3])).toEqual([
      [250, 'open', 0],
      [500, 'open', 1],
      [750, 'open', 2],
      [1000, 'open', 3],
    ]);
  });

  it('gives a worker only its own sockets, at the same times as in one worker', () => {
    const stages = [{ durationMs: 1000, target: 4 }];
    expect(events(stages, [1, 3])).toEqual([
      [500, 'open', 1],
      [1000, 'open', 3],
    ]);
  });

  it('closes highest index first on a ramp down, when the curve falls below i + 1', () => {
    // 4 at once, hold 1 s, 4 → 2 over 1 s: level 4 is left at 1000 ms, level 3 at 1500 ms.
    const stages = [
      { durationMs: 0, target: 4 },
      { durationMs: 1000, target: 4 },
      { durationMs: 1000, target: 2 },
    ];
    expect(events(stages, [0, 1, 2, 3])).toEqual([
      [0, 'open', 0],
      [0, 'open', 1],
      [0, 'open', 2],
      [0, 'open', 3],
      [1000, 'close', 3],
      [1500, 'close', 2],
    ]);
  });

  it('steps down at once (highest first) and re-opens the same sockets when the curve rises again', () => {
    const stages = [
      { durationMs: 400, target: 2 },
      { durationMs: 0, target: 0 },
      { durationMs: 1000, target: 0 },
      { durationMs: 200, target: 2 },
    ];
    expect(events(stages, [0, 1])).toEqual([
      [200, 'open', 0],
      [400, 'open', 1],
      [400, 'close', 1],
      [400, 'close', 0],
      [1500, 'open', 0],
      [1600, 'open', 1],
    ]);
  });

  it('never opens a socket above the peak, and holds make no events', () => {
    expect(
      events(
        [
          { durationMs: 1000, target: 2 },
          { durationMs: 5000, target: 2 },
        ],
        [0, 1, 2],
      ),
    ).toEqual([
      [500, 'open', 0],
      [1000, 'open', 1],
    ]);
  });
});

describe('RateSchedule', () => {
  it('is the constant rate without stages beyond the start', () => {
    const s = new RateSchedule(10, [], 1000);
    expect(s.count).toBe(10);
    expect([0, 1, 9].map((n) => s.offsetOf(n))).toEqual([0, 100, 900]);
  });

  it('due when the integral of a linear ramp reaches n: 0 → 40/s over 1 s publishes 20', () => {
    const s = new RateSchedule(0, [{ durationMs: 1000, target: 40 }], 1000);
    expect(s.count).toBe(20);
    // ∫ = 20 t² (t in s): publish n at sqrt(n / 20) s.
    for (const n of [0, 1, 5, 19]) expect(s.offsetOf(n)).toBeCloseTo(Math.sqrt(n / 20) * 1000, 6);
  });

  it('continues at the last target after the stages, and counts the whole hold exactly', () => {
    // 0 → 40 in 1 s (20), hold 40/s 1 s (40), 40 → 10 in 1 s (25), then 10/s for 1 s (10).
    const stages = [
      { durationMs: 1000, target: 40 },
      { durationMs: 1000, target: 40 },
      { durationMs: 1000, target: 10 },
    ];
    const s = new RateSchedule(0, stages, 4000);
    expect(s.count).toBe(95);
    expect(s.offsetOf(20)).toBeCloseTo(1000, 6);
    expect(s.offsetOf(60)).toBeCloseTo(2000, 6);
    expect(s.offsetOf(85)).toBeCloseTo(3000, 6);
    expect(s.offsetOf(94)).toBeCloseTo(3900, 6);
    // A fresh schedule: offsetOf is asked with rising n, as the publisher does.
    const again = new RateSchedule(0, stages, 4000);
    let prev = -1;
    for (let n = 0; n < again.count; n++) {
      const t = again.offsetOf(n);
      expect(t).toBeGreaterThan(prev);
      prev = t;
    }
  });

  it('skips a stretch at rate 0 to where the rate comes back', () => {
    const s = new RateSchedule(
      10,
      [
        { durationMs: 0, target: 0 },
        { durationMs: 1000, target: 0 },
        { durationMs: 0, target: 10 },
      ],
      2000,
    );
    expect(s.count).toBe(10);
    expect(s.offsetOf(0)).toBe(0);
    expect(s.offsetOf(1)).toBeCloseTo(1100, 6);
  });
});

describe('shape helpers', () => {
  it('peak, total and the shape in words', () => {
    const stages = [
      { durationMs: 60_000, target: 1000 },
      { durationMs: 300_000, target: 1000 },
      { durationMs: 30_000, target: 200 },
      { durationMs: 0, target: 600 },
      { durationMs: 120_000, target: 600 },
    ];
    expect(peakTarget(stages)).toBe(1000);
    expect(stagesTotalMs(stages)).toBe(510_000);
    expect(describeStages(stages)).toBe('0→1000 in 1m, hold 5m, 1000→200 in 30s, step to 600, hold 2m');
  });
});
