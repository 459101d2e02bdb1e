/**
 * The two words every metric declaration uses, apart from the registry so that the declarations
 * the registry gathers (run/axis-counters.ts) and the types they feed (run/delivery-counters.ts)
 * need not import the registry itself (which imports their types back).
 */

/** Which way is a regression, for compare; neutral metrics only describe the run's size. */
export type MetricDirection = 'lower-is-better' | 'higher-is-better' | 'neutral';

/** A breakdown axis: the values a run's histograms and counters can be kept per (run/registry.ts AXES). */
export type Axis = 'cohort' | 'topic';
