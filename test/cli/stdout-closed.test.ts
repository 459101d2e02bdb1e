import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { WSLOAD_BIN, assertBuilt } from '../helpers/cli.js';

describe('wsload with a reader that stops reading', () => {
  it('help piped into a reader that closes after the first line ends cleanly, with no stack trace', async () => {
    assertBuilt();
    const child = spawn(process.execPath, [WSLOAD_BIN, 'serve', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Like `| head -1`: read one chunk, then close the pipe before the rest is written.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|at /);
    expect(code).toBe(0);
  });
});
