/**
 * The main thread of a run, as phases a reader can follow (src/driver/phases/): start the target,
 * spawn the workers, ramp, hold, drain, build the report. What follows the run as it goes (the
 * aggregate, progress, the timeline and its files, drop detection) subscribes to the tick bus set
 * up in measurement.ts. It never prints; progress goes to the caller through onProgress.
 */
import { setUpMeasurement } from './measurement.js';
import { openMetricsEndpoint } from './metrics-endpoint.js';
import { RunState } from './run-state.js';
import type { RunOptions, RunResult } from '../run/run-options.js';
import { startTarget } from './phases/start-target.js';
import { spawnWorkers } from './phases/spawn.js';
import { rampUp } from './phases/ramp.js';
import { hold } from './phases/hold.js';
import { drain } from './phases/drain.js';
import type { Coordination } from './coordination.js';
import type { Scenario } from '../run/scenario.js';
import { readMachineLimits } from '../machine-limits.js';
import { distributionFor } from './distribution.js';
import { holdHeapGrowth } from '../heap-growth.js';

export type { Progress, RunOptions, RunPhase, RunResult } from '../run/run-options.js';

/** How long the closing round of clock probes may take (an agent on a LAN answers in milliseconds). */
const CLOSING_PROBES_LIMIT_MS = 2_000;

/** Runs a scenario to its end (or until aborted) and returns the report. */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<RunResult> {
  // Spread over processes, the plan covers every worker of every agent; the plan line says how.
  const dist = distributionFor(scenario, options.agents, readMachineLimits());
  const state = dist
    ? new RunState({ ...scenario, workers: dist.totalWorkers }, { ...options, onPlan: (line) => options.onPlan?.(`${line}; ${dist.why}`) })
    : new RunState(scenario, options);
  // The old generation kept near its live size while sockets are open (heap-growth.ts).
  const heapGrowth = holdHeapGrowth();
  try {
    // Bound first: a port in use must stop the run before any socket is opened.
    const metrics = await openMetricsEndpoint(state);
    // Listening before the target starts: agents join while it does.
    // The coordinator, the report builder (with the report's zod schema) and their modules are loaded when used, not
    // for the whole run: every module the main thread holds while sockets are open is RSS the raw client has not (issue 22).
    const coordination: Coordination | null = dist
      ? await (await import('./coordination.js')).startCoordination(state, dist, options.agents?.onListening)
      : null;
    const target = await startTarget(state);
    const measurement = setUpMeasurement(
      state,
      target.plans,
      metrics,
      coordination ? () => coordination.coordinator.shardMemory() : undefined,
      target.embedded?.httpUrl ?? null,
    );
    const spawned = coordination
      ? await (await import('./phases/spawn-agents.js')).spawnOnAgents(state, target, measurement, coordination)
      : spawnWorkers(state, target, measurement);
    const ramp = await rampUp(state, spawned, measurement);
    // The ramp is over (settled, timed out, interrupted, or a stages shape with none): the hold's factor.
    heapGrowth.toHold();
    const held = await hold(state, target, spawned, measurement, ramp.rampStartMs);
    await drain(state, target, spawned, measurement);
    // Every receipt is in: a last clock round bounds the remote offsets' drift up to here.
    if (coordination) await coordination.coordinator.closeClocks(CLOSING_PROBES_LIMIT_MS);
    const { buildRunReport } = await import('./phases/build.js');
    const report = buildRunReport(state, target, measurement, ramp, held, coordination);
    // A scraper that comes regularly gets one visit with the final values (an interrupt cuts it short).
    if (!state.interrupted()) await metrics?.finalScrape(state.aborted);
    return { report, internalError: state.internalError };
  } finally {
    // Every way out (return, exception, interrupt) stops the target, workers, timers and publisher.
    try {
      await state.stopAll();
    } finally {
      heapGrowth.release();
    }
  }
}
