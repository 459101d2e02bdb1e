/**
 * The shape of every control frame, checked where it arrives (src/run/control-protocol.ts has the
 * messages): a JSON object of a known type whose every number is finite and in range, so nothing a
 * peer sends can reach the aggregate, the report or the metrics as a string, NaN or a missing
 * field. What depends on the run (whose worker, in which order) is checked by the receiver on top
 * of this (src/coordinator/agent-checks.ts). Objects are loose: a field added later by the same
 * version passes; the number fields of counters must all be counts.
 */
import { z } from 'zod';
import { CLOSE_LOG_CAUSES, CLOSE_LOG_FIELDS } from './protocol.js';
import { TOPIC_COUNTER_KEYS } from './delivery-counters.js';
import { emptyStreamCounters } from './stream-counters.js';
import type { AgentToCoordinator, CoordinatorToAgent, Numbered } from './control-protocol.js';

// zod 4's z.number() refuses Infinity (JSON's 1e400) as well as anything not a number.
const finite = z.number();
const amount = z.number().nonnegative();
const index = z.number().int().nonnegative();
const counts = z.record(z.string(), amount);

/** `v` is an array of finite numbers whose length is a multiple of `stride`, each entry passing `ok` (hand-written: logs hold tens of thousands). */
function numberLog(stride: number, ok: (v: number, field: number) => boolean): z.ZodType<number[]> {
  return z.custom<number[]>((v) => {
    if (!Array.isArray(v) || v.length % stride !== 0) return false;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x !== 'number' || !Number.isFinite(x) || !ok(x, i % stride)) return false;
    }
    return true;
  }, `expected (${stride} numbers) × n`);
}

/** A close log: time, cohort index, cause index, close code, idle ms received, idle ms sent (CLOSE_LOG_FIELDS each). */
const closeLog = numberLog(
  CLOSE_LOG_FIELDS,
  (v, f) => f === 0 || (Number.isInteger(v) && v >= 0 && (f !== 2 || v < CLOSE_LOG_CAUSES.length)) || (f >= 4 && v >= 0),
);
/** An open log: (time, +1 opened / −1 closed) pairs. */
const openLog = numberLog(2, (v, f) => f === 0 || v === 1 || v === -1);

const streamCounters = z.object(Object.fromEntries(Object.keys(emptyStreamCounters()).map((k) => [k, amount]))).catchall(amount);

const workerCounters = z.looseObject({
  attempts: amount,
  opened: amount,
  firstOpened: amount.optional(),
  failed: amount,
  failures: counts,
  open: amount,
  // Summed key by key: every field a count, the ones the report reads present.
  delivery: z.object({ delivered: amount, expected: amount, lost: amount }).catchall(amount),
  topics: z.object(Object.fromEntries(TOPIC_COUNTER_KEYS.map((k) => [k, z.array(amount)]))).optional(),
  messages: amount,
  pingsSent: amount,
  heartbeatsSent: amount,
  rampDownCloses: amount.optional(),
  reopened: amount.optional(),
  stream: streamCounters.optional(),
  extensions: counts.optional(),
});

const cohortCounters = z.looseObject({
  opened: amount,
  closes: amount,
  byCode: counts,
  byCause: counts,
  byError: counts,
  reconnects: amount,
  downMs: amount,
  missedPublishes: amount,
});

const tick = z.looseObject({
  type: z.literal('tick'),
  workerId: index,
  counters: workerCounters,
  cohorts: z.array(cohortCounters),
  histograms: z.record(z.string(), z.string()),
  seqResults: z.array(z.looseObject({ seq: index, delivered: amount, lost: amount, lastReceiptMs: finite, failed: z.boolean() })),
  closeLog: closeLog.optional(),
  openLog: openLog.optional(),
  lag: z.looseObject({
    maxMs: amount,
    p99Ms: amount,
    p90Ms: amount.optional(),
    meanMs: amount,
    utilization: amount.optional(),
    intervalMaxMs: amount,
  }),
  ramped: z.boolean(),
  boundary: index.optional(),
  final: z.boolean(),
});

const workerMessage = z.discriminatedUnion('type', [
  tick,
  z.looseObject({
    type: z.literal('fatal'),
    workerId: index,
    error: z.looseObject({ name: z.string(), code: z.string().nullable(), message: z.string() }),
  }),
  z.looseObject({ type: z.literal('ready'), workerId: index }),
]);

const frameNumber = z.number().int().positive();

const agentFrame = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('hello'),
    n: frameNumber,
    name: z.string(),
    host: z.string(),
    pid: index,
    bootId: z.string().nullable(),
    version: z.string(),
  }),
  z.looseObject({ type: z.literal('probe-reply'), n: frameNumber, id: index, t0: finite, t1: finite, t2: finite }),
  z.looseObject({ type: z.literal('worker'), n: frameNumber, msg: workerMessage }),
  z.looseObject({ type: z.literal('gone'), n: frameNumber, workerId: index, reason: z.string() }),
  z.looseObject({ type: z.literal('stats'), n: frameNumber, open: index, peak: index, peakRssMb: amount, rssMb: amount.optional() }),
]);

const driverMessage = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('start'), rampStartMs: finite }),
  z.looseObject({ type: z.literal('hold') }),
  z.looseObject({ type: z.literal('drain'), lastSeq: index, deadlineAtMs: finite }),
  z.looseObject({ type: z.literal('stop') }),
]);

// A slice is the coordinator's own plan: its parts are checked by the worker that runs it; here
// only what the agent itself reads before starting it.
const agentSlice = z.looseObject({ workerId: index, indices: z.array(index), connect: z.looseObject({}) });

const coordinatorFrame = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('probe'), n: frameNumber, id: index, t0: finite }),
  z.looseObject({
    type: z.literal('assign'),
    n: frameNumber,
    slices: z.array(agentSlice),
    ringSize: z.number().int().positive(),
    tlsFiles: z.looseObject({ ca: z.string().optional(), cert: z.string().optional(), key: z.string().optional() }).optional(),
  }),
  z.looseObject({ type: z.literal('driver'), n: frameNumber, workerId: index, msg: driverMessage }),
  z.looseObject({ type: z.literal('terminate'), n: frameNumber, workerId: index }),
  z.looseObject({
    type: z.literal('publish'),
    n: frameNumber,
    seq: z.number().int().positive(),
    scheduledMs: finite,
    sentMs: finite,
    topic: index.optional(),
  }),
  z.looseObject({ type: z.literal('settle'), n: frameNumber, seq: z.number().int().positive(), ok: z.boolean(), ackMs: finite }),
  z.looseObject({ type: z.literal('end'), n: frameNumber }),
  z.looseObject({ type: z.literal('beat'), n: frameNumber }),
  z.looseObject({ type: z.literal('standby'), n: frameNumber, reason: z.string() }),
]);

/** A frame that passed, or why it did not (one line, naming the field). */
export type Checked<T> = { ok: true; msg: T & Numbered } | { ok: false; why: string };

/** Checks one frame an agent sent. */
export function checkAgentFrame(data: string): Checked<AgentToCoordinator> {
  return check(data, agentFrame) as Checked<AgentToCoordinator>;
}

/** Checks one frame a coordinator sent. */
export function checkCoordinatorFrame(data: string): Checked<CoordinatorToAgent> {
  return check(data, coordinatorFrame) as Checked<CoordinatorToAgent>;
}

function check(data: string, schema: z.ZodType): Checked<unknown> {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { ok: false, why: `not JSON: ${quote(data)}` };
  }
  const r = schema.safeParse(value);
  // The value as sent, not zod's copy: a field added by the same version travels on untouched.
  if (r.success) return { ok: true, msg: value as Numbered };
  return { ok: false, why: describe(r.error, value) };
}

/** The first issue as "type worker, msg.counters.opened: expected number, received string". */
function describe(error: z.ZodError, value: unknown): string {
  const issue = error.issues[0];
  const type =
    value !== null && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string'
      ? (value as { type: string }).type
      : null;
  const path = issue.path.map(String).join('.');
  const what = type === null ? 'a frame' : `a "${type.slice(0, 40)}" frame`;
  return `${what}${path ? ` at ${path}` : ''}: ${issue.message}`;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
