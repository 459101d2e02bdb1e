/**
 * How either side of the control channel judges its peer's silence: by the time it was itself
 * awake to hear it. A process that stalls (a stopped coordinator, a long GC, a starved CPU) runs
 * its timers late, and a timer may run before the frames that queued meanwhile are read; counting
 * that stall as the peer's silence blames a healthy peer for the judge's own lag. So each check
 * subtracts how late it ran, and a check that ran late passes no judgment: the frames queued while
 * this side stalled are read first.
 */

/** Lateness of a check below this is the timer's ordinary jitter, not a stall. */
const JITTER_MS = 250;

export class SilenceJudge {
  private lastHeardMs: number;
  private lastCheckMs: number;
  /** How late this side's checks ran since it last heard the peer (its own stalls). */
  private ownLagMs = 0;

  /**
   * `limitMs`: silence that loses the peer. `checkEveryMs`: how often check() is called (its
   * lateness beyond this is this side's own lag).
   */
  constructor(
    readonly limitMs: number,
    readonly checkEveryMs: number,
    nowMs: number,
  ) {
    this.lastHeardMs = nowMs;
    this.lastCheckMs = nowMs;
  }

  /** Something arrived from the peer. */
  heard(nowMs: number): void {
    this.lastHeardMs = nowMs;
    this.ownLagMs = 0;
  }

  /** The peer's silence so far, net of this side's own stalls. */
  silenceMs(nowMs: number): number {
    return Math.max(0, nowMs - this.lastHeardMs - this.ownLagMs);
  }

  /**
   * Called every checkEveryMs: the silence (net of this side's stalls) once it reached the limit,
   * else null. A check that itself ran late returns null and judges at the next one.
   */
  check(nowMs: number): number | null {
    const late = nowMs - this.lastCheckMs - this.checkEveryMs;
    this.lastCheckMs = nowMs;
    if (late > JITTER_MS) {
      this.ownLagMs += late;
      return null;
    }
    const silence = this.silenceMs(nowMs);
    return silence >= this.limitMs ? silence : null;
  }
}
