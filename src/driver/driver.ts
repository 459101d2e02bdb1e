/**
 * The main thread of a run: starts the target if embedded, spawns the workers, waits for the
 * ramp-up, publishes during the hold, drains pending deliveries, and turns what the workers sent
 * into a Report. It never prints; progress goes to the caller through onProgress.
 */
import { Worker } from 'node:worker_threads';
import { nowMs } from '../clock.js';
import type { Scenario } from '../scenario/types.js';
import type { Report } from '../report/types.js';
import { percentiles } from '../metrics/histogram.js';
import { RunAggregate } from '../metrics/aggregate.js';
import { IntervalBlocks } from '../metrics/interval-blocks.js';
import { buildReport } from '../report/build.js';
import { TimelineWriter, timelineLine } from '../report/timeline.js';
import { sidecarPaths } from '../report/write.js';
import { describeEnvironment } from '../environment.js';
import { Publisher } from '../publisher/publisher.js';
import { defaultPublishTemplate } from '../publisher/publish-url.js';
import { startEmbeddedTarget, type EmbeddedTarget } from '../target/embedded.js';
import { createRing, openCounts, ringSizeFor } from './publish-ring.js';
import { describePlan, planWorkers, rampMs } from './plan.js';
import type { DriverMessage, WorkerInit, WorkerMessage } from './protocol.js';
import { basename } from 'node:path';

export type RunPhase = 'starting' | 'ramp' | 'hold' | 'drain' | 'done';

/** A progress sample, about once a second. */
export interface Progress {
  phase: RunPhase;
  elapsedMs: number;
  open: number;
  target: number;
  failed: number;
  published: number;
  deliveriesPerSec: number;
  /** Fan-out p99 over the run so far, ms. */
  p99Ms: number;
  lost: number;
  closes: number;
  lagMs: number;
}

export interface RunOptions {
  /** Where the report will be written; the .ndjson and .hlog go beside it. Null: no soak files. */
  reportFile: string | null;
  /** Abort to stop the run early; the report is still built, marked interrupted with signal.reason. */
  signal?: AbortSignal;
  onPlan?: (line: string) => void;
  onProgress?: (p: Progress) => void;
  /** Worker tick interval; tests shorten it. */
  tickMs?: number;
  /** Called with the worker threads once spawned (embedders observe or stop them). */
  onWorkersStarted?: (workers: readonly Worker[]) => void;
}

export interface RunResult {
  report: Report;
}

const WORKER_ENTRY = new URL('./worker.js', import.meta.url);
const WORKER_YOUNG_GENERATION_MB = 16;

/** Runs a scenario to its end (or until aborted) and returns the report. */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<RunResult> {
  const startedAt = new Date();
  const startMs = nowMs();
  // Workers report at least once per report interval, or a timeline line would repeat stale
  // counts; below 100 ms the cost of encoding histograms outweighs fresher lines.
  const tickMs = Math.min(options.tickMs ?? 1000, Math.max(100, scenario.report.intervalMs));
  const warnings: string[] = [];
  let embedded: EmbeddedTarget | null = null;
  let url: string;
  if (scenario.target.kind === 'embedded') {
    embedded = await startEmbeddedTarget({ host: '127.0.0.1' });
    url = embedded.wsUrl;
  } else {
    url = scenario.target.url;
  }
  const publishUrl = scenario.publish ? (scenario.publish.url ?? defaultPublishTemplate(url)) : null;
  const plans = planWorkers(scenario);
  options.onPlan?.(describePlan(scenario, publishUrl, plans.length));

  const ring = createRing(scenario.publish ? ringSizeFor(scenario.publish.rate, scenario.publish.deadlineMs) : 1024);
  const aggregate = new RunAggregate(
    plans.map((p) => p.indices.length),
    scenario.cohorts.length,
    ring,
  );
  // Blocks one tick long: the finest grain at which deltas arrive.
  const blocks = new IntervalBlocks(tickMs, () => nowMs() - startMs);
  aggregate.intervalSink = blocks;
  const files = options.reportFile ? sidecarPaths(options.reportFile) : null;
  const timeline = files ? new TimelineWriter(files.timeline, files.hlog, Date.now()) : null;

  let phase: RunPhase = 'ramp';
  let publisher: Publisher | null = null;
  let holdStartMs = 0;
  let holdEndMs = 0;
  let peakRssMb = process.memoryUsage().rss / 1048576;
  let interruptReason: string | null = null;

  const workers = plans.map((plan) => {
    const init: WorkerInit = {
      workerId: plan.workerId,
      scenario,
      url,
      indices: plan.indices,
      cohortOf: plan.cohortOf,
      maxPending: plan.maxPending,
      ring: ring.buffer,
      ringSize: ring.size,
      tickMs,
    };
    // A worker's garbage is short-lived (one frame, one event at a time). 16 MB of young generation
    // keeps each isolate's RSS ~30 MB under V8's default at 10k sockets without slowing the ramp;
    // 8 MB saved 10 MB more but made a 10k-socket ramp 70% slower (scavenges per handshake).
    return new Worker(WORKER_ENTRY, { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
  });

  let wake: (() => void) | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const waitFor = (cond: () => boolean, untilMs: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (cond() || nowMs() >= untilMs) return resolve();
        wake = check;
        setTimeout(poke, Math.max(1, Math.min(250, untilMs - nowMs())));
      };
      check();
    });

  const ready = new Set<number>();
  options.onWorkersStarted?.(workers);
  workers.forEach((worker, id) => {
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'ready') ready.add(id);
      else if (msg.type === 'tick') aggregate.onTick(msg);
      else if (msg.type === 'fatal') aggregate.markCrashed(id, msg.error.message);
      poke();
    });
    worker.on('error', (err) => {
      aggregate.markCrashed(id, err.message);
      poke();
    });
    worker.on('exit', (code) => {
      if (!aggregate.workers[id].final) aggregate.markCrashed(id, `exited with code ${code}`);
      poke();
    });
  });

  const onAbort = (): void => {
    interruptReason = describeAbort(options.signal?.reason);
    poke();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const interrupted = (): boolean => interruptReason !== null;

  // Progress once a tick; timeline lines on their own timer, once a report interval.
  let lastLineMs = startMs;
  let lastLineTotals = aggregate.totals();
  let lastProgressDelivered = 0;
  let lastProgressMs = startMs;
  let intervalLagMax = 0;
  const reportIntervalMs = scenario.report.intervalMs;
  const sample = (): void => {
    const now = nowMs();
    peakRssMb = Math.max(peakRssMb, process.memoryUsage().rss / 1048576);
    const totals = aggregate.totals();
    const counts = openCounts(ring);
    const lag = Math.max(0, ...aggregate.workers.map((w) => w.lag.intervalMaxMs));
    intervalLagMax = Math.max(intervalLagMax, lag);
    if (options.onProgress) {
      const dt = (now - lastProgressMs) / 1000;
      options.onProgress({
        phase,
        elapsedMs: now - startMs,
        open: counts.open,
        target: scenario.connections,
        failed: totals.failed,
        published: publisher?.stats.ok ?? 0,
        deliveriesPerSec: dt > 0 ? (totals.delivery.delivered - lastProgressDelivered) / dt : 0,
        p99Ms: percentiles(aggregate.histogram('fanout')).p99,
        lost: totals.delivery.lost,
        closes: totals.cohorts.reduce((s, c) => s + c.closes, 0),
        lagMs: lag,
      });
      lastProgressDelivered = totals.delivery.delivered;
      lastProgressMs = now;
    }
  };
  const writeLine = (now: number): void => {
    if (!timeline) return;
    const totals = aggregate.totals();
    intervalLagMax = Math.max(intervalLagMax, ...aggregate.workers.map((w) => w.lag.intervalMaxMs));
    const line = timelineLine({
      prev: lastLineTotals,
      totals,
      elapsedMs: now - startMs,
      open: openCounts(ring).open,
      published: (publisher?.stats.ok ?? 0) - publishedAtLastLine,
      fanout: aggregate.intervalFanout,
      eventLoopLagMs: intervalLagMax,
    });
    timeline.append(line, aggregate.intervalFanout, (lastLineMs - startMs) / 1000, (now - startMs) / 1000);
    aggregate.intervalFanout.reset();
    publishedAtLastLine = publisher?.stats.ok ?? 0;
    intervalLagMax = 0;
    lastLineMs = now;
    lastLineTotals = totals;
  };
  let publishedAtLastLine = 0;
  const sampler = setInterval(sample, tickMs);
  // Checking for a due line only once a tick wrote one line per *tick* whenever the interval was
  // shorter than a tick (a 500 ms interval got lines every 1 s).
  const liner = timeline ? setInterval(() => writeLine(nowMs()), reportIntervalMs) : null;

  let rampStartMs = nowMs();
  try {
    // Workers load their modules first; the ramp clock starts when every one of them can dial.
    await waitFor(() => workers.every((_, id) => ready.has(id) || aggregate.workers[id].crashed !== null) || interrupted(), nowMs() + 30_000);
    rampStartMs = nowMs();
    for (const w of workers) w.postMessage({ type: 'start', rampStartMs } satisfies DriverMessage);
    // Ramp: until every socket's first attempt settled. Bounded by the schedule plus handshake timeouts.
    const rampLimit = nowMs() + rampMs(scenario) + scenario.handshakeTimeoutMs * (1 + scenario.connections / scenario.maxPendingHandshakes) + 5000;
    await waitFor(() => aggregate.allRamped || interrupted(), rampLimit);
    if (!aggregate.allRamped && !interrupted()) warnings.push('the ramp-up did not finish in time; the hold started with sockets still connecting');
    const rampEndMs = nowMs();

    const anyOpen = aggregate.totals().opened > 0;
    const canRecover = scenario.cohorts.some((c) => c.reconnect.policy !== 'none');
    if (!interrupted() && !anyOpen && !canRecover) {
      warnings.push('no socket connected, so the hold and publishing were skipped');
    } else if (!interrupted()) {
      phase = 'hold';
      holdStartMs = nowMs();
      if (scenario.publish && publishUrl) {
        publisher = new Publisher(scenario, publishUrl, ring);
        publisher.start();
      }
      await waitFor(interrupted, holdStartMs + scenario.durationMs);
    }
    holdEndMs = nowMs();
    // Counted now: the drain closes every socket, so any later count is 0. A crashed worker's
    // sockets died with it although its part of the shared count was never taken back.
    const lostWithCrashed = aggregate.workers.reduce((s, w) => s + (w.crashed !== null ? (w.counters?.open ?? 0) : 0), 0);
    const openAtEnd = Math.max(0, openCounts(ring).open - lostWithCrashed);

    phase = 'drain';
    if (publisher) await publisher.stop();
    const deadline = scenario.publish?.deadlineMs ?? 0;
    const msg: DriverMessage = interrupted()
      ? { type: 'stop' }
      : { type: 'drain', lastSeq: publisher?.lastSeq ?? 0, deadlineAtMs: nowMs() + deadline };
    for (const w of workers) w.postMessage(msg);
    await waitFor(() => aggregate.allFinal, nowMs() + deadline + 10_000);
    for (const [id, w] of workers.entries()) {
      const state = aggregate.workers[id];
      if (!state.final && state.crashed === null) {
        aggregate.markCrashed(id, 'did not finish in time and was terminated');
        await w.terminate();
      }
    }
    if (embedded && embedded.exitReason()) warnings.push(`the embedded target ended during the run: ${embedded.exitReason()}`);
    phase = 'done';
    clearInterval(sampler);
    if (liner) clearInterval(liner);
    writeLine(nowMs());
    const endedAt = new Date();
    if (interrupted()) {
      warnings.push('the run was interrupted: publishes still within their delivery deadline are not counted in expected or lost');
    }
    const report = buildReport({
      scenario,
      aggregate,
      publisher: publisher?.stats ?? null,
      startedAt,
      endedAt,
      interrupted: interrupted(),
      interruptReason,
      target: {
        url,
        publishUrl,
        embedded: embedded !== null,
        tlsInsecure: /^wss:/i.test(url) || /^https:/i.test(publishUrl ?? '') ? scenario.tls.insecure : false,
      },
      phases: { rampMs: Math.round(rampEndMs - rampStartMs), holdMs: Math.round(Math.max(0, holdEndMs - (holdStartMs || holdEndMs))) },
      peakOpen: openCounts(ring).peak,
      openAtEnd,
      peakRssMb,
      environment: describeEnvironment(),
      files: files && options.reportFile ? { timeline: basename(files.timeline), hlog: basename(files.hlog) } : { timeline: null, hlog: null },
      warnings,
    });
    report.intervals = blocks.toReport();
    return { report };
  } finally {
    clearInterval(sampler);
    if (liner) clearInterval(liner);
    options.signal?.removeEventListener('abort', onAbort);
    timeline?.close();
    for (const w of workers) void w.terminate();
    if (embedded) await embedded.stop();
  }
}

function describeAbort(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error) return reason.message;
  return 'aborted';
}
