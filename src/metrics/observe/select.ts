/**
 * Which series of an endpoint a run keeps: a selector is a metric name with optional label
 * matchers, as in PromQL (`haproxy_frontend_current_sessions{proxy="ws"}`, `=`, `!=`, `=~`, `!~`).
 * A selector is one series: the sum of the samples it matches (Envoy exposes
 * `envoy_http_downstream_cx_active` once per listener; the gateway's open connections are their
 * sum), which keeps what a run holds bounded whatever the endpoint exposes.
 */
import type { PromSample, PromType } from './parse.js';
import { familyOf } from './parse.js';

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  label: string;
  op: MatchOp;
  value: string;
  regex: RegExp | null;
}

export interface Selector {
  /** What the series is called in the report, the timeline and thresholds (`as`, else the metric name). */
  key: string;
  metric: string;
  matchers: readonly LabelMatcher[];
  /** The selector as written. */
  text: string;
}

export const SERIES_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Parses `name{label="v",…}`; an error string says what is wrong. */
export function parseSelector(text: string, as?: string): Selector | { error: string } {
  const m = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?\s*$/.exec(text);
  if (!m)
    return {
      error: `expected a metric name with optional label matchers, like 'envoy_http_downstream_cx_active{envoy_http_conn_manager_prefix="http"}', got ${JSON.stringify(text)}`,
    };
  const matchers: LabelMatcher[] = [];
  let rest = (m[2] ?? '').trim();
  while (rest !== '') {
    const mm = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,\s*|$)/.exec(rest);
    if (!mm) return { error: `bad label matcher in ${JSON.stringify(text)}: expected label="value" (or !=, =~, !~) separated by commas` };
    const op = mm[2] as MatchOp;
    const value = mm[3].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    let regex: RegExp | null = null;
    if (op === '=~' || op === '!~') {
      try {
        // Anchored, as PromQL's are.
        regex = new RegExp(`^(?:${value})$`);
      } catch {
        return { error: `bad regular expression ${JSON.stringify(value)} for label ${mm[1]} in ${JSON.stringify(text)}` };
      }
    }
    matchers.push({ label: mm[1], op, value, regex });
    rest = rest.slice(mm[0].length);
  }
  if (as !== undefined && !SERIES_NAME.test(as))
    return { error: `"as" must be a name like a metric's ([a-zA-Z_:][a-zA-Z0-9_:]*), got ${JSON.stringify(as)}` };
  return { key: as ?? m[1], metric: m[1], matchers, text: text.trim() };
}

/** Whether a sample is one the selector sums. */
export function matches(sel: Selector, s: PromSample): boolean {
  if (s.name !== sel.metric) return false;
  for (const m of sel.matchers) {
    const v = s.labels[m.label] ?? '';
    const ok = m.regex ? m.regex.test(v) : v === m.value;
    if ((m.op === '=' || m.op === '=~') !== ok) return false;
  }
  return true;
}

/** How a series is kept: counters as a rate per second between scrapes, everything else as read. */
export type SeriesKind = 'counter' | 'gauge';

export function seriesKind(metric: string, types: ReadonlyMap<string, PromType>): SeriesKind {
  const t = familyOf(metric, types);
  if (t === 'counter') return 'counter';
  // Untyped "…_total" is a counter by the naming convention every exporter follows.
  if (t === 'untyped' && metric.endsWith('_total')) return 'counter';
  return 'gauge';
}
