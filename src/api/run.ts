/**
 * `run` for library callers: validates the scenario the CLI's way, runs it through the driver,
 * turns the driver's callbacks into events on a RunHandle and optionally writes the report files.
 * It never prints or exits; every problem rejects the handle with a WsloadError.
 */
import { basename, extname } from 'node:path';
import { runScenario, type RunOptions } from '../driver/driver.js';
import type { AgentsOptions } from '../driver/run-options.js';
import { UsageError } from '../errors.js';
import { parseListenAddress } from '../net/listen-address.js';
import { writeReport } from '../report/write.js';
import type { Report } from '../run/report.js';
import type { Scenario } from '../run/scenario.js';
import { Dashboard } from './dashboard.js';
import { RunHandle, type RunContext } from './run-handle.js';
import { resolveScenario, type ScenarioInput, type ScenarioOptions } from './scenario-input.js';

/** Options of `run`; validation options are those of loadScenario. */
export interface RunApiOptions extends ScenarioOptions {
  /**
   * Report file to write when the run ends, with its .ndjson timeline and .hlog beside it (written
   * as the run goes on). Absent or null: nothing is written (`interval` events still come).
   */
  out?: string | null;
  /** How often workers report and `progress` fires, ms (default 1000; at most the report interval). */
  tickMs?: number;
  /** Aborting it is stop(): the report is still built, with interrupted: true. */
  signal?: AbortSignal;
  /**
   * Serve Prometheus metrics at http://HOST:PORT/metrics during the run ("127.0.0.1:9464"; port 0:
   * any free port, announced by the `metrics` event); overrides the scenario's metrics.listen.
   */
  metrics?: string;
  /** Hold the sockets on remote `wsload agent`s instead (as `wsload run --agents N --listen …`). */
  agents?: AgentsOptions;
  /**
   * Serve the live dashboard at http://HOST:PORT/ during the run ("127.0.0.1:8089", or a port on
   * 127.0.0.1; port 0: any free port, announced by the `dashboard` event), as `--dashboard`.
   */
  dashboard?: string;
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
  const scenario = withMetrics(await resolveScenario(input, options), options.metrics);
  const out = options.out ?? null;
  // Bound before anything starts: a port in use is bad input, not a run that dies half-way.
  const dashboard = options.dashboard === undefined ? null : await Dashboard.open(options.dashboard, 'dashboard (option)', scenario);
  try {
    if (dashboard) ctx.emit('dashboard', dashboard.url);
    const report = await runWith(scenario, out, options, ctx, dashboard);
    await dashboard?.finish(report, `${out === null ? scenario.name : basename(out, extname(out))}.html`);
    ctx.emit('done', report);
    return report;
  } finally {
    dashboard?.close();
  }
}

async function runWith(scenario: Scenario, out: string | null, options: RunApiOptions, ctx: RunContext, dashboard: Dashboard | null): Promise<Report> {
  const driverOptions: RunOptions = {
    reportFile: out,
    // The driver listens from its first step, so a stop before the target is up is not lost.
    signal: ctx.stopSignal,
    tickMs: options.tickMs,
    onPlan: (line) => {
      ctx.emit('plan', line);
    },
    onMetricsListening: (url) => ctx.emit('metrics', url),
    metricsSetting: options.metrics !== undefined ? 'metrics (option)' : 'metrics.listen',
    onProgress: (progress) => ctx.emit('progress', progress),
    // Each timeline line as the driver makes it (and writes it to the .ndjson, given `out`).
    onInterval: (line) => ctx.emit('interval', line),
    onDropEvent: (event) => ctx.emit('disconnect-event', event),
    ...(options.agents ? { agents: options.agents } : {}),
  };
  const { report } = await runScenario(scenario, dashboard ? dashboard.wrap(driverOptions) : driverOptions);
  if (out) writeReportFile(out, report);
  return report;
}

/** The scenario with the `metrics` option as its endpoint; a bad address is a UsageError naming the option. */
function withMetrics(scenario: Scenario, listen: string | undefined): Scenario {
  if (listen === undefined) return scenario;
  if (typeof listen !== 'string' || parseListenAddress(listen) === null) {
    throw new UsageError(`metrics (option): expected HOST:PORT like "127.0.0.1:9464", got ${JSON.stringify(listen)}`);
  }
  return { ...scenario, metrics: { listen: listen.trim() } };
}

function writeReportFile(out: string, report: Report): void {
  try {
    writeReport(out, report);
  } catch (err) {
    throw new UsageError(`out ${out}: cannot write the report (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
