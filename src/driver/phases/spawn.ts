/**
 * Phase 2, spawn: one worker thread per slice of the plan, each told only its resolved slice
 * (run/protocol WorkerSlice); their messages go onto the tick bus, and the driver's own ticks,
 * the timeline's boundaries and the open-count sampling start.
 */
import { Worker } from 'node:worker_threads';
import type { WorkerPort } from '../../coordinator/coordinator.js';
import { nowMs } from '../../clock.js';
import type { WorkerMessage, WorkerSlice } from '../../run/protocol.js';
import { templateCarriesId } from '../../run/publish-url.js';
import { publishTemplateText } from '../../run/publish-methods/table.js';
import { workerSlices } from '../plan.js';
import { slicesWithEnv } from '../env-fill.js';
import type { Measurement } from '../measurement.js';
import type { RunState } from '../run-state.js';
import type { TargetPlan } from './start-target.js';

const WORKER_ENTRY = new URL('../../worker/worker.js', import.meta.url);
const WORKER_YOUNG_GENERATION_MB = 16;

/** The spawned workers (threads here, or ports to an agent's) and which of them have loaded and wait for 'start'. */
export interface Spawned {
  workers: WorkerPort[];
  ready: Set<number>;
}

/** Spawns the workers and wires their messages to the tick bus. */
export function spawnWorkers(state: RunState, target: TargetPlan, m: Measurement): Spawned {
  state.phase = 'ramp';
  const slices = slicesFor(state, target, m);
  // A worker's garbage is short-lived (one frame, one event at a time). 16 MB of young generation
  // keeps each isolate's RSS ~30 MB under V8's default at 10k sockets without slowing the ramp;
  // 8 MB saved 10 MB more but made a 10k-socket ramp 70% slower (scavenges per handshake).
  const workers = slices.map(
    (slice) => new Worker(WORKER_ENTRY, { workerData: slice, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } }),
  );
  state.workers = workers;

  const ready = new Set<number>();
  state.options.onWorkersStarted?.(workers);
  workers.forEach((worker, id) => {
    worker.on('message', (msg: WorkerMessage) => onWorkerMessage(state, m, ready, id, msg));
    worker.on('error', (err) => {
      m.bus.workerGone(id, err.message, nowMs());
      state.poke();
    });
    worker.on('exit', (code) => {
      if (!m.aggregate.workers[id].final) m.bus.workerGone(id, `exited with code ${code}`, nowMs());
      state.poke();
    });
  });
  startTicks(state, m);
  return { workers, ready };
}

/** Every worker's slice of the whole plan, on this process's clock. */
export function slicesFor(state: RunState, target: TargetPlan, m: Measurement): WorkerSlice[] {
  // `{env.NAME}` filled last, in what leaves for the workers only (driver/env-fill.ts).
  return slicesWithEnv(
    workerSlices(state.scenario, target.plans, {
      url: target.url,
      runTag: target.valueTag,
      checkIds:
        state.scenario.publish && target.publishUrl
          ? templateCarriesId(publishTemplateText(state.scenario.publish, target.publishUrl))
          : false,
      ring: m.ring.buffer,
      ringSize: m.ring.size,
      tickMs: state.tickMs,
      timeline: m.timeline ? { startMs: state.startMs, intervalMs: state.scenario.report.intervalMs } : null,
    }),
  );
}

/** One worker message onto the tick bus (whichever process the worker runs in). */
export function onWorkerMessage(state: RunState, m: Measurement, ready: Set<number>, id: number, msg: WorkerMessage): void {
  if (msg.type === 'ready') ready.add(id);
  else if (msg.type === 'tick') m.bus.snapshot(msg, nowMs());
  else if (msg.type === 'fatal') m.bus.workerGone(id, msg.error.message, nowMs());
  state.poke();
}

/** The driver's ticks, the timeline's boundaries and the open-count sampling start. */
export function startTicks(state: RunState, m: Measurement): void {
  // Progress once a tick; timeline lines once every column of their interval is final.
  m.bus.start(state.tickMs);
  // The instantaneous columns (open sockets, RSS, wall time) are read at each interval's end.
  m.timeline?.start();
  // Samples the open count from here on, so a drop in the ramp has an open count before it.
  m.dropWatch.startSampling();
}
