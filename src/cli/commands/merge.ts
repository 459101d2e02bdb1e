import type { Command } from 'commander';
import { useColor } from '../color.js';
import { UsageError } from '../../errors.js';
import { checkOutputPath, writeOutputFile } from '../../report/output-path.js';

interface MergeFlags {
  out: string;
  quiet?: boolean;
  color?: boolean;
}

/** Registers `wsload merge A.json B.json … --out M.json`: one report from runs made side by side. */
export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('merge reports of runs made side by side (one per machine): counters summed, histograms added exactly')
    .argument('<reports...>', 'report JSON files, two or more')
    .requiredOption('--out <file>', 'where to write the merged report (written atomically)')
    .option('--quiet', 'do not print the merged summary')
    .action(async (files: string[], flags: MergeFlags) => {
      if (files.length < 2) throw new UsageError(`merge needs two or more reports, got ${files.length}`);
      checkOutputPath(
        '--out',
        flags.out,
        files.map((f) => ({ path: f, role: 'an input report' })),
      );
      // Loaded when the command runs, not when wsload starts: `wsload run` never pays for this code (issue 22, RSS).
      const [{ mergeReports }, { checkDistinctRuns }, { readReport }, { renderSummary }] = await Promise.all([
        import('../../report/merge.js'),
        import('../../report/same-run.js'),
        import('../../report/read.js'),
        import('../../render/summary.js'),
      ]);
      const reports = await Promise.all(files.map((f) => readReport(f)));
      checkDistinctRuns(reports, files);
      const merged = mergeReports(reports);
      writeOutputFile('--out', flags.out, `${JSON.stringify(merged, null, 2)}\n`);
      process.stderr.write(`wrote ${flags.out} (${files.length} reports merged)\n`);
      if (!flags.quiet) {
        const color = useColor(flags);
        process.stdout.write(renderSummary(merged, { color }));
      }
    });
}
