import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { readMachineLimits } from '../../machine-limits.js';
import { loadScenario } from '../../scenario/load.js';
import type { ScenarioOverrides } from '../../scenario/overrides.js';
import { addOverrideOptions, overridesFromFlags } from '../override-options.js';
import { runScenario } from '../../driver/driver.js';
import { defaultReportPath, sidecarPaths } from '../../report/write.js';
import { checkOutputPath, checkRunOutputs, type NamedInput } from '../../report/output-path.js';
import type { TlsOptions } from '../../run/scenario.js';
import { renderRunJunit } from '../../render/junit.js';
import { announceJunit, writeJunit } from '../junit-output.js';
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
  junit?: string;
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
    .option('--junit <file>', 'also write JUnit XML for CI: one test case per threshold and one for the run\'s own failures')
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
      const identitiesFile = scenario.identities?.file ?? null;
      checkRunOutputs(flags.out !== undefined ? '--out' : '--out (default)', reportFile, file, scenario.tls, identitiesFile);
      if (flags.junit !== undefined) checkJunitOutput(flags.junit, reportFile, file, scenario.tls, identitiesFile);
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
      // Only after the report: a JUnit file that fails must not cost the measurements.
      const junitFailure = flags.junit === undefined ? null : writeJunit(flags.junit, () => renderRunJunit(report, { reportPath: saved.path }));
      if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else if (!quiet) process.stdout.write(`${renderSummary(report, { color: process.stdout.isTTY === true })}\n`);
      let code = announceReport(reportFile, saved, runExitCode(report), quiet);
      if (flags.junit !== undefined) code = announceJunit(flags.junit, junitFailure, code, quiet);
      process.stderr.write(`wsload: ${verdictLine(report)}\n`);
      process.exitCode = code;
    });
}

/** `--junit` must not land on the run's own report, its soak files or its inputs. */
function checkJunitOutput(junit: string, reportFile: string, scenarioFile: string, tls: Pick<TlsOptions, 'ca' | 'cert' | 'key'>, identitiesFile: string | null): void {
  const sidecars = sidecarPaths(reportFile);
  const inputs: NamedInput[] = [
    { path: scenarioFile, role: 'the scenario file' },
    { path: reportFile, role: 'the run\'s report (--out)' },
    { path: sidecars.timeline, role: 'the run\'s timeline' },
    { path: sidecars.hlog, role: 'the run\'s histogram log' },
  ];
  for (const f of [tls.ca, tls.cert, tls.key]) if (f) inputs.push({ path: f, role: 'a TLS file of the scenario' });
  if (identitiesFile) inputs.push({ path: identitiesFile, role: 'the scenario\'s identities file' });
  checkOutputPath('--junit', junit, inputs);
}
