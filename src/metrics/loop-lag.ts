/**
 * Event-loop lag of one thread, as a message arriving at a random moment would feel it. A timer
 * asks to run every `intervalMs`; how much later than asked it runs is the lag, so the timer's own
 * period is not counted (monitorEventLoopDelay with a 10 ms resolution reads ~10 ms on an idle
 * loop). A stall swallows the samples that would have fallen inside it; they are back-filled
 * (HdrHistogram's expected-interval recording), so a loop blocked 40 ms of every 100 ms reads
 * p99 ≈ 40 ms and p90 ≈ 30 ms rather than one sample per stall among many idle ones. Recording
 * is restarted at the hold so the ramp's connect storm does not count.
 *
 * The timer is Node's `monitorEventLoopDelay` (a libuv timer whose callback is C++): sampling
 * every 5 ms from JavaScript cost ~2% of a core per thread in wake-ups into JS alone (issue 22:
 * an idle wsload used 4.2% of a core for its two samplers, 1.7% with these). Its raw intervals
 * are moved into this monitor's histogram (net of the period, back-filled) every DRAIN_MS by a
 * JavaScript timer, one sample at a time, read back by rank from Node's histogram.
 *
 * Node's histogram forgets, when reset, the interval then open (its next interval starts at its
 * next callback), so a stall spanning a drain would go unseen. Two JavaScript timers cover that
 * interval: the drain timer's own lateness (a stall before the drain delays it as it delays the
 * sampler) and a one-shot probe one period after the drain (a stall right after it). Either is
 * recorded only when Node's sampler did not see the same stall, so at worst a stall that
 * coincides with a drain is counted twice (the reading errs high), never missed.
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { nowMs } from '../clock.js';
import { createHistogram, percentiles, recordMsWithExpectedInterval, type Histogram } from './histogram.js';

/** Lag of one thread since the last restart, in ms. */
export interface LoopLagReading {
  maxMs: number;
  p99Ms: number;
  p90Ms: number;
  p50Ms: number;
  meanMs: number;
  /** Share of wall time the loop spent running callbacks since the restart (0–1). */
  utilization: number;
}

/** Default sampling period: fine enough for a 50 ms limit, cheap enough for a loaded worker. */
export const LAG_SAMPLE_MS = 5;
/** How often samples move from Node's histogram into the reading: readings are this much behind at most. */
export const DRAIN_MS = 250;

export class LoopLagMonitor {
  private readonly histogram: Histogram = createHistogram();
  private readonly sampler: IntervalHistogram;
  private drainTimer: NodeJS.Timeout | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private drainDueAt = 0;
  private probeDueAt = 0;
  private intervalMax = 0;
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private frozen: LoopLagReading | null = null;

  constructor(private readonly intervalMs: number = LAG_SAMPLE_MS) {
    // Node's resolution is whole milliseconds (libuv timers).
    this.sampler = monitorEventLoopDelay({ resolution: Math.max(1, Math.round(intervalMs)) });
  }

  /** Starts (or restarts) sampling from now: earlier lag is forgotten. */
  restart(): void {
    this.histogram.reset();
    this.intervalMax = 0;
    this.frozen = null;
    this.elu = performance.eventLoopUtilization();
    this.sampler.disable();
    this.sampler.reset();
    this.sampler.enable();
    this.clearTimers();
    this.scheduleDrain();
  }

  /** Stops sampling; reading() keeps returning what was measured until now. */
  stop(): void {
    if (this.drainTimer === null && this.frozen) return;
    this.moveSamples();
    this.sampler.disable();
    this.clearTimers();
    if (!this.frozen) this.frozen = this.measure();
  }

  /** What was measured since restart() (until stop(), if stopped); at most DRAIN_MS behind. */
  reading(): LoopLagReading {
    return this.frozen ?? this.measure();
  }

  /** Largest lag since the previous call (for timelines and progress); at most DRAIN_MS behind. */
  takeIntervalMax(): number {
    const m = this.intervalMax;
    this.intervalMax = 0;
    return m;
  }

  private measure(): LoopLagReading {
    const p = percentiles(this.histogram);
    const u = performance.eventLoopUtilization(this.elu).utilization;
    return { maxMs: p.max, p99Ms: p.p99, p90Ms: p.p90, p50Ms: p.p50, meanMs: p.mean, utilization: Number.isFinite(u) ? u : 0 };
  }

  private record(lag: number): void {
    recordMsWithExpectedInterval(this.histogram, lag, this.intervalMs);
    if (lag > this.intervalMax) this.intervalMax = lag;
  }

  /**
   * Moves every interval Node's sampler recorded since the last move into the histogram and
   * resets it; returns the largest lag among them. Interval i of n sorted is read as the
   * percentile (i + ½)/n, which is exactly that interval's value (to Node's 3 significant digits).
   */
  private moveSamples(): number {
    const s = this.sampler;
    const n = s.count;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const lag = s.percentile(((i + 0.5) / n) * 100) / 1e6 - this.intervalMs;
      const l = lag > 0 ? lag : 0;
      this.record(l);
      if (l > max) max = l;
    }
    if (n > 0) s.reset();
    return max;
  }

  private scheduleDrain(): void {
    this.drainDueAt = nowMs() + DRAIN_MS;
    this.drainTimer = setTimeout(drainFired, DRAIN_MS, this);
    // Sampling must never keep a thread alive on its own.
    this.drainTimer.unref();
  }

  /** @private */
  drain(): void {
    const late = Math.max(0, nowMs() - this.drainDueAt);
    const seen = this.moveSamples();
    // A stall that delayed this drain also delayed the sampler's next callback, which the reset
    // just forgot: counted here unless the sampler's own intervals already showed it.
    if (late > this.intervalMs && seen < late - this.intervalMs) this.record(late);
    if (this.probeTimer === null) {
      this.probeDueAt = nowMs() + this.intervalMs;
      this.probeTimer = setTimeout(probeFired, this.intervalMs, this);
      this.probeTimer.unref();
    }
    this.scheduleDrain();
  }

  /** @private */
  probe(): void {
    this.probeTimer = null;
    const late = Math.max(0, nowMs() - this.probeDueAt);
    // Node's sampler has an interval of its own since the drain: it covered this stretch.
    if (this.sampler.count === 0) this.record(late);
  }

  private clearTimers(): void {
    if (this.drainTimer) clearTimeout(this.drainTimer);
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.drainTimer = null;
    this.probeTimer = null;
  }
}

function drainFired(monitor: LoopLagMonitor): void {
  monitor.drain();
}

function probeFired(monitor: LoopLagMonitor): void {
  monitor.probe();
}
