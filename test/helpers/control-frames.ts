/**
 * Control-channel frames as a well-behaved agent sends them (src/run/control-protocol.ts), for the
 * unit tests of the checks and for the fake agent of the hostile suite, which breaks them one rule
 * at a time.
 */
import { emptyDeliveryCounters } from '../../src/run/delivery-counters.js';
import { emptyCohortCounters, type WorkerCounters, type WorkerMessage } from '../../src/run/protocol.js';
import { createHistogram, encodeHistogram, recordMs } from '../../src/metrics/histogram.js';

export type Tick = Extract<WorkerMessage, { type: 'tick' }>;

/** Counters of a worker that opened `opened` sockets, `open` of them still open, and delivered `delivered` of `expected`. */
export function counters(
  opts: { opened?: number; open?: number; delivered?: number; expected?: number; lost?: number } = {},
): WorkerCounters {
  const delivery = emptyDeliveryCounters();
  delivery.delivered = opts.delivered ?? 0;
  delivery.expected = opts.expected ?? 0;
  delivery.lost = opts.lost ?? 0;
  const opened = opts.opened ?? 0;
  return {
    attempts: opened,
    opened,
    firstOpened: opened,
    failed: 0,
    failures: {},
    open: opts.open ?? opened,
    delivery,
    messages: opts.delivered ?? 0,
    pingsSent: 0,
    heartbeatsSent: 0,
  };
}

/** A fan-out histogram of `n` samples around `ms`, encoded as workers send it. */
export function encodedLatencies(n: number, ms: number): string {
  const h = createHistogram();
  for (let i = 0; i < n; i++) recordMs(h, ms + (i % 7));
  return encodeHistogram(h);
}

/** A tick of worker `workerId` in a run of `cohorts` cohorts. */
export function tick(workerId: number, cohorts = 1, extra: Partial<Tick> = {}): Tick {
  return {
    type: 'tick',
    workerId,
    counters: counters(),
    cohorts: Array.from({ length: cohorts }, emptyCohortCounters),
    histograms: {},
    seqResults: [],
    closeLog: [],
    openLog: [],
    lag: { maxMs: 1, p99Ms: 1, p90Ms: 1, meanMs: 0.5, utilization: 0.1, intervalMaxMs: 1 },
    ramped: true,
    final: false,
    ...extra,
  };
}

/** The agent's stats (its heartbeat). */
export function stats(open = 0, peak = open): { type: 'stats'; open: number; peak: number; peakRssMb: number; rssMb: number } {
  return { type: 'stats', open, peak, peakRssMb: 80, rssMb: 75 };
}

/** The agent's hello. */
export function hello(
  name: string,
  version: string,
): { type: 'hello'; name: string; host: string; pid: number; bootId: string | null; version: string } {
  return { type: 'hello', name, host: 'fake-host', pid: 4242, bootId: 'fake-boot', version };
}

/**
 * A worker's tick for the aggregate's and the report's unit tests: `samples` (ms) become its
 * fan-out histogram; every other field is `fields`' or a quiet default (no counters, one cohort, no
 * lag, ramped, not final).
 */
export function tickOf(workerId: number, fields: Partial<Tick> & { samples?: readonly number[] } = {}): Tick {
  const { samples = [], ...rest } = fields;
  const h = createHistogram();
  for (const s of samples) recordMs(h, s);
  return {
    type: 'tick',
    workerId,
    counters: counters(),
    cohorts: [emptyCohortCounters()],
    histograms: samples.length > 0 ? { fanout: encodeHistogram(h) } : {},
    seqResults: [],
    lag: { maxMs: 0, p99Ms: 0, meanMs: 0, intervalMaxMs: 0 },
    ramped: true,
    final: false,
    ...rest,
  };
}
