import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { readMachineLimits } from '../../machine-limits.js';
import { loadScenario } from '../../scenario/load.js';
import type { ScenarioOverrides } from '../../scenario/overrides.js';
import { addOverrideOptions, overridesFromFlags } from '../override-options.js';
import { runScenario } from '../../driver/driver.js';
import { defaultReportPath } from '../../report/write.js';
import { checkRunOutputs } from '../../report/output-path.js';
import { claimInterrupts } from '../interrupts.js';
import { announceReport } from '../report-output.js';
import { writeReportWithFallback } from '../../report/write-fallback.js';
import { renderSummary } from '../../render/summary.js';
import { createProgressPrinter } from '../../render/progress.js';
import { runExitCode, verdictLine } from '../../report/verdict.js';

interface RunFlags extends ScenarioOverrides {
  out?: string;
  quiet?: boolean;
  json?: boolean;
}

/** Registers `wsload run SCENARIO`. */
export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description('run a scenario and write its report (reports/<name>-<time>.json unless --out)')
    .argument('<scenario>', 'scenario JSON file');
  addOverrideOptions(cmd);
  cmd
    .option('--out <file>', 'report file to write (default reports/<name>-<UTC time>.json)')
    .option('--quiet', 'no plan line, progress or summary table')
    .option('--json', 'print the report JSON to stdout instead of the summary table')
    .action(async (file: string, flags: RunFlags) => {
      const quiet = flags.quiet === true;
      // First Ctrl-C / SIGTERM (even one that came while wsload loaded): stop cleanly and still
      // write the report. A second leaves at once with 128 + its number (src/cli/interrupts.ts).
      const signal = claimInterrupts((sig) => {
        if (!quiet) process.stderr.write(`\nwsload: ${sig} received, stopping and writing the report (again to quit at once)\n`);
      });
      const overrides = overridesFromFlags(flags);
      const scenario = await loadScenario(file, { overrides, cpus: availableParallelism(), limits: readMachineLimits() });
      const reportFile = flags.out ?? defaultReportPath(scenario.name, new Date());
      // Before anything starts: a run must not end in a file it cannot write, or in its own scenario.
      checkRunOutputs(flags.out !== undefined ? '--out' : '--out (default)', reportFile, file, scenario.tls);
      const progress = createProgressPrinter(process.stderr, quiet);

      const { report } = await runScenario(scenario, {
        reportFile,
        signal,
        onPlan: (line) => {
          if (!quiet) process.stderr.write(`wsload: ${line}\n`);
        },
        onMetricsListening: (url) => {
          if (!quiet) process.stderr.write(`wsload: metrics at ${url}\n`);
        },
        metricsSetting: flags.metrics !== undefined ? '--metrics' : 'metrics.listen',
        onProgress: (p) => progress.update(p),
        onWarning: (message) => {
          progress.done();
          process.stderr.write(`wsload: warning: ${message}\n`);
        },
      });
      progress.done();
      // Saved first, before anything that could still fail; never throws for I/O.
      const saved = writeReportWithFallback(reportFile, report);
      if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else if (!quiet) process.stdout.write(`${renderSummary(report, { color: process.stdout.isTTY === true })}\n`);
      const code = announceReport(reportFile, saved, runExitCode(report), quiet);
      process.stderr.write(`wsload: ${verdictLine(report)}\n`);
      process.exitCode = code;
    });
}
