/**
 * Publishes on a fixed schedule from the main thread, through a sender (HTTP requests, or
 * messages on a publisher socket). Each publish is announced in the
 * shared ring (scheduled time, send time) before its request leaves, so workers can measure
 * fan-out latency from the *scheduled* time: a publisher that falls behind shows up as latency
 * instead of hiding it (coordinated omission).
 *
 * A publish due while `concurrency` requests are in flight waits in a queue and keeps its
 * scheduled time, so its latency shows the backlog. The queue holds at most a deadline's worth of
 * publishes (rate × deadline): a publish that would wait longer cannot be delivered in time
 * anyway, and is counted skipped, as are publishes still queued when the hold ends. Each request
 * has a total deadline (`publish.timeout`), not an idle timeout: a target that answers headers and
 * then drips its body cannot keep the run alive.
 *
 * The sender's code is loaded when the publisher is made (a protocol's codecs only by a run that
 * publishes through one: methods/table.ts), and ready() waits for it before the hold, so no
 * publish waits for an import. A publish due before it loaded (a caller that started without
 * ready()) waits in the queue, as one due while every request slot is taken does.
 */
import type { Publish, Scenario } from '../run/scenario.js';
import { nowMs } from '../clock.js';
import { createHistogram, recordMs } from '../metrics/histogram.js';
import { OwnDelayProbe } from '../metrics/own-delay.js';
import { announce, settle, type PublishRing } from '../run/publish-ring.js';
import { PUBLISH_ABORTED } from '../metrics/publish-failure.js';
import { runTagOf } from '../run/publish-url.js';
import { publishTemplateText } from '../run/publish-methods/table.js';
import type { PublisherStats } from '../metrics/publisher-stats.js';
import type { PublishSender, SendRelease } from './sender.js';
import { publishTopicIndex } from '../run/topics.js';
import { senderFor } from './methods/table.js';
import { publishMethodOf } from '../run/publish-methods/table.js';
import { peakTarget, RateSchedule } from '../run/load-stages.js';

/** Hears each publish as it is announced and settled in the ring (a coordinator relays them to its agents). */
export interface PublishListener {
  announced(seq: number, scheduledMs: number, sentMs: number, topic?: number): void;
  settled(seq: number, ok: boolean, ackMs: number): void;
}

export class Publisher {
  readonly stats: PublisherStats;
  private readonly publish: Publish;
  /** Null until its code has loaded (`loading`). */
  private sender: PublishSender | null = null;
  private readonly loading: Promise<PublishSender>;
  private readonly intervalMs: number;
  /** duration × rate, exactly: identical holds publish the same number of times. */
  private readonly maxScheduled: number;
  /** With publish.stages: when each publish is due (the rate's integral); null: every intervalMs. */
  private readonly schedule: RateSchedule | null;
  private readonly queueLimit: number;
  /** Scheduled times of due publishes waiting for a request slot, oldest first. */
  private readonly queue: number[] = [];
  private startMs = 0;
  private scheduled = 0;
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Requests in flight: their abort functions. */
  private readonly inFlight = new Set<() => void>();
  private idleWaiters: (() => void)[] = [];
  /** The main thread's own delay in handling an answer, taken out of publish latency. */
  private readonly ownDelay = new OwnDelayProbe();
  /** Topic names, and the topic index of each publish in turn; null without topics. */
  private readonly topicNames: readonly string[] | null;
  private readonly topicCycle: readonly number[] | null;

  constructor(
    scenario: Scenario,
    template: string,
    private readonly ring: PublishRing,
    runTag: string,
    private readonly listener: PublishListener | null = null,
  ) {
    const names = scenario.topics?.names ?? null;
    this.topicNames = names;
    this.topicCycle = names && scenario.publish?.topics ? scenario.publish.topics.map((name) => names.indexOf(name)) : null;
    const method = publishMethodOf(scenario)?.method;
    if (!scenario.publish || !method || !('publish' in method)) throw new Error('Publisher needs a publish section');
    this.publish = scenario.publish;
    const stages = this.publish.stages;
    // Bounds that follow the rate (the queue's "rate × deadline", the report's interval) take the peak.
    const rate = stages ? peakTarget(stages, this.publish.rate) : this.publish.rate;
    this.intervalMs = 1000 / rate;
    this.schedule = stages ? new RateSchedule(this.publish.rate, stages, scenario.durationMs) : null;
    this.maxScheduled = this.schedule ? this.schedule.count : Math.floor((scenario.durationMs * this.publish.rate) / 1000 + 1e-9);
    this.queueLimit = Math.max(1, Math.ceil((rate * this.publish.deadlineMs) / 1000));
    // The template is the method's destination (a publisher socket's URL with via "websocket": what the report names).
    this.loading = senderFor(scenario, method, template, runTag);
    this.loading.then(
      (sender) => {
        this.sender = sender;
        if (this.stopped) sender.close();
        else this.drainQueue();
      },
      // A failed import (a broken install) is ready()'s rejection; nothing is sent without it.
      () => {},
    );
    this.stats = {
      sent: 0,
      ok: 0,
      failed: 0,
      aborted: 0,
      skipped: 0,
      overflowed: 0,
      queued: 0,
      maxQueueMs: 0,
      intervalMs: this.intervalMs,
      runTag: runTagOf(publishTemplateText(this.publish, template), runTag),
      failures: {},
      latency: createHistogram(),
      measuredLatency: createHistogram(),
      scheduleLag: createHistogram(),
      unsent: createHistogram(),
      ...(names ? { okByTopic: new Array<number>(names.length).fill(0) } : {}),
    };
  }

  /** Highest seq sent so far. */
  get lastSeq(): number {
    return this.seq;
  }

  /**
   * Loads the sender and opens what the publishes go out on (the publisher socket) before the hold;
   * resolves once open or failed, rejects only when the sender's code could not be loaded.
   */
  async ready(): Promise<void> {
    const sender = await this.loading;
    await sender.prepare?.();
  }

  /** Starts the schedule at `atMs` (the hold's start). */
  start(atMs: number = nowMs()): void {
    this.startMs = atMs;
    this.ownDelay.start();
    this.loop();
  }

  /** Fires everything due by now, never more than the hold's exact count. */
  private fireDue(): void {
    const now = nowMs();
    // Catch up on everything due: after a stall several publishes may be due at once.
    while (this.scheduled < this.maxScheduled && this.dueAt(this.scheduled) <= now) {
      const scheduledAt = this.dueAt(this.scheduled);
      this.scheduled++;
      this.due(scheduledAt);
    }
  }

  private loop(): void {
    if (this.stopped) return;
    this.fireDue();
    if (this.scheduled >= this.maxScheduled) return;
    const next = this.dueAt(this.scheduled);
    this.timer = setTimeout(() => this.loop(), Math.max(0, next - nowMs()));
  }

  /** When publish n (0-based) is due on the shared clock. */
  private dueAt(n: number): number {
    return this.schedule ? this.startMs + this.schedule.offsetOf(n) : this.startMs + n * this.intervalMs;
  }

  private due(scheduledAt: number): void {
    if (this.sender !== null && this.inFlight.size < this.publish.concurrency && this.queue.length === 0) {
      this.fire(this.sender, scheduledAt);
      return;
    }
    if (this.queue.length >= this.queueLimit) {
      this.stats.skipped++;
      this.stats.overflowed++;
      // A deadline's worth of publishes wait ahead of it: it could not have been delivered in time.
      if (this.stats.unsent) recordMs(this.stats.unsent, this.publish.deadlineMs);
      return;
    }
    this.queue.push(scheduledAt);
  }

  /** A request slot came free: the oldest waiting publish goes, with its own scheduled time. */
  private drainQueue(): void {
    const sender = this.sender;
    if (sender === null) return;
    while (!this.stopped && this.inFlight.size < this.publish.concurrency) {
      const scheduledAt = this.queue.shift();
      if (scheduledAt === undefined) return;
      this.stats.queued++;
      this.stats.maxQueueMs = Math.max(this.stats.maxQueueMs, nowMs() - scheduledAt);
      this.fire(sender, scheduledAt);
    }
  }

  private fire(sender: PublishSender, scheduledAt: number): void {
    const seq = ++this.seq;
    const sentAt = nowMs();
    const topic = this.topicCycle === null ? 0 : publishTopicIndex(this.topicCycle, seq);
    announce(this.ring, seq, scheduledAt, sentAt, topic);
    this.listener?.announced(seq, scheduledAt, sentAt, topic);
    recordMs(this.stats.scheduleLag, sentAt - scheduledAt);
    this.stats.sent++;
    let done = false;
    let release: SendRelease | null = null;
    let leftAt = sentAt;
    const left = (): void => {
      leftAt = nowMs();
    };
    const abort = (): void => finish(PUBLISH_ABORTED);
    // A total deadline: Node's request `timeout` only fires after that long *without data*.
    const deadline = setTimeout(() => finish('timeout'), this.publish.timeoutMs);
    const finish = (failure: string | null): void => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      this.inFlight.delete(abort);
      release?.(failure !== null);
      const ackAt = nowMs();
      // wsload's own delay is taken out at both ends: the request leaving late (a new connection
      // whose connect waited for this busy thread), and the answer waiting for this thread (a
      // snapshot merge, a stall; see metrics/own-delay.ts). What is left is the API's.
      const measured = ackAt - sentAt;
      const onTheWire = ackAt - Math.min(ackAt, Math.max(sentAt, leftAt));
      recordMs(this.stats.latency, onTheWire - Math.min(onTheWire, this.ownDelay.delayNow(ackAt)));
      this.ownDelay.leave();
      recordMs(this.stats.measuredLatency, measured);
      settle(this.ring, seq, failure === null, ackAt);
      this.listener?.settled(seq, failure === null, ackAt);
      if (failure === null) {
        this.stats.ok++;
        if (this.stats.okByTopic) this.stats.okByTopic[topic]++;
      } else if (failure === PUBLISH_ABORTED) {
        // Cut by the run's own stop: the target was never given the time to answer.
        this.stats.aborted = (this.stats.aborted ?? 0) + 1;
      } else {
        this.stats.failed++;
        this.stats.failures[failure] = (this.stats.failures[failure] ?? 0) + 1;
      }
      this.drainQueue();
      if (this.inFlight.size === 0) for (const w of this.idleWaiters.splice(0)) w();
    };
    this.inFlight.add(abort);
    this.ownDelay.enter();
    const own = sender.send(seq, finish, this.topicNames === null ? null : this.topicNames[topic], left);
    // A send that failed at once (its socket known down) has nothing left to release.
    if (done) own(true);
    else release = own;
  }

  /** Cuts every request in flight now (counted in `aborted`, not failed); a pending stop() then resolves. */
  abortInFlight(): void {
    for (const abort of [...this.inFlight]) abort();
  }

  /**
   * Stops scheduling. Publishes still queued are counted skipped. Requests in flight finish or
   * hit their own total deadline (at most `publish.timeout`); with `abort` they are cut now and
   * counted in `aborted` (not failed).
   */
  async stop(options: { abort?: boolean } = {}): Promise<void> {
    // A timer that fired late must not cost the hold its last scheduled publish.
    if (!this.stopped && this.startMs > 0 && !options.abort) this.fireDue();
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const now = nowMs();
    for (const scheduledAt of this.queue) {
      this.stats.maxQueueMs = Math.max(this.stats.maxQueueMs, now - scheduledAt);
      if (this.stats.unsent) recordMs(this.stats.unsent, now - scheduledAt);
    }
    this.stats.skipped += this.queue.length;
    this.queue.length = 0;
    if (options.abort) this.abortInFlight();
    if (this.inFlight.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.ownDelay.stop();
    // One still loading is closed once it has (the constructor's continuation).
    this.sender?.close();
  }
}
