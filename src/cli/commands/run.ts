import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { readMachineLimits } from '../../machine-limits.js';
import { loadScenario } from '../../scenario/load.js';
import type { ScenarioOverrides } from '../../scenario/overrides.js';
import { addOverrideOptions, overridesFromFlags } from '../override-options.js';
import { runScenario } from '../../driver/driver.js';
import { defaultReportPath, writeReport } from '../../report/write.js';
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
      const overrides = overridesFromFlags(flags);
      const scenario = await loadScenario(file, { overrides, cpus: availableParallelism(), limits: readMachineLimits() });
      const reportFile = flags.out ?? defaultReportPath(scenario.name, new Date());
      const quiet = flags.quiet === true;
      const progress = createProgressPrinter(process.stderr, quiet);

      // First Ctrl-C / SIGTERM: stop cleanly and still write the report. Second: leave now.
      const controller = new AbortController();
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals): void => {
        signals++;
        if (signals > 1) process.exit(130);
        if (!quiet) process.stderr.write(`\nwsload: ${signal} received, stopping and writing the report (again to quit at once)\n`);
        controller.abort(signal);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const { report } = await runScenario(scenario, {
          reportFile,
          signal: controller.signal,
          onPlan: (line) => {
            if (!quiet) process.stderr.write(`wsload: ${line}\n`);
          },
          onProgress: (p) => progress.update(p),
        });
        progress.done();
        writeReport(reportFile, report);
        if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else if (!quiet) process.stdout.write(`${renderSummary(report, { color: process.stdout.isTTY === true })}\n`);
        if (!quiet) process.stderr.write(`wsload: report written to ${reportFile}\n`);
        process.stderr.write(`wsload: ${verdictLine(report)}\n`);
        process.exitCode = runExitCode(report);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
