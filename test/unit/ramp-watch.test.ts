/**
 * An agent's ramp end for the heap growing factor (src/agent/ramp-watch.ts): the hold's factor once
 * every worker has ramped or ended, or when the coordinator starts the hold, once.
 */
import { describe, expect, it } from 'vitest';
import { RampWatch } from '../../dist/agent/ramp-watch.js';

function watch(ids: number[]): { w: RampWatch; calls: () => number } {
  let n = 0;
  const w = new RampWatch(ids, () => n++);
  return { w, calls: () => n };
}

describe("an agent's ramp end", () => {
  it('comes when every worker has ramped, once', () => {
    const { w, calls } = watch([3, 4]);
    w.done(3);
    w.done(3);
    expect(calls()).toBe(0);
    w.done(4);
    w.done(4);
    w.end();
    expect(calls()).toBe(1);
    expect(w.ended).toBe(true);
  });

  it('is not held back by a worker that died while ramping', () => {
    const { w, calls } = watch([0, 1]);
    w.done(0); // ramped
    w.done(1); // crashed before its ramp ended: workerGone
    expect(calls()).toBe(1);
  });

  it("comes with the coordinator's hold even when a worker never reports", () => {
    const { w, calls } = watch([0, 1]);
    w.done(0);
    w.end();
    w.done(1);
    expect(calls()).toBe(1);
  });

  it('comes at once for an agent with no workers, and ignores workers it was not given', () => {
    expect(watch([]).calls()).toBe(1);
    const { w, calls } = watch([7]);
    w.done(8);
    expect(calls()).toBe(0);
  });
});
