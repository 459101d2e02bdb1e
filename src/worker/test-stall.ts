/**
 * Test hook: `WSLOAD_TEST_WORKER_STALL="<worker>:<busy ms>/<period ms>"` keeps worker <worker>'s
 * event loop busy for <busy> ms of every <period> ms: a worker known to be exactly this busy, so a
 * test can check the lag and utilization the report states against a known cause
 * (test/integration/client-health.test.ts). Unset, as always outside tests, it does nothing.
 */
import { nowMs } from '../clock.js';

export const TEST_STALL_ENV = 'WSLOAD_TEST_WORKER_STALL';

/** Starts the stall when the variable names this worker; returns its timer, or null. */
export function startTestStall(workerId: number, setting: string | undefined = process.env[TEST_STALL_ENV]): NodeJS.Timeout | null {
  if (setting === undefined || setting === '') return null;
  const m = /^(\d+):(\d+)\/(\d+)$/.exec(setting);
  if (m === null) throw new Error(`${TEST_STALL_ENV}: expected "<worker>:<busy ms>/<period ms>", got "${setting}"`);
  const [worker, busyMs, periodMs] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (worker !== workerId) return null;
  const timer = setInterval(() => {
    // Busy on the wall clock, not a CPU budget: the loop is held this long however loaded the machine.
    const until = nowMs() + busyMs;
    while (nowMs() < until) {
      // spin
    }
  }, periodMs);
  // Never keeps the thread alive on its own.
  timer.unref();
  return timer;
}
