import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openClient } from '../helpers/servers.js';

const BIN = fileURLToPath(new URL('../../bin/wsload.js', import.meta.url));
const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const LINE = /^wsload target listening on http:\/\/127\.0\.0\.1:(\d+) \(WebSocket ws:\/\/127\.0\.0\.1:(\d+)\/ws\)$/m;

let proc: ChildProcessWithoutNullStreams | undefined;

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
});

afterEach(() => {
  if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  proc = undefined;
});

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function serve(args: string[]): { child: ChildProcessWithoutNullStreams; out: () => string; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: 'pipe' });
  proc = child;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return { child, out: () => stdout, exited };
}

async function listeningPort(out: () => string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const m = LINE.exec(out());
    if (m) {
      expect(m[1]).toBe(m[2]);
      return Number(m[1]);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no listening line within 5 s; stdout: ${out()}`);
}

describe('wsload serve', () => {
  it('prints where it listens, answers /api over WebSocket, and exits 0 on SIGTERM', async () => {
    const s = serve(['--port', '0']);
    const port = await listeningPort(s.out);
    const client = await openClient(`ws://127.0.0.1:${port}/ws`);
    let res: Response | undefined;
    for (let i = 0; i < 50; i++) {
      res = await fetch(`http://127.0.0.1:${port}/api?id=8&value=300`);
      if ((await res.text()).includes('sent to 1 socket')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(res?.status).toBe(200);
    expect(await client.waitForMessages(1)).toEqual(['{"id":"8","value":"300"}']);
    s.child.kill('SIGTERM');
    const exit = await s.exited;
    expect(exit.code).toBe(0);
    expect(exit.stderr).toBe('');
    expect((await client.closed).code).toBe(1006);
  });

  it('exits 0 on SIGINT too', async () => {
    const s = serve(['--port', '0', '--host', '127.0.0.1']);
    await listeningPort(s.out);
    s.child.kill('SIGINT');
    expect((await s.exited).code).toBe(0);
  });

  it('refuses a port in use with a one-line message and exit 2', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const exit = await serve(['--port', String(port)]).exited;
      expect(exit.code).toBe(2);
      expect(exit.stdout).toBe('');
      expect(exit.stderr).toBe(
        `wsload: serve: cannot listen on 127.0.0.1:${port}: address already in use (choose another --port or --host)\n`,
      );
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('rejects a malformed --port with exit 2', async () => {
    const exit = await serve(['--port', 'eighty']).exited;
    expect(exit.code).toBe(2);
    expect(exit.stderr).toBe('wsload: --port: expected an integer from 0 to 65535, got "eighty"\n');
  });
});
