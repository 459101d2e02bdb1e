/**
 * Writing `--junit FILE` for `run`: after the report is saved, never instead of it. A JUnit file
 * that cannot be written is one line on stderr; the report and the summary are not affected.
 */
import { EXIT } from '../errors.js';
import { describeIoError } from '../report/write-fallback.js';
import { writeTextAtomic } from '../report/write.js';

/** Renders and writes the JUnit XML; returns null when written, else why not (for announceJunit). Never throws. */
export function writeJunit(path: string, render: () => string): string | null {
  let xml: string;
  try {
    xml = render();
  } catch (err) {
    // A bug in the renderer must not cost the summary and verdict that follow: said, not thrown.
    return `internal error, please report it: ${describeIoError(err)}`;
  }
  try {
    writeTextAtomic(path, xml);
    return null;
  } catch (err) {
    return describeIoError(err);
  }
}

/**
 * Prints one line saying where the JUnit XML went, or why it did not, and returns the exit code
 * to use: a run that passed exits 1 without its JUnit file, since CI would read no verdict at all.
 */
export function announceJunit(path: string, failure: string | null, runCode: number, quiet: boolean): number {
  if (failure === null) {
    if (!quiet) process.stderr.write(`wsload: JUnit XML written to ${path}\n`);
    return runCode;
  }
  process.stderr.write(`wsload: could not write --junit ${path} (${failure}); the report is not affected\n`);
  return runCode === EXIT.ok ? EXIT.failures : runCode;
}
