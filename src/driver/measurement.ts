/**
 * What follows a run as it goes: the publish ring, the aggregate of worker snapshots and its
 * per-block histograms, and the tick bus with its subscribers (the aggregate, the timeline, drop
 * detection, progress). Set up once the target and the plan are known, before workers spawn.
 */
import { RunAggregate } from '../metrics/aggregate.js';
import { IntervalBlocks, MAX_BLOCKS, rampBlockMs } from '../metrics/interval-blocks.js';
import { LoopLagMonitor } from '../metrics/loop-lag.js';
import { peakTarget } from '../run/load-stages.js';
import { createRing, RING_MIN_SLOTS, RING_SLACK_MS, ringSizeFor, type PublishRing } from '../run/publish-ring.js';
import { AGENT_SILENT_LIMIT_MS, COORDINATOR_SILENT_LIMIT_MS } from '../run/control-protocol.js';
import type { TimelineWriter } from '../report/timeline.js';
import { sidecarPaths } from '../report/write.js';
import { nowMs } from '../clock.js';
import { DropWatch } from './drop-watch.js';
import type { MetricsEndpoint } from './metrics-endpoint.js';
import type { PromMetrics } from './prom-metrics.js';
import { VERSION } from '../version.js';
import { deliveryDeadlineMs, rampMs, type WorkerPlan } from './plan.js';
import { PublishBlocks } from './publish-blocks.js';
import { HostCpuMeter } from './host-cpu.js';
import { ProgressFeed } from './progress-feed.js';
import type { RunState } from './run-state.js';
import { TickBus } from './tick-bus.js';
import { ObserveScraper, observedEndpoints } from './observe-scraper.js';
import { openTimeline, TimelineFeed } from './timeline-feed.js';

export interface Measurement {
  ring: PublishRing;
  aggregate: RunAggregate;
  /** Fan-out and completion per block of one tick (the report's `intervals`). */
  blocks: IntervalBlocks;
  bus: TickBus;
  /** The timeline, when there are soak files or an onInterval hook; null otherwise. */
  timeline: TimelineFeed | null;
  /** The soak files and their writer, or null when there are none (or they could not be created). */
  files: { timeline: string; hlog: string; writer: TimelineWriter } | null;
  progress: ProgressFeed;
  dropWatch: DropWatch;
  /** The main thread runs the publisher's schedule: its own lag delays publishes. */
  mainLag: LoopLagMonitor;
  /** What the metrics endpoint serves; null without one. */
  prom: PromMetrics | null;
  /** How busy the machine was during the hold, and how much of it was wsload. */
  hostCpu: HostCpuMeter;
  /** The observed Prometheus endpoints' scraper; null when none is observed. */
  observe: ObserveScraper | null;
}

/**
 * How long a spread run keeps a publish in the ring past its deadline: a shard found lost has its
 * books closed from the ring back to its last snapshot (metrics/lost-books.ts), up to the agents'
 * silence limit ago, and an agent may take the coordinator's frames up to its own limit late.
 */
function spreadKeepMs(state: RunState): number {
  const agentLimit = state.options.agents?.silentLimitMs ?? AGENT_SILENT_LIMIT_MS;
  return Math.max(agentLimit, COORDINATOR_SILENT_LIMIT_MS) + state.tickMs + RING_SLACK_MS;
}

/** The publish ring (sized for the peak rate), the aggregate of worker snapshots and its per-block sink. */
function aggregateOf(state: RunState, plans: readonly WorkerPlan[], spread: boolean): Pick<Measurement, 'ring' | 'aggregate' | 'blocks'> {
  const { scenario, startMs, tickMs } = state;
  const publish = scenario.publish;
  // A publish is evaluated after its deadline and once its request has been answered (at most publish.timeout).
  // Sized for the peak rate: publish.stages may climb above publish.rate.
  const ring = createRing(
    publish
      ? ringSizeFor(
          publish.stages ? peakTarget(publish.stages, publish.rate) : publish.rate,
          publish.deadlineMs + publish.timeoutMs,
          spread ? spreadKeepMs(state) : RING_SLACK_MS,
        )
      : RING_MIN_SLOTS,
  );
  const aggregate = new RunAggregate(
    plans.map((p) => p.indices.length),
    scenario.cohorts.length,
    ring,
    deliveryDeadlineMs(scenario),
  );
  // Blocks one tick long: the finest grain at which deltas arrive.
  const blocks = new IntervalBlocks(
    tickMs,
    () => nowMs() - startMs,
    MAX_BLOCKS,
    rampBlockMs(scenario.stages ? scenario.durationMs : rampMs(scenario)),
  );
  aggregate.intervalSink = blocks;
  if (scenario.topics) aggregate.topicNames = scenario.topics.names;
  return { ring, aggregate, blocks };
}

/** The soak files, the observed endpoints' scraper and the timeline that reads both (each null when not wanted). */
function timelineOf(
  state: RunState,
  plans: readonly WorkerPlan[],
  { ring, aggregate }: Pick<Measurement, 'ring' | 'aggregate'>,
  embeddedHttpUrl: string | null,
): Pick<Measurement, 'timeline' | 'files' | 'observe'> {
  const { scenario, options, startMs, tickMs } = state;
  const publish = scenario.publish;
  const paths = options.reportFile ? sidecarPaths(options.reportFile) : null;
  const writer = paths ? openTimeline(paths, state.warnings, options.onWarning) : null;
  const files = paths && writer ? { ...paths, writer } : null;
  // Loss is booked at the publish's scheduled time, known a deadline and a worker tick later.
  const lossSettleMs = publish ? publish.deadlineMs + tickMs + 250 : 0;
  const endpoints = observedEndpoints(scenario, embeddedHttpUrl);
  const observe =
    endpoints.length > 0 ? new ObserveScraper(endpoints, { startMs, intervalMs: scenario.report.intervalMs, tls: scenario.tls }) : null;
  const timeline =
    writer || options.onInterval
      ? new TimelineFeed({
          startMs,
          intervalMs: scenario.report.intervalMs,
          workers: plans.length,
          ring,
          lossSettleMs,
          writer,
          onInterval: options.onInterval,
          addedLost: () => aggregate.addedLost(),
          ...(observe ? { observed: () => observe.latest() } : {}),
        })
      : null;
  return { timeline, files, observe };
}

/** What the metrics endpoint serves, read off the aggregate after each tick's snapshots; null without an endpoint. */
function promOf(
  state: RunState,
  aggregate: RunAggregate,
  endpoint: MetricsEndpoint | null,
  shardMemory: (() => readonly { shard: string; rssBytes: number }[]) | undefined,
): PromMetrics | null {
  const { scenario } = state;
  return endpoint
    ? new endpoint.metricsClass({
        aggregate,
        cohorts: scenario.cohorts.map((c) => c.name),
        topics: scenario.topics?.names,
        publisher: () => state.publisher?.stats ?? null,
        info: { scenario: scenario.name, version: VERSION, target: scenario.target.kind === 'url' ? scenario.target.url : 'embedded' },
        sockets: scenario.connections,
        shards: shardMemory,
      })
    : null;
}

/** Sets up the measurement of a run and subscribes it to the ticks; everything it starts is stopped by state.stopAll(). */
export function setUpMeasurement(
  state: RunState,
  plans: readonly WorkerPlan[],
  endpoint: MetricsEndpoint | null = null,
  /** The shards' resident memory in a spread run (the coordinator's last stats of each); absent in one process. */
  shardMemory?: () => readonly { shard: string; rssBytes: number }[],
  /** The embedded target's http:// base, observed as "target" by default; null for a URL target. */
  embeddedHttpUrl: string | null = null,
): Measurement {
  const { scenario, options, startMs, tickMs } = state;
  const { ring, aggregate, blocks } = aggregateOf(state, plans, shardMemory !== undefined);
  const { timeline, files, observe } = timelineOf(state, plans, { ring, aggregate }, embeddedHttpUrl);
  const dropWatch = new DropWatch({
    scenario,
    ring,
    runStartMs: startMs,
    runStartEpochMs: state.startedAt.getTime(),
    tickMs,
    onEvent: options.onDropEvent,
  });
  const progress = new ProgressFeed({
    startMs,
    target: scenario.connections,
    aggregate,
    ring,
    phase: () => state.phase,
    published: () => state.publisher?.stats.ok ?? 0,
    onProgress: options.onProgress,
  });
  const mainLag = new LoopLagMonitor();

  // The aggregate hears every snapshot first: the others read it or the ring, never each other.
  const bus = new TickBus();
  bus.subscribe({ onSnapshot: (s) => aggregate.onTick(s), onWorkerGone: (id, reason) => aggregate.markCrashed(id, reason) });
  if (timeline) bus.subscribe(timeline);
  bus.subscribe(dropWatch);
  bus.subscribe(progress);
  if (observe) bus.subscribe(observe);
  if (scenario.publish) bus.subscribe(new PublishBlocks(() => state.publisher?.stats.latency ?? null, blocks));
  // Reads the aggregate as it stands after this tick's snapshots, like progress.
  const prom = promOf(state, aggregate, endpoint, shardMemory);
  if (prom && endpoint) {
    bus.subscribe(prom);
    endpoint.serve(prom);
  }

  state.onCleanup(() => {
    dropWatch.stopSampling();
    bus.stop();
    observe?.stop();
    timeline?.stop();
    mainLag.stop();
    files?.writer.close();
  });
  return { ring, aggregate, blocks, bus, timeline, files, progress, dropWatch, mainLag, prom, hostCpu: new HostCpuMeter(), observe };
}
