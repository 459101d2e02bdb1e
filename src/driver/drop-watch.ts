/**
 * The driver's side of drop-event detection: feeds the closes workers log to a DropDetector (and
 * through it to the idle-timeout screening, with the workers' idle profiles of their open sockets),
 * samples the process-wide open count every 100 ms during the run, and hands the events and the
 * idle-timeout screening to the report at the end.
 */
import { nowMs } from '../clock.js';
import type { Scenario } from '../run/scenario.js';
import type { DropEvent } from '../run/report.js';
import { IdleScreening, receiveIntervalMs } from '../metrics/close-screening.js';
import { DropDetector, OPEN_SAMPLE_MS, type DropFindings } from '../metrics/drop-events.js';
import { openCounts, type PublishRing } from '../run/publish-ring.js';
import { decodeCloseLog } from '../run/protocol.js';
import type { Snapshot, TickSubscriber } from './tick-bus.js';

export interface DropWatchOptions {
  scenario: Scenario;
  ring: PublishRing;
  runStartMs: number;
  runStartEpochMs: number;
  tickMs: number;
  /** Each drop event as soon as it has ended and recovered (or the hold ended). */
  onEvent?: (event: DropEvent) => void;
}

/** Subscribes to the run's ticks for the close logs of worker snapshots. */
export class DropWatch implements TickSubscriber {
  readonly screening: IdleScreening;
  private readonly detector: DropDetector;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: DropWatchOptions) {
    const publish = opts.scenario.publish;
    // A shaped rate: the slowest it gets says how long a socket may go without a frame (0: only pings count).
    const shaped = publish ? (publish.stages ? Math.min(publish.rate, ...publish.stages.map((st) => st.target)) : publish.rate) : null;
    // With topics a socket receives only its topic's share of the publishes: the topic published
    // least often (or never) says how long a socket may go quiet, and so be cut by an idle timeout.
    const cycle = publish?.topics;
    const topics = opts.scenario.topics;
    const share =
      cycle && cycle.length > 0 && topics
        ? Math.min(...topics.names.map((name) => cycle.filter((t) => t === name).length / cycle.length))
        : 1;
    const rate = shaped === null ? null : shaped * share;
    // Workers send their idle profiles with every tick.
    this.screening = new IdleScreening(
      opts.scenario.cohorts.map((c) => ({ name: c.name, receiveIntervalMs: receiveIntervalMs(rate, c.pingIntervalMs) })),
      opts.tickMs,
    );
    this.detector = new DropDetector({
      runStartMs: opts.runStartMs,
      runStartEpochMs: opts.runStartEpochMs,
      connections: opts.scenario.connections,
      screening: this.screening,
      // A close reaches the main thread with the worker's next tick; a loaded worker ticks late.
      settleMs: 2 * opts.tickMs + 500,
      onEvent: opts.onEvent,
    });
  }

  /** Starts sampling the open count (stopSampling or finish ends it). */
  startSampling(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sample(), OPEN_SAMPLE_MS);
    this.sample();
  }

  onSnapshot(snapshot: Snapshot): void {
    this.onCloseLog(snapshot.closeLog);
    if (snapshot.idleOpen) this.screening.profile(snapshot.workerId, snapshot.idleOpen);
  }

  /** Takes the close log of one worker tick. */
  onCloseLog(log: readonly number[] | undefined): void {
    if (log && log.length > 0) this.detector.add(decodeCloseLog(log));
  }

  /** Stops sampling: from here on wsload closes its own sockets, which is no recovery. */
  stopSampling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Every event of the run, once the workers' final ticks are in. */
  finish(holdEndMs: number): DropFindings {
    this.stopSampling();
    const events = this.detector.finish(holdEndMs);
    return { events, omittedEvents: this.detector.omittedEvents, screening: this.screening };
  }

  private sample(): void {
    const now = nowMs();
    this.detector.sampleOpen(now, openCounts(this.opts.ring).open);
    this.detector.advance(now);
  }
}
