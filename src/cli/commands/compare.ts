import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import { compare } from '../../report/compare.js';
import { readReport, readTimeline } from '../../report/read.js';
import { checkOutputPath, writeOutputFile } from '../../report/output-path.js';
import { renderCompareTable } from '../../render/compare-table.js';
import { renderCompareHtml } from '../../render/html.js';
import { renderCompareJunit } from '../../render/junit.js';

interface CompareFlags {
  json?: boolean;
  failOnRegression?: boolean;
  html?: string;
  junit?: string;
  color: boolean;
}

/** Registers `wsload compare BEFORE AFTER`: metric-by-metric verdicts between two runs. */
export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('compare two runs metric by metric; latency verdicts resample each run\'s blocks of time, so noise reads "inconclusive", not a change')
    .argument('<before>', 'report JSON of the baseline run')
    .argument('<after>', 'report JSON of the run to judge')
    .option('--json', 'print the comparison as JSON instead of a table')
    .option('--fail-on-regression', 'exit 1 when any verdict is "worse"')
    .option('--html <file>', 'also write a self-contained HTML comparison: both runs side by side, what changed drawn over time and by percentile')
    .option('--junit <file>', 'also write JUnit XML for CI: one test case per compared metric, "worse" failing, "inconclusive" skipped')
    .option('--no-color', 'plain text even on a terminal')
    .action(async (beforeFile: string, afterFile: string, flags: CompareFlags) => {
      if (flags.junit !== undefined) {
        checkOutputPath('--junit', flags.junit, [
          { path: beforeFile, role: 'an input report' },
          { path: afterFile, role: 'an input report' },
          ...(flags.html !== undefined ? [{ path: flags.html, role: 'the --html output' }] : []),
        ]);
      }
      if (flags.html !== undefined) {
        checkOutputPath('--html', flags.html, [
          { path: beforeFile, role: 'an input report' },
          { path: afterFile, role: 'an input report' },
        ]);
      }
      const [before, after] = await Promise.all([readReport(beforeFile), readReport(afterFile)]);
      const comparison = compare(before, after);
      if (flags.html !== undefined) {
        const [beforeTimeline, afterTimeline] = await Promise.all([readTimeline(beforeFile, before), readTimeline(afterFile, after)]);
        writeOutputFile('--html', flags.html, renderCompareHtml(before, after, comparison, { beforeTimeline, afterTimeline }));
        process.stderr.write(`wrote ${flags.html}\n`);
      }
      if (flags.junit !== undefined) {
        writeOutputFile('--junit', flags.junit, renderCompareJunit(comparison, { beforePath: beforeFile, afterPath: afterFile }));
        process.stderr.write(`wrote ${flags.junit}\n`);
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
      } else {
        const color = flags.color && process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
        process.stdout.write(renderCompareTable(comparison, { color }));
      }
      if (flags.failOnRegression && comparison.regressions.length > 0) {
        process.stderr.write(`wsload: regression: ${comparison.regressions.join(', ')}\n`);
        process.exitCode = EXIT.failures;
      }
    });
}
