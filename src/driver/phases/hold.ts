/**
 * Phase 4, hold: sockets stay open for the scenario's duration while the publisher publishes on
 * its schedule; skipped when no socket connected and none can reconnect, cut short by an interrupt.
 */
import { publishingWithEnv, publishUrlWithEnv } from '../env-fill.js';
import { nowMs } from '../../clock.js';
import { Publisher } from '../../publisher/publisher.js';
import { openCounts } from '../../run/publish-ring.js';
import type { DriverMessage } from '../../run/protocol.js';
import type { Measurement } from '../measurement.js';
import type { RunState } from '../run-state.js';
import type { Spawned } from './spawn.js';
import type { TargetPlan } from './start-target.js';

export interface HoldResult {
  /** 0 when the hold was skipped. */
  holdStartMs: number;
  holdEndMs: number;
  /** Sockets open when the hold ended (before the drain closes them all). */
  openAtEnd: number;
}

/** `rampStartMs`: with stages the hold ends when the shape does, durationMs after the ramp clock started. */
export async function hold(state: RunState, target: TargetPlan, spawned: Spawned, m: Measurement, rampStartMs = 0): Promise<HoldResult> {
  const { scenario } = state;
  let holdStartMs = 0;
  // With stages sockets open during the hold itself: none open yet is the shape, not a failure.
  const anyOpen = m.aggregate.totals().opened > 0 || scenario.stages !== undefined;
  const canRecover = scenario.cohorts.some((c) => c.reconnect.policy !== 'none');
  if (!state.interrupted() && !anyOpen && !canRecover) {
    state.warnings.push('no socket connected, so the hold and publishing were skipped');
  } else if (!state.interrupted()) {
    const publisher =
      scenario.publish && target.publishUrl
        ? new Publisher(publishingWithEnv(scenario), publishUrlWithEnv(target.publishUrl), m.ring, target.runTag, state.publishListener)
        : null;
    if (publisher) {
      state.publisher = publisher;
      // A publisher socket opens first (bounded by handshakeTimeout), so its handshake is not the first publishes' latency.
      await Promise.race([publisher.ready(), state.aborted]);
    }
    state.phase = 'hold';
    holdStartMs = nowMs();
    for (const w of spawned.workers) w.postMessage({ type: 'hold' } satisfies DriverMessage);
    m.mainLag.restart();
    m.hostCpu.start();
    // With stages, publishing follows the shape's clock: connection and publish stages share one timeline.
    if (publisher && !state.interrupted()) publisher.start(scenario.stages ? rampStartMs : holdStartMs);
    const endMs = scenario.stages ? rampStartMs + scenario.durationMs : holdStartMs + scenario.durationMs;
    await state.waitFor(() => state.interrupted(), endMs);
  }
  const holdEndMs = nowMs();
  m.mainLag.stop();
  m.hostCpu.stop();
  m.dropWatch.stopSampling();
  // Counted now: the drain closes every socket, so any later count is 0. A crashed worker's
  // sockets died with it although its part of the shared count was never taken back.
  const lostWithCrashed = m.aggregate.workers.reduce((s, w) => s + (w.crashed !== null ? (w.counters?.open ?? 0) : 0), 0);
  const openAtEnd = Math.max(0, openCounts(m.ring).open - lostWithCrashed);
  return { holdStartMs, holdEndMs, openAtEnd };
}
