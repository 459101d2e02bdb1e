/**
 * `wsload run SCENARIO`: a thin user of the library's run (api/run-loaded.ts). This file declares
 * the command and checks everything before a socket opens; one run is run-once.ts, the flags
 * run-flags.ts, the output files run-outputs.ts, the guard against wsload's own bugs crash-guard.ts.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import type { Dashboard } from '../../api/dashboard.js';
import { readMachineLimits } from '../../machine-limits.js';
import { loadScenarioInThread } from '../../scenario/load-thread.js';
import { addOverrideOptions, overridesFromFlags } from '../override-options.js';
import type { Report } from '../../run/report.js';
import type { Scenario } from '../../run/scenario.js';
import type { AgentsOptions } from '../../run/run-options.js';
import { claimInterrupts } from '../interrupts.js';
import { useColor } from '../color.js';
import { EXIT, UsageError } from '../../errors.js';
import { AGENT_SILENT_LIMIT_MS, TOKEN_ENV } from '../../run/control-protocol.js';
import { formatDuration } from '../../duration.js';
import { agentsFromFlags, repeatFromFlag, type RunFlags } from '../run-flags.js';
import { runOutputs, type RunOutputs } from '../run-outputs.js';
import { guardCrashes } from '../crash-guard.js';
import { runOnce, worseExit } from '../run-once.js';

/** Registers `wsload run SCENARIO`. */
export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description('run a scenario and write its report (reports/<name>-<time>.json unless --out)')
    .argument('<scenario>', 'scenario JSON file');
  addOverrideOptions(cmd);
  cmd
    .option('--out <file>', 'report file to write (default reports/<name>-<UTC time>.json)')
    .option(
      '--repeat <n>',
      'run the scenario N times one after another (a fresh embedded target each time), write every report (--out numbered: <name>-1.json … <name>-N.json) and print the spread of the key figures',
    )
    .option('--quiet', 'no plan line, progress or summary table')
    .option('--json', 'print the report JSON to stdout instead of the summary table')
    .option('--junit <file>', "also write JUnit XML for CI: one test case per threshold and one for the run's own failures")
    .option('--agents <n>', 'hold the sockets on N `wsload agent`s that join this run (one report, written here)')
    .option('--listen <host:port>', 'where the agents reach this run (with --agents)')
    .option('--token <token>', `shared token the agents must present (default: env ${TOKEN_ENV}; required with --agents)`)
    .option('--agent-wait <duration>', 'how long to wait for every agent to join', '60s')
    .option(
      '--agent-silence <duration>',
      "an agent not heard this long (net of this run's own stalls) is lost: its sockets are booked lost from then on (with --agents)",
      formatDuration(AGENT_SILENT_LIMIT_MS),
    )
    .option('--control-cert <file>', 'PEM certificate: the control channel is wss:// (with --control-key)')
    .option('--control-key <file>', 'PEM private key of --control-cert')
    .option(
      '--dashboard <host:port>',
      "serve a live page of the run at http://HOST:PORT/ (a bare port: on 127.0.0.1; 0: any free port): the report's charts, thresholds and verdict so far, drop events, and the final HTML report at the end",
    )
    .action(runCommand);
}

/** `wsload run FILE`: everything checked before a socket opens, then the run (N times with --repeat); sets the exit code. */
async function runCommand(file: string, flags: RunFlags): Promise<void> {
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
  // Off the main thread: zod and the schema go with the loading thread, not into the run's RSS.
  const scenario = await loadScenarioInThread(file, { overrides, cpus: availableParallelism(), limits });
  checkCombinations(file, scenario, agents, repeat, flags);
  // Before anything starts: a run must not end in a file it cannot write, or in its own scenario.
  const outputs = runOutputs(file, scenario, flags, repeat);
  // Bound before any socket opens, like --metrics: a port in use is exit 2, not a run cut short.
  // The dashboard (and its page renderer) is loaded only when asked for: `wsload run` keeps its RSS for the sockets.
  const dashboard =
    flags.dashboard === undefined
      ? null
      : await (await import('../../api/dashboard.js')).Dashboard.open(flags.dashboard, '--dashboard', scenario);
  if (dashboard && !quiet) process.stderr.write(`wsload: dashboard at ${dashboard.url}\n`);
  const crash = guardCrashes();
  let ran: RunsOutcome;
  try {
    ran = await runAll(scenario, outputs, flags, AbortSignal.any([signal, crash.signal]), agents, repeat, dashboard);
  } finally {
    crash.release();
    dashboard?.close();
  }
  const { reports } = ran;
  let code = ran.code;
  if (flags.json && repeat !== null) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  else if (repeat !== null && !quiet && reports.length > 0) {
    const { renderRepeatSpread } = await import('../../render/repeat-spread.js');
    process.stdout.write(renderRepeatSpread(reports, { color: useColor(flags) }));
  }
  const bug = ran.bug ?? crash.error();
  if (bug) {
    process.stderr.write(
      `wsload: internal error (this is a bug, please report it; the report above is what the run had measured): ${bug.message}\n${bug.stack ?? ''}\n`,
    );
    code = EXIT.internal;
  }
  process.exitCode = code;
}

/** Flags that do not mix with the scenario or with each other (found once the scenario is loaded). */
function checkCombinations(
  file: string,
  scenario: Scenario,
  agents: AgentsOptions | undefined,
  repeat: number | null,
  flags: RunFlags,
): void {
  if (agents && scenario.shards !== null && scenario.shards !== undefined) {
    throw new UsageError(
      `${file}: shards: local shards (${scenario.shards}) do not mix with --agents (each agent holds its share of the sockets with the scenario's workers); remove "shards" or run without --agents`,
    );
  }
  if (repeat !== null && flags.dashboard !== undefined)
    throw new UsageError('--dashboard: not with --repeat (one live page shows one run); leave one of them out');
}

/** The runs' reports, their worst exit code, and the first bug that stopped one. */
interface RunsOutcome {
  reports: Report[];
  code: number;
  bug: Error | null;
}

/** Runs the scenario once per report file, one after another, until one is interrupted. */
async function runAll(
  scenario: Scenario,
  outputs: RunOutputs,
  flags: RunFlags,
  signal: AbortSignal,
  agents: AgentsOptions | undefined,
  repeat: number | null,
  dashboard: Dashboard | null,
): Promise<RunsOutcome> {
  const out: RunsOutcome = { reports: [], code: EXIT.ok, bug: null };
  for (const [i, reportFile] of outputs.reportFiles.entries()) {
    // Interrupted: the run under way wrote its report; the ones after it do not start. The
    // first always runs, so a signal that came while wsload loaded still writes a report.
    if (i > 0 && signal.aborted) break;
    if (repeat !== null && flags.quiet !== true) process.stderr.write(`wsload: run ${i + 1} of ${repeat}\n`);
    const junitFile = outputs.junitFiles?.[i] ?? null;
    const one = await runOnce(scenario, reportFile, junitFile, flags, signal, agents, repeat !== null, dashboard);
    out.reports.push(one.report);
    out.code = worseExit(out.code, one.code);
    out.bug ??= one.internalError;
  }
  return out;
}
