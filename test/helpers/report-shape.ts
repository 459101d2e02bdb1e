/**
 * The shape of a report: the set of its key paths, values aside, so that a refactor of how the
 * report is built (src/report/build.ts, merge.ts and the registry behind them) cannot drop or rename
 * a field without a test failing. test/cli/shipped-scenarios.test.ts compares the shape of each
 * shipped scenario's report with the one committed in test/cli/report-shapes/ (update with
 * `npx vitest run test/cli/shipped-scenarios.test.ts -u` and read the diff: every line added or
 * removed is a field users see appear or go).
 */

/** Array indexes are one `[]`: the elements' shapes are united. */
const INDEX = '[]';

/**
 * Objects whose keys are what the run met, not fields of the format (close codes, causes, errors,
 * failure reasons, per-run event lists): their keys are one `*`. Patterns match a path with
 * cohort, topic and shard names already made `*`.
 */
const KEYED_BY_DATA = [
  /^closes\.byCode$/,
  /^disconnects(\.byCohort\.\*)?\.(byCode|byCause|byError)$/,
  /^connections\.failures$/,
  /^publish\.failures$/,
  /^merged\.estimates$/,
];

/**
 * Fields present or absent by what the machine did during the run, not by the scenario: the
 * client's saturation detail (the machine's load), drop events and their screening (a close in a
 * 2 s run is noise), warnings (text), the censored-fanout note (a loss near the end). Left out
 * of the shape, with their children.
 */
const VOLATILE = [
  /^client\.(cpu|saturationCause|saturationReasons)(\.|$)/,
  /^disconnects\.events(\.|$)/,
  /^fanout\.censored(\.|$)/,
  /^warnings\[\]/,
  // The client's RSS slope needs 3 samples after the warm-up, and a counter's increase 2 scrapes:
  // in a few-second run that depends on when the ticks fell.
  /^client\.memory(\.|$)/,
  /^observe\[\]\.series\[\]\.increase$/,
  // Kept only when something happened: a publish never sent (a loaded machine), a close (idle
  // timings and idle-timeout samples, whole-run and per cohort).
  /^histograms\.(unsent|idleAtClose|sentIdleAtClose|ageAtClose|idleTimeoutSamples)(:\*)?$/,
];

/** Names chosen by the scenario (cohorts, topics): their own keys are the same `*` in every report. */
const NAMED = [
  /^(disconnects|reconnects)\.byCohort$/,
  /^connections\.openedByCohort$/,
  /^fanout\.byTopic$/,
  /^fanout\.byCohort$/,
  /^disconnects\.idleTimeoutScreening$/,
];

/** Histogram keys with a cohort or topic after the colon, made `<kind>:*`. */
function histogramKey(key: string): string {
  const colon = key.indexOf(':');
  return colon < 0 ? key : `${key.slice(0, colon)}:*`;
}

/** The sorted key paths of `report` ("fanout.latencyMs.p99", "client.workers[].sockets", "histograms.fanout"). */
export function reportShape(report: unknown): string[] {
  const out = new Set<string>();
  const walk = (value: unknown, path: string): void => {
    if (VOLATILE.some((re) => re.test(path))) return;
    if (path !== '') out.add(path);
    if (Array.isArray(value)) {
      for (const v of value) walk(v, `${path}${INDEX}`);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const keyed = KEYED_BY_DATA.some((re) => re.test(path));
    const named = NAMED.some((re) => re.test(path));
    for (const [k, v] of Object.entries(value)) {
      const key = keyed || named ? '*' : path === 'histograms' ? histogramKey(k) : k;
      if (keyed) {
        out.add(`${path}.*`);
        continue;
      }
      walk(v, path === '' ? key : `${path}.${key}`);
    }
  };
  walk(report, '');
  return [...out].sort();
}
