/**
 * Phase 5, drain: stops the publisher (bounded by publish.timeout, cut short by an interrupt), lets
 * workers judge the publishes still within their deadline, then close their sockets and send their
 * final snapshot; an interrupt during the drain closes at once; a worker that does not finish in
 * time is terminated. Ends the tick bus, so the last timeline lines are made.
 */
import { nowMs } from '../../clock.js';
import type { DriverMessage } from '../../run/protocol.js';
import { deliveryDeadlineMs } from '../plan.js';
import type { Measurement } from '../measurement.js';
import type { RunState } from '../run-state.js';
import type { Spawned } from './spawn.js';
import type { TargetPlan } from './start-target.js';

/** Beyond publish.timeout, how long stopping the publisher may take before the run goes on without it. */
const PUBLISHER_STOP_SLACK_MS = 2_000;
/** Once interrupted, how long publishes in flight (normally answered in ms) still get. */
const INTERRUPTED_PUBLISHER_GRACE_MS = 1_000;
/** Beyond the drain deadline, how long workers get to close their sockets (they give 2 s) and report. */
const WORKER_FINISH_SLACK_MS = 10_000;

export async function drain(state: RunState, target: TargetPlan, spawned: Spawned, m: Measurement): Promise<void> {
  const { scenario } = state;
  const { workers } = spawned;
  state.phase = 'drain';
  const publisher = state.publisher;
  if (publisher) {
    // Requests in flight end within their timeout; a publisher that does not stop by then (a
    // body dripping forever) must not hold the run, and an interrupt cuts the wait short.
    const cut = state.aborted.then(() => delay(INTERRUPTED_PUBLISHER_GRACE_MS));
    const stopped = await settledWithin(
      publisher.stop({ abort: state.interrupted() }),
      (scenario.publish?.timeoutMs ?? 0) + PUBLISHER_STOP_SLACK_MS,
      cut,
    );
    if (!stopped) state.warnings.push('the publisher still had requests in flight when the run ended; they are not counted');
  }
  const deadline = deliveryDeadlineMs(scenario);
  const stopSent = state.interrupted();
  const msg: DriverMessage = stopSent
    ? { type: 'stop' }
    : { type: 'drain', lastSeq: publisher?.lastSeq ?? 0, deadlineAtMs: nowMs() + deadline };
  for (const w of workers) w.postMessage(msg);
  const drainLimit = nowMs() + deadline + WORKER_FINISH_SLACK_MS;
  await state.waitFor(() => m.aggregate.allFinal || (state.interrupted() && !stopSent), drainLimit);
  if (!m.aggregate.allFinal && !stopSent && state.interrupted()) {
    // Interrupted during the drain: count what is complete and close now, not at the deadline.
    for (const w of workers) w.postMessage({ type: 'stop' } satisfies DriverMessage);
    await state.waitFor(() => m.aggregate.allFinal, Math.min(drainLimit, nowMs() + WORKER_FINISH_SLACK_MS));
  }
  for (const [id, w] of workers.entries()) {
    const worker = m.aggregate.workers[id];
    if (!worker.final && worker.crashed === null) {
      m.bus.workerGone(id, 'did not finish in time and was terminated', nowMs());
      await w.terminate();
    }
  }
  const exitReason = target.embedded?.exitReason();
  if (exitReason) state.warnings.push(`the embedded target ended during the run: ${exitReason}`);
  state.phase = 'done';
  m.bus.end(nowMs());
}

/** Resolves after ms without keeping the process alive. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** True when `work` settles within `ms`; false on timeout or when `cut` resolves first. */
async function settledWithin(work: Promise<unknown>, ms: number, cut: Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      timeout,
      cut.then(() => false),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
