/**
 * The histograms a worker thread records, allocated from the registry (src/run/registry.ts) rather
 * than restated here: the whole-run set (source 'worker'), and per cohort and per topic the
 * breakdowns the run keeps. `drainHistograms` ships them under their registered keys. Recording
 * sites index these objects by key: no allocation on the receive path.
 */
import { createHistogram, type Histogram } from '../metrics/histogram.js';
import {
  WORKER_HISTOGRAMS,
  breakdownKey,
  histogramDef,
  breakdownsOf,
  type Axis,
  type BreakdownDef,
  type CohortHistogramKind,
  type WorkerHistogramKey,
} from '../run/registry.js';

export type WorkerHistograms = Record<WorkerHistogramKey, Histogram>;

/** Per value of an axis (a cohort, a topic): its histograms by family key; a family the run does not keep is absent. */
export type ValueHistograms = Partial<Record<string, Histogram>>;

/** One histogram per registered worker-recorded family. */
export function workerHistograms(): WorkerHistograms {
  // WORKER_HISTOGRAMS lists every WorkerHistogramKey (its type is derived from the same entries).
  return Object.fromEntries(WORKER_HISTOGRAMS.map((k) => [k, createHistogram()])) as WorkerHistograms;
}

/**
 * Breakdowns of `axis` kept for a run with `values` of them that a worker records: families of
 * source 'worker', and 'cohorts' (recorded per cohort only); 'main' ones (completion) are not.
 */
function recordedHere(axis: Axis, values: number): BreakdownDef[] {
  return breakdownsOf(axis).filter((b) => values >= b.minValues && ['worker', 'cohorts'].includes(histogramDef(b.key)?.source ?? ''));
}

/**
 * Histograms per value of `axis` (`values` of them): per cohort the disconnect timings, and fan-out
 * from two cohorts up; per topic fan-out (completion per topic is the main thread's).
 */
export function axisHistograms(axis: Axis, values: number): ValueHistograms[] {
  const kept = recordedHere(axis, values);
  return Array.from({ length: values }, () => Object.fromEntries(kept.map((b) => [b.key, createHistogram()])));
}

/** Passes every non-empty histogram of `names`' values to `take` under its Report.histograms key. */
export function drainAxis(
  axis: Axis,
  names: readonly string[],
  hists: readonly ValueHistograms[],
  take: (key: string, h: Histogram) => void,
): void {
  const kept = recordedHere(axis, names.length);
  names.forEach((name, i) => {
    for (const b of kept) {
      const h = hists[i]?.[b.key];
      if (h) take(breakdownKey(b, name), h);
    }
  });
}

/** A cohort's histograms: its disconnect timings always, its fan-out when the run has two cohorts or more. */
export type CohortHistograms = Record<CohortHistogramKind, Histogram> & { readonly fanout?: Histogram };

/** Per cohort (`n` of them); the disconnect breakdowns are kept from one cohort up (registry test). */
export function cohortHistograms(n: number): CohortHistograms[] {
  return axisHistograms('cohort', n) as CohortHistograms[];
}

/** A topic's histograms: its fan-out (its completion is the main thread's). */
export type TopicHistograms = { readonly fanout: Histogram };

/** Per topic (`n` of them); the fan-out breakdown is kept from one topic up (registry test). */
export function topicHistograms(n: number): TopicHistograms[] {
  return axisHistograms('topic', n) as TopicHistograms[];
}
