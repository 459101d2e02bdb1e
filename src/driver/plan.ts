/** Pure planning: how sockets, cohorts and handshake slots are split over workers. */
import type { Scenario } from '../run/scenario.js';
import { formatDuration } from '../duration.js';

/** Splits n into `parts` integers that differ by at most one and sum to n (floor + remainder). */
export function splitEvenly(n: number, parts: number): number[] {
  const base = Math.floor(n / parts);
  const rest = n - base * parts;
  return Array.from({ length: parts }, (_, i) => base + (i < rest ? 1 : 0));
}

export interface WorkerPlan {
  workerId: number;
  /** Global socket indices owned by this worker: workerId, workerId + workers, … */
  indices: number[];
  /** Cohort index of each owned socket, parallel to `indices`. */
  cohortOf: number[];
  /** Handshakes this worker may have in flight. */
  maxPending: number;
}

/** Cohort of each global socket index: cohorts take consecutive index ranges. */
export function cohortIndexTable(scenario: Scenario): Uint16Array {
  const table = new Uint16Array(scenario.connections);
  let at = 0;
  scenario.cohorts.forEach((cohort, ci) => {
    table.fill(ci, at, at + cohort.count);
    at += cohort.count;
  });
  return table;
}

/**
 * Interleaves sockets over workers (socket i goes to worker i mod W) so every worker ramps at
 * connectRate / W and holds a proportional mix of every cohort.
 */
export function planWorkers(scenario: Scenario): WorkerPlan[] {
  const workers = Math.max(1, Math.min(scenario.workers, scenario.connections));
  const pending = splitEvenly(scenario.maxPendingHandshakes, workers);
  const cohortTable = cohortIndexTable(scenario);
  const plans: WorkerPlan[] = [];
  for (let w = 0; w < workers; w++) {
    const indices: number[] = [];
    const cohortOf: number[] = [];
    for (let i = w; i < scenario.connections; i += workers) {
      indices.push(i);
      cohortOf.push(cohortTable[i]);
    }
    plans.push({ workerId: w, indices, cohortOf, maxPending: Math.max(1, pending[w]) });
  }
  return plans;
}

/** Ramp-up length implied by connections / connectRate. */
export function rampMs(scenario: Scenario): number {
  return (scenario.connections / scenario.connectRate) * 1000;
}

/** One line describing the run, printed before connecting (k6's GetDescription). */
export function describePlan(scenario: Scenario, publishUrl: string | null, workers: number, runTag: string | null = null): string {
  const parts = [
    `${scenario.connections} sockets / ${workers} worker${workers === 1 ? '' : 's'}`,
    `ramp ${scenario.connectRate}/s (~${formatDuration(rampMs(scenario))}, ≤${scenario.maxPendingHandshakes} handshakes in flight)`,
    `hold ${formatDuration(scenario.durationMs)}`,
  ];
  if (scenario.publish && publishUrl) {
    parts.push(`publish ${scenario.publish.rate}/s to ${publishUrl.split('?')[0]}${runTag ? ` (values tagged ${runTag})` : ''}`);
  } else {
    parts.push('no publishing');
  }
  if (scenario.cohorts.length > 1) parts.push(`cohorts ${scenario.cohorts.map((c) => `${c.name}×${c.count}`).join(', ')}`);
  return parts.join(', ');
}
