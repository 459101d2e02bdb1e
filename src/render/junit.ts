/**
 * A finished run, or a comparison, as JUnit XML for CI test reporters: one test case per
 * threshold (named by its expression as written) and one for the run's own failures, so a CI
 * page shows which check failed and by how much without opening the report.
 */
import { lookupMetric } from '../metrics/names.js';
import type { Comparison, ComparisonRow } from '../report/compare.js';
import { noSocketConnected, runExitCode, runProblems, verdictLine } from '../report/verdict.js';
import type { Report, ThresholdResult } from '../run/report.js';
import { fmtLatency } from './format.js';
import { fmtRowChange, fmtRowValue } from './compare-table.js';
import { renderJunitSuite, seconds, type JunitCase } from './junit-xml.js';
import { renderSummary } from './summary.js';
import { thresholdActualText } from './threshold-text.js';

/** Options of renderRunJunit. */
export interface RunJunitOptions {
  /** Where the report was written (a fallback when its own path failed); null when it was not written. */
  reportPath: string | null;
}

/** Name of a threshold's test case: the expression as the scenario wrote it, "fanout.p99 < 250ms". */
export function thresholdCaseName(th: ThresholdResult): string {
  return `${th.metric} ${th.expression.trim()}`;
}

function thresholdCase(classname: string, th: ThresholdResult): JunitCase {
  const c: JunitCase = { classname, name: thresholdCaseName(th), timeSec: 0 };
  if (th.pass) return c;
  const observed = thresholdActualText(th, { precise: true });
  const description = lookupMetric(th.metric)?.description;
  const message =
    th.noData === true
      ? `no data: ${th.metric} had no samples (a threshold needs data), limit ${th.expression.trim()}`
      : `observed ${observed}, limit ${th.expression.trim()}`;
  const details = [
    `threshold: ${thresholdCaseName(th)}`,
    ...(description ? [`metric: ${th.metric} (${description})`] : []),
    `observed: ${observed}`,
    'result: FAIL',
  ].join('\n');
  return { ...c, failure: { message, type: 'threshold', details } };
}

function keyFigures(r: Report): string[] {
  const c = r.connections;
  const f = r.fanout;
  return [
    `connections: ${c.target} target, ${c.opened} opened, ${c.failed} failed, ${c.openAtEnd} open at end`,
    `fan-out: ${f.published} published, ${f.expected} expected, ${f.delivered} delivered, ${f.lost} lost; p50 ${fmtLatency(f.latencyMs, 'p50')}, p99 ${fmtLatency(f.latencyMs, 'p99')}`,
    `publish: ${r.publish.sent} sent, ${r.publish.failed} failed, ${r.publish.skipped} skipped`,
    `disconnects: ${r.disconnects.total} before the end, ${r.reconnects.total} reconnects`,
  ];
}

function runCase(classname: string, r: Report, timeSec: number): JunitCase {
  const problems = runProblems(r);
  const c: JunitCase = {
    classname,
    name: 'run without failures (connections, deliveries, publishes, workers)',
    timeSec,
    systemOut: renderSummary(r, { color: false }),
  };
  const details = [...problems.map((p) => `- ${p}`), ...(problems.length > 0 ? [''] : []), ...keyFigures(r)].join('\n');
  if (r.interrupted) {
    const why = `interrupted (${r.interruptReason ?? 'aborted'}): results cover only part of the planned run`;
    return { ...c, error: { message: problems.length > 0 ? `${why}; ${problems.join('; ')}` : why, type: 'interrupted', details } };
  }
  if (noSocketConnected(r)) return { ...c, failure: { message: problems.join('; '), type: 'no-socket-connected', details } };
  if (problems.length > 0) return { ...c, failure: { message: problems.join('; '), type: 'run-failures', details } };
  return c;
}

/** With no socket connected a threshold had nothing to judge: skipped, so CI does not read a threshold miss. */
function unjudgedCase(classname: string, th: ThresholdResult): JunitCase {
  return { classname, name: thresholdCaseName(th), timeSec: 0, skipped: 'not judged: no socket connected' };
}

/** The run as a JUnit XML document: its own failures first, then one case per threshold. */
export function renderRunJunit(r: Report, opts: RunJunitOptions): string {
  const classname = `wsload.${r.scenario.name}`;
  const timeSec = seconds(Date.parse(r.endedAt) - Date.parse(r.startedAt));
  return renderJunitSuite({
    name: `wsload run ${r.scenario.name}`,
    startedAt: r.startedAt,
    hostname: r.environment.host,
    timeSec,
    properties: [
      ['scenario', r.scenario.name],
      ['target', r.target.url],
      ['report', opts.reportPath ?? '(not written)'],
      ['startedAt', r.startedAt],
      ['exitCode', String(runExitCode(r))],
      ['verdict', verdictLine(r)],
    ],
    cases: [
      runCase(classname, r, timeSec),
      ...r.thresholds.map((th) => (noSocketConnected(r) && !r.interrupted ? unjudgedCase : thresholdCase)(`${classname}.thresholds`, th)),
    ],
  });
}

/** Options of renderCompareJunit. */
export interface CompareJunitOptions {
  /** The report files of each side (one each, or several runs of one set-up). */
  beforePath: string | readonly string[];
  afterPath: string | readonly string[];
}

const paths = (p: string | readonly string[]): readonly string[] => (typeof p === 'string' ? [p] : p);

function compareCase(row: ComparisonRow): JunitCase {
  const c: JunitCase = { classname: row.gated ? 'wsload.compare.gate' : 'wsload.compare', name: row.metric, timeSec: 0 };
  const values = `before ${fmtRowValue(row.before, row.unit)}, after ${fmtRowValue(row.after, row.unit)}, change ${fmtRowChange(row)}`;
  // With several runs per side, each run's own value goes with the case.
  const perRun = row.runs
    ? [
        `before runs: ${row.runs.before.map((v) => fmtRowValue(v, row.unit)).join(', ')}`,
        `after runs: ${row.runs.after.map((v) => fmtRowValue(v, row.unit)).join(', ')}`,
      ].join('\n')
    : undefined;
  const withRuns = (x: JunitCase): JunitCase => (perRun ? { ...x, systemOut: perRun } : x);
  const basis = row.basis === 'policy' ? ' (policy)' : '';
  if (row.verdict === 'worse') {
    const details = [
      `${row.metric}: ${row.description}`,
      values,
      `verdict: worse${basis}${row.note ? ` (${row.note})` : ''}`,
      ...(perRun ? [perRun] : []),
    ].join('\n');
    return withRuns({
      ...c,
      failure: { message: `worse${basis}: ${values}`, type: row.basis === 'policy' ? 'policy' : 'regression', details },
    });
  }
  // A gated row that could not be judged: the gate cannot pass on it, so CI must not show a pass.
  if (row.verdict === 'inconclusive' && row.gated) {
    const details = [
      `${row.metric}: ${row.description}`,
      values,
      `could not decide${row.note ? `: ${row.note}` : ''}`,
      ...(perRun ? [perRun] : []),
    ].join('\n');
    return withRuns({
      ...c,
      error: { message: `could not decide: ${values}${row.note ? `; ${row.note}` : ''}`, type: 'undecided', details },
    });
  }
  // Neither shown better nor worse, and not gated: not judged, which CI shows apart from a pass.
  if (row.verdict === 'inconclusive') return withRuns({ ...c, skipped: `inconclusive: ${values}${row.note ? `; ${row.note}` : ''}` });
  return withRuns(c);
}

/**
 * A comparison as a JUnit XML document: one case per compared metric, "worse" failing (type
 * "regression", or "policy"), a gated row that could not be judged an error ("undecided": the check
 * could not complete), other
 * inconclusive rows skipped. With several runs per side, each case carries each run's value.
 */
export function renderCompareJunit(cmp: Comparison, opts: CompareJunitOptions): string {
  const before = paths(opts.beforePath);
  const after = paths(opts.afterPath);
  return renderJunitSuite({
    name: `wsload compare ${cmp.before.name} → ${cmp.after.name}`,
    startedAt: cmp.after.startedAt,
    hostname: cmp.after.host,
    timeSec: 0,
    properties: [
      ['before', before.join(', ')],
      ['after', after.join(', ')],
      ['beforeStartedAt', cmp.runs.before.map((r) => r.startedAt).join(', ')],
      ['afterStartedAt', cmp.runs.after.map((r) => r.startedAt).join(', ')],
      ['target', cmp.after.target],
      ['regressions', cmp.regressions.join(', ')],
      ['gate', cmp.gate.outcome],
      ['gateUndecided', cmp.gate.undecided.join(', ')],
    ],
    cases: cmp.rows.map(compareCase),
  });
}
