/** What the publisher measured, as the report reads it (filled by publisher/publisher.ts on the main thread). */
import type { Histogram } from './histogram.js';

/** Counters and histograms of one run's publishes. */
export interface PublisherStats {
  /** Requests sent (failed ones included). */
  sent: number;
  ok: number;
  failed: number;
  /**
   * Requests cut in flight because the run was interrupted (Ctrl-C, SIGTERM, an internal error):
   * wsload's own doing, not a failure of the target, so not in `failed`. Absent: none (older callers).
   */
  aborted?: number;
  /** Due but never sent: the queue was full, or they were still queued when the hold ended. */
  skipped: number;
  /** The part of `skipped` dropped because the queue was full. */
  overflowed: number;
  /** Sent only after waiting for a free request slot. */
  queued: number;
  /** Longest wait for a request slot, ms (publishes still waiting when the hold ended included). */
  maxQueueMs: number;
  /** Interval between scheduled publishes, ms. */
  intervalMs: number;
  /** Tag the published values carry (`{value}`), null when the template carries none. */
  runTag: string | null;
  failures: Record<string, number>;
  /** Publish round trips net of the main thread's own delay in handling their answers (metrics/own-delay.ts). */
  latency: Histogram;
  /** The same round trips as the main thread saw them, its own delay included. */
  measuredLatency: Histogram;
  scheduleLag: Histogram;
  /**
   * Publishes due but never sent, each at how long it had waited when it was given up: the hold's
   * end for one still queued, the deadline for one dropped from a full queue (it could not have
   * been delivered in time). Absent: none recorded (older callers).
   */
  unsent?: Histogram;
  /** With topics: successful publishes per topic index; absent without topics. */
  okByTopic?: number[];
}

/** The publisher's histograms by registered key (source 'publisher'); none without a publisher. Read by the report and /metrics. */
export function publisherHistograms(p: PublisherStats | null): [string, Histogram | undefined][] {
  return p
    ? [
        ['publish', p.latency],
        ['publishMeasured', p.measuredLatency],
        ['scheduleLag', p.scheduleLag],
        ['unsent', p.unsent],
      ]
    : [];
}
