/**
 * Calls the publish URL on a fixed schedule from the main thread. Each publish is announced in the
 * shared ring (scheduled time, send time) before its request leaves, so workers can measure
 * fan-out latency from the *scheduled* time: a publisher that falls behind shows up as latency
 * instead of hiding it (coordinated omission). A publish due while `concurrency` requests are
 * still in flight is skipped and counted — that is the client failing to keep the schedule.
 */
import http from 'node:http';
import https from 'node:https';
import type { Publish, Scenario } from '../scenario/types.js';
import { nowMs } from '../clock.js';
import { createHistogram, recordMs, type Histogram } from '../metrics/histogram.js';
import { classifyConnectError } from '../metrics/classify.js';
import { lookupFor, tlsConnectOptions } from '../net/connect-options.js';
import { announce, settle, type PublishRing } from '../driver/publish-ring.js';
import { fillPublishUrl } from './publish-url.js';

export interface PublisherStats {
  sent: number;
  ok: number;
  failed: number;
  skipped: number;
  failures: Record<string, number>;
  latency: Histogram;
  scheduleLag: Histogram;
}

export class Publisher {
  readonly stats: PublisherStats = {
    sent: 0,
    ok: 0,
    failed: 0,
    skipped: 0,
    failures: {},
    latency: createHistogram(),
    scheduleLag: createHistogram(),
  };
  private readonly publish: Publish;
  private readonly template: string;
  private readonly agent: http.Agent;
  private readonly secure: boolean;
  private readonly requestOptions: https.RequestOptions;
  private readonly intervalMs: number;
  /** duration × rate, exactly: identical holds publish the same number of times. */
  private readonly maxScheduled: number;
  private startMs = 0;
  private scheduled = 0;
  private seq = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    scenario: Scenario,
    template: string,
    private readonly ring: PublishRing,
  ) {
    if (!scenario.publish) throw new Error('Publisher needs a publish section');
    this.publish = scenario.publish;
    this.template = template;
    // Schemes are case-insensitive: http.get throws at once on an "HTTPS://" URL.
    this.secure = /^https:/i.test(template);
    this.intervalMs = 1000 / this.publish.rate;
    this.maxScheduled = Math.floor((scenario.durationMs * this.publish.rate) / 1000 + 1e-9);
    const agentOptions = { keepAlive: true, maxSockets: this.publish.concurrency };
    this.agent = this.secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    const lookup = lookupFor(scenario.resolve);
    this.requestOptions = {
      agent: this.agent,
      timeout: this.publish.timeoutMs,
      ...(lookup ? { lookup } : {}),
      ...(this.secure ? tlsConnectOptions(scenario.tls) : {}),
    };
  }

  /** Highest seq sent so far. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Starts the schedule at `atMs` (the hold's start). */
  start(atMs: number = nowMs()): void {
    this.startMs = atMs;
    this.loop();
  }

  /** Fires everything due by now, never more than the hold's exact count. */
  private fireDue(): void {
    const now = nowMs();
    // Catch up on everything due: after a stall several publishes may be due at once.
    while (this.scheduled < this.maxScheduled && this.startMs + this.scheduled * this.intervalMs <= now) {
      const scheduledAt = this.startMs + this.scheduled * this.intervalMs;
      this.scheduled++;
      this.fire(scheduledAt);
    }
  }

  private loop(): void {
    if (this.stopped) return;
    this.fireDue();
    if (this.scheduled >= this.maxScheduled) return;
    const next = this.startMs + this.scheduled * this.intervalMs;
    this.timer = setTimeout(() => this.loop(), Math.max(0, next - nowMs()));
  }

  private fire(scheduledAt: number): void {
    if (this.inFlight >= this.publish.concurrency) {
      this.stats.skipped++;
      return;
    }
    const seq = ++this.seq;
    const url = fillPublishUrl(this.template, this.publish.ids, seq);
    const sentAt = nowMs();
    announce(this.ring, seq, scheduledAt, sentAt);
    recordMs(this.stats.scheduleLag, sentAt - scheduledAt);
    this.stats.sent++;
    this.inFlight++;
    let done = false;
    const finish = (failure: string | null): void => {
      if (done) return;
      done = true;
      this.inFlight--;
      const ackAt = nowMs();
      recordMs(this.stats.latency, ackAt - sentAt);
      settle(this.ring, seq, failure === null, ackAt);
      if (failure === null) this.stats.ok++;
      else {
        this.stats.failed++;
        this.stats.failures[failure] = (this.stats.failures[failure] ?? 0) + 1;
      }
      if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
    };
    this.request(url, finish, true);
  }

  private request(url: string, finish: (failure: string | null) => void, mayRetry: boolean): void {
    const req = (this.secure ? https : http).get(url, this.requestOptions, (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => finish(status >= 200 && status < 300 ? null : `http-${status}`));
      res.on('error', (err) => finish(classifyConnectError(err)));
    });
    req.on('timeout', () => {
      finish('timeout');
      req.destroy();
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A kept-alive connection the server closed just as we reused it fails before the request
      // reached the server; Node's documented remedy is one retry on a fresh connection.
      if (mayRetry && req.reusedSocket && err.code === 'ECONNRESET') this.request(url, finish, false);
      else finish(classifyConnectError(err));
    });
  }

  /** Stops scheduling; resolves when requests in flight have finished (or timed out). */
  async stop(): Promise<void> {
    // A timer that fired late must not cost the hold its last scheduled publish.
    if (!this.stopped && this.startMs > 0) this.fireDue();
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.agent.destroy();
  }
}
