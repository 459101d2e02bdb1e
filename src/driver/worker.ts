/**
 * Worker thread entry: owns a share of the sockets, ramps them on the global schedule, and every
 * tick posts cumulative counters plus the histograms recorded since the previous tick. Sending
 * deltas every second means a worker that dies loses at most one second of measurements.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { nowMs } from '../clock.js';
import { encodeHistogram, type Histogram } from '../metrics/histogram.js';
import { openRing, head, slotOf } from './publish-ring.js';
import { SocketPool } from './socket-pool.js';
import type { SeqResult } from './delivery-tracker.js';
import type { DriverMessage, WorkerInit, WorkerMessage } from './protocol.js';
import { COHORT_HISTOGRAMS, cohortHistogramKey } from '../report/types.js';

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('worker.js must run as a worker thread');

const ring = openRing(init.ring, init.ringSize);
const pool = new SocketPool({
  scenario: init.scenario,
  url: init.url,
  indices: init.indices,
  cohortOf: init.cohortOf,
  maxPending: init.maxPending,
  ring,
  // Report the end of the ramp at once, not at the next tick: the driver times the ramp by it.
  onRamped: () => postTick(false),
  onSlotFree: () => {
    if (rampTimer) rampTick();
  },
});
const deadlineMs = init.scenario.publish?.deadlineMs ?? 10_000;
const lag = monitorEventLoopDelay({ resolution: 10 });
const intervalLag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
intervalLag.enable();

let seqResults: SeqResult[] = [];
let finished = false;

// Ramp: socket i (global) is due at rampStartMs + i / connectRate, once the driver says start.
let nextToStart = 0;
let rampStartMs = 0;
const perSocketMs = 1000 / init.scenario.connectRate;
let rampTimer: NodeJS.Timeout | null = null;
function rampTick(): void {
  const now = nowMs();
  while (nextToStart < pool.n && pool.freeSlots > 0 && rampStartMs + init.indices[nextToStart] * perSocketMs <= now) {
    pool.start(nextToStart++);
  }
  if (nextToStart >= pool.n && rampTimer) {
    clearInterval(rampTimer);
    rampTimer = null;
  }
}
function startRamp(at: number): void {
  rampStartMs = at;
  rampTimer = setInterval(rampTick, 5);
  rampTick();
}

const keepaliveMs = pool.keepaliveTickMs();
const keepaliveTimer = keepaliveMs === null ? null : setInterval(() => pool.keepalive(), keepaliveMs);

/** Evaluates publishes whose deadline has passed (or, when `early`, that every eligible socket has). */
function evaluateDue(early: boolean, upTo: number): void {
  const now = nowMs();
  const last = Math.min(upTo, head(ring));
  while (pool.tracker.evaluatedUpTo < last) {
    const seq = pool.tracker.evaluatedUpTo + 1;
    const slot = slotOf(ring, seq);
    if (slot < 0) {
      // Overwritten before evaluation: cannot happen while the ring is sized for the deadline.
      pool.tracker.evaluatedUpTo = seq;
      continue;
    }
    const due = now >= ring.sentMs[slot] + deadlineMs;
    if (!due && !(early && pool.tracker.isComplete(seq))) break;
    seqResults.push(pool.tracker.evaluate(seq));
  }
}

function takeHistograms(): Record<string, string> {
  const out: Record<string, string> = {};
  const take = (name: string, h: Histogram): void => {
    if (h.totalCount > 0) {
      out[name] = encodeHistogram(h);
      h.reset();
    }
  };
  for (const [name, h] of Object.entries(pool.histograms)) take(name, h);
  init.scenario.cohorts.forEach((c, i) => {
    const ch = pool.cohortHistograms[i];
    for (const kind of COHORT_HISTOGRAMS) take(cohortHistogramKey(kind, c.name), ch[kind]);
  });
  return out;
}

function postTick(final: boolean): void {
  pool.tracker.missedByCohort.forEach((n, i) => {
    pool.cohortCounters[i].missedPublishes = n;
  });
  const msg: WorkerMessage = {
    type: 'tick',
    workerId: init.workerId,
    counters: pool.counters,
    cohorts: pool.cohortCounters,
    histograms: takeHistograms(),
    seqResults,
    lag: {
      maxMs: lag.max / 1e6,
      p99Ms: lag.percentile(99) / 1e6,
      meanMs: Number.isNaN(lag.mean) ? 0 : lag.mean / 1e6,
      intervalMaxMs: intervalLag.max / 1e6,
    },
    ramped: pool.ramped,
    final,
  };
  seqResults = [];
  intervalLag.reset();
  port!.postMessage(msg);
}

const tickTimer = setInterval(() => {
  evaluateDue(false, Number.MAX_SAFE_INTEGER);
  postTick(false);
}, init.tickMs);

// A drain in progress ends at this time; a 'stop' (the run interrupted) moves it to now.
let drainDeadlineMs = 0;

async function finish(drainUntilSeq: number, deadlineMs: number): Promise<void> {
  if (finished) return;
  finished = true;
  drainDeadlineMs = deadlineMs;
  if (rampTimer) clearInterval(rampTimer);
  // Sockets never started count as settled so the driver does not wait for them; dialing them
  // now would open sockets only to close them.
  while (nextToStart < pool.n) pool.skip(nextToStart++);
  await new Promise<void>((resolve) => {
    const step = (): void => {
      evaluateDue(true, drainUntilSeq);
      if (pool.tracker.evaluatedUpTo >= Math.min(drainUntilSeq, head(ring)) || nowMs() >= drainDeadlineMs) return resolve();
      setTimeout(step, 25);
    };
    step();
  });
  clearInterval(tickTimer);
  if (keepaliveTimer) clearInterval(keepaliveTimer);
  await pool.closeAll(2000);
  postTick(true);
  lag.disable();
  intervalLag.disable();
  port!.close();
}

port.on('message', (msg: DriverMessage) => {
  if (msg.type === 'start') startRamp(msg.rampStartMs);
  else if (msg.type === 'drain') void finish(msg.lastSeq, msg.deadlineAtMs);
  // Interrupted: evaluate only what is already complete or past its deadline.
  else if (msg.type === 'stop') {
    if (finished) drainDeadlineMs = 0;
    else void finish(Number.MAX_SAFE_INTEGER, 0);
  }
});

port.postMessage({ type: 'ready', workerId: init.workerId } satisfies WorkerMessage);
