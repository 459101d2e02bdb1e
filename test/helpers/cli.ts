/** Runs the built `wsload` binary the way a user does, for the CLI tests. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

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
