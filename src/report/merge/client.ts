/** The merged client section. */
import type { Report } from '../../run/report.js';
import { unique } from './sums.js';

/** The client section: the worst lag and memory of the runs, every run's workers numbered on, any saturation. */
export function mergeClient(reports: readonly Report[], workers: Report['client']['workers']): Report['client'] {
  return {
    eventLoopLagMs: {
      max: Math.max(...reports.map((r) => r.client.eventLoopLagMs.max)),
      p99: Math.max(...reports.map((r) => r.client.eventLoopLagMs.p99)),
    },
    workers,
    peakRssMb: Math.max(...reports.map((r) => r.client.peakRssMb)),
    saturated: reports.some((r) => r.client.saturated),
    saturationReasons: unique(reports.flatMap((r) => r.client.saturationReasons ?? [])),
    ...(reports.some((r) => r.client.mainThreadLagMs)
      ? {
          mainThreadLagMs: {
            max: Math.max(...reports.map((r) => r.client.mainThreadLagMs?.max ?? 0)),
            p99: Math.max(...reports.map((r) => r.client.mainThreadLagMs?.p99 ?? 0)),
          },
        }
      : {}),
  };
}
