import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
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
import type { Report } from '../../report/types.js';
import { describeFailure } from '../../metrics/classify.js';

interface RunFlags extends ScenarioOverrides {
  out?: string;
  quiet?: boolean;
  json?: boolean;
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** Exit code of a finished run: interrupted by a signal (128 + signal), thresholds, then failures. */
export function runExitCode(report: Report): number {
  if (report.interrupted) return SIGNAL_EXIT[report.interruptReason ?? ''] ?? EXIT.failures;
  if (report.thresholds.some((t) => !t.pass)) return EXIT.thresholds;
  const failed =
    report.connections.failed > 0 ||
    report.fanout.lost > 0 ||
    report.publish.failed > 0 ||
    report.client.workers.some((w) => w.crashed !== null);
  return failed ? EXIT.failures : EXIT.ok;
}

/** One line saying how the run went, naming what failed (printed to stderr after every run). */
export function verdictLine(report: Report): string {
  const problems: string[] = [];
  const c = report.connections;
  const reasons = Object.entries(c.failures)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
    .map(([reason, n]) => `${n} ${describeFailure(reason)}`)
    .join(', ');
  if (c.opened === 0 && c.failed > 0) problems.push(`no socket connected to ${report.target.url}: ${reasons}`);
  else if (c.failed > 0) problems.push(`${c.failed} connection attempt${c.failed === 1 ? '' : 's'} failed: ${reasons}`);
  if (report.fanout.lost > 0) problems.push(`${report.fanout.lost} of ${report.fanout.expected} deliveries lost`);
  if (report.publish.failed > 0) {
    const why = Object.entries(report.publish.failures)
      .map(([reason, n]) => `${n} × ${reason.startsWith('http-') ? `HTTP ${reason.slice(5)}` : describeFailure(reason)}`)
      .join(', ');
    problems.push(`${report.publish.failed} of ${report.publish.sent} publishes to ${report.target.publishUrl ?? '?'} failed: ${why}`);
  }
  for (const w of report.client.workers) {
    if (w.crashed) problems.push(`worker ${w.worker} crashed (${w.crashed})`);
  }
  const failedThresholds = report.thresholds.filter((t) => !t.pass);
  if (failedThresholds.length > 0) {
    problems.push(`threshold${failedThresholds.length === 1 ? '' : 's'} failed: ${failedThresholds.map((t) => `${t.metric} ${t.expression} (got ${t.actual})`).join(', ')}`);
  }
  const head = report.interrupted ? `interrupted (${report.interruptReason ?? 'aborted'})` : problems.length > 0 ? 'FAILED' : 'ok';
  return problems.length > 0 ? `${head}: ${problems.join('; ')}` : head;
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
