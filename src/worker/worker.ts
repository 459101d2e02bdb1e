/**
 * Worker thread entry: owns a share of the sockets, ramps them on the global schedule, and every
 * tick posts cumulative counters plus the histograms recorded since the previous tick. Sending
 * deltas every second means a worker that dies loses at most one second of measurements.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { nowMs } from '../clock.js';
import { encodeHistogram, type Histogram } from '../metrics/histogram.js';
import { LoopLagMonitor } from '../metrics/loop-lag.js';
import { openRing, head } from '../run/publish-ring.js';
import { SocketPool } from './socket-pool.js';
import { StageDriver } from './stage-driver.js';
import type { SeqResult } from '../run/delivery-counters.js';
import type { DriverMessage, LagSummary, WorkerMessage, WorkerSlice } from '../run/protocol.js';
import type { IdleProfile } from '../run/idle-profile.js';
import { drainAxis } from './histogram-set.js';
import { loadProtocol } from '../protocols/table.js';

const init = workerData as WorkerSlice;
const port = parentPort;
if (!port) throw new Error('worker.js must run as a worker thread');

const ring = openRing(init.ring, init.ringSize);
// Only the protocol this slice speaks is loaded (none for plain WebSocket): 'ready' is posted below,
// so the driver's 'start' never finds the pool unbuilt.
const protocol = await loadProtocol(init.connect.protocol);
const pool = new SocketPool({
  slice: init,
  protocol,
  ring,
  // Report the end of the ramp at once, not at the next tick: the driver times the ramp by it.
  onRamped: () => postTick(false),
  onSlotFree: () => {
    if (rampTimer) rampTick();
    stageDriver?.tick();
  },
});
const deadlineMs = init.delivery.deadlineMs;
/** Publishes are judged here (a deadline is set only when wsload publishes). */
const publishing = deadlineMs > 0;
// Restarted when the hold begins and stopped at the drain: the ramp's connect storm is not the
// client failing to keep up with deliveries.
const lag = new LoopLagMonitor();
lag.restart();

let seqResults: SeqResult[] = [];
let finished = false;

// Ramp: socket i (global) is due at rampStartMs + i / connectRate, once the driver says start.
let nextToStart = 0;
let rampStartMs = 0;
const perSocketMs = init.perSocketMs;
let rampTimer: NodeJS.Timeout | null = null;
const dueAt = (k: number): number => rampStartMs + init.indices[k] * perSocketMs;
function rampTick(): void {
  const now = nowMs();
  while (nextToStart < pool.n && pool.freeSlots > 0 && dueAt(nextToStart) <= now) {
    pool.start(nextToStart, dueAt(nextToStart));
    nextToStart++;
  }
  if (nextToStart >= pool.n && rampTimer) {
    clearInterval(rampTimer);
    rampTimer = null;
  }
}
function startRamp(at: number): void {
  rampStartMs = at;
  pool.rampBlocks?.start(at);
  if (stageDriver) {
    stageDriver.start(at);
    return;
  }
  rampTimer = setInterval(rampTick, 5);
  rampTick();
}
// With stages the sockets follow the shape instead of the connectRate ramp.
const stageDriver: StageDriver | null = init.stages ? new StageDriver(pool, init.stages, init.indices) : null;

const keepaliveMs = pool.keepaliveTickMs();
const keepaliveTimer = keepaliveMs === null ? null : setInterval(() => pool.keepalive(), keepaliveMs);

/** Evaluates what is due (DeliveryTracker.evaluateDue); `early` while draining, up to `upTo`. */
function evaluateDue(early: boolean, upTo: number): void {
  pool.tracker.evaluateDue(nowMs(), early, upTo, seqResults);
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
  if (pool.streamStaleness) take('streamStaleness', pool.streamStaleness);
  pool.rampBlocks?.drain(take);
  // Per cohort and per topic, the breakdowns the registry declares (worker/histogram-set.ts).
  drainAxis(
    'cohort',
    init.cohorts.map((c) => c.name),
    pool.cohortHistograms,
    take,
  );
  if (init.topics && pool.topicHistograms) drainAxis('topic', init.topics.names, pool.topicHistograms, take);
  return out;
}

/** The open sockets' idle times just before closeAll(): the final tick's, as the gateway last saw them. */
let lastIdleProfile: IdleProfile | null = null;

function postTick(final: boolean, boundary?: number): void {
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
    // What is owed for publishes not yet evaluated: the driver closes these books if this tick is the last it gets.
    ...(publishing ? { owed: pool.tracker.owedBooks(init.topics?.names.length ?? 0) } : {}),
    closeLog: pool.takeCloseLog(),
    ...(init.logOpens === true ? { openLog: pool.takeOpenLog() } : {}),
    idleOpen: final && lastIdleProfile ? lastIdleProfile : pool.idleProfile(nowMs()),
    lag: lagSummary(),
    ramped: pool.ramped,
    final,
    ...(boundary !== undefined ? { boundary } : {}),
  };
  seqResults = [];
  port!.postMessage(msg);
}

function lagSummary(): LagSummary {
  const r = lag.reading();
  return {
    maxMs: r.maxMs,
    p99Ms: r.p99Ms,
    p90Ms: r.p90Ms,
    meanMs: r.meanMs,
    utilization: r.utilization,
    intervalMaxMs: lag.takeIntervalMax(),
  };
}

const tickTimer = setInterval(() => {
  evaluateDue(false, Number.MAX_SAFE_INTEGER);
  postTick(false);
}, init.tickMs);

// A tick at every timeline boundary, on the shared clock: what this worker counted before it
// (connects, closes, receipts) belongs to that interval, whenever the main thread reads it.
let boundaryTimer: NodeJS.Timeout | null = null;
let nextBoundary = 0;
function boundaryTick(): void {
  const tl = init.timeline;
  if (!tl || finished) return;
  const now = nowMs();
  while (tl.startMs + (nextBoundary + 1) * tl.intervalMs <= now) {
    evaluateDue(false, Number.MAX_SAFE_INTEGER);
    postTick(false, nextBoundary++);
  }
  boundaryTimer = setTimeout(boundaryTick, Math.max(0, tl.startMs + (nextBoundary + 1) * tl.intervalMs - nowMs()));
}
boundaryTick();

// A drain in progress ends at this time; a 'stop' (the run interrupted) moves it to now.
let drainDeadlineMs = 0;

async function finish(drainUntilSeq: number, deadlineMs: number): Promise<void> {
  if (finished) return;
  finished = true;
  drainDeadlineMs = deadlineMs;
  if (boundaryTimer) clearTimeout(boundaryTimer);
  lag.stop();
  if (rampTimer) clearInterval(rampTimer);
  // Sockets never started count as settled so the driver does not wait for them; dialing them
  // now would open sockets only to close them.
  if (stageDriver) {
    stageDriver.stop();
    for (let k = 0; k < pool.n; k++) pool.skip(k);
  }
  while (nextToStart < pool.n) pool.skip(nextToStart++);
  await new Promise<void>((resolve) => {
    const step = (): void => {
      evaluateDue(true, drainUntilSeq);
      // The last publish is known (drain): wait for its record too, which in an agent's ring may
      // still be on its way. Interrupted (no last seq), only what the ring holds.
      const upTo = drainUntilSeq === Number.MAX_SAFE_INTEGER ? head(ring) : drainUntilSeq;
      if (pool.tracker.evaluatedUpTo >= upTo || nowMs() >= drainDeadlineMs) return resolve();
      setTimeout(step, 25);
    };
    step();
  });
  clearInterval(tickTimer);
  if (keepaliveTimer) clearInterval(keepaliveTimer);
  lastIdleProfile = pool.idleProfile(nowMs());
  await pool.closeAll(2000);
  postTick(true);
  port!.close();
}

port.on('message', (msg: DriverMessage) => {
  if (msg.type === 'start') startRamp(msg.rampStartMs);
  else if (msg.type === 'hold') lag.restart();
  else if (msg.type === 'drain') void finish(msg.lastSeq, msg.deadlineAtMs);
  // Interrupted: evaluate only what is already complete or past its deadline.
  else if (msg.type === 'stop') {
    if (finished) drainDeadlineMs = 0;
    else void finish(Number.MAX_SAFE_INTEGER, 0);
  }
});

port.postMessage({ type: 'ready', workerId: init.workerId } satisfies WorkerMessage);
