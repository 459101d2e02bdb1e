/**
 * Event-loop lag of one thread, as a message arriving at a random moment would feel it. A timer
 * asks to run every `intervalMs`; how much later than asked it runs is the lag, so the timer's own
 * period is not counted (monitorEventLoopDelay with a 10 ms resolution reads ~10 ms on an idle
 * loop). A stall swallows the samples that would have fallen inside it; they are back-filled
 * (HdrHistogram's expected-interval recording), so a loop blocked 40 ms of every 100 ms reads
 * p99 ≈ 40 ms and p90 ≈ 30 ms rather than one sample per stall among many idle ones. Recording
 * is restarted at the hold so the ramp's connect storm does not count.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
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

export class LoopLagMonitor {
  private readonly histogram: Histogram = createHistogram();
  private timer: NodeJS.Timeout | null = null;
  private expectedAt = 0;
  private intervalMax = 0;
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private frozen: LoopLagReading | null = null;

  constructor(private readonly intervalMs: number = LAG_SAMPLE_MS) {}

  /** Starts (or restarts) sampling from now: earlier lag is forgotten. */
  restart(): void {
    this.histogram.reset();
    this.intervalMax = 0;
    this.frozen = null;
    this.elu = performance.eventLoopUtilization();
    if (this.timer) clearTimeout(this.timer);
    this.schedule();
  }

  /** Stops sampling; reading() keeps returning what was measured until now. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.frozen) this.frozen = this.measure();
  }

  /** What was measured since restart() (until stop(), if stopped). */
  reading(): LoopLagReading {
    return this.frozen ?? this.measure();
  }

  /** Largest lag since the previous call (for timelines and progress). */
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

  private schedule(): void {
    this.expectedAt = nowMs() + this.intervalMs;
    this.timer = setTimeout(sampleFired, this.intervalMs, this);
    // Sampling must never keep a thread alive on its own.
    this.timer.unref();
  }

  /** @private */
  sample(): void {
    const lag = Math.max(0, nowMs() - this.expectedAt);
    recordMsWithExpectedInterval(this.histogram, lag, this.intervalMs);
    if (lag > this.intervalMax) this.intervalMax = lag;
    this.schedule();
  }
}

function sampleFired(monitor: LoopLagMonitor): void {
  monitor.sample();
}
