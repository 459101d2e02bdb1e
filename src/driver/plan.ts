/** Pure planning: how sockets, cohorts and handshake slots are split over workers. */
import { plural } from '../text/plural.js';
import type { Scenario, Topics } from '../run/scenario.js';
import type { WorkerSlice } from '../run/protocol.js';
import { formatDuration } from '../duration.js';
import { describeStages } from '../run/load-stages.js';
import { publishMethodOf } from '../run/publish-methods/table.js';
import { topicIndexTable } from '../run/topics.js';
import { rampBlockMs } from '../metrics/interval-blocks.js';

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

/** Longest one connection attempt can hold a handshake slot: the handshake, then every target.open acknowledgement wait. */
export function attemptLimitMs(scenario: Scenario): number {
  const open = scenario.target.kind === 'url' ? (scenario.target.open ?? []) : [];
  return scenario.handshakeTimeoutMs + open.reduce((sum, step) => sum + (step.ack !== null ? step.timeoutMs : 0), 0);
}

/**
 * How long after its scheduled time a delivery still counts; 0 without publishing (nothing is
 * then delivered, and the drain has nothing to wait for). The one place this default is decided.
 */
export function deliveryDeadlineMs(scenario: Scenario): number {
  return scenario.publish?.deadlineMs ?? 0;
}

/** What the driver knows only once the target is up and the run started, for the workers' slices. */
export interface SliceContext {
  /** The target's ws:// or wss:// URL (may hold "{conn}"). */
  url: string;
  /** Tag this run's pushed values carry, or null when the publish template carries none. */
  runTag: string | null;
  /** The publish template carries the publish id, so pushed ids are checked. */
  checkIds: boolean;
  ring: SharedArrayBuffer;
  ringSize: number;
  tickMs: number;
  timeline: { startMs: number; intervalMs: number } | null;
}

/** The identities of the given sockets only (socket i takes row i, or i mod rows with reuse), or null. */
export function identitiesOf(scenario: Scenario, indices: readonly number[]): WorkerSlice['identities'] {
  const ids = scenario.identities;
  if (!ids || ids.rows.length === 0) return null;
  return { fields: [...ids.fields], rows: indices.map((i) => ids.rows[i % ids.rows.length]) };
}

/** Pure: each worker's resolved plain-data slice of the plan (see WorkerSlice); never the Scenario. */
export function workerSlices(scenario: Scenario, plans: readonly WorkerPlan[], ctx: SliceContext): WorkerSlice[] {
  const target = scenario.target;
  // URL schemes are case-insensitive (the schema accepts "WSS://").
  const secure = /^wss:/i.test(ctx.url);
  const publish = scenario.publish;
  const topics = scenario.topics;
  const topicTable = topics ? topicIndexTable(topics, scenario.connections) : null;
  return plans.map((plan) => ({
    workerId: plan.workerId,
    indices: plan.indices,
    cohortOf: plan.cohortOf,
    maxPending: plan.maxPending,
    perSocketMs: 1000 / scenario.connectRate,
    cohorts: scenario.cohorts.map((c) => ({
      name: c.name,
      pingIntervalMs: c.pingIntervalMs,
      heartbeat: c.heartbeat ? { ...c.heartbeat } : null,
      reconnect: { ...c.reconnect },
    })),
    connect: {
      urlTemplate: ctx.url,
      handshakeTimeoutMs: scenario.handshakeTimeoutMs,
      headers: target.kind === 'url' ? { ...target.headers } : {},
      origin: target.kind === 'url' ? target.origin : null,
      subprotocols: target.kind === 'url' ? [...target.subprotocols] : [],
      localAddresses: [...scenario.localAddresses],
      tls: secure ? { ...scenario.tls } : null,
      resolve: { ...scenario.resolve },
      open: target.kind === 'url' ? (target.open ?? []).map((step) => ({ ...step })) : [],
      ...(scenario.protocol ? { protocol: structuredClone(scenario.protocol) } : {}),
      ...(scenario.perMessageDeflate ? { perMessageDeflate: { ...scenario.perMessageDeflate } } : {}),
    },
    identities: identitiesOf(scenario, plan.indices),
    delivery: {
      match: publish?.match ?? 'value',
      matchBy: publish?.matchBy ?? 'field',
      binary: publish?.binary ?? scenario.stream?.binary ?? 'utf8-json',
      runTag: ctx.runTag,
      ids: ctx.checkIds && publish ? [...publish.ids] : null,
      deadlineMs: deliveryDeadlineMs(scenario),
    },
    ...(topics && topicTable ? { topics: { names: [...topics.names], of: plan.indices.map((i) => topicTable[i]) } } : {}),
    ring: ctx.ring,
    ringSize: ctx.ringSize,
    tickMs: ctx.tickMs,
    timeline: ctx.timeline ? { ...ctx.timeline } : null,
    ...(scenario.stages ? { stages: scenario.stages.map((s) => ({ ...s })) } : {}),
    ...(scenario.stream ? { stream: { ...scenario.stream } } : {}),
    rampBlockMs: rampBlockMs(scenario.stages ? scenario.durationMs : rampMs(scenario)),
  }));
}

/** The plan line's topics: the first few with their sockets, or how sockets are spread over generated ones. */
function topicsText(topics: Topics): string {
  const n = topics.names.length;
  const how =
    topics.assign === 'ranges'
      ? topics.names
          .slice(0, 5)
          .map((name, i) => `${name}×${topics.counts[i]}`)
          .join(', ') + (n > 5 ? ', …' : '')
      : `socket i in topic ${topics.assign === 'modulo' ? 'i mod' : 'floor(i × count / connections) of'} ${n}`;
  return `${plural(n, 'topic')} (${how})`;
}

/** One line describing the run, printed before connecting (k6's GetDescription). */
export function describePlan(scenario: Scenario, publishUrl: string | null, workers: number, runTag: string | null = null): string {
  const parts = scenario.stages
    ? [
        `${plural(scenario.connections, 'socket')} at the peak / ${plural(workers, 'worker')}`,
        `stages: ${describeStages(scenario.stages)} (${formatDuration(scenario.durationMs)}, ≤${scenario.maxPendingHandshakes} handshakes in flight)`,
      ]
    : [
        `${plural(scenario.connections, 'socket')} / ${plural(workers, 'worker')}`,
        `ramp ${scenario.connectRate}/s (~${formatDuration(rampMs(scenario))}, ≤${scenario.maxPendingHandshakes} handshakes in flight)`,
        `hold ${formatDuration(scenario.durationMs)}`,
      ];
  parts.push(publishMethodOf(scenario)?.plan(publishUrl, runTag) ?? 'no publishing');
  const open = scenario.target.kind === 'url' ? (scenario.target.open ?? []) : [];
  if (open.length > 0) {
    const acks = open.filter((step) => step.ack !== null).length;
    parts.push(`${plural(open.length, 'open message')}${acks > 0 ? `, ${plural(acks, 'ack')} awaited` : ''}`);
  }
  const ids = scenario.identities;
  if (ids) parts.push(`${plural(ids.count, 'identity', 'identities')}${ids.reuse && ids.count < scenario.connections ? ' (reused)' : ''}`);
  if (scenario.topics) parts.push(topicsText(scenario.topics));
  if (scenario.cohorts.length > 1) parts.push(`cohorts ${scenario.cohorts.map((c) => `${c.name}×${c.count}`).join(', ')}`);
  return parts.join(', ');
}
