import type { Command } from 'commander';
import { plural } from '../../text/plural.js';
import { useColor } from '../color.js';
import { EXIT, UsageError } from '../../errors.js';
import type { Report, TimelineLine } from '../../run/report.js';
import { checkOutputPath, writeOutputFile } from '../../report/output-path.js';
import type { Comparison } from '../../report/compare-types.js';

interface CompareFlags {
  vs?: string[];
  json?: boolean;
  failOnRegression?: boolean;
  gate?: string;
  allowUndecided?: boolean;
  html?: string;
  junit?: string;
  color?: boolean;
}

/** BEFORE AFTER, or BEFORE… --vs AFTER…: the report files of each side. */
function sides(reports: string[], vs: string[] | undefined): { before: string[]; after: string[] } {
  if (vs === undefined) {
    if (reports.length !== 2) {
      throw new UsageError(
        `compare: expected BEFORE.json AFTER.json, or several runs per side as BEFORE… --vs AFTER… (got ${plural(reports.length, 'report')} and no --vs)`,
      );
    }
    return { before: [reports[0]], after: [reports[1]] };
  }
  if (vs.length === 0) throw new UsageError('--vs: expected the after reports (one or more files)');
  return { before: reports, after: vs };
}

/** --gate's metrics (undefined: the default gated rows); an empty list or an unknown metric is a usage error. */
function gateOf(flag: string | undefined, check: (metrics: string[]) => void): string[] | undefined {
  if (flag === undefined) return undefined;
  const gate = flag
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  if (gate.length === 0) throw new UsageError('--gate: expected comma-separated metrics, e.g. fanout.p50,fanout.p99,fanout.lost');
  check(gate);
  return gate;
}

/** --html and --junit must not overwrite an input report (or each other): checked before anything is read. */
function checkOutputs(flags: CompareFlags, reportFiles: string[]): void {
  const inputs = reportFiles.map((path) => ({ path, role: 'an input report' }));
  if (flags.junit !== undefined) {
    checkOutputPath('--junit', flags.junit, [
      ...inputs,
      ...(flags.html !== undefined ? [{ path: flags.html, role: 'the --html output' }] : []),
    ]);
  }
  if (flags.html !== undefined) checkOutputPath('--html', flags.html, inputs);
}

/** --fail-on-regression: the gate's outcome as the exit code, each gated row not judged named on stderr. */
function gateExit(comparison: Comparison, allowUndecided: boolean): void {
  const g = comparison.gate;
  const why = (m: string): string => {
    const note = comparison.rows.find((r) => r.metric === m)?.note;
    return note ? `${m} (${note})` : `${m} (no such row in this comparison)`;
  };
  if (g.outcome === 'regression') {
    process.stderr.write(`wsload: regression: ${g.worse.join(', ')}\n`);
    process.exitCode = EXIT.failures;
  } else if (g.outcome === 'undecided') {
    const line = `could not decide ${plural(g.undecided.length, 'gated row')}: ${g.undecided.map(why).join('; ')}`;
    if (allowUndecided) {
      process.stderr.write(`wsload: warning: ${line} (accepted: --allow-undecided)\n`);
    } else {
      process.stderr.write(`wsload: ${line}; exit ${EXIT.undecided} (--gate to gate fewer rows, --allow-undecided to accept)\n`);
      process.exitCode = EXIT.undecided;
    }
  }
}

/** Registers `wsload compare BEFORE AFTER` and `wsload compare BEFORE… --vs AFTER…`. */
export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description(
      'compare two runs, or two sides of several runs each, metric by metric; latency verdicts resample each run\'s blocks of time (and the spread between runs), counters are rates over their exposure, so noise reads "inconclusive", not a change',
    )
    .argument('<reports...>', 'BEFORE.json AFTER.json; with --vs: the before reports (several runs of one set-up)')
    .option('--vs <after...>', 'the after reports: `wsload compare before-*.json --vs after-*.json`')
    .option('--json', 'print the comparison as JSON instead of a table')
    .option(
      '--fail-on-regression',
      `exit ${EXIT.failures} when a gated row is "worse"; exit ${EXIT.undecided} when none is but a gated row could not be judged`,
    )
    .option('--gate <metrics>', 'comma-separated metrics the gate judges instead of the default gated rows (marked * in the table)')
    .option(
      '--allow-undecided',
      `with --fail-on-regression: gated rows that could not be judged are named on stderr but exit ${EXIT.ok}, not ${EXIT.undecided}`,
    )
    .option(
      '--html <file>',
      'also write a self-contained HTML comparison: the runs side by side, what changed drawn over time and by percentile',
    )
    .option(
      '--junit <file>',
      'also write JUnit XML for CI: one test case per compared metric, "worse" failing, a gated row not judged an error, other "inconclusive" rows skipped',
    )
    .action(async (reports: string[], flags: CompareFlags) => {
      // Loaded when the command runs, not when wsload starts: `wsload run` never pays for this code (issue 22, RSS).
      const [
        { checkGateMetrics, compare },
        { readReport, readTimeline },
        { renderCompareTable },
        { renderCompareHtml },
        { renderCompareJunit },
      ] = await Promise.all([
        import('../../report/compare.js'),
        import('../../report/read.js'),
        import('../../render/compare-table.js'),
        import('../../render/html.js'),
        import('../../render/junit.js'),
      ]);
      const { before: beforeFiles, after: afterFiles } = sides(reports, flags.vs);
      const gate = gateOf(flags.gate, checkGateMetrics);
      if (flags.allowUndecided && !flags.failOnRegression) throw new UsageError('--allow-undecided: only with --fail-on-regression');
      checkOutputs(flags, [...beforeFiles, ...afterFiles]);
      const read = (files: string[]): Promise<Report[]> => Promise.all(files.map((f) => readReport(f)));
      const [before, after] = await Promise.all([read(beforeFiles), read(afterFiles)]);
      const comparison = compare(before, after, gate ? { gate } : {});
      if (flags.html !== undefined) {
        const timeline = (files: string[], rs: Report[]): Promise<(readonly TimelineLine[] | null)[]> =>
          Promise.all(files.map((f, i) => readTimeline(f, rs[i])));
        const [beforeTimelines, afterTimelines] = await Promise.all([timeline(beforeFiles, before), timeline(afterFiles, after)]);
        writeOutputFile(
          '--html',
          flags.html,
          renderCompareHtml(before, after, comparison, { beforeTimeline: beforeTimelines[0], afterTimeline: afterTimelines[0] }),
        );
        process.stderr.write(`wrote ${flags.html}\n`);
      }
      if (flags.junit !== undefined) {
        writeOutputFile('--junit', flags.junit, renderCompareJunit(comparison, { beforePath: beforeFiles, afterPath: afterFiles }));
        process.stderr.write(`wrote ${flags.junit}\n`);
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
      } else {
        const color = useColor(flags);
        process.stdout.write(renderCompareTable(comparison, { color }));
      }
      if (flags.failOnRegression) gateExit(comparison, flags.allowUndecided === true);
    });
}
