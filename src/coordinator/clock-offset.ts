/**
 * NTP-style estimate of an agent's clock offset from round trips over the control channel. A
 * probe is sent at t0 (coordinator), received at t1 and answered at t2 (agent), the answer
 * received at t3 (coordinator): offset = ((t1 − t0) + (t2 − t3)) / 2 and rtt = (t3 − t0) − (t2 − t1).
 * Whatever the asymmetry of the two legs, the true offset lies within ±rtt/2 of that estimate, so
 * the samples with the smallest rtt bound it best: the estimate is the minimum-RTT sample of a
 * window, and its uncertainty that sample's rtt / 2.
 */

/** One round trip; t0 and t3 on the coordinator's clock, t1 and t2 on the agent's. */
export interface ProbeSample {
  t0: number;
  t1: number;
  t2: number;
  t3: number;
}

/** t_agent ≈ t_coordinator + offsetMs, within ±uncertaintyMs. */
export interface ClockOffset {
  offsetMs: number;
  uncertaintyMs: number;
}

/** Offset and rtt of one sample. */
export function sampleOffset(s: ProbeSample): { offsetMs: number; rttMs: number } {
  return { offsetMs: (s.t1 - s.t0 + (s.t2 - s.t3)) / 2, rttMs: Math.max(0, s.t3 - s.t0 - (s.t2 - s.t1)) };
}

/** Keeps the last `window` samples and estimates from the one with the smallest rtt. */
export class ClockOffsetEstimator {
  private readonly samples: { offsetMs: number; rttMs: number }[] = [];

  constructor(private readonly window = 16) {}

  add(sample: ProbeSample): void {
    this.samples.push(sampleOffset(sample));
    if (this.samples.length > this.window) this.samples.shift();
  }

  /** Samples held now. */
  get count(): number {
    return this.samples.length;
  }

  /** The estimate, or null before the first sample. */
  estimate(): ClockOffset | null {
    let best: { offsetMs: number; rttMs: number } | null = null;
    for (const s of this.samples) if (!best || s.rttMs < best.rttMs) best = s;
    return best ? { offsetMs: best.offsetMs, uncertaintyMs: best.rttMs / 2 } : null;
  }
}

/** Same host, same CLOCK_MONOTONIC: no offset, exactly. */
export const SAME_CLOCK: ClockOffset = { offsetMs: 0, uncertaintyMs: 0 };

/**
 * The offsets an agent's times were converted with over a run, and how far off they could have
 * been. An estimate (o, U) applied at one round and replaced by (o', U') at the next: when made,
 * the true offset was within U of o; at the next round within U' of o', so o was off by at most
 * |o' − o| + U' by then. Drift being slow and steady (a crystal's rate), the error in between
 * stays within the larger of the two ends. The run's bound is the largest over its rounds.
 */
export class ClockTrack {
  private current: ClockOffset | null = null;
  private bound = 0;
  private drift = 0;
  private rounds = 0;

  /** A new estimate replaces the one in use. */
  apply(next: ClockOffset): void {
    const prev = this.current;
    this.rounds++;
    if (prev !== null) {
      const moved = Math.abs(next.offsetMs - prev.offsetMs);
      this.drift = Math.max(this.drift, moved);
      this.bound = Math.max(this.bound, prev.uncertaintyMs, moved + next.uncertaintyMs);
    } else this.bound = Math.max(this.bound, next.uncertaintyMs);
    this.current = next;
  }

  /** The largest uncertainty of an offset in use so far, drift between rounds included. */
  get uncertaintyMs(): number {
    return this.current === null ? Number.POSITIVE_INFINITY : this.bound;
  }

  /** The largest change of the offset between two rounds. */
  get driftMs(): number {
    return this.drift;
  }

  /** Rounds of probes estimated so far. */
  get estimates(): number {
    return this.rounds;
  }
}
