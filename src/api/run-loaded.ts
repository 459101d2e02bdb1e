/**
 * The one front door to a run: a loaded, checked scenario driven through the driver, its hooks
 * turned into events on a RunHandle. The library's `run` (api/run.ts) and the CLI's `wsload run`
 * (cli/commands/run.ts) both start runs here, so what one shows the other cannot miss: they differ
 * only in how they load the scenario, how they save the report and what they print for each event.
 */
import { basename, extname } from 'node:path';
import { runScenario } from '../driver/driver.js';
import { formatListenAddress } from '../net/listen-address.js';
import type { Report } from '../run/report.js';
import type { AgentsOptions, RunOptions } from '../run/run-options.js';
import type { Scenario } from '../run/scenario.js';
import type { Dashboard } from './dashboard.js';
import { RunHandle, type RunContext } from './run-handle.js';

/** How a loaded scenario is run: where its files go and who saves the report. */
export interface LoadedRun {
  /** The report file: the driver writes the .ndjson and .hlog beside it as the run goes on. Null: no files. */
  out: string | null;
  /** How often workers report and `progress` fires, ms (already checked). */
  tickMs?: number;
  /** How messages name the metrics address setting ("--metrics", "metrics (option)", "metrics.listen"). */
  metricsSetting: string;
  /** Hold the sockets on remote agents instead (already checked; the host without brackets). */
  agents?: AgentsOptions;
  /** An open dashboard the run feeds and finishes with its report; its owner closes it. */
  dashboard: Dashboard | null;
  /**
   * Writes the finished report before anything else can fail (the dashboard's final page, `done`);
   * returns where it went, or null (nowhere, or nothing asked for). Each front door says it its own way.
   */
  save: (report: Report, ctx: RunContext) => string | null;
}

/** Starts `scenario` as a RunHandle; aborting `signal` is stop() with the signal's reason. */
export function startLoadedRun(scenario: Scenario, run: LoadedRun, signal?: AbortSignal): RunHandle {
  return stopOnAbort(new RunHandle((ctx) => runLoaded(scenario, run, ctx)), signal);
}

/** `handle`, stopped when `signal` aborts (at once when it already has): the reason is the interrupt reason. */
export function stopOnAbort(handle: RunHandle, signal: AbortSignal | undefined): RunHandle {
  if (!signal) return handle;
  const onAbort = (): void => handle.stop(typeof signal.reason === 'string' ? signal.reason : 'aborted');
  if (signal.aborted) onAbort();
  else {
    signal.addEventListener('abort', onAbort, { once: true });
    const forget = (): void => signal.removeEventListener('abort', onAbort);
    handle.then(forget, forget);
  }
  return handle;
}

/** The body of a handle: drive the run, save the report, finish the dashboard, emit `done`. */
export async function runLoaded(scenario: Scenario, run: LoadedRun, ctx: RunContext): Promise<Report> {
  const options = driverOptions(run, ctx);
  const { report, internalError } = await runScenario(scenario, run.dashboard ? run.dashboard.wrap(options) : options);
  if (internalError) ctx.emit('internal-error', internalError);
  const file = run.save(report, ctx);
  // Open pages get the final HTML report (a bounded wait), whatever happened to the files.
  await run.dashboard?.finish(report, `${run.out === null ? scenario.name : basename(run.out, extname(run.out))}.html`);
  ctx.emit('done', report, file);
  return report;
}

/** Every driver hook as an event of the handle. */
function driverOptions(run: LoadedRun, ctx: RunContext): RunOptions {
  const agents = run.agents;
  return {
    reportFile: run.out,
    // The driver listens from its first step, so a stop before the target is up is not lost.
    signal: ctx.stopSignal,
    tickMs: run.tickMs,
    metricsSetting: run.metricsSetting,
    onPlan: (line) => ctx.emit('plan', line),
    onMetricsListening: (url) => ctx.emit('metrics', url),
    onProgress: (progress) => ctx.emit('progress', progress),
    // Each timeline line as the driver makes it (and writes it to the .ndjson, given `out`).
    onInterval: (line) => ctx.emit('interval', line),
    onDropEvent: (event) => ctx.emit('disconnect-event', event),
    onWarning: (message) => ctx.emit('warning', message),
    onControlInfo: (line) => ctx.emit('control-info', line),
    ...(agents
      ? {
          agents: {
            ...agents,
            onListening: (port: number) => {
              agents.onListening?.(port);
              ctx.emit('agents', `${agents.tls ? 'wss' : 'ws'}://${formatListenAddress({ host: agents.host, port })}`);
            },
          },
        }
      : {}),
  };
}
