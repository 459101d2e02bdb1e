/**
 * How long a callback running now may have waited for its own thread: the part of a measured
 * round trip that is wsload's lag, not the peer's. The publisher's answers arrive on the main
 * thread, which also merges every worker's snapshot; an answer that came during a 300 ms merge is
 * handled 300 ms late, and "the publish API answered in 412 ms" would blame the API for it.
 *
 * A timer asks to run every `intervalMs`. When I/O is handled at time t:
 * - if the timer is overdue, the loop has not reached its timers phase since it was due: it was
 *   busy that long, and the I/O may have waited as long (`overdue`);
 * - if the loop has not blocked waiting for events since the timer last ran (its idle time, from
 *   performance.eventLoopUtilization, has not grown), the stretch that made that run late runs on
 *   into t: that lateness is added.
 * Otherwise the loop was idle just before t and handled the I/O as it came: 0. The estimate is how
 * long the loop had been busy before handling the I/O (within one timer period, 5 ms): what the I/O
 * waited if it came at the start of that stretch, never more than it could have waited. When it
 * came later in the stretch it waited less, and a round trip net of the estimate is a lower bound.
 *
 * The timer runs only while a request is in flight (`enter()` … `leave()`), not through the whole
 * hold: at a few publishes a second answered in milliseconds it seldom fires at all, where a timer
 * running throughout woke the thread into JavaScript 200 times a second (~2 % of a core, issue 22).
 * Nothing is lost: the estimate is only read for I/O that answers a request, which is in flight from
 * its send; a timer armed at the send is due one period later, as the running timer's next sample was
 * due at most one period later.
 */
import { performance } from 'node:perf_hooks';
import { nowMs } from '../clock.js';

/** Sampling period, as LoopLagMonitor's: fine enough for a 50 ms limit, cheap on a loaded thread. */
export const OWN_DELAY_SAMPLE_MS = 5;

export class OwnDelayProbe {
  private timer: NodeJS.Timeout | null = null;
  private enabled = false;
  private inFlight = 0;
  private expectedAt = 0;
  private lastLate = 0;
  private idleAtLast = 0;

  constructor(private readonly intervalMs: number = OWN_DELAY_SAMPLE_MS) {}

  /** Enables sampling (again), which then runs while a request is in flight; until then delayNow() reads 0. */
  start(): void {
    this.enabled = true;
    this.inFlight = 0;
    this.halt();
  }

  /** Stops sampling; delayNow() reads 0 afterwards. */
  stop(): void {
    this.enabled = false;
    this.inFlight = 0;
    this.halt();
  }

  /** A request was sent now: sampling runs until every request sent has left(). */
  enter(): void {
    if (!this.enabled || this.inFlight++ > 0) return;
    this.lastLate = 0;
    this.idleAtLast = performance.eventLoopUtilization().idle;
    this.schedule();
  }

  /** A request's answer was handled (after its delayNow()); the last one in flight stops the timer. */
  leave(): void {
    if (this.inFlight === 0) return;
    if (--this.inFlight === 0) this.halt();
  }

  /** How long I/O handled at `now` (on this thread) may have waited for the thread, ms. */
  delayNow(now: number = nowMs()): number {
    if (this.timer === null) return 0;
    const overdue = Math.max(0, now - this.expectedAt);
    const blockedSinceSample = performance.eventLoopUtilization().idle === this.idleAtLast;
    return overdue + (blockedSinceSample ? this.lastLate : 0);
  }

  private halt(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.expectedAt = nowMs() + this.intervalMs;
    this.timer = setTimeout(sampleFired, this.intervalMs, this);
    // Sampling must never keep the thread alive on its own.
    this.timer.unref();
  }

  /** @private */
  sample(): void {
    this.lastLate = Math.max(0, nowMs() - this.expectedAt);
    this.idleAtLast = performance.eventLoopUtilization().idle;
    this.schedule();
  }
}

function sampleFired(probe: OwnDelayProbe): void {
  probe.sample();
}
