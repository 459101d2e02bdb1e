import { afterEach, describe, expect, it } from 'vitest';
import { nowMs } from '../../src/clock.js';
import { RunState } from '../../src/driver/run-state.js';
import { parseScenario } from '../../src/scenario/load.js';

/**
 * Timers pending in this thread (Node lists one 'Timeout' per active setTimeout/setInterval). The
 * runner's own timers come and go (a test's timeout), so counts are compared with at most.
 */
const pendingTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

const states: { state: RunState; stop: () => void }[] = [];
afterEach(async () => {
  // Whatever a test leaves waiting is released, and its timers (each re-checks within 250 ms) are
  // given time to end, so the next test counts only its own.
  for (const s of states.splice(0)) s.stop();
  await new Promise((r) => setTimeout(r, 300));
});

function waiting(forMs: number): { state: RunState; done: Promise<void>; release: () => void } {
  const state = new RunState(parseScenario({ name: 'wait', connections: 1, duration: '1s' }, { cpus: 2 }), { reportFile: null });
  let released = false;
  const done = state.waitFor(() => released, nowMs() + forMs);
  const release = (): void => {
    released = true;
    state.poke();
  };
  states.push({ state, stop: release });
  return { state, done, release };
}

// Every worker message pokes the driver's wait (the hold is one wait of the whole duration). Each
// poke used to schedule another 250 ms timer without clearing the last, and each timer re-armed
// itself when it fired: one more timer for the rest of the hold per worker tick, ~16,000 after a
// 2 h soak at two workers, each firing four times a second (issue 27, the creep after 10 minutes).
describe('RunState.waitFor: one timer whatever wakes it', () => {
  it('holds one pending timer after 1,000 wakes, and none once it resolves', async () => {
    const before = pendingTimers();
    const { state, done, release } = waiting(60_000);
    for (let i = 0; i < 1000; i++) state.poke();
    expect(pendingTimers() - before).toBeLessThanOrEqual(1);
    release();
    await done;
    expect(pendingTimers()).toBeLessThanOrEqual(before);
  });

  it('does not multiply its timers as they fire between wakes', async () => {
    const before = pendingTimers();
    const { state, done, release } = waiting(60_000);
    // Wakes spread over a few of its own 250 ms re-checks, as worker ticks arrive during a hold.
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 50; i++) state.poke();
      await new Promise((r) => setTimeout(r, 300));
      expect(pendingTimers() - before).toBeLessThanOrEqual(1);
    }
    release();
    await done;
    expect(pendingTimers()).toBeLessThanOrEqual(before);
  });

  it('still resolves at its deadline with nothing waking it', async () => {
    const before = pendingTimers();
    const { done } = waiting(300);
    const t0 = nowMs();
    await done;
    expect(nowMs() - t0).toBeGreaterThanOrEqual(290);
    expect(pendingTimers()).toBeLessThanOrEqual(before);
  });

  it('resolves at once when its condition already holds', async () => {
    const state = new RunState(parseScenario({ name: 'wait', connections: 1, duration: '1s' }, { cpus: 2 }), { reportFile: null });
    const before = pendingTimers();
    await state.waitFor(() => true, nowMs() + 60_000);
    expect(pendingTimers()).toBeLessThanOrEqual(before);
  });
});
