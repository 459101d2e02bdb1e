/**
 * wsload as a library: `import { run, compare, merge, loadScenario } from 'wsload'`. The package's
 * only entry point; everything a caller may rely on is exported from here, typed.
 */
import { compare as compareReports, type CompareOptions, type Comparison } from './report/compare.js';
import { mergeReports } from './report/merge.js';
import { checkDistinctRuns } from './report/same-run.js';
import type { Report } from './run/report.js';

export { run, type RunApiOptions } from './api/run.js';
export { RunHandle, type RunEvents, type DisconnectEvent } from './api/run-handle.js';
export { loadScenario, scenarioFromObject, type ScenarioInput, type ScenarioOptions } from './api/scenario-input.js';
export { readReport, readTimeline, parseReport } from './report/read.js';
export { writeReport } from './report/write.js';
export { renderSummary, type SummaryOptions } from './render/summary.js';
export { renderReportHtml, renderCompareHtml, type ReportHtmlOptions, type CompareHtmlOptions } from './render/html.js';
export { renderCompareTable, type CompareTableOptions } from './render/compare-table.js';
export { renderRunJunit, renderCompareJunit, type RunJunitOptions, type CompareJunitOptions } from './render/junit.js';
export { formatProgress } from './render/progress.js';
export {
  EXIT,
  WsloadError,
  ScenarioError,
  UsageError,
  ReportFormatError,
  TargetError,
  InternalError,
  type Issue,
  type ExitCode,
} from './errors.js';
export type { AgentsOptions, Progress, RunPhase } from './run/run-options.js';
export type { Scenario } from './run/scenario.js';
export type { Report, TimelineLine, PercentileSet, ThresholdResult, ShardReport, TopicStats } from './run/report.js';
export type {
  Comparison,
  ComparisonRow,
  Verdict,
  RunRef,
  CompareOptions,
  Gate,
  RowBasis,
  RateFigures,
  LatencyMethod,
  Interval,
} from './report/compare.js';
export type { ServerStream, TimestampUnit } from './run/scenario.js';
export type { StreamStats } from './run/report.js';
export { VERSION } from './version.js';

/**
 * Compares before with after metric by metric, with a verdict per row and the gate's outcome:
 * each side a report, or several reports of one set-up (repeated runs). Options: `gate`, the
 * metrics the gate judges instead of the default gated rows (an unknown one throws a UsageError).
 */
export function compare(before: Report | readonly Report[], after: Report | readonly Report[], options: CompareOptions = {}): Comparison {
  return compareReports(before, after, options);
}

/**
 * Merges reports of runs made at the same time on different machines into one report; the same
 * run twice (same run tag) is a UsageError.
 */
export function merge(reports: readonly Report[]): Report {
  checkDistinctRuns(reports);
  return mergeReports(reports);
}
