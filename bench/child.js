/**
 * Load processes started by the benchmark: spawned with plain node, stdout collected, ended by
 * their own PID when they overrun their time budget or when the benchmark is interrupted.
 */
import { spawn } from 'node:child_process';

/** PIDs of children still running, so an interrupted benchmark can stop exactly those. */
const running = new Set();

/**
 * @typedef {object} ChildRun
 * @property {number} pid
 * @property {Promise<{ code: number | null, signal: string | null, stdout: string, stderr: string, timedOut: boolean }>} done
 */

/**
 * Starts `node args…` and resolves `done` when it exits; after `timeoutMs` it gets SIGTERM, and
 * SIGKILL 5 s later. `onLine` sees each stdout line as it arrives.
 * @param {string[]} args
 * `env`: variables added to the bench's own environment for this child.
 * @param {{ cwd: string, timeoutMs: number, env?: Record<string, string>, onLine?: (line: string) => void }} opts
 * @returns {ChildRun}
 */
export function startNode(args, opts) {
  const env = opts.env ? { ...process.env, ...opts.env } : process.env;
  const child = spawn(process.execPath, args, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid ?? 0;
  running.add(pid);
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    if (!opts.onLine) return;
    partial += chunk;
    let nl;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      opts.onLine(line);
    }
  });
  child.stderr.on('data', (chunk) => {
    // Only the tail matters for a failure message; a chatty child must not grow this forever.
    stderr = (stderr + chunk).slice(-8192);
  });
  let timedOut = false;
  let killer = null;
  const timer = setTimeout(() => {
    timedOut = true;
    signal(pid, 'SIGTERM');
    killer = setTimeout(() => signal(pid, 'SIGKILL'), 5000);
  }, opts.timeoutMs);
  const done = new Promise((resolve) => {
    child.on('error', (err) => {
      stderr += `\n${err.message}`;
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      if (killer) clearTimeout(killer);
      running.delete(pid);
      resolve({ code, signal: sig, stdout, stderr, timedOut });
    });
  });
  return { pid, done };
}

/** Sends SIGKILL to every child this module started that is still running. */
export function killRunningChildren() {
  for (const pid of running) signal(pid, 'SIGKILL');
  running.clear();
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    // Already exited.
  }
}
