/**
 * `wsload run`'s guard against its own bugs: an exception nobody caught during the run aborts the
 * run as an interrupt would, so the report is still written, and the CLI exits 70 naming the bug.
 */
import { EXIT } from '../errors.js';

/** After a crash, how long the run gets to stop and write its report before wsload exits anyway. */
const CRASH_STOP_LIMIT_MS = 60_000;

/**
 * An exception nobody caught during the run (a bug) must not cost what the run measured: the run
 * stops as if interrupted, its report is written, and wsload exits 70 naming the bug.
 */
export function guardCrashes(): { signal: AbortSignal; error: () => Error | null; release: () => void } {
  const controller = new AbortController();
  let error: Error | null = null;
  const onCrash = (err: unknown): void => {
    if (error) return;
    error = err instanceof Error ? err : new Error(String(err));
    process.stderr.write(`\nwsload: internal error, stopping and writing the report: ${error.message}\n`);
    controller.abort(`internal error: ${error.message}`);
    // A run that cannot even stop must still end: the bug's exit code, without a report.
    setTimeout(() => process.exit(EXIT.internal), CRASH_STOP_LIMIT_MS).unref();
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  return {
    signal: controller.signal,
    error: () => error,
    release: () => {
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    },
  };
}
