/**
 * The keepalive timer wheel (src/worker/due-wheel.ts, issue 24/25 debts item 3): a take fires
 * exactly the sockets due by then, each once, none early, none lost, whatever their due times
 * (past, within a slot, past the wheel's span), across reschedules and cancels.
 */
import { describe, expect, it } from 'vitest';
import { DueWheel } from '../../dist/worker/due-wheel.js';

/** Fires sockets through the wheel and checks each against a plain list of due times. */
function run(
  n: number,
  slotMs: number,
  spanMs: number,
  firstDue: (k: number) => number,
  every: (k: number) => number | null,
  untilMs: number,
  stepMs: (i: number) => number,
): void {
  const due = new Float64Array(n);
  const wheel = new DueWheel(n, slotMs, spanMs, due);
  const expected = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    wheel.schedule(k, firstDue(k));
    expected[k] = firstDue(k);
  }
  let now = 1000;
  let last = now;
  for (let i = 0; now < untilMs; i++) {
    const fired: number[] = [];
    wheel.take(now, (k) => {
      fired.push(k);
      const again = every(k);
      if (again !== null) wheel.schedule(k, now + again);
    });
    // Exactly the sockets due by now fired, each once (none early, none missed).
    const want: number[] = [];
    for (let k = 0; k < n; k++) if (expected[k] <= now) want.push(k);
    expect(fired.sort((a, b) => a - b)).toEqual(want);
    for (const k of fired) {
      const again = every(k);
      expected[k] = again === null ? Infinity : now + again;
      expect(expected[k] === Infinity || expected[k] > last).toBe(true);
    }
    last = now;
    now += stepMs(i);
  }
}

describe('DueWheel', () => {
  it('fires each socket at its interval: intervals within the span, ticks of one slot', () => {
    run(
      500,
      10,
      1000,
      (k) => 1000 + (k % 97) * 7,
      (k) => 100 + (k % 9) * 100,
      6000,
      () => 10,
    );
  });

  it('due times past the span wrap and still fire only when due; irregular ticks (a stalled loop) lose nothing', () => {
    run(
      300,
      25,
      200,
      (k) => 1000 + k * 13,
      (k) => (k % 3 === 0 ? null : 50 + (k % 7) * 150),
      8000,
      (i) => (i % 17 === 0 ? 900 : 5 + (i % 4) * 20),
    );
  });

  it('a socket rescheduled shorter than a slot fires at the next take, not a turn later', () => {
    run(
      50,
      100,
      1000,
      () => 1000,
      () => 1,
      3000,
      () => 100,
    );
  });

  it('a cancelled socket never fires; rescheduling moves it', () => {
    const due = new Float64Array(4);
    const wheel = new DueWheel(4, 10, 100, due);
    for (let k = 0; k < 4; k++) wheel.schedule(k, 100);
    wheel.cancel(1);
    wheel.schedule(2, 500);
    const fired: number[] = [];
    wheel.take(150, (k) => fired.push(k));
    expect(fired.sort()).toEqual([0, 3]);
    wheel.take(499, (k) => fired.push(k));
    expect(fired).toHaveLength(2);
    wheel.take(500, (k) => fired.push(k));
    expect(fired.slice(2)).toEqual([2]);
  });
});
