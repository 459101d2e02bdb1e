/**
 * `run` for library callers: validates the scenario the CLI's way, runs it through the driver,
 * turns the driver's callbacks into events on a RunHandle and optionally writes the report files.
 * It never prints or exits; every problem rejects the handle with a WsloadError.
 */
import { runScenario, type RunOptions } from '../driver/driver.js';
import { UsageError } from '../errors.js';
import { sidecarPaths, writeReport } from '../report/write.js';
import type { Report } from '../run/report.js';
import type { Scenario } from '../run/scenario.js';
import { RunHandle, type RunContext } from './run-handle.js';
import { resolveScenario, type ScenarioInput, type ScenarioOptions } from './scenario-input.js';
import { TimelineTail } from './timeline-tail.js';

/** Options of `run`; validation options are those of loadScenario. */
export interface RunApiOptions extends ScenarioOptions {
  /**
   * Report file to write when the run ends, with its .ndjson timeline and .hlog beside it (written
   * as the run goes on). Absent or null: nothing is written, and no `interval` events come.
   */
  out?: string | null;
  /** How often workers report and `progress` fires, ms (default 1000; at most the report interval). */
  tickMs?: number;
  /** Aborting it is stop(): the report is still built, with interrupted: true. */
  signal?: AbortSignal;
}

/**
 * Runs a scenario (a file path, a scenario object as written in a file, or what loadScenario
 * returned). The handle resolves to the Report, emits plan/progress/interval/disconnect-event/done,
 * and stop() ends the run early with the report still built.
 */
export function run(scenario: string | ScenarioInput | Scenario, options: RunApiOptions = {}): RunHandle {
  const handle = new RunHandle((ctx) => runBody(scenario, options, ctx));
  const signal = options.signal;
  if (signal) {
    const onAbort = (): void => handle.stop(typeof signal.reason === 'string' ? signal.reason : 'aborted');
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener('abort', onAbort, { once: true });
      const forget = (): void => signal.removeEventListener('abort', onAbort);
      handle.then(forget, forget);
    }
  }
  return handle;
}

async function runBody(input: string | ScenarioInput | Scenario, options: RunApiOptions, ctx: RunContext): Promise<Report> {
  const scenario = await resolveScenario(input, options);
  const out = options.out ?? null;
  const tail = out ? new TimelineTail(sidecarPaths(out).timeline) : null;
  const emitIntervals = (): void => {
    for (const line of tail?.read() ?? []) ctx.emit('interval', line);
  };

  const driverOptions: RunOptions = {
    reportFile: out,
    // The driver listens from its first step, so a stop before the target is up is not lost.
    signal: ctx.stopSignal,
    tickMs: options.tickMs,
    onPlan: (line) => {
      ctx.emit('plan', line);
    },
    onProgress: (progress) => {
      ctx.emit('progress', progress);
      emitIntervals();
    },
    onDropEvent: (event) => ctx.emit('disconnect-event', event),
  };
  let report: Report;
  try {
    ({ report } = await runScenario(scenario, driverOptions));
    // The last line is written as the run ends, after the last progress sample.
    emitIntervals();
  } finally {
    tail?.close();
  }
  if (out) writeReportFile(out, report);
  ctx.emit('done', report);
  return report;
}

function writeReportFile(out: string, report: Report): void {
  try {
    writeReport(out, report);
  } catch (err) {
    throw new UsageError(`out ${out}: cannot write the report (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
