/**
 * Threshold expressions ("fanout.p99": "< 250ms") parsed at scenario validation, so a typo fails
 * before a long run rather than after it, and evaluated against the finished report.
 */
import { ScenarioError } from '../errors.js';
import { LATENCY_FAMILIES, TOPIC_METRIC_PREFIX, lookupMetric, unknownMetricMessage, type MetricDef } from '../metrics/names.js';
import type { Report, ThresholdResult } from '../run/report.js';
import { isObserveMetric, isSlopeMetric, observeMetricValue, observeUnitScale } from '../metrics/observe/metric.js';
import { clockUncertaintyOf, earlyBeyondBound } from './clock-bound.js';
import { streamJudgedEnough } from './stream-caveat.js';

export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** A threshold ready to evaluate; `value` is in ms for latencies, a count, or a percent. */
export interface ParsedThreshold {
  metric: MetricDef;
  expression: string;
  op: ThresholdOp;
  value: number;
  /** True for "%" expressions on counters with a base. */
  percent: boolean;
}

const OPS = '< <= > >= == !=';
// "/" for slopes ("< 1MB/h").
const EXPRESSION = /^\s*(<=|>=|==|!=|<|>)\s*(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z%µ]*(?:\/[A-Za-z]+)?)\s*$/;
const TIME_UNITS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000 };

/** Parses one threshold; the error says what is wrong and what is allowed. */
export function parseThreshold(metric: string, expression: string): ParsedThreshold | { error: string } {
  const unknown = unknownMetricMessage(metric);
  if (unknown !== undefined) return { error: unknown };
  const def = lookupMetric(metric) as MetricDef;
  const m = EXPRESSION.exec(expression);
  const shape = def.unit === 'ms' ? '"< 250ms"' : def.base ? '"== 0" or "< 0.1%"' : '"== 0"';
  if (!m) {
    return { error: `expected "<op> <number><unit>" with op one of ${OPS}, like ${shape}, got ${JSON.stringify(expression)}` };
  }
  const op = m[1] as ThresholdOp;
  const number = Number(m[2]);
  const unit = m[3];
  // Observed series and trends are in their own unit (bytes, per hour): metrics/observe/metric.ts.
  const observed = isObserveMetric(metric) ? observeUnitScale(metric, unit) : undefined;
  if (typeof observed === 'object') return { error: `${observed.error}, got ${JSON.stringify(expression)}` };
  if (observed !== undefined) return { metric: def, expression, op, value: number * observed, percent: false };
  if (def.unit === 'ms') {
    if (unit === '') return { metric: def, expression, op, value: number, percent: false };
    const scale = TIME_UNITS[unit];
    if (scale === undefined) {
      return {
        error: `unit "${unit}" is not allowed for ${metric} (a latency); expected us, ms or s (a bare number is ms), got ${JSON.stringify(expression)}`,
      };
    }
    return { metric: def, expression, op, value: number * scale, percent: false };
  }
  if (unit === '') return { metric: def, expression, op, value: number, percent: false };
  if (unit === '%') {
    if (!def.base) {
      return {
        error: `${metric} has no base to take a percentage of; expected a bare count like "== 0", got ${JSON.stringify(expression)}`,
      };
    }
    return { metric: def, expression, op, value: number, percent: true };
  }
  const allowed = def.base ? `a bare count or a percentage of ${def.base.describe}` : 'a bare count';
  return { error: `unit "${unit}" is not allowed for ${metric} (a count); expected ${allowed}, got ${JSON.stringify(expression)}` };
}

/** A value as a limit is read against: enough digits that it never reads equal to a limit it missed ("380.9", "0.381"). */
function preciseNumber(x: number): string {
  const a = Math.abs(x);
  if (a < 1) return String(Number(x.toPrecision(4)));
  const digits = a >= 100 ? 1 : a >= 10 ? 2 : 3;
  return String(Number(x.toFixed(digits)));
}

/**
 * A threshold's observed value with its unit, in the unit its expression was written in: "380.9 ms"
 * for "< 250ms" (or a bare number), "0.381 s" for "< 2s", "412 µs" for "< 500us", "0.25%" for a
 * percentage; a count stays a plain number. `value` defaults to the threshold's actual value
 * (pass the clock uncertainty to say it in the same unit).
 */
export function thresholdValueText(t: Pick<ThresholdResult, 'metric' | 'expression' | 'actual'>, value: number = t.actual): string {
  const m = EXPRESSION.exec(t.expression);
  const unit = m?.[3] ?? '';
  if (unit === '%') return `${preciseNumber(value)}%`;
  if (isObserveMetric(t.metric)) {
    const scale = observeUnitScale(t.metric, unit);
    return typeof scale === 'number' && unit !== '' ? `${preciseNumber(value / scale)} ${unit}` : String(preciseNumber(value));
  }
  if (lookupMetric(t.metric)?.unit !== 'ms') return String(value);
  if (unit === 's') return `${preciseNumber(value / 1000)} s`;
  if (unit === 'us' || unit === 'µs') return `${preciseNumber(value * 1000)} µs`;
  return `${preciseNumber(value)} ms`;
}

/** The value a threshold compares: the metric, or 100 × metric / base (base 0 → 0%; evaluateThresholds fails it as no data). */
export function thresholdActual(report: Report, t: ParsedThreshold): number {
  const value = t.metric.get(report);
  if (!t.percent || !t.metric.base) return value;
  const base = t.metric.base.get(report);
  return base === 0 ? 0 : (100 * value) / base;
}

/**
 * How many samples stand behind a metric: a latency aggregation's histogram count, a counter's
 * base (fanout.lost of fanout.expected). Null when the metric is always measured (counters
 * without a base, sample counts themselves, event-loop lag). A verdict on 0 samples is no verdict:
 * "fanout.p99 < 250ms" with no delivery, or "fanout.lost == 0" with nothing expected, would pass
 * on a run that measured nothing.
 */
export function thresholdEvidence(report: Report, metric: MetricDef): number | null {
  if (metric.evidence) return metric.evidence(report);
  // Staleness of a stream mostly unjudged (a clock far ahead, unreadable messages) is no figure.
  if (metric.family === 'stream.staleness' && report.stream && !streamJudgedEnough(report.stream)) return 0;
  if (metric.family !== null) {
    if (metric.aggregation === 'count') return null;
    const family = LATENCY_FAMILIES.find((f) => f.name === metric.family);
    return family?.get(report).count ?? null;
  }
  return metric.base ? metric.base.get(report) : null;
}

/**
 * Latencies timed from the publisher's clock to a receipt on a worker's (another machine's, for a
 * remote agent): fan-out and completion, per topic too. Their sample counts are not.
 */
export function clockBound(metric: MetricDef): boolean {
  const f = metric.family;
  return f !== null && metric.aggregation !== 'count' && (f === 'fanout' || f === 'completion' || f.startsWith(TOPIC_METRIC_PREFIX));
}

/**
 * Whether `actual` `op` `limit` holds, for every value within ± `u` of `actual` (the one comparison
 * of a threshold, the report's and the live dashboard's). A value within the clock uncertainty of
 * its limit is not a clean pass (the true value may lie on the other side), so the threshold does
 * not pass; a failing value fails whatever the uncertainty: a gate errs on the side of not passing.
 */
export function thresholdHolds(actual: number, op: ThresholdOp, limit: number, u = 0): boolean {
  switch (op) {
    case '<':
      return actual + u < limit;
    case '<=':
      return actual + u <= limit;
    case '>':
      return actual - u > limit;
    case '>=':
      return actual - u >= limit;
    case '==':
      return u === 0 && actual === limit;
    case '!=':
      return u === 0 ? actual !== limit : Math.abs(actual - limit) > u;
  }
}

/** JSON path of a threshold key: metric names hold dots, so they are bracketed. */
export function thresholdPath(metric: string): string {
  return `thresholds[${JSON.stringify(metric)}]`;
}

/**
 * Evaluates every threshold against a finished report, in the order given. A threshold whose
 * metric has no samples (thresholdEvidence 0) fails and is marked noData. Thresholds are
 * validated when the scenario loads; one that still does not parse (a hand-edited report) throws
 * a ScenarioError listing every bad one.
 */
export function evaluateThresholds(report: Report, thresholds: Record<string, string>): ThresholdResult[] {
  const parsed: ParsedThreshold[] = [];
  const issues: { path: string; message: string }[] = [];
  for (const [metric, expression] of Object.entries(thresholds)) {
    const p = parseThreshold(metric, expression);
    if ('error' in p) issues.push({ path: thresholdPath(metric), message: p.error });
    else parsed.push(p);
  }
  if (issues.length > 0) throw new ScenarioError(issues);
  const uncertaintyMs = clockUncertaintyOf(report);
  const clockWrong = earlyBeyondBound(report).length > 0;
  return parsed.map((t): ThresholdResult => {
    const actual = thresholdActual(report, t);
    const base = { metric: t.metric.name, expression: t.expression, actual };
    if (thresholdEvidence(report, t.metric) === 0) return { ...base, pass: false, noData: true };
    const pass = thresholdHolds(actual, t.op, t.value);
    if (isSlopeMetric(t.metric.name)) {
      // A slope is known within its 95 % interval: it passes only when the whole interval does.
      const u = observeMetricValue(report, t.metric.name)?.uncertainty ?? 0;
      const clean = thresholdHolds(actual, t.op, t.value, u);
      return { ...base, pass: clean, slopeUncertainty: u, ...(pass && !clean ? { uncertain: true } : {}) };
    }
    if (!clockBound(t.metric)) return { ...base, pass };
    const bound = uncertaintyMs > 0 ? { clockUncertaintyMs: uncertaintyMs } : {};
    // Receipts before their scheduled time: the offset they were timed with was wrong, the value is no measurement.
    if (clockWrong) return { ...base, pass: false, ...bound, clockWrong: true };
    if (uncertaintyMs === 0) return { ...base, pass };
    const clean = thresholdHolds(actual, t.op, t.value, uncertaintyMs);
    return { ...base, pass: clean, ...bound, ...(pass && !clean ? { uncertain: true } : {}) };
  });
}
