/**
 * Entry point of the wsload command. The only place that prints errors and sets the exit code;
 * each command lives in ./commands/<name>.ts and registers itself on the program.
 */
import { Command, CommanderError } from 'commander';
import { EXIT, WsloadError } from '../errors.js';
import { VERSION } from '../version.js';
import { registerRun } from './commands/run.js';
import { registerValidate } from './commands/validate.js';
import { registerServe } from './commands/serve.js';
import { registerReport } from './commands/report.js';
import { registerCompare } from './commands/compare.js';
import { registerMerge } from './commands/merge.js';
import { registerAgent } from './commands/agent.js';
import { installInterrupts, releaseInterrupts } from './interrupts.js';
import { addColorOption } from './color.js';
import { COMMAND_EXITS, allExitCodesText, helpAfter, type CommandName } from './exit-codes.js';

/** Once the command is done, how long anything left running may keep the process alive. */
const EXIT_GRACE_MS = 3_000;

/** Builds the commander program; exported so tests can inspect flags without spawning. */
export function buildProgram(): Command {
  const program = new Command('wsload')
    .description('Load and soak testing for long-lived WebSocket connections behind a gateway.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const register of [registerRun, registerValidate, registerServe, registerReport, registerCompare, registerMerge, registerAgent]) {
    register(program);
  }
  for (const cmd of program.commands) {
    cmd.exitOverride();
    // Every command takes --no-color (and NO_COLOR), whether or not it prints colour today, so a
    // wrapper script can pass it to any of them.
    addColorOption(cmd);
    if (cmd.name() in COMMAND_EXITS) cmd.addHelpText('after', helpAfter(cmd.name() as CommandName));
  }
  program.addHelpText('after', rootHelpAfter());
  // Only run and agent stop gracefully on a signal; every other command gets Node's defaults back.
  program.hook('preAction', (_program, action) => {
    if (action.name() !== 'run' && action.name() !== 'agent') releaseInterrupts();
  });
  return program;
}

/** The end of `wsload --help`: a first command and every exit code. */
function rootHelpAfter(): string {
  return [
    '',
    'Examples:',
    '  $ wsload run scenarios/fanout.json',
    '  $ wsload report reports/fanout-<UTC time>.json --html reports/fanout.html',
    '  $ wsload help run',
    '',
    'Exit codes:',
    allExitCodesText(),
    '',
  ].join('\n');
}

/**
 * Runs the CLI; sets process.exitCode (never calls process.exit while work may be pending).
 * `heldSignals`: SIGINT/SIGTERM that arrived while bin/wsload.js loaded this module.
 */
export async function main(argv: string[], heldSignals: readonly NodeJS.Signals[] = []): Promise<void> {
  installInterrupts(heldSignals);
  // A reader that went away (`wsload serve --help | head`) is no failure of the command: the rest
  // of the output has nowhere to go, and the run's report file is still written. So is a terminal
  // that closed (EIO on its writes after SIGHUP): the run still stops cleanly and writes its report.
  process.stdout.on('error', outputOnError);
  process.stderr.on('error', outputOnError);
  const program = buildProgram();
  // No command at all is a usage error: the help goes where errors go, and a script that forgot
  // its arguments fails instead of passing.
  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    process.exitCode = EXIT.badInput;
    releaseInterrupts();
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeFor(err);
  } finally {
    releaseInterrupts();
  }
  // The command's work is done and its output written: whatever still holds the event loop
  // (a publish request whose body never ends) must not keep wsload from exiting.
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
}

/** Output that can no longer be written (reader gone, terminal hung up) is dropped; anything else is a bug. */
function outputOnError(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EPIPE' && err.code !== 'EIO') throw err;
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander has already printed its message; help and version are not failures.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
    return EXIT.badInput;
  }
  if (err instanceof WsloadError) {
    if (err.code === 'WSLOAD_ERR_INTERNAL') {
      process.stderr.write(`wsload: internal error (this is a bug, please report it): ${err.message}\n${err.stack ?? ''}\n`);
    } else {
      for (const line of err.message.split('\n')) process.stderr.write(`wsload: ${line}\n`);
    }
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`wsload: internal error (this is a bug, please report it): ${e.message}\n${e.stack ?? ''}\n`);
  return EXIT.internal;
}
