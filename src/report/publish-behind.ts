/**
 * Whether the publish path kept the rate, and who held it up: the publish API (or too few request
 * slots for it), or wsload's own main thread, which handles the API's answers and so holds a slot
 * until it gets to them. Pure: numbers in, a verdict and words out; the report build and the
 * verdict read the same figures (the verdict from the report alone).
 */
import type { PercentileSet, Report } from '../run/report.js';
import { peakTarget } from '../run/load-stages.js';

/**
 * A publish may wait for a request slot this long (or two publish intervals, when longer) before
 * the path counts as not keeping the rate. Shorter waits are a blip, already in fan-out latency
 * (it counts from the scheduled time) and in publish.queued / maxQueueMs; they do not fail a run.
 */
export const BEHIND_SUSTAINED_MS = 1000;

/** The longest slot wait that is still a blip at a publish interval of `intervalMs`. */
export function sustainedWaitMs(intervalMs: number): number {
  return Math.max(BEHIND_SUSTAINED_MS, 2 * intervalMs);
}

/**
 * The publish path did not sustain the rate: a publish was dropped because the queue already held
 * a deadline's worth (rate × deadline), or one waited (sent or still waiting when the hold ended)
 * longer than sustainedWaitMs. One due just as the hold ended, queued for less, is only `skipped`.
 */
export function publishBehind(p: { overflowed: number; maxQueueMs: number; intervalMs: number }): boolean {
  return p.overflowed > 0 || p.maxQueueMs > sustainedWaitMs(p.intervalMs);
}

/** What the blame is judged on. */
export interface PublishPathFigures {
  /** Publish latency net of wsload's own delay in handling the answers. */
  net: PercentileSet;
  /** The same as the main thread measured it; absent in older reports (then the same as net). */
  measured: PercentileSet | undefined;
  /** publish.concurrency. */
  slots: number;
  /** Publishes per second (the peak with publish.stages). */
  ratePerS: number;
  /** The main thread's event-loop lag during the hold, when measured. */
  mainLag: { p99: number; max: number } | null;
}

/** Who held the request slots, in words, and whether it was wsload itself. */
export interface PublishBlame {
  wsload: boolean;
  /** Clause naming the cause, with its figures. */
  cause: string;
  /** What to do about it. */
  remedy: string;
}

const ms = (n: number): string => `${+n.toFixed(1)} ms`;

/**
 * Whoever held the request slots longer: the API's own answer time (net) against wsload's delay in
 * handling the answers (measured − net), on average per publish. The API's share also gives what
 * `slots` requests carry per second at its mean answer time, to say whether more slots would do.
 */
export function publishBlame(f: PublishPathFigures): PublishBlame {
  if (f.net.count === 0) {
    return {
      wsload: false,
      cause: 'the publish API held the request slots: not one request was answered',
      remedy: 'check that the publish API answers before blaming the gateway',
    };
  }
  const measuredMean = f.measured && f.measured.count > 0 ? f.measured.mean : f.net.mean;
  const ownMean = Math.max(0, measuredMean - f.net.mean);
  const lag = f.mainLag ? `event-loop lag p99 ${ms(f.mainLag.p99)}, max ${ms(f.mainLag.max)}` : 'its own delay';
  if (ownMean > f.net.mean) {
    return {
      wsload: true,
      cause:
        `wsload's own main thread held the request slots: it handled the publish API's answers late (${lag}; ` +
        `answers p99 ${ms(f.net.p99)} net of that, ${ms(f.measured?.p99 ?? f.net.p99)} as measured)`,
      remedy: 'the publish API is not the cause: give the main thread less to do (fewer sockets or workers per process, more shards)',
    };
  }
  const carries = f.net.mean > 0 ? (f.slots * 1000) / f.net.mean : Infinity;
  const short = carries < f.ratePerS;
  return {
    wsload: false,
    cause:
      `the publish API held the request slots: it answered in p50 ${ms(f.net.p50)}, p99 ${ms(f.net.p99)} (net of wsload's own delay)` +
      (Number.isFinite(carries)
        ? `, so ${f.slots === 1 ? '1 slot carries' : `${f.slots} slots carry`} about ${+carries.toFixed(1)}/s${short ? ` of the ${+f.ratePerS.toFixed(3)}/s asked` : ''}`
        : ''),
    remedy: short
      ? 'raise publish.concurrency or speed up the publish API before blaming the gateway'
      : 'the API stalled at times: speed up the publish API before blaming the gateway',
  };
}

/** The figures of a finished report (its scenario's concurrency and rate, its publish and main-thread sections). */
export function reportPublishFigures(r: Report): PublishPathFigures {
  const p = r.scenario.publish;
  return {
    net: r.publish.latencyMs,
    measured: r.publish.measuredLatencyMs,
    slots: p?.concurrency ?? 1,
    ratePerS: p ? peakTarget(p.stages ?? [], p.rate) : 0,
    mainLag: r.client.mainThreadLagMs ?? null,
  };
}
