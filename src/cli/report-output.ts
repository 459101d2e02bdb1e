/**
 * Says where a finished run's report went, on stderr. When the requested place fails at the
 * end (disk full, directory gone) the report goes to a fallback and the run keeps its own exit
 * code: the measurements are what the user waited for.
 */
import { EXIT } from '../errors.js';
import type { ReportWriteOutcome } from '../report/write-fallback.js';

/** Prints one line saying where the report went (`outcome` of writeReportWithFallback) and returns the exit code to use. */
export function announceReport(reportFile: string, outcome: ReportWriteOutcome, runCode: number, quiet: boolean): number {
  if (outcome.failure === null) {
    if (!quiet) process.stderr.write(`wsload: report written to ${reportFile}\n`);
    return runCode;
  }
  if (outcome.path !== null) {
    process.stderr.write(`wsload: could not write the report to ${reportFile} (${outcome.failure}); wrote it to ${outcome.path} instead\n`);
    return runCode;
  }
  const tried = outcome.fallbackFailures.join('; ');
  process.stderr.write(`wsload: could not write the report to ${reportFile} (${outcome.failure}) nor anywhere else (${tried})\n`);
  // A run whose report is lost cannot pass, whatever it measured.
  return runCode === EXIT.ok ? EXIT.failures : runCode;
}
