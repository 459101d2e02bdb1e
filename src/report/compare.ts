/**
 * Compares two sides of one or more runs each, metric by metric, so that a user can tell whether a
 * change (an idle timeout, a gateway version, a keepalive) made things better or worse: latency
 * percentiles with intervals from each run's blocks and the spread between runs
 * (compare-latency.ts), counters as rates over their exposure with an exact test
 * (compare-counters.ts), and the gated rows controlled as a family (Holm). Pure: reports in, a
 * Comparison out. README "Compare verdicts" and docs/compare.md say how, and what was measured.
 */
import { describeStages } from '../run/load-stages.js';
import { InternalError, UsageError } from '../errors.js';
import type { Report } from '../run/report.js';
import { hasCensored } from './censored.js';
import { observedRows } from './compare-observed.js';
import { slopeRows } from './compare-slopes.js';
import {
  causeRows,
  fmtP,
  idleTimeoutRow,
  infoRow,
  lagRow,
  policyRow,
  POLICIES,
  RATES,
  rateRow,
  type CounterResult,
} from './compare-counters.js';
import { ALPHA, latencyRow, NO_SAMPLES_NOTE, RunData, type Aggregation, type Family, type LatencyResult } from './compare-latency.js';
import type { CompareOptions, Comparison, ComparisonRow, Gate, RunRef } from './compare-types.js';
import { holm } from './stats.js';
import { nearest } from '../text/nearest.js';
import { lookupMetric } from '../metrics/names.js';
import { cohortLatencyRows } from './compare-cohorts.js';

export type {
  CompareOptions,
  Comparison,
  ComparisonRow,
  Gate,
  Interval,
  LatencyMethod,
  RateFigures,
  RowBasis,
  RunRef,
  Verdict,
} from './compare-types.js';
export {
  judgeChange,
  LATENCY_TOLERANCE_MS,
  LATENCY_TOLERANCE_RATIO,
  MIN_BLOCKS,
  NO_SAMPLES_NOTE,
  perSampleInterval,
  resolutionUs,
  toleranceMs,
  unitsNeeded,
} from './compare-latency.js';
export { RATE_TOLERANCE } from './compare-counters.js';

type LatencyItem = { family: Family; agg: Aggregation; gate: boolean };

/**
 * Rows in the order they are shown: latency rows (family, aggregation, gated by default),
 * "rate:" counters judged as rates, "policy:" rows, "?" counters shown only when either side
 * counted any, "@" groups.
 */
const LAYOUT: readonly (string | LatencyItem)[] = [
  'rate:connections.firstOpened',
  'rate:connections.failed',
  { family: 'handshake', agg: 'p99', gate: true },
  { family: 'fanout', agg: 'p50', gate: true },
  // p75 and p95 are shown (SHOWN_PERCENTILES) but not gated by default: the default gate's rows,
  // and so its Holm correction, stay those of earlier versions; --gate fanout.p95 gates one.
  { family: 'fanout', agg: 'p75', gate: false },
  { family: 'fanout', agg: 'p90', gate: true },
  { family: 'fanout', agg: 'p95', gate: false },
  { family: 'fanout', agg: 'p99', gate: true },
  { family: 'fanout', agg: 'p999', gate: false },
  { family: 'fanout', agg: 'max', gate: false },
  { family: 'completion', agg: 'p99', gate: true },
  '@byCohort',
  'rate:fanout.delivered',
  'rate:fanout.lost',
  'policy:fanout.lost.any',
  'rate:fanout.duplicated',
  'rate:fanout.outOfOrder',
  '?info:fanout.foreign',
  '?policy:fanout.idMismatch',
  '?policy:fanout.misrouted',
  '?info:fanout.unjudged',
  '?info:fanout.unevaluated',
  'rate:disconnects.total',
  '@byCause',
  '@idleTimeout',
  'rate:reconnects.total',
  { family: 'publish', agg: 'p50', gate: true },
  { family: 'publish', agg: 'p99', gate: true },
  'rate:publish.failed',
  'rate:publish.skipped',
  '?rate:publish.queued',
  '@stream',
  '@lag',
];

/** A server stream's rows (publish.source "server"), shown only when either side measured one. */
const STREAM_LAYOUT: readonly (string | LatencyItem)[] = [
  { family: 'stream.staleness', agg: 'p50', gate: true },
  { family: 'stream.staleness', agg: 'p99', gate: true },
  'info:stream.messages',
  'rate:stream.missing',
  'policy:stream.missing.any',
  'rate:stream.duplicated',
  'rate:stream.outOfOrder',
];

/** Every metric a comparison can have a row for (what `--gate` accepts). */
export function comparableMetrics(): string[] {
  const names: string[] = [];
  for (const item of [...LAYOUT, ...STREAM_LAYOUT]) {
    if (typeof item !== 'string') names.push(`${item.family}.${item.agg}`);
    else if (item === '@byCause')
      names.push(
        'disconnects.byCause.connection-lost',
        'disconnects.byCause.server-close',
        'disconnects.byCause.protocol-error',
        'disconnects.byCause.client-close',
      );
    else if (item === '@idleTimeout') names.push('disconnects.idleTimeout');
    else if (item === '@lag') names.push('client.eventLoopLag.p99');
    else if (!item.startsWith('@')) names.push(item.replace(/^\?/, '').replace(/^(rate|policy|info):/, ''));
  }
  return names;
}

/**
 * Rows whose names come from the reports, not from this list: an observed series' last, max, min
 * or slope (compare-observed.ts, compare-slopes.ts) and the client's RSS slope. Their names are
 * checked for form here; one that neither report carries is gated as undecided (not judged).
 */
const REPORT_NAMED_ROW = /^(observe\.[A-Za-z_][A-Za-z0-9_]*\..+\.(last|max|min|slope)|client\.rss\.slope)$/;

/** Checks metrics asked for with `--gate` (or CompareOptions.gate); a usage error names the first unknown one. */
export function checkGateMetrics(metrics: readonly string[], where = '--gate'): void {
  const known = comparableMetrics();
  for (const m of metrics) {
    if (!known.includes(m) && !REPORT_NAMED_ROW.test(m)) {
      const hint = nearest(m, known);
      throw new UsageError(
        `${where}: no compared metric "${m}"${hint ? ` (did you mean "${hint}"?)` : ''}; compare has rows for ${known.slice(0, 6).join(', ')}, …`,
      );
    }
  }
}

interface Judged {
  row: ComparisonRow;
  pWorse: number | null;
  pBetter: number | null;
  /** In the default gate. */
  gate: boolean;
}

function ref(r: Report): RunRef {
  return { name: r.scenario.name, startedAt: r.startedAt, host: r.environment.host, target: r.target.url };
}

function targetText(r: Report): string {
  return r.scenario.target.kind === 'embedded' ? 'the embedded target' : r.scenario.target.url;
}

/** Which run, in a warning: "the before run", or "before run 2 (startedAt)" with several. */
function runLabel(side: 'before' | 'after', i: number, n: number, r: Report): string {
  return n === 1 ? `the ${side} run` : `${side} run ${i + 1} (${r.startedAt})`;
}

function saturationText(r: Report): string {
  const cause = r.client.saturationCause;
  if (cause === 'machine') return ' (this machine was busy: other processes)';
  if (cause === 'wsload') return ' (wsload itself was the bottleneck)';
  return '';
}

/** Differences in set-up between every run and the first before run, said once each; and each run's own caveats. */
function comparabilityWarnings(before: readonly Report[], after: readonly Report[]): string[] {
  const w = new Set<string>();
  const first = before[0];
  const checks: { what: (r: Report) => string | number; text: (a: string, b: string) => string }[] = [
    { what: (r) => r.formatVersion, text: (a, b) => `report formats differ (${a} vs ${b}): some metrics may not mean the same thing` },
    { what: targetText, text: (a, b) => `targets differ: ${a} vs ${b}` },
    {
      what: (r) => r.scenario.connections,
      text: (a, b) => `connection counts differ: ${a} vs ${b}; rates are compared, but the load differed`,
    },
    {
      what: (r) => r.scenario.durationMs,
      text: (a, b) => `hold durations differ: ${a} ms vs ${b} ms; rates are compared, but a longer hold sees more`,
    },
    { what: (r) => r.scenario.publish?.rate ?? 0, text: (a, b) => `publish rates differ: ${a}/s vs ${b}/s` },
    {
      what: (r) => (r.scenario.stages ? describeStages(r.scenario.stages) : 'none'),
      text: (a, b) => `connection stages differ: ${a} vs ${b}; rates are compared, but the load differed`,
    },
    {
      what: (r) => (r.scenario.publish?.stages ? describeStages(r.scenario.publish.stages, r.scenario.publish.rate, '/s') : 'none'),
      text: (a, b) => `publish stages differ: ${a} vs ${b}`,
    },
    {
      what: (r) => r.scenario.publish?.deadlineMs ?? 'none',
      text: (a, b) =>
        `publish deadlines differ (${a} ms vs ${b} ms): lost deliveries are counted at different values, so fan-out percentiles that reach the shorter deadline are not comparable`,
    },
    // Definitions that changed within formatVersion 1: the new fields mark reports made after the change.
    {
      what: (r) => (r.client.turnMs === undefined ? 'old' : 'new'),
      text: () =>
        'event-loop lag was measured differently in the runs (one over the whole run with a ~10 ms floor, one during the hold net of the sampler): the lag row is not comparable',
    },
    {
      what: (r) => (r.handshake.queueMs === undefined ? 'old' : 'new'),
      text: () =>
        'handshake latency was measured differently in the runs (one from the attempt, one from when the socket was due on the ramp): handshake rows are not comparable',
    },
  ];
  for (const r of [...before.slice(1), ...after]) {
    for (const c of checks) {
      const a = String(c.what(first));
      const b = String(c.what(r));
      if (a !== b) w.add(c.text(a, b));
    }
  }
  for (const [side, runs] of [
    ['before', before],
    ['after', after],
  ] as const) {
    runs.forEach((r, i) => {
      const label = runLabel(side, i, runs.length, r);
      if (r.interrupted) w.add(`${label} was interrupted (${r.interruptReason ?? 'no reason recorded'}): it covers only part of its plan`);
      if (r.client.saturated)
        w.add(
          `${label}'s client was saturated${saturationText(r)}: its latencies include wsload's own delay, and the latency intervals are widened by the change in it`,
        );
    });
  }
  return [...w];
}

function methodNotes(before: readonly Report[], after: readonly Report[]): string[] {
  const notes: string[] = [];
  if (before.length === 1 && after.length === 1) {
    notes.push(
      'one run per side: the latency intervals cover the noise within each run (its blocks of time), not drift between runs; ' +
        'repeat the runs (wsload run --repeat N) and compare the sides (wsload compare BEFORE… --vs AFTER…) to cover that too',
    );
  } else {
    notes.push(
      `${before.length} run${before.length === 1 ? '' : 's'} before, ${after.length} after: the latency intervals cover the spread between the runs of each side and the noise within them`,
    );
  }
  for (const [side, runs] of [
    ['before', before],
    ['after', after],
  ] as const) {
    runs.forEach((r, i) => {
      if (r.intervals === undefined && r.fanout.latencyMs.count > 0) {
        notes.push(
          `${runs.length === 1 ? `the ${side}` : `${side} run ${i + 1}`} report (${r.startedAt}) has no per-interval histograms (written before wsload kept them): fan-out and completion verdicts used the old per-delivery intervals, which take the deliveries of one publish as independent and are too narrow`,
        );
      }
    });
  }
  return notes;
}

/** Applies Holm over the gated statistical rows, and the gate's outcome. */
function gateRows(judged: Judged[], asked: readonly string[] | undefined): { rows: ComparisonRow[]; gate: Gate } {
  const present = new Set(judged.map((j) => j.row.metric));
  // A latency with no samples on either side (no publishing, no stream) is no row to gate by default.
  const noData = (r: ComparisonRow): boolean => r.note === NO_SAMPLES_NOTE;
  const inGate = (j: Judged): boolean => (asked ? asked.includes(j.row.metric) : j.gate && !noData(j.row));
  const family = judged.filter((j) => inGate(j) && j.row.basis === 'statistical' && j.pWorse !== null && j.pBetter !== null);
  const ps = family.map((j) => Math.min(1, 2 * Math.min(j.pWorse as number, j.pBetter as number)));
  const { rejected, adjusted } = holm(ps, ALPHA);
  const control = new Map(family.map((j, i) => [j, { rejected: rejected[i], adjusted: adjusted[i] }]));
  const rows = judged.map((j) => {
    const gated = inGate(j);
    const c = control.get(j);
    if (!c) return { ...j.row, gated };
    const row = { ...j.row, gated, adjustedP: c.adjusted };
    if ((row.verdict === 'worse' || row.verdict === 'better') && !c.rejected) {
      const why = `shown at 95% (p = ${fmtP(row.pValue ?? 1)}) but not after Holm over the ${family.length} gated rows (adjusted p = ${fmtP(c.adjusted)})`;
      return { ...row, verdict: 'inconclusive' as const, note: row.note ? `${why}; ${row.note}` : why };
    }
    return row;
  });
  const gatedRows = rows.filter((r) => r.gated);
  const missing = (asked ?? []).filter((m) => !present.has(m));
  const worse = gatedRows.filter((r) => r.verdict === 'worse').map((r) => r.metric);
  const undecided = [...gatedRows.filter((r) => r.verdict === 'inconclusive').map((r) => r.metric), ...missing];
  return {
    rows,
    gate: {
      metrics: [...gatedRows.map((r) => r.metric), ...missing],
      worse,
      undecided,
      family: family.length,
      outcome: worse.length > 0 ? 'regression' : undecided.length > 0 ? 'undecided' : 'pass',
    },
  };
}

const asArray = (r: Report | readonly Report[]): readonly Report[] => (Array.isArray(r) ? (r as readonly Report[]) : [r as Report]);

/**
 * Compares `before` with `after`, each a report or several reports of one set-up: one row per
 * metric that matters, with before, after, change and a direction-aware verdict. Swapping the
 * sides flips every verdict (worse ↔ better; same and inconclusive stay).
 */
export function compare(
  beforeInput: Report | readonly Report[],
  afterInput: Report | readonly Report[],
  options: CompareOptions = {},
): Comparison {
  const before = asArray(beforeInput);
  const after = asArray(afterInput);
  if (before.length === 0 || after.length === 0)
    throw new UsageError(`compare: no ${before.length === 0 ? 'before' : 'after'} report given`);
  if (options.gate) checkGateMetrics(options.gate, 'compare: gate');
  // Fan-out counts lost and never-sent deliveries (censored) when any run has some, on both sides alike.
  const data = new RunData([...before, ...after].some(hasCensored));
  const judged: Judged[] = [];
  const latency = (item: LatencyItem): void => {
    const r: LatencyResult = latencyRow(before, after, item.family, item.agg, data);
    judged.push({ ...r, gate: item.gate });
  };
  const counter = (r: CounterResult, gate: boolean): void => {
    judged.push({ ...r, gate });
  };
  // A "?" row is shown only when some run counted any of it.
  const any = (metric: string): boolean => {
    const counter = POLICIES.find((p) => p.metric === metric)?.counter ?? metric;
    const get = RATES.find((spec) => spec.metric === metric)?.events ?? lookupMetric(counter)?.get;
    return get !== undefined && [...before, ...after].some((r) => get(r) > 0);
  };
  const item = (it: string | LatencyItem): void => {
    if (typeof it !== 'string') return latency(it);
    if (it === '@byCause') return causeRows(before, after).forEach(({ result, gate }) => counter(result, gate));
    if (it === '@idleTimeout') return counter({ row: idleTimeoutRow(before, after), pWorse: null, pBetter: null }, true);
    if (it === '@byCohort') return cohortLatencyRows(before, after).forEach((row) => counter({ row, pWorse: null, pBetter: null }, false));
    if (it === '@lag') return counter({ row: lagRow(before, after), pWorse: null, pBetter: null }, false);
    if (it === '@stream') {
      if ([...before, ...after].every((r) => !r.stream)) return;
      return STREAM_LAYOUT.forEach(item);
    }
    const optional = it.startsWith('?');
    const [kind, metric] = it.replace(/^\?/, '').split(/:(.*)/s);
    if (optional && !any(metric)) return;
    if (kind === 'rate') {
      const spec = RATES.find((s) => s.metric === metric);
      if (!spec) throw new InternalError(`compare: no rate spec for ${metric}`);
      return counter(rateRow(before, after, spec), spec.gate);
    }
    if (kind === 'policy') {
      const policy = POLICIES.find((p) => p.metric === metric);
      if (!policy) throw new InternalError(`compare: no policy for ${metric}`);
      return counter({ row: policyRow(before, after, policy), pWorse: null, pBetter: null }, true);
    }
    return counter(
      {
        row: infoRow(
          before,
          after,
          metric,
          metric === 'fanout.foreign' ? "another run's messages: the target was shared, not changed" : null,
        ),
        pWorse: null,
        pBetter: null,
      },
      false,
    );
  };
  for (const it of LAYOUT) item(it);
  for (const row of slopeRows(before, after)) counter({ row, pWorse: null, pBetter: null }, false);
  for (const row of observedRows(before, after)) counter({ row, pWorse: null, pBetter: null }, false);
  const { rows, gate } = gateRows(judged, options.gate);
  return {
    before: ref(before[0]),
    after: ref(after[0]),
    runs: { before: before.map(ref), after: after.map(ref) },
    rows,
    warnings: comparabilityWarnings(before, after),
    regressions: rows.filter((r) => r.verdict === 'worse').map((r) => r.metric),
    notes: methodNotes(before, after),
    gate,
  };
}
