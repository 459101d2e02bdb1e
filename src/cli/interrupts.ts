/**
 * SIGINT, SIGTERM and SIGHUP for the whole CLI. Loading the CLI takes a few hundred ms, so
 * bin/wsload.js holds signals that arrive before this module takes over; a Ctrl-C in that time
 * still stops a run cleanly (interrupted report, exit 130) instead of killing it without one. The
 * first signal stops the command that claimed it; a second leaves at once with 128 + its own number.
 * SIGHUP is what a closed terminal or a dropped ssh session sends: a soak started there stops like
 * SIGTERM with its report written (exit 129), not killed with none. (Node resets every signal to
 * its default at start-up, so `nohup` never kept a run going: setsid, tmux or a service manager do.)
 */

const SIGNAL_NUMBER: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
const HANDLED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** 128 + the signal's number, the exit code a shell reports for it (SIGHUP 129, SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (SIGNAL_NUMBER[signal] ?? 0);
}

interface State {
  received: NodeJS.Signals[];
  controller: AbortController;
  /** Set by the command that stops gracefully; signals before that are only recorded. */
  onFirst: ((signal: NodeJS.Signals) => void) | null;
  handler: (signal: NodeJS.Signals) => void;
}

let state: State | null = null;

/** Takes over SIGINT/SIGTERM/SIGHUP from process start; `early` are the signals bin/wsload.js held. */
export function installInterrupts(early: readonly NodeJS.Signals[] = []): void {
  if (state) return;
  const s: State = {
    received: [],
    controller: new AbortController(),
    onFirst: null,
    handler: (signal) => {
      s.received.push(signal);
      // A second signal means "now": process.exit still runs 'exit' hooks (the embedded target's).
      if (s.received.length > 1) process.exit(signalExitCode(signal));
      if (s.onFirst) first(s);
    },
  };
  state = s;
  for (const sig of HANDLED) process.on(sig, s.handler);
  for (const sig of early) s.handler(sig);
}

function first(s: State): void {
  const signal = s.received[0];
  s.onFirst?.(signal);
  s.controller.abort(signal);
}

/**
 * For a command that stops gracefully on the first signal (run): returns the signal to stop on,
 * already aborted if a signal came while the CLI loaded; onFirst is told once.
 */
export function claimInterrupts(onFirst: (signal: NodeJS.Signals) => void): AbortSignal {
  installInterrupts();
  const s = state!;
  s.onFirst = onFirst;
  if (s.received.length > 0 && !s.controller.signal.aborted) first(s);
  return s.controller.signal;
}

/** For every other command, and after run: Node's default handling again; a signal no command took acts now. */
export function releaseInterrupts(): void {
  const s = state;
  if (!s) return;
  state = null;
  for (const sig of HANDLED) process.off(sig, s.handler);
  // A signal no command took: act on it as Node would have.
  const pending = s.received[0];
  if (pending && !s.onFirst) process.kill(process.pid, pending);
}
