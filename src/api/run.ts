/**
 * `run` for library callers: validates the scenario the CLI's way, runs it through the driver,
 * turns the driver's callbacks into events on a RunHandle and optionally writes the report files.
 * It never prints or exits; every problem rejects the handle with a WsloadError.
 */
import { basename, extname } from 'node:path';
import { runScenario } from '../driver/driver.js';
import type { AgentsOptions, RunOptions } from '../run/run-options.js';
import { UsageError } from '../errors.js';
import { parseListenAddress } from '../net/listen-address.js';
import { checkRunOutputs } from '../report/output-path.js';
import { writeReportWithFallback } from '../report/write-fallback.js';
import type { Report } from '../run/report.js';
import type { Scenario } from '../run/scenario.js';
import { Dashboard } from './dashboard.js';
import { RunHandle, type RunContext } from './run-handle.js';
import { checkRunOptions, listenableAgents } from './run-options-check.js';
import { resolveScenario, type ScenarioInput, type ScenarioOptions } from './scenario-input.js';

/** Options of `run`; validation options are those of loadScenario. */
export interface RunApiOptions extends ScenarioOptions {
  /**
   * Report file to write when the run ends, with its .ndjson timeline and .hlog beside it (written
   * as the run goes on). Absent or null: nothing is written (`interval` events still come). Checked
   * before the run starts (not a directory, not an input, creatable); if it fails at the end anyway,
   * the report goes to a fallback (`done` and `warning` say where), never lost.
   */
  out?: string | null;
  /** How often workers report and `progress` fires, ms (50 to 60000, default 1000; at most the report interval). */
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
export function run(scenario: string | ScenarioInput | Scenario, options?: RunApiOptions | null): RunHandle {
  let checked: RunApiOptions;
  try {
    checked = checkRunOptions(options);
  } catch (err) {
    // Rejected like any other bad input (a handle, no throw), before anything starts.
    return new RunHandle(() => Promise.reject(err));
  }
  const handle = new RunHandle((ctx) => runBody(scenario, checked, ctx));
  const signal = checked.signal;
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
  const agents = options.agents ? listenableAgents(options.agents) : undefined;
  // Agents hold the sockets on their own machines: this one's open-file limit does not apply (as with --agents).
  const limits = options.limits ?? (agents ? { openFiles: null, ephemeralPorts: null } : undefined);
  const scenario = withMetrics(await resolveScenario(input, { ...options, ...(limits ? { limits } : {}) }), options.metrics);
  if (agents && scenario.shards !== null && scenario.shards !== undefined) {
    throw new UsageError(`agents (option): the scenario's shards (${scenario.shards}) are local shards and do not mix with agents (each agent holds its share of the sockets with the scenario's workers); remove "shards" or leave out agents`);
  }
  const out = options.out ?? null;
  // Before anything starts, as the CLI does: a run must not end in a file it cannot write, in a
  // directory (out: '/tmp' would write /tmp.ndjson), or over one of its own inputs.
  if (out !== null) checkRunOutputs('out (option)', out, typeof input === 'string' ? input : null, scenario.tls, scenario.identities?.file ?? null);
  // Bound before anything starts: a port in use is bad input, not a run that dies half-way.
  const dashboard = options.dashboard === undefined ? null : await Dashboard.open(options.dashboard, 'dashboard (option)', scenario);
  try {
    if (dashboard) ctx.emit('dashboard', dashboard.url);
    const { report, file } = await runWith(scenario, out, options, ctx, dashboard, agents);
    await dashboard?.finish(report, `${out === null ? scenario.name : basename(out, extname(out))}.html`);
    ctx.emit('done', report, file);
    return report;
  } finally {
    dashboard?.close();
  }
}

async function runWith(
  scenario: Scenario,
  out: string | null,
  options: RunApiOptions,
  ctx: RunContext,
  dashboard: Dashboard | null,
  agents: AgentsOptions | undefined,
): Promise<{ report: Report; file: string | null }> {
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
    onWarning: (message) => ctx.emit('warning', message),
    ...(agents ? { agents } : {}),
  };
  const { report } = await runScenario(scenario, dashboard ? dashboard.wrap(driverOptions) : driverOptions);
  const file = out !== null ? saveReport(out, report, ctx) : null;
  return { report, file };
}

/** The scenario with the `metrics` option as its endpoint; a bad address is a UsageError naming the option. */
function withMetrics(scenario: Scenario, listen: string | undefined): Scenario {
  if (listen === undefined) return scenario;
  if (typeof listen !== 'string' || parseListenAddress(listen) === null) {
    throw new UsageError(`metrics (option): expected HOST:PORT like "127.0.0.1:9464", got ${JSON.stringify(listen)}`);
  }
  return { ...scenario, metrics: { listen: listen.trim() } };
}

/**
 * Writes the report to `out`, or where the CLI would fall back to (the working directory, then the
 * system temp directory) when `out` went bad during the run: the measurements matter more than the
 * path. Returns where it went (null: nowhere could take it; the handle still resolves to it).
 */
function saveReport(out: string, report: Report, ctx: RunContext): string | null {
  const saved = writeReportWithFallback(out, report);
  if (saved.failure === null) return saved.path;
  const tried = saved.fallbackFailures.length > 0 ? `; also failed: ${saved.fallbackFailures.join('; ')}` : '';
  ctx.emit(
    'warning',
    saved.path !== null
      ? `out ${out}: could not write the report (${saved.failure}); written to ${saved.path} instead${tried}`
      : `out ${out}: could not write the report (${saved.failure}) and no fallback could take it${tried}; the report is only in the handle's value`,
  );
  return saved.path;
}
