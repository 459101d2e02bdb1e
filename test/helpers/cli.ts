/** Runs the built `wsload` binary the way a user does, for the CLI tests. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

export const ROOT = join(import.meta.dirname, '../..');
export const WSLOAD_BIN = join(ROOT, 'bin/wsload.js');

export interface CliResult {
  /** Exit code; null when the process was killed (by a signal or the timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Throws a clear error when dist/ has not been built (`npm test` builds it first). */
export function assertBuilt(): void {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` before the CLI tests');
}

/** Runs `wsload ...args` and resolves with its exit code and output; killed after timeoutMs. */
export function wsload(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [WSLOAD_BIN, ...args], {
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A `wsload` process still running, for tests that act on it mid-run (signals, file-system faults). */
export interface RunningCli {
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Sends a signal to the wsload process. */
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the process has exited and its pipes closed; `at` is Date.now() then. */
  exited: Promise<CliResult & { signal: NodeJS.Signals | null; at: number }>;
  /** Resolves once stderr matches `pattern` (or after limitMs, with false). */
  waitForStderr(pattern: RegExp, limitMs: number): Promise<boolean>;
}

/**
 * Starts `wsload ...args` without waiting for it; SIGKILLed after timeoutMs so no test can hang.
 * `asCommand`: bin/wsload.js run as an executable, through its `#!` line as npx or a global install
 * runs it (`env` finds this test's own node first on PATH), not as `node bin/wsload.js`.
 */
export function startWsload(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; asCommand?: boolean } = {},
): RunningCli {
  assertBuilt();
  const PATH = opts.asCommand ? `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` : process.env.PATH;
  const [file, argv] = opts.asCommand ? [WSLOAD_BIN, args] : [process.execPath, [WSLOAD_BIN, ...args]];
  const child = spawn(file, argv, {
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', PATH, ...opts.env },
  });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of watchers) w();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const exited = new Promise<CliResult & { signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, at: Date.now() });
    });
  });
  return {
    pid: child.pid ?? 0,
    stdout: () => stdout,
    stderr: () => stderr,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    exited,
    waitForStderr: (pattern, limitMs) =>
      new Promise<boolean>((resolve) => {
        const done = (ok: boolean): void => {
          watchers.delete(check);
          clearTimeout(t);
          resolve(ok);
        };
        const check = (): void => {
          if (pattern.test(stderr)) done(true);
        };
        const t = setTimeout(() => done(false), limitMs);
        watchers.add(check);
        void exited.then(() => done(pattern.test(stderr)));
        check();
      }),
  };
}
