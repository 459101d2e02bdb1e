/**
 * One run of `wsload run`, through the library's front door (api/run-loaded.ts) so the CLI and
 * `run()` cannot drift: the handle's events shown on stderr, the report saved before anything that
 * could still fail, then the JUnit file, the summary and the verdict line; its exit code.
 */
import { plural } from '../text/plural.js';
import type { Dashboard } from '../api/dashboard.js';
import { startLoadedRun } from '../api/run-loaded.js';
import type { Report } from '../run/report.js';
import type { Scenario } from '../run/scenario.js';
import type { AgentsOptions } from '../run/run-options.js';
import { writeReportWithFallback, type ReportWriteOutcome } from '../report/write-fallback.js';
import { createProgressPrinter } from '../render/progress.js';
import { EXIT } from '../errors.js';
import { announceJunit, writeJunit } from './junit-output.js';
import { announceReport } from './report-output.js';
import { useColor } from './color.js';
import type { RunFlags } from './run-flags.js';

/** The worse of two exit codes: failures (1) over thresholds (3) over ok (0). */
export function worseExit(a: number, b: number): number {
  const rank = (c: number): number => (c === EXIT.ok ? 0 : c === EXIT.thresholds ? 1 : 2);
  return rank(b) > rank(a) ? b : a;
}

/** One run: run it, write its report (and JUnit), print its summary and verdict; its exit code. */
export async function runOnce(
  scenario: Scenario,
  reportFile: string,
  junitFile: string | null,
  flags: RunFlags,
  signal: AbortSignal,
  agents: AgentsOptions | undefined,
  repeated: boolean,
  dashboard: Dashboard | null,
): Promise<{ report: Report; code: number; internalError: Error | null }> {
  const quiet = flags.quiet === true;
  const progress = createProgressPrinter(process.stderr, quiet);

  // Through the library's front door (api/run-loaded.ts), so the CLI and `run()` cannot drift:
  // every line below is this command's way of showing one of the handle's events.
  const say = (line: string): void => {
    if (!quiet) process.stderr.write(`wsload: ${line}\n`);
  };
  // Set by the handle's body before it resolves: where the report went, and a bug that stopped the run.
  const ended: { saved: ReportWriteOutcome | null; internalError: Error | null } = { saved: null, internalError: null };
  const handle = startLoadedRun(
    scenario,
    {
      out: reportFile,
      metricsSetting: flags.metrics !== undefined ? '--metrics' : 'metrics.listen',
      ...(agents ? { agents } : {}),
      dashboard,
      save: (report) => {
        progress.done();
        // Saved first, before anything that could still fail; never throws for I/O.
        ended.saved = writeReportWithFallback(reportFile, report);
        return ended.saved.path;
      },
    },
    signal,
  );
  handle.on('plan', (line) => say(line));
  handle.on('metrics', (url) => say(`metrics at ${url}`));
  handle.on('progress', (p) => progress.update(p));
  handle.on('agents', (url) => say(`waiting for ${plural(agents?.count ?? 0, 'agent')} on ${url}`));
  handle.on('warning', (message) => {
    progress.done();
    process.stderr.write(`wsload: warning: ${message}\n`);
  });
  handle.on('control-info', (line) => {
    if (quiet) return;
    progress.done();
    process.stderr.write(`wsload: ${line}\n`);
  });
  handle.on('internal-error', (err) => {
    ended.internalError = err;
  });
  const report = await handle;
  // Rendering and verdict code is loaded only now, once the sockets are closed: it costs the run no memory.
  const [{ renderRunJunit }, { renderSummary }, { runExitCode, verdictLine }] = await Promise.all([
    import('../render/junit.js'),
    import('../render/summary.js'),
    import('../report/verdict.js'),
  ]);
  const outcome = ended.saved;
  if (outcome === null) throw new Error('the run ended without saving its report'); // runLoaded always saves before it resolves
  // Only after the report (and the dashboard's final page): a JUnit file that fails must not cost the measurements.
  const junitFailure = junitFile === null ? null : writeJunit(junitFile, () => renderRunJunit(report, { reportPath: outcome.path }));
  // Repeated runs print one summary at the end: the spread over all of them.
  if (flags.json && !repeated) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (!quiet && !repeated) process.stdout.write(`${renderSummary(report, { color: useColor(flags) })}\n`);
  let code = announceReport(reportFile, outcome, runExitCode(report), quiet);
  if (junitFile !== null) code = announceJunit(junitFile, junitFailure, code, quiet);
  process.stderr.write(`wsload: ${verdictLine(report)}\n`);
  return { report, code, internalError: ended.internalError };
}
