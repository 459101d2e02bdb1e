/**
 * `run` for library callers: validates the scenario the CLI's way, runs it through the front door
 * the CLI uses too (run-loaded.ts: driver hooks as events on a RunHandle) and optionally writes the report files.
 * It never prints or exits; every problem rejects the handle with a WsloadError.
 */
import type { RunApiOptions } from '../run/run-options.js';
import { UsageError } from '../errors.js';
import { parseListenAddress } from '../net/listen-address.js';
import { checkRunOutputs } from '../report/output-path.js';
import { writeReportWithFallback } from '../report/write-fallback.js';
import type { Report } from '../run/report.js';
import type { Scenario } from '../run/scenario.js';
import { RunHandle, type RunContext } from './run-handle.js';
import { runLoaded, stopOnAbort } from './run-loaded.js';
import { checkRunOptions, listenableAgents } from './run-options-check.js';
import { resolveScenario, type ScenarioInput } from './scenario-input.js';

export type { RunApiOptions };

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
  return stopOnAbort(new RunHandle((ctx) => runBody(scenario, checked, ctx)), checked.signal);
}

async function runBody(input: string | ScenarioInput | Scenario, options: RunApiOptions, ctx: RunContext): Promise<Report> {
  const agents = options.agents ? listenableAgents(options.agents) : undefined;
  // Agents hold the sockets on their own machines: this one's open-file limit does not apply (as with --agents).
  const limits = options.limits ?? (agents ? { openFiles: null, ephemeralPorts: null } : undefined);
  const scenario = withMetrics(await resolveScenario(input, { ...options, ...(limits ? { limits } : {}) }), options.metrics);
  if (agents && scenario.shards !== null && scenario.shards !== undefined) {
    throw new UsageError(
      `agents (option): the scenario's shards (${scenario.shards}) are local shards and do not mix with agents (each agent holds its share of the sockets with the scenario's workers); remove "shards" or leave out agents`,
    );
  }
  const out = options.out ?? null;
  // Before anything starts, as the CLI does: a run must not end in a file it cannot write, in a
  // directory (out: '/tmp' would write /tmp.ndjson), or over one of its own inputs.
  if (out !== null)
    checkRunOutputs('out (option)', out, typeof input === 'string' ? input : null, scenario.tls, scenario.identities?.file ?? null);
  // Bound before anything starts: a port in use is bad input, not a run that dies half-way.
  // Loaded only when asked: the dashboard brings the HTML renderers and compare code (issue 22).
  const dashboard =
    options.dashboard === undefined
      ? null
      : await (await import('./dashboard.js')).Dashboard.open(options.dashboard, 'dashboard (option)', scenario);
  try {
    if (dashboard) ctx.emit('dashboard', dashboard.url);
    return await runLoaded(
      scenario,
      {
        out,
        tickMs: options.tickMs,
        metricsSetting: options.metrics !== undefined ? 'metrics (option)' : 'metrics.listen',
        ...(agents ? { agents } : {}),
        dashboard,
        save: (report, runCtx) => (out !== null ? saveReport(out, report, runCtx) : null),
      },
      ctx,
    );
  } finally {
    dashboard?.close();
  }
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
