/**
 * The publisher's own-delay probe samples only while a request is in flight (issue 22): an idle
 * publisher costs no wake-ups, and an answer handled after a stall still has the stall taken out.
 */
import { describe, expect, it } from 'vitest';
import { OwnDelayProbe } from '../../src/metrics/own-delay.js';
import { nowMs } from '../../src/clock.js';

/** Keeps this thread busy for `ms`, as a snapshot merge would. */
function stall(ms: number): void {
  const until = nowMs() + ms;
  while (nowMs() < until);
}

describe('OwnDelayProbe', () => {
  it("runs no timer while nothing is in flight, so a stall then is nobody's answer delay", () => {
    const probe = new OwnDelayProbe(5);
    probe.start();
    stall(30);
    // Before issue 22 the timer ran through the whole hold and read ~25 ms here.
    expect(probe.delayNow()).toBe(0);
    probe.stop();
  });

  it("reads a stall that began after the send as the answer's delay, and 0 once the last request left", () => {
    const probe = new OwnDelayProbe(5);
    probe.start();
    probe.enter();
    probe.enter();
    stall(30);
    // Overdue by the stall less one period (the timer was due 5 ms after the send); a loaded machine only adds.
    expect(probe.delayNow()).toBeGreaterThanOrEqual(25);
    probe.leave();
    expect(probe.delayNow()).toBeGreaterThanOrEqual(25);
    probe.leave();
    expect(probe.delayNow()).toBe(0);
    probe.leave(); // one more leave than enters is ignored
    probe.enter();
    probe.stop();
    expect(probe.delayNow()).toBe(0);
  });

  it('does nothing before start() or after stop()', () => {
    const probe = new OwnDelayProbe(5);
    probe.enter();
    stall(15);
    expect(probe.delayNow()).toBe(0);
    probe.start();
    probe.stop();
    probe.enter();
    stall(15);
    expect(probe.delayNow()).toBe(0);
  });
});
