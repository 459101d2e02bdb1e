/**
 * Runs the demo target in a child process, so it shares neither the load generator's event loop
 * nor its open-files limit: a target on the same thread would slow down exactly what is measured.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TargetError } from '../errors.js';
import type { ChildMessage } from './child.js';
import { DEFLATE_ARG } from './cluster-messages.js';

/** The embedded target once it listens. */
export interface EmbeddedTarget {
  wsUrl: string;
  httpUrl: string;
  /** The child's pid: the target itself, or the primary of its processes. */
  pid: number;
  /** Processes holding the sockets (1 = the child itself). */
  processes: number;
  /** Their pids: [pid], or the primary's workers. */
  pids: number[];
  /** Why the child ended on its own (crash, killed), or null while it runs or after stop(). */
  exitReason(): string | null;
  /** SIGTERM, then SIGKILL after 3 s (6 s for a primary, which stops its workers first); resolves once the process has exited. */
  stop(): Promise<void>;
}

const LISTEN_TIMEOUT_MS = 10_000;
const KILL_AFTER_MS = 3_000;
const STDERR_KEEP = 4096;

// Children still running. A process leaving through process.exit (a second Ctrl-C) runs no
// finally blocks, so the 'exit' hook is the last place to stop them; the child would notice the
// closed IPC channel too, but only once the kernel tears the parent down.
const live = new Set<number>();
let exitHooked = false;
function track(pid: number): void {
  live.add(pid);
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const p of live) signal(p, 'SIGTERM');
  });
}

/**
 * Forks dist/target/child.js on host (default 127.0.0.1) and a free port, as `processes` target
 * processes sharing it (default 1); throws TargetError if it does not come up.
 */
export async function startEmbeddedTarget(
  opts: { host?: string; port?: number; processes?: number; perMessageDeflate?: boolean } = {},
): Promise<EmbeddedTarget> {
  const host = opts.host ?? '127.0.0.1';
  const entry = childEntry();
  if (!existsSync(entry)) {
    throw new TargetError(`embedded target entry ${entry} is missing (run npm run build)`);
  }
  const processes = Math.max(1, opts.processes ?? 1);
  const deflate = opts.perMessageDeflate === true ? [DEFLATE_ARG] : [];
  const child = fork(entry, [host, String(opts.port ?? 0), String(processes), ...deflate], {
    // The child runs plain compiled JS; inheriting loader or inspector flags of the parent
    // (vitest, --inspect) would break it or collide on ports.
    execArgv: [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'json',
  });
  let stderrTail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-STDERR_KEEP);
  });
  // 'error' without a listener would throw in the parent (failed spawn, failed IPC send).
  child.on('error', () => {});
  if (child.pid !== undefined) {
    const started = child.pid;
    track(started);
    child.once('exit', () => live.delete(started));
  }

  const { port, pids } = await waitForListening(child, () => stderrTail);
  const pid = child.pid ?? 0;
  const origin = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

  let exited = child.exitCode !== null || child.signalCode !== null;
  let stopped = false;
  let exitReason: string | null = null;
  const exitedPromise = new Promise<void>((resolve) => {
    if (exited) resolve();
    child.once('exit', (code, sig) => {
      exited = true;
      if (!stopped) exitReason = `embedded target exited (${describeExit(code, sig)})${tailReason(stderrTail)}`;
      resolve();
    });
  });
  // Let a parent that forgets stop() still exit; the child then sees 'disconnect' and ends.
  child.unref();
  child.channel?.unref();

  let stopping: Promise<void> | null = null;
  return {
    wsUrl: `ws://${origin}/ws`,
    httpUrl: `http://${origin}`,
    pid,
    processes,
    pids,
    exitReason: () => exitReason,
    stop: () => {
      stopping ??= (async () => {
        stopped = true;
        if (exited) return;
        child.ref();
        signal(pid, 'SIGTERM');
        // A primary first stops its own workers (each SIGKILLed after 3 s), so it gets longer.
        const killer = setTimeout(() => signal(pid, 'SIGKILL'), processes > 1 ? 2 * KILL_AFTER_MS : KILL_AFTER_MS);
        await exitedPromise;
        clearTimeout(killer);
      })();
      return stopping;
    },
  };
}

function waitForListening(child: ChildProcess, stderr: () => string): Promise<{ port: number; pids: number[] }> {
  return new Promise<{ port: number; pids: number[] }>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    const fail = (message: string): void => {
      cleanup();
      // Never leave a half-started child behind.
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) signal(child.pid, 'SIGKILL');
      reject(new TargetError(message));
    };
    const onMessage = (msg: unknown): void => {
      if (!isChildMessage(msg)) return;
      if (msg.type === 'listening') {
        cleanup();
        resolve({ port: msg.port, pids: msg.pids });
      } else {
        fail(`embedded target failed to start: ${msg.message}`);
      }
    };
    const onExit = (code: number | null, sig: NodeJS.Signals | null): void => {
      fail(`embedded target exited before listening (${describeExit(code, sig)})${tailReason(stderr())}`);
    };
    const onError = (err: Error): void => fail(`embedded target could not be started: ${err.message}`);
    const timer = setTimeout(
      () => fail(`embedded target did not listen within ${LISTEN_TIMEOUT_MS / 1000} s${tailReason(stderr())}`),
      LISTEN_TIMEOUT_MS,
    );
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/**
 * dist/target/child.js beside this module. Under vitest this module runs from src/*.ts, which
 * node cannot fork without a loader, so the compiled child in dist/ is used instead.
 */
function childEntry(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return fileURLToPath(new URL('../../dist/target/child.js', import.meta.url));
  return fileURLToPath(new URL('./child.js', import.meta.url));
}

function isChildMessage(msg: unknown): msg is ChildMessage {
  if (typeof msg !== 'object' || msg === null || !('type' in msg)) return false;
  const m = msg as { type: unknown; port?: unknown; message?: unknown };
  return (
    (m.type === 'listening' && typeof m.port === 'number' && Array.isArray((msg as { pids?: unknown }).pids)) ||
    (m.type === 'error' && typeof m.message === 'string')
  );
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone: nothing to stop.
  }
}

function describeExit(code: number | null, sig: NodeJS.Signals | null): string {
  return sig !== null ? `signal ${sig}` : `code ${code ?? 'unknown'}`;
}

/** The most telling stderr line of a crashed child ("Error: …"), prefixed for a one-line message. */
function tailReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== '^' && !l.startsWith('at ') && !/^Node\.js v\d/.test(l));
  const last = lines.at(-1);
  return last === undefined ? '' : `: ${last.slice(0, 200)}`;
}
