import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TargetError } from '../../src/errors.js';
import { startEmbeddedTarget, type EmbeddedTarget } from '../../src/target/embedded.js';
import { openClient } from '../helpers/servers.js';
import { alive } from '../helpers/processes.js';
import { until as waitUntil } from '../helpers/wait.js';

const CHILD = fileURLToPath(new URL('../../dist/target/child.js', import.meta.url));
const EMBEDDED_DIST = new URL('../../dist/target/embedded.js', import.meta.url).href;

let embedded: EmbeddedTarget | undefined;
const strayPids: number[] = [];

beforeAll(() => {
  if (!existsSync(CHILD)) throw new Error(`${CHILD} is missing: run npm run build first`);
});

afterEach(async () => {
  await embedded?.stop();
  embedded = undefined;
  for (const pid of strayPids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('embedded target', () => {
  it('runs in another process on 127.0.0.1 and answers WebSocket and /api', async () => {
    embedded = await startEmbeddedTarget();
    expect(embedded.pid).not.toBe(process.pid);
    expect(alive(embedded.pid)).toBe(true);
    expect(embedded.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    expect(embedded.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = await openClient(embedded.wsUrl);
    try {
      // The child registers the socket just after the handshake; retry the publish until it is counted.
      let body = '';
      for (let i = 0; i < 50 && !body.includes('sent to 1 socket'); i++) {
        body = await (await fetch(`${embedded.httpUrl}/api?id=8&value=300`)).text();
        if (!body.includes('sent to 1 socket')) await new Promise((r) => setTimeout(r, 20));
      }
      expect(await client.waitForMessages(1)).toEqual(['{"id":"8","value":"300"}']);
    } finally {
      client.ws.terminate();
    }
  });

  it('stop() ends the process with SIGTERM and leaves nothing behind', async () => {
    embedded = await startEmbeddedTarget();
    const { pid, httpUrl } = embedded;
    const client = await openClient(embedded.wsUrl);
    await embedded.stop();
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect((await client.closed).code).toBe(1006);
    await expect(fetch(`${httpUrl}/`)).rejects.toThrow();
    expect(embedded.exitReason()).toBeNull();
    await embedded.stop(); // idempotent
  });

  it('reports a child that dies on its own through exitReason()', async () => {
    embedded = await startEmbeddedTarget();
    process.kill(embedded.pid, 'SIGKILL');
    expect(await waitUntil(() => embedded?.exitReason() !== null, 3000)).toBe(true);
    expect(embedded.exitReason()).toBe('embedded target exited (signal SIGKILL)');
  });

  it('throws TargetError with a one-line reason when the child cannot listen', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const err = await startEmbeddedTarget({ port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TargetError);
      const message = (err as TargetError).message;
      expect(message).toBe(`embedded target failed to start: cannot listen on 127.0.0.1:${port}: address already in use`);
      expect(message).not.toContain('\n');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('exits by itself when its parent process disappears', async () => {
    // A parent that starts the embedded target, prints the child's pid, then idles until killed.
    const script = `
      const { startEmbeddedTarget } = await import(${JSON.stringify(EMBEDDED_DIST)});
      const t = await startEmbeddedTarget();
      process.stdout.write(t.pid + '\\n');
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    strayPids.push(parent.pid ?? 0);
    const childPid = await new Promise<number>((resolve, reject) => {
      let out = '';
      parent.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      parent.once('exit', (code) => reject(new Error(`parent exited early (${code})`)));
      setTimeout(() => reject(new Error('parent did not report a child pid')), 10_000);
    });
    strayPids.push(childPid);
    expect(alive(childPid)).toBe(true);
    process.kill(parent.pid ?? 0, 'SIGKILL');
    expect(await waitUntil(() => !alive(childPid), 5000)).toBe(true);
  });
});
