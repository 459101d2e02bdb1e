/**
 * Rules of the scenario's `observe` endpoints across keys: unique names, a timeout within the
 * report interval, and thresholds on `observe.<name>.<series>` naming an endpoint and (when the
 * endpoint lists its series) a series it keeps, so a typo fails before a long run. Also the
 * normalized endpoints. An nginx stub_status endpoint has seven known series: a selector naming
 * another would never match, so it is an error at load.
 */
import type { Issue } from '../errors.js';
import { parseDuration } from '../duration.js';
import { parseSelector } from '../metrics/observe/select.js';
import { parsePerHour } from '../metrics/observe/units.js';
import { STUB_STATUS_SERIES } from '../metrics/observe/stub-status.js';
import { OBSERVE_METRIC_PREFIX, observeMetricParts } from '../metrics/observe/metric.js';
import type { ObserveEndpoint } from '../run/scenario.js';
import { nearest } from '../text/nearest.js';
import { thresholdPath } from '../report/thresholds.js';
import type { WrittenScenario } from './schema.js';

type WrittenObserve = NonNullable<WrittenScenario['observe']>;

/** The series names an endpoint keeps, or null when it keeps every series (of a body not known in advance). */
function seriesNames(e: WrittenObserve[number]): string[] | null {
  if (!e.series) return e.format === 'nginx-stub-status' ? [...STUB_STATUS_SERIES.keys()] : null;
  return e.series.map((s) => {
    const sel = parseSelector(typeof s === 'string' ? s : s.match, typeof s === 'string' ? undefined : s.as);
    return 'error' in sel ? '' : sel.key;
  });
}

/** Issues of `observe` (valid on its own) against the thresholds as written and the embedded target's default. */
export function observeIssues(observe: WrittenObserve | undefined, thresholds: unknown, embedded: boolean): Issue[] {
  const issues: Issue[] = [];
  const endpoints = observe ?? [];
  endpoints.forEach((e, i) => {
    if (endpoints.findIndex((o) => o.name === e.name) !== i)
      issues.push({ path: `observe[${i}].name`, message: `expected a name not used by another endpoint, got "${e.name}" twice` });
    const names = seriesNames(e) ?? [];
    names.forEach((n, j) => {
      if (n !== '' && names.indexOf(n) !== j)
        issues.push({
          path: `observe[${i}].series[${j}]`,
          message: `series "${n}" is kept twice; expected one selector per name (use "as" to name a second one)`,
        });
    });
    if (e.format === 'nginx-stub-status') issues.push(...stubStatusIssues(e, i));
    if ((parseDuration(e.timeout) ?? 0) <= 0)
      issues.push({ path: `observe[${i}].timeout`, message: `expected a duration greater than 0, got "${e.timeout}"` });
  });
  if (thresholds === null || typeof thresholds !== 'object') return issues;
  for (const metric of Object.keys(thresholds)) {
    const parts = observeMetricParts(metric);
    if (parts === null) continue; // other metrics, and a malformed observe name, are the thresholds' own rule's
    const known = endpoints.map((e) => e.name).concat(embedded && !endpoints.some((e) => e.name === 'target') ? ['target'] : []);
    const endpoint = endpoints.find((e) => e.name === parts.endpoint);
    if (!known.includes(parts.endpoint)) {
      const hint = nearest(parts.endpoint, known);
      const list = known.length > 0 ? known.map((k) => `"${k}"`).join(', ') : 'none (add an "observe" entry)';
      issues.push({
        path: thresholdPath(metric),
        message: `unknown observed endpoint "${parts.endpoint}"${hint ? ` (did you mean "${hint}"?)` : ''}; the scenario observes ${list}`,
      });
      continue;
    }
    const names = endpoint ? seriesNames(endpoint) : null;
    if (names !== null && !names.includes(parts.series)) {
      const hint = nearest(parts.series, names);
      issues.push({
        path: thresholdPath(metric),
        message: `endpoint "${parts.endpoint}" keeps no series "${parts.series}"${hint ? ` (did you mean "${hint}"?)` : ''}; it keeps ${names.map((n) => `"${n}"`).join(', ')}`,
      });
    }
  }
  return issues;
}

export { OBSERVE_METRIC_PREFIX };

/** Selectors of an nginx stub_status endpoint that name no series of the page. */
function stubStatusIssues(e: WrittenObserve[number], i: number): Issue[] {
  const known = [...STUB_STATUS_SERIES.keys()];
  const out: Issue[] = [];
  (e.series ?? []).forEach((s, j) => {
    const sel = parseSelector(typeof s === 'string' ? s : s.match);
    if ('error' in sel || known.includes(sel.metric)) return;
    const hint = nearest(sel.metric, known);
    out.push({
      path: `observe[${i}].series[${j}]`,
      message: `"${sel.metric}" is not a series of nginx stub_status${hint ? ` (did you mean "${hint}"?)` : ''}; expected one of ${known.join(', ')}`,
    });
  });
  return out;
}

/** The normalized endpoints of a valid `observe`; `file` makes a TLS path absolute (relative to the scenario file). */
export function observeEndpoints(observe: WrittenObserve, file: (path: string | undefined) => string | null): ObserveEndpoint[] {
  return observe.map((e) => {
    const flat = (t: string | undefined): number | undefined => {
      if (t === undefined) return undefined;
      const v = parsePerHour(t);
      return typeof v === 'number' ? v : undefined;
    };
    return {
      name: e.name,
      url: e.url,
      format: e.format,
      series: e.series
        ? e.series.map((s) =>
            typeof s === 'string'
              ? { match: s }
              : {
                  match: s.match,
                  ...(s.as !== undefined ? { as: s.as } : {}),
                  ...(s.flat !== undefined ? { flatPerHour: flat(s.flat) } : {}),
                },
          )
        : null,
      timeoutMs: parseDuration(e.timeout) ?? 2000,
      maxBytes: e.maxBytes,
      ...(e.warmUp !== undefined ? { warmUpMs: parseDuration(e.warmUp) } : {}),
      ...(e.minWindow !== undefined ? { minWindowMs: parseDuration(e.minWindow) } : {}),
      ...(e.tls
        ? {
            tls: {
              ca: file(e.tls.ca),
              insecure: e.tls.insecure,
              servername: e.tls.servername ?? null,
              cert: file(e.tls.cert),
              key: file(e.tls.key),
            },
          }
        : {}),
    };
  });
}
