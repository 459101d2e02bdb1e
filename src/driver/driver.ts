/**
 * The main thread of a run: starts the target if embedded, spawns the workers, waits for the
 * ramp-up, publishes during the hold, drains pending deliveries, and turns what the workers sent
 * into a Report. It never prints; progress goes to the caller through onProgress.
 */
import { Worker } from 'node:worker_threads';
import { nowMs } from '../clock.js';
import type { Scenario } from '../run/scenario.js';
import type { DropEvent, Report } from '../run/report.js';
import { percentiles } from '../metrics/histogram.js';
import { RunAggregate } from '../metrics/aggregate.js';
import { LoopLagMonitor } from '../metrics/loop-lag.js';
import { IntervalBlocks } from '../metrics/interval-blocks.js';
import { buildReport } from '../report/build.js';
import { TimelineWriter, timelineLine } from '../report/timeline.js';
import { TimelineBooker } from '../report/timeline-booker.js';
import { sidecarPaths } from '../report/write.js';
import { describeEnvironment } from './environment.js';
import { Publisher } from '../publisher/publisher.js';
import { defaultPublishTemplate, newRunTag, runTagOf, templateCarriesId } from '../run/publish-url.js';
import { startEmbeddedTarget, type EmbeddedTarget } from '../target/embedded.js';
import { createRing, openCounts, ringSizeFor } from '../run/publish-ring.js';
import { DropWatch } from './drop-watch.js';
import { deliveryDeadlineMs, describePlan, planWorkers, rampMs, workerSlices } from './plan.js';
import type { DriverMessage, WorkerMessage } from '../run/protocol.js';
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
  /** Called with each drop event (closes together in time) once it has ended and recovered, or at the end of the hold. */
  onDropEvent?: (event: DropEvent) => void;
  /** Called at once with a problem that does not stop the run (a soak file that cannot be written). */
  onWarning?: (message: string) => void;
}

export interface RunResult {
  report: Report;
}

const WORKER_ENTRY = new URL('../worker/worker.js', import.meta.url);
const WORKER_YOUNG_GENERATION_MB = 16;
/** Beyond publish.timeout, how long stopping the publisher may take before the run goes on without it. */
const PUBLISHER_STOP_SLACK_MS = 2_000;
/** Once interrupted, how long publishes in flight (normally answered in ms) still get. */
const INTERRUPTED_PUBLISHER_GRACE_MS = 1_000;
/** Beyond the drain deadline, how long workers get to close their sockets (they give 2 s) and report. */
const WORKER_FINISH_SLACK_MS = 10_000;
/** The report's target URL when an interrupt came before the embedded target listened. */
const NOT_STARTED_URL = 'ws://127.0.0.1/ws (embedded target not started: interrupted)';

/** What a run has started and must stop on every way out, or the process would never exit. */
interface Started {
  embedded: Promise<EmbeddedTarget> | null;
  timeline: TimelineWriter | null;
  workers: Worker[];
  publisher: Publisher | null;
  timers: NodeJS.Timeout[];
  /** Resolves when the run is aborted; never, otherwise. */
  aborted: Promise<void>;
}

/** Runs a scenario to its end (or until aborted) and returns the report. */
export async function runScenario(scenario: Scenario, options: RunOptions): Promise<RunResult> {
  let resolveAborted: () => void = () => {};
  const aborted = new Promise<void>((resolve) => (resolveAborted = resolve));
  // Listened for before anything starts: an abort while the target starts must not be lost.
  const signal = options.signal;
  if (signal?.aborted) resolveAborted();
  else signal?.addEventListener('abort', resolveAborted, { once: true });
  const started: Started = { embedded: null, timeline: null, workers: [], publisher: null, timers: [], aborted };
  try {
    return await run(scenario, options, started);
  } finally {
    signal?.removeEventListener('abort', resolveAborted);
    await stopAll(started);
  }
}

/** Stops whatever the run started, whichever way it ended (return, exception, interrupt). */
async function stopAll(started: Started): Promise<void> {
  for (const t of started.timers) clearInterval(t);
  started.timeline?.close();
  for (const w of started.workers) void w.terminate();
  // Scheduling ends at once; requests in flight end within publish.timeout.
  if (started.publisher) void started.publisher.stop().catch(() => {});
  // A target still starting when an interrupt came is stopped once it is up.
  if (started.embedded) await started.embedded.then((t) => t.stop(), () => {});
}

async function run(scenario: Scenario, options: RunOptions, started: Started): Promise<RunResult> {
  const startedAt = new Date();
  const startMs = nowMs();
  // Workers report at least once per report interval, or a timeline line would repeat stale
  // counts; below 100 ms the cost of encoding histograms outweighs fresher lines.
  const tickMs = Math.min(options.tickMs ?? 1000, Math.max(100, scenario.report.intervalMs));
  const warnings: string[] = [];
  let interruptReason: string | null = options.signal?.aborted ? describeAbort(options.signal.reason) : null;
  let embedded: EmbeddedTarget | null = null;
  let url: string;
  if (scenario.target.kind === 'embedded') {
    if (interruptReason === null) {
      started.embedded = startEmbeddedTarget({ host: '127.0.0.1' });
      embedded = await Promise.race([started.embedded, started.aborted.then(() => null)]);
    }
    url = embedded?.wsUrl ?? NOT_STARTED_URL;
  } else {
    url = scenario.target.url;
  }
  const publishUrl = scenario.publish ? (scenario.publish.url ?? defaultPublishTemplate(url)) : null;
  // Tells this run's pushes from those of any other run against the same target.
  const runTag = newRunTag();
  const plans = planWorkers(scenario);
  // Interrupted before the target listened: there is no plan to tell.
  if (url !== NOT_STARTED_URL) options.onPlan?.(describePlan(scenario, publishUrl, plans.length, publishUrl ? runTagOf(publishUrl, runTag) : null));

  // A publish is evaluated after its deadline and once its request has been answered (at most publish.timeout).
  const ring = createRing(scenario.publish ? ringSizeFor(scenario.publish.rate, scenario.publish.deadlineMs + scenario.publish.timeoutMs) : 1024);
  const aggregate = new RunAggregate(
    plans.map((p) => p.indices.length),
    scenario.cohorts.length,
    ring,
    deliveryDeadlineMs(scenario),
  );
  // Blocks one tick long: the finest grain at which deltas arrive.
  const blocks = new IntervalBlocks(tickMs, () => nowMs() - startMs);
  aggregate.intervalSink = blocks;
  let files = options.reportFile ? sidecarPaths(options.reportFile) : null;
  const timeline = files ? openTimeline(files, options, warnings) : null;
  if (timeline === null) files = null;
  started.timeline = timeline;
  const reportIntervalMs = scenario.report.intervalMs;
  // Loss is booked at the publish's scheduled time, known a deadline and a worker tick later.
  const lossSettleMs = scenario.publish ? scenario.publish.deadlineMs + tickMs + 250 : 0;
  const booker = timeline ? new TimelineBooker(startMs, reportIntervalMs, plans.length, ring, lossSettleMs) : null;

  let phase: RunPhase = 'ramp';
  let publisher: Publisher | null = null;
  let holdStartMs = 0;
  let holdEndMs = 0;
  let peakRssMb = process.memoryUsage().rss / 1048576;
  // The main thread runs the publisher's schedule: its own lag delays publishes.
  const mainLag = new LoopLagMonitor();

  const dropWatch = new DropWatch({ scenario, ring, runStartMs: startMs, runStartEpochMs: startedAt.getTime(), tickMs, onEvent: options.onDropEvent });
  const slices = workerSlices(scenario, plans, {
    url,
    runTag: publishUrl ? runTagOf(publishUrl, runTag) : null,
    checkIds: publishUrl ? templateCarriesId(publishUrl) : false,
    ring: ring.buffer,
    ringSize: ring.size,
    tickMs,
    timeline: booker ? { startMs, intervalMs: reportIntervalMs } : null,
  });
  // A worker's garbage is short-lived (one frame, one event at a time). 16 MB of young generation
  // keeps each isolate's RSS ~30 MB under V8's default at 10k sockets without slowing the ramp;
  // 8 MB saved 10 MB more but made a 10k-socket ramp 70% slower (scavenges per handshake).
  const workers = slices.map((slice) => new Worker(WORKER_ENTRY, { workerData: slice, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } }));
  started.workers = workers;

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
      else if (msg.type === 'tick') {
        aggregate.onTick(msg);
        booker?.onTick(msg, nowMs());
        dropWatch.onCloseLog(msg.closeLog);
      } else if (msg.type === 'fatal') {
        aggregate.markCrashed(id, msg.error.message);
        booker?.onWorkerGone(id, nowMs());
      }
      poke();
    });
    worker.on('error', (err) => {
      aggregate.markCrashed(id, err.message);
      booker?.onWorkerGone(id, nowMs());
      poke();
    });
    worker.on('exit', (code) => {
      if (!aggregate.workers[id].final) {
        aggregate.markCrashed(id, `exited with code ${code}`);
        booker?.onWorkerGone(id, nowMs());
      }
      poke();
    });
  });

  const onAbort = (): void => {
    interruptReason = describeAbort(options.signal?.reason);
    // An interrupt must not wait out publish.timeout on requests still in flight.
    publisher?.abortInFlight();
    poke();
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  const interrupted = (): boolean => interruptReason !== null;

  // Progress once a tick; timeline lines once every column of their interval is final.
  let lastProgressDelivered = 0;
  let lastProgressMs = startMs;
  const sample = (): void => {
    const now = nowMs();
    peakRssMb = Math.max(peakRssMb, process.memoryUsage().rss / 1048576);
    const totals = aggregate.totals();
    const counts = openCounts(ring);
    const lag = Math.max(0, ...aggregate.workers.map((w) => w.lag.intervalMaxMs));
    writeLines(now, false);
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
  // Lines are written when final: with `all`, every interval up to now (the run is over).
  function writeLines(now: number, all: boolean): void {
    if (!timeline || !booker) return;
    for (const b of booker.ready(now, all)) {
      const endMs = Math.min(booker.endOf(b.index), now);
      if (!b.atEnd) b.atEnd = { open: openCounts(ring).open, rssMb: process.memoryUsage().rss / 1048576, wallMs: Date.now() };
      timeline.append(timelineLine(b, endMs - startMs), b.fanout, (b.index * reportIntervalMs) / 1000, (endMs - startMs) / 1000);
    }
  }
  const sampler = setInterval(sample, tickMs);
  // The instantaneous columns (open sockets, RSS, wall time) are read at each interval's end.
  let boundaryTimer: NodeJS.Timeout | null = null;
  let nextBoundary = 0;
  const boundary = (): void => {
    if (!booker) return;
    const now = nowMs();
    while (booker.endOf(nextBoundary) <= now) {
      booker.sampleEnd(nextBoundary++, openCounts(ring).open, process.memoryUsage().rss / 1048576, Date.now());
    }
    writeLines(now, false);
    boundaryTimer = setTimeout(boundary, Math.max(0, booker.endOf(nextBoundary) - nowMs()));
  };
  boundary();
  started.timers.push(sampler);

  // Samples the open count from here on, so a drop in the ramp has an open count before it.
  dropWatch.startSampling();
  let rampStartMs = nowMs();
  try {
    // Workers load their modules first; the ramp clock starts when every one of them can dial.
    await waitFor(() => workers.every((_, id) => ready.has(id) || aggregate.workers[id].crashed !== null) || interrupted(), nowMs() + 30_000);
    rampStartMs = nowMs();
    if (!interrupted()) for (const w of workers) w.postMessage({ type: 'start', rampStartMs } satisfies DriverMessage);
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
      for (const w of workers) w.postMessage({ type: 'hold' } satisfies DriverMessage);
      mainLag.restart();
      if (scenario.publish && publishUrl) {
        publisher = new Publisher(scenario, publishUrl, ring, runTag);
        started.publisher = publisher;
        publisher.start(holdStartMs);
      }
      await waitFor(interrupted, holdStartMs + scenario.durationMs);
    }
    holdEndMs = nowMs();
    mainLag.stop();
    dropWatch.stopSampling();
    // Counted now: the drain closes every socket, so any later count is 0. A crashed worker's
    // sockets died with it although its part of the shared count was never taken back.
    const lostWithCrashed = aggregate.workers.reduce((s, w) => s + (w.crashed !== null ? (w.counters?.open ?? 0) : 0), 0);
    const openAtEnd = Math.max(0, openCounts(ring).open - lostWithCrashed);

    phase = 'drain';
    if (publisher) {
      // Requests in flight end within their timeout; a publisher that does not stop by then (a
      // body dripping forever) must not hold the run, and an interrupt cuts the wait short.
      const cut = started.aborted.then(() => delay(INTERRUPTED_PUBLISHER_GRACE_MS));
      const stopped = await settledWithin(publisher.stop({ abort: interrupted() }), (scenario.publish?.timeoutMs ?? 0) + PUBLISHER_STOP_SLACK_MS, cut);
      if (!stopped) warnings.push('the publisher still had requests in flight when the run ended; they are not counted');
    }
    const deadline = deliveryDeadlineMs(scenario);
    const stopSent = interrupted();
    const msg: DriverMessage = stopSent
      ? { type: 'stop' }
      : { type: 'drain', lastSeq: publisher?.lastSeq ?? 0, deadlineAtMs: nowMs() + deadline };
    for (const w of workers) w.postMessage(msg);
    const drainLimit = nowMs() + deadline + WORKER_FINISH_SLACK_MS;
    await waitFor(() => aggregate.allFinal || (interrupted() && !stopSent), drainLimit);
    if (!aggregate.allFinal && !stopSent && interrupted()) {
      // Interrupted during the drain: count what is complete and close now, not at the deadline.
      for (const w of workers) w.postMessage({ type: 'stop' } satisfies DriverMessage);
      await waitFor(() => aggregate.allFinal, Math.min(drainLimit, nowMs() + WORKER_FINISH_SLACK_MS));
    }
    for (const [id, w] of workers.entries()) {
      const state = aggregate.workers[id];
      if (!state.final && state.crashed === null) {
        aggregate.markCrashed(id, 'did not finish in time and was terminated');
        booker?.onWorkerGone(id, nowMs());
        await w.terminate();
      }
    }
    if (embedded && embedded.exitReason()) warnings.push(`the embedded target ended during the run: ${embedded.exitReason()}`);
    phase = 'done';
    clearInterval(sampler);
    if (boundaryTimer) clearTimeout(boundaryTimer);
    writeLines(nowMs(), true);
    if (timeline && timeline.writeErrors > 0) {
      warnings.push(`${timeline.writeErrors} interval${timeline.writeErrors === 1 ? ' was' : 's were'} not written whole to the .ndjson/.hlog (${timeline.firstError ?? 'unknown error'})`);
    }
    const endedAt = new Date();
    if (interrupted()) {
      warnings.push('the run was interrupted: publishes still within their delivery deadline are not counted in expected or lost');
    }
    const drops = dropWatch.finish(holdEndMs);
    if (drops.omittedEvents > 0) warnings.push(`${drops.omittedEvents} more drop events than the ${drops.events.length} listed in disconnects.events`);
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
      mainLag: holdStartMs > 0 ? mainLag.reading() : null,
      environment: describeEnvironment(),
      files:
        files && timeline
          ? { timeline: basename(files.timeline), hlog: basename(files.hlog), ...(timeline.writeErrors > 0 ? { writeErrors: timeline.writeErrors } : {}) }
          : { timeline: null, hlog: null },
      warnings,
      drops,
    });
    report.intervals = blocks.toReport();
    return { report };
  } finally {
    dropWatch.stopSampling();
    clearInterval(sampler);
    if (boundaryTimer) clearTimeout(boundaryTimer);
    mainLag.stop();
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** The soak files, or null (with a warning) when they cannot be created: the run is worth more than they are. */
function openTimeline(files: { timeline: string; hlog: string }, options: RunOptions, warnings: string[]): TimelineWriter | null {
  const onWriteError = (file: string, message: string): void => {
    options.onWarning?.(`could not write ${file}: ${message} (later intervals are tried again; counted in files.writeErrors)`);
  };
  try {
    return new TimelineWriter(files.timeline, files.hlog, Date.now(), onWriteError);
  } catch (err) {
    // Output paths are checked before the run, so only a file system that changed since gets here.
    const message = `could not create ${files.timeline} or ${files.hlog}: ${err instanceof Error ? err.message : String(err)}; the run goes on without them`;
    warnings.push(message);
    options.onWarning?.(message);
    return null;
  }
}

/** Resolves after ms without keeping the process alive. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** True when `work` settles within `ms`; false on timeout or when `cut` resolves first. */
async function settledWithin(work: Promise<unknown>, ms: number, cut: Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true, () => true), timeout, cut.then(() => false)]);
  } finally {
    clearTimeout(timer);
  }
}

function describeAbort(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error) return reason.message;
  return 'aborted';
}
