/**
 * Phase 3, ramp: waits for every worker to load, starts the ramp clock for all of them at once,
 * and waits until every socket's first attempt has settled, bounded by the schedule plus the
 * handshake timeouts.
 */
import { nowMs } from '../../clock.js';
import type { DriverMessage } from '../../run/protocol.js';
import { attemptLimitMs, rampMs } from '../plan.js';
import type { Measurement } from '../measurement.js';
import type { RunState } from '../run-state.js';
import type { Spawned } from './spawn.js';

/** How long workers get to load their modules before the ramp starts without them. */
const WORKER_LOAD_LIMIT_MS = 30_000;
/** Beyond the schedule and handshake timeouts, how long the ramp may still take. */
const RAMP_SLACK_MS = 5_000;

/** When the ramp started and ended (shared clock). */
export interface RampTimes {
  rampStartMs: number;
  rampEndMs: number;
}

export async function rampUp(state: RunState, spawned: Spawned, m: Measurement): Promise<RampTimes> {
  const { scenario } = state;
  const { workers, ready } = spawned;
  // Workers load their modules first; the ramp clock starts when every one of them can dial.
  await state.waitFor(
    () => workers.every((_, id) => ready.has(id) || m.aggregate.workers[id].crashed !== null) || state.interrupted(),
    nowMs() + WORKER_LOAD_LIMIT_MS,
  );
  const rampStartMs = nowMs();
  if (!state.interrupted()) for (const w of workers) w.postMessage({ type: 'start', rampStartMs } satisfies DriverMessage);
  // With stages there is no ramp to wait for: one hold spans the whole shape, from this clock.
  if (scenario.stages) return { rampStartMs, rampEndMs: rampStartMs };
  const rampLimit =
    nowMs() + rampMs(scenario) + attemptLimitMs(scenario) * (1 + scenario.connections / scenario.maxPendingHandshakes) + RAMP_SLACK_MS;
  await state.waitFor(() => m.aggregate.allRamped || state.interrupted(), rampLimit);
  if (!m.aggregate.allRamped && !state.interrupted())
    state.warnings.push('the ramp-up did not finish in time; the hold started with sockets still connecting');
  return { rampStartMs, rampEndMs: nowMs() };
}
