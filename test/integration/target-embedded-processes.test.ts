/**
 * The embedded target over several processes: started with a process count, sized by the run from
 * the open-file limit, and a dying worker reported like a dying target.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../../dist/run/report.js';
import { startEmbeddedTarget, type EmbeddedTarget } from '../../src/target/embedded.js';
import type { TargetStats } from '../../src/target/types.js';
import { assertBuilt, WSLOAD_BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/run-helpers.js';
import { expectDeliveredExactly, expectExactBooks } from '../helpers/books.js';
import { openClient, type RecordingClient } from '../helpers/servers.js';
import { alive, until } from '../helpers/processes.js';

let embedded: EmbeddedTarget | undefined;
let clients: RecordingClient[] = [];

afterEach(async () => {
  for (const c of clients) c.ws.terminate();
  clients = [];
  await embedded?.stop();
  embedded = undefined;
});

async function open(url: string): Promise<number> {
  return ((await (await fetch(`${url}/admin/stats`)).json()) as TargetStats).open;
}

/** Child pids of every thread of `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter((x) => x !== '')
        .map(Number),
    );
  } catch {
    return [];
  }
}

/** `wsload run` of 500 embedded-target sockets under an open-file limit of 800 (see below). */
function runUnderLimit(dir: string, duration: string): { pid: number; stderr: () => string; done: Promise<number | null>; out: string } {
  assertBuilt();
  const file = join(dir, 'scenario.json');
  // 800 open files: wsload itself may hold 800 - 264 = 536 sockets, one target process
  // (800 - 256) × 0.9 = 489, so 500 sockets need two.
  writeFileSync(
    file,
    JSON.stringify({ name: 'target-processes', workers: 1, connections: 500, connectRate: 1000, duration, publish: { rate: 4 } }),
  );
  const out = join(dir, 'report.json');
  const child = spawn('prlimit', ['--nofile=800:800', process.execPath, WSLOAD_BIN, 'run', file, '--out', out], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const done = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    }),
  );
  return { pid: child.pid ?? 0, stderr: () => stderr, done, out };
}

describe('embedded target on several processes', () => {
  it('serves one port from 2 worker processes, publishes reaching both, and stop() ends them all', async () => {
    embedded = await startEmbeddedTarget({ processes: 2 });
    const t = embedded;
    expect(t.processes).toBe(2);
    expect(t.pids).toHaveLength(2);
    expect(t.pids).not.toContain(t.pid);
    clients = await Promise.all(Array.from({ length: 40 }, () => openClient(t.wsUrl)));
    expect(await until(async () => (await open(t.httpUrl)) === 40, 5000)).toBe(true);
    expect(await (await fetch(`${t.httpUrl}/api?id=8&value=300`)).text()).toBe('sent to 40 sockets\n');
    for (const c of clients) expect(await c.waitForMessages(1)).toEqual(['{"id":"8","value":"300"}']);
    await t.stop();
    for (const pid of [t.pid, ...t.pids]) expect(alive(pid)).toBe(false);
    expect(t.exitReason()).toBeNull();
  });

  it('reports a worker process that dies as the embedded target exiting, with which process', async () => {
    embedded = await startEmbeddedTarget({ processes: 2 });
    const victim = embedded.pids[1];
    process.kill(victim, 'SIGKILL');
    expect(await until(() => embedded?.exitReason() !== null, 8000)).toBe(true);
    expect(embedded.exitReason()).toBe(`embedded target exited (code 1): target process 2 of 2 (pid ${victim}) exited (signal SIGKILL)`);
    expect(alive(embedded.pids[0])).toBe(false);
  });

  it('leaves no target process behind when the process that started it is SIGKILLed', async () => {
    const dist = new URL('../../dist/target/embedded.js', import.meta.url).href;
    // A parent that starts a 2-process embedded target, prints every pid, then idles until killed.
    const script = `
      const { startEmbeddedTarget } = await import(${JSON.stringify(dist)});
      const t = await startEmbeddedTarget({ processes: 2 });
      process.stdout.write(JSON.stringify([t.pid, ...t.pids]) + '\\n');
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pids = await new Promise<number[]>((resolve, reject) => {
      let out = '';
      parent.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(JSON.parse(out) as number[]);
      });
      parent.once('exit', (code) => reject(new Error(`parent exited early (${code})`)));
      setTimeout(() => reject(new Error('parent did not report the target pids')), 15_000);
    });
    try {
      expect(pids).toHaveLength(3);
      for (const pid of pids) expect(alive(pid)).toBe(true);
      process.kill(parent.pid ?? 0, 'SIGKILL');
      expect(await until(() => pids.every((pid) => !alive(pid)), 8000)).toBe(true);
    } finally {
      for (const pid of [parent.pid ?? 0, ...pids]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });

  it('a run with more sockets than one target process may hold gets a target of 2 processes and every delivery', async () => {
    const run = runUnderLimit(tempDir(), '3s');
    const code = await run.done;
    expect(run.stderr()).toMatch(/embedded target on 2 processes \(open-file limit: 489 sockets each\)/);
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(run.out, 'utf8')) as Report;
    expect(report.connections.opened).toBe(500);
    expect(report.connections.failed).toBe(0);
    expect(report.fanout.expected).toBeGreaterThanOrEqual(500 * 8);
    expectDeliveredExactly(report, 500);
  });

  it("a target process killed mid-run is named in the run's warning and the run exits 1", async () => {
    const run = runUnderLimit(tempDir(), '6s');
    // The plan line comes once the target listens: its primary is then wsload's child, its
    // workers the primary's.
    expect(await until(() => /embedded target on 2 processes/.test(run.stderr()), 20_000)).toBe(true);
    let workers: number[] = [];
    expect(await until(() => (workers = childrenOf(run.pid).flatMap(childrenOf)).length === 2, 5000)).toBe(true);
    // Killed in the hold, every socket open (a fixed delay could fall in the ramp of a loaded
    // machine): the target's own stats say when, at the address the plan line names.
    const api = /publish [\d.]+\/s to (http:\/\/127\.0\.0\.1:\d+)\/api/.exec(run.stderr())?.[1];
    expect(api, run.stderr()).toBeDefined();
    const allOpen = async (): Promise<boolean> => ((await (await fetch(`${api}/admin/stats`)).json()) as { open: number }).open === 500;
    expect(await until(allOpen, 20_000), run.stderr()).toBe(true);
    process.kill(workers[1], 'SIGKILL');
    const code = await run.done;
    expect(code, run.stderr()).toBe(1);
    const report = JSON.parse(readFileSync(run.out, 'utf8')) as Report;
    // Which index that pid has is the primary's business; the pid and the signal are the test's.
    expect(report.warnings).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^the embedded target ended during the run: embedded target exited \\(code 1\\): target process [12] of 2 \\(pid ${workers[1]}\\) exited \\(signal SIGKILL\\)$`,
        ),
      ),
    );
    for (const pid of workers) expect(alive(pid)).toBe(false);
    // What was owed to the sockets of the dead process is booked, and the verdict says what failed.
    expectExactBooks(report);
    // The whole target ends with one of its processes: every socket dropped, later publishes refused.
    expect(run.stderr()).toMatch(
      /^wsload: FAILED: most sockets dropped: 500 closes before the end for 500 sockets \(500 connection-lost\); \d+ of \d+ publishes to \S+ failed: .*\d+ × connection refused/m,
    );
  });
});
