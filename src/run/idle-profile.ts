/**
 * How idle a worker's open sockets are at one moment, as it crosses to the main thread with each
 * tick: the idle-timeout screening (metrics/close-screening.ts) reads from it which sockets were
 * active and survived a cut (the control group), and how long a socket stayed idle without being
 * cut (which no timeout shorter than that can have done). "Idle" is the gateway's view: the time
 * since the last frame in either direction (nginx 1.22, HAProxy and cloud balancers reset their
 * idle timers on bytes either way), pings and the automatic pongs included.
 */

/** One worker's open sockets at `atMs`: how many in each idle bucket, and the most idle one. */
export interface IdleProfile {
  /** nowMs() when it was taken (the coordinator's clock, once an agent's message is converted). */
  atMs: number;
  /** Longest idle time of an open socket, ms (0 with none open). */
  maxMs: number;
  /** Open sockets per idle bucket (see idleBucket); trailing empty buckets left off. */
  counts: number[];
}

/** Buckets per doubling of the idle time: each bucket spans 19 % of its values. */
const PER_OCTAVE = 4;

/** The bucket of an idle time: ⌊4 · log2(1 + ms)⌋ (0 ms and anything below 0.19 ms: bucket 0). */
export function idleBucket(ms: number): number {
  return ms <= 0 ? 0 : Math.floor(PER_OCTAVE * Math.log2(1 + ms));
}

/** The smallest idle time (ms) of bucket `b`'s successor: every value in bucket `b` is below it. */
export function idleBucketEndMs(b: number): number {
  return 2 ** ((b + 1) / PER_OCTAVE) - 1;
}

/**
 * Builds a profile from the idle times of the open sockets, given one by one. Plain arrays sized
 * once per call: it runs once per worker tick, not per message.
 */
export class IdleProfileBuilder {
  private counts: number[] = [];
  private maxMs = 0;

  add(idleMs: number): void {
    const b = idleBucket(idleMs);
    while (this.counts.length <= b) this.counts.push(0);
    this.counts[b]++;
    if (idleMs > this.maxMs) this.maxMs = idleMs;
  }

  build(atMs: number): IdleProfile {
    return { atMs, maxMs: this.maxMs, counts: this.counts };
  }
}

/** Open sockets of `p` certainly idle for less than `ms` (whole buckets only: never more than there were). */
export function openIdleBelow(p: IdleProfile, ms: number): number {
  let n = 0;
  for (let b = 0; b < p.counts.length && idleBucketEndMs(b) <= ms; b++) n += p.counts[b];
  return n;
}
