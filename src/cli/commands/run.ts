import { availableParallelism } from 'node:os';
import { plural } from '../../text/plural.js';
import { basename, extname } from 'node:path';
import { Dashboard } from '../../api/dashboard.js';
import type { Command } from 'commander';
import { readMachineLimits } from '../../machine-limits.js';
import { loadScenario } from '../../scenario/load.js';
import type { ScenarioOverrides } from '../../scenario/overrides.js';
import { addOverrideOptions, overridesFromFlags } from '../override-options.js';
import { runScenario } from '../../driver/driver.js';
import type { RunOptions } from '../../run/run-options.js';
import type { Report } from '../../run/report.js';
import { defaultReportPath, sidecarPaths } from '../../report/write.js';
import { checkOutputPath, checkRunOutputs, type NamedInput } from '../../report/output-path.js';
import type { TlsOptions } from '../../run/scenario.js';
import { renderRunJunit } from '../../render/junit.js';
import { announceJunit, writeJunit } from '../junit-output.js';
import { claimInterrupts } from '../interrupts.js';
import { useColor } from '../color.js';
import { announceReport } from '../report-output.js';
import { writeReportWithFallback } from '../../report/write-fallback.js';
import { renderSummary } from '../../render/summary.js';
import { createProgressPrinter } from '../../render/progress.js';
import { runExitCode, verdictLine } from '../../report/verdict.js';
import { EXIT, UsageError } from '../../errors.js';
import type { Scenario } from '../../run/scenario.js';
import { renderRepeatSpread } from '../../render/repeat-spread.js';
import { AGENT_SILENT_LIMIT_MS, TOKEN_ENV } from '../../run/control-protocol.js';
import type { AgentsOptions } from '../../run/run-options.js';
import { parseDurationFlag } from '../duration-flag.js';
import { formatDuration } from '../../duration.js';
import { formatListenAddress, parseListenAddress } from '../../net/listen-address.js';
import { tokenProblem } from '../../coordinator/token.js';
import { controlTlsProblem } from '../../coordinator/control-tls.js';

interface RunFlags extends ScenarioOverrides {
  out?: string;
  repeat?: string;
  quiet?: boolean;
  json?: boolean;
  junit?: string;
  agents?: string;
  listen?: string;
  token?: string;
  agentWait: string;
  agentSilence: string;
  controlCert?: string;
  controlKey?: string;
  dashboard?: string;
  color?: boolean;
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
    .option('--repeat <n>', 'run the scenario N times one after another (a fresh embedded target each time), write every report (--out numbered: <name>-1.json … <name>-N.json) and print the spread of the key figures')
    .option('--quiet', 'no plan line, progress or summary table')
    .option('--json', 'print the report JSON to stdout instead of the summary table')
    .option('--junit <file>', 'also write JUnit XML for CI: one test case per threshold and one for the run\'s own failures')
    .option('--agents <n>', 'hold the sockets on N `wsload agent`s that join this run (one report, written here)')
    .option('--listen <host:port>', 'where the agents reach this run (with --agents)')
    .option('--token <token>', `shared token the agents must present (default: env ${TOKEN_ENV}; required with --agents)`)
    .option('--agent-wait <duration>', 'how long to wait for every agent to join', '60s')
    .option('--agent-silence <duration>', 'an agent not heard this long (net of this run\'s own stalls) is lost: its sockets are booked lost from then on (with --agents)', formatDuration(AGENT_SILENT_LIMIT_MS))
    .option('--control-cert <file>', 'PEM certificate: the control channel is wss:// (with --control-key)')
    .option('--control-key <file>', 'PEM private key of --control-cert')
    .option('--dashboard <host:port>', 'serve a live page of the run at http://HOST:PORT/ (a bare port: on 127.0.0.1; 0: any free port): the report\'s charts, thresholds and verdict so far, drop events, and the final HTML report at the end')
    .action(async (file: string, flags: RunFlags) => {
      const agents = agentsFromFlags(flags);
      const quiet = flags.quiet === true;
      // First Ctrl-C / SIGTERM (even one that came while wsload loaded): stop cleanly and still
      // write the report. A second leaves at once with 128 + its number (src/cli/interrupts.ts).
      const signal = claimInterrupts((sig) => {
        if (!quiet) process.stderr.write(`\nwsload: ${sig} received, stopping and writing the report (again to quit at once)\n`);
      });
      const repeat = repeatFromFlag(flags.repeat);
      const overrides = overridesFromFlags(flags);
      // Agents hold the sockets on their own machines: this one's open-file limit does not apply.
      const limits = agents ? { openFiles: null, ephemeralPorts: null } : readMachineLimits();
      const scenario = await loadScenario(file, { overrides, cpus: availableParallelism(), limits });
      if (agents && scenario.shards !== null && scenario.shards !== undefined) {
        throw new UsageError(`${file}: shards: local shards (${scenario.shards}) do not mix with --agents (each agent holds its share of the sockets with the scenario's workers); remove "shards" or run without --agents`);
      }
      if (repeat !== null && flags.dashboard !== undefined) throw new UsageError('--dashboard: not with --repeat (one live page shows one run); leave one of them out');
      const baseReport = flags.out ?? defaultReportPath(scenario.name, new Date());
      const reportFiles = repeat === null ? [baseReport] : Array.from({ length: repeat }, (_, i) => numbered(baseReport, i + 1));
      const junitFiles = flags.junit === undefined ? null : repeat === null ? [flags.junit] : reportFiles.map((_, i) => numbered(flags.junit as string, i + 1));
      // Before anything starts: a run must not end in a file it cannot write, or in its own scenario.
      const identitiesFile = scenario.identities?.file ?? null;
      reportFiles.forEach((reportFile, i) => {
        checkRunOutputs(flags.out !== undefined ? '--out' : '--out (default)', reportFile, file, scenario.tls, identitiesFile);
        if (junitFiles) checkJunitOutput(junitFiles[i], reportFile, file, scenario.tls, identitiesFile);
      });
      // Bound before any socket opens, like --metrics: a port in use is exit 2, not a run cut short.
      const dashboard = flags.dashboard === undefined ? null : await Dashboard.open(flags.dashboard, '--dashboard', scenario);
      if (dashboard && !quiet) process.stderr.write(`wsload: dashboard at ${dashboard.url}\n`);
      const crash = guardCrashes();
      const runSignal = AbortSignal.any([signal, crash.signal]);
      const reports: Report[] = [];
      let code: number = EXIT.ok;
      let bug: Error | null = null;
      try {
        for (const [i, reportFile] of reportFiles.entries()) {
          // Interrupted: the run under way wrote its report; the ones after it do not start. The
          // first always runs, so a signal that came while wsload loaded still writes a report.
          if (i > 0 && runSignal.aborted) break;
          if (repeat !== null && !quiet) process.stderr.write(`wsload: run ${i + 1} of ${repeat}\n`);
          const one = await runOnce(scenario, reportFile, junitFiles?.[i] ?? null, flags, runSignal, agents, repeat !== null, dashboard);
          reports.push(one.report);
          code = worseExit(code, one.code);
          bug ??= one.internalError;
        }
      } finally {
        crash.release();
        dashboard?.close();
      }
      if (flags.json && repeat !== null) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
      else if (repeat !== null && !quiet && reports.length > 0) process.stdout.write(renderRepeatSpread(reports, { color: useColor(flags) }));
      bug ??= crash.error();
      if (bug) {
        process.stderr.write(`wsload: internal error (this is a bug, please report it; the report above is what the run had measured): ${bug.message}\n${bug.stack ?? ''}\n`);
        code = EXIT.internal;
      }
      process.exitCode = code;
    });
}

/** After a crash, how long the run gets to stop and write its report before wsload exits anyway. */
const CRASH_STOP_LIMIT_MS = 60_000;

/**
 * An exception nobody caught during the run (a bug) must not cost what the run measured: the run
 * stops as if interrupted, its report is written, and wsload exits 70 naming the bug.
 */
function guardCrashes(): { signal: AbortSignal; error: () => Error | null; release: () => void } {
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

/** `--repeat N`: null without it. */
function repeatFromFlag(value: string | undefined): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > 1000) throw new UsageError(`--repeat: expected an integer from 1 to 1000, got "${value}"`);
  return n;
}

/** "reports/x.json" → "reports/x-3.json" (the number before the extension, or at the end). */
export function numbered(path: string, i: number): string {
  const m = /^(.*?)(\.[A-Za-z0-9]+)?$/.exec(path) as RegExpExecArray;
  const dot = m[2] !== undefined && !m[1].endsWith('/') ? m[2] : '';
  const stem = dot ? m[1] : path;
  return `${stem}-${i}${dot}`;
}

/** The worse of two exit codes: failures (1) over thresholds (3) over ok (0). */
function worseExit(a: number, b: number): number {
  const rank = (c: number): number => (c === EXIT.ok ? 0 : c === EXIT.thresholds ? 1 : 2);
  return rank(b) > rank(a) ? b : a;
}

/** One run: run it, write its report (and JUnit), print its summary and verdict; its exit code. */
async function runOnce(
  scenario: Scenario,
  reportFile: string,
  junitFile: string | null,
  flags: RunFlags,
  signal: AbortSignal,
  agents: AgentsOptions | undefined,
  repeated: boolean,
  dashboard: Dashboard | null,
): Promise<{ report: Report; code: number; internalError: Error | null }> {
  const quiet = flags.quiet === true;
  const progress = createProgressPrinter(process.stderr, quiet);

  const options: RunOptions = {
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
    ...(agents ? { agents: { ...agents, onListening: (port: number) => !quiet && process.stderr.write(`wsload: waiting for ${plural(agents.count, 'agent')} on ${agents.tls ? 'wss' : 'ws'}://${formatListenAddress({ host: agents.host, port })}\n`) } } : {}),
    onWarning: (message) => {
      progress.done();
      process.stderr.write(`wsload: warning: ${message}\n`);
    },
    onControlInfo: (line) => {
      if (quiet) return;
      progress.done();
      process.stderr.write(`wsload: ${line}\n`);
    },
  };
  const { report, internalError } = await runScenario(scenario, dashboard ? dashboard.wrap(options) : options);
  progress.done();
  // Saved first, before anything that could still fail; never throws for I/O.
  const saved = writeReportWithFallback(reportFile, report);
  // Open pages get the final HTML report (bounded wait), whatever happens to the files.
  await dashboard?.finish(report, `${basename(reportFile, extname(reportFile))}.html`);
  // Only after the report: a JUnit file that fails must not cost the measurements.
  const junitFailure = junitFile === null ? null : writeJunit(junitFile, () => renderRunJunit(report, { reportPath: saved.path }));
  // Repeated runs print one summary at the end: the spread over all of them.
  if (flags.json && !repeated) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (!quiet && !repeated) process.stdout.write(`${renderSummary(report, { color: useColor(flags) })}\n`);
  let code = announceReport(reportFile, saved, runExitCode(report), quiet);
  if (junitFile !== null) code = announceJunit(junitFile, junitFailure, code, quiet);
  process.stderr.write(`wsload: ${verdictLine(report)}\n`);
  return { report, code, internalError };
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

/** The --agents flags, checked together; undefined without --agents. */
function agentsFromFlags(flags: RunFlags): AgentsOptions | undefined {
  const tlsGiven = flags.controlCert !== undefined || flags.controlKey !== undefined;
  if (flags.agents === undefined) {
    for (const [given, name] of [[flags.listen, '--listen'], [flags.controlCert, '--control-cert'], [flags.controlKey, '--control-key']] as const) {
      if (given !== undefined) throw new UsageError(`${name}: only with --agents`);
    }
    return undefined;
  }
  const count = Number(flags.agents);
  if (!/^\d+$/.test(flags.agents.trim()) || !Number.isSafeInteger(count) || count < 1 || count > 1000) {
    throw new UsageError(`--agents: expected an integer from 1 to 1000, got ${JSON.stringify(flags.agents)}`);
  }
  // Local shards split this machine's sockets over processes; agents are other machines, each
  // running the scenario's workers: asking for both would silently drop one of them.
  if (flags.shards !== undefined) throw new UsageError('--shards: not with --agents (each agent holds its share of the sockets with the scenario\'s workers; run more agents instead)');
  if (flags.listen === undefined) throw new UsageError('--listen: required with --agents (HOST:PORT the agents reach this run at, e.g. 0.0.0.0:7070)');
  const listen = parseListenAddress(flags.listen);
  if (!listen) throw new UsageError(`--listen: expected HOST:PORT like 0.0.0.0:7070 or [::1]:7070 (port 0: any free port), got ${JSON.stringify(flags.listen)}`);
  const tokenSource = flags.token !== undefined ? '--token' : `env ${TOKEN_ENV}`;
  // An empty variable reads as unset (as shells and CI secrets leave it); an empty flag is refused as empty.
  const token = flags.token ?? (process.env[TOKEN_ENV] || undefined);
  if (token === undefined) throw new UsageError(`--token: required with --agents (--token or env ${TOKEN_ENV})`);
  const problem = tokenProblem(token);
  if (problem) throw new UsageError(`${tokenSource}: ${problem}`);
  if (tlsGiven && (flags.controlCert === undefined || flags.controlKey === undefined)) {
    throw new UsageError(flags.controlCert === undefined ? '--control-cert: required with --control-key' : '--control-key: required with --control-cert');
  }
  const tls = flags.controlCert !== undefined && flags.controlKey !== undefined ? { cert: flags.controlCert, key: flags.controlKey } : null;
  if (tls) {
    const tlsProblem = controlTlsProblem(tls, { ca: '--control-ca', cert: '--control-cert', key: '--control-key' });
    if (tlsProblem) throw new UsageError(tlsProblem);
  }
  return {
    count,
    host: listen.host,
    port: listen.port,
    token,
    waitMs: parseDurationFlag('--agent-wait', flags.agentWait),
    tls,
    silentLimitMs: parseDurationFlag('--agent-silence', flags.agentSilence),
  };
}
