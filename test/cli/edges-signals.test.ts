/**
 * SIGHUP, what a closed terminal or a dropped ssh session sends, stops a run like SIGTERM: the
 * report is written (interrupted, reason SIGHUP) and wsload exits 129. Two real ways it arrives:
 * a shell hanging up sends it to the whole job's process group (the embedded target included,
 * which must leave its stopping to wsload), and a terminal whose master side closes sends it to
 * its session leader, whose every later write to the dead terminal fails with EIO.
 * Also: a run interrupted while its local shards start never says a worker crashed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WSLOAD_BIN, assertBuilt, startWsload } from '../helpers/cli.js';
import { alive, until } from '../helpers/processes.js';
import { findBinary } from '../helpers/real-parts.js';
import { scenarioFiles } from '../helpers/scenario-files.js';
import { expectExactBooks } from '../helpers/books.js';
import { untilHolding } from '../helpers/write-faults.js';
import { readReport } from '../../dist/report/read.js';

const CONNECTIONS = 20;
const scenarios = scenarioFiles('edges-signals', {
  target: 'embedded',
  connections: CONNECTIONS,
  connectRate: 500,
  duration: '30s',
  workers: 1,
  publish: { rate: 5, deadline: '1s' },
  report: { interval: '250ms' },
});
const dir = scenarios.dir;
const started: ChildProcess[] = [];

beforeAll(() => assertBuilt());
afterEach(() => {
  for (const c of started.splice(0)) if (c.pid && alive(c.pid)) c.kill('SIGKILL');
});

/** Child processes of pid (from /proc). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('wsload run and SIGHUP', () => {
  it("SIGHUP to the job's process group (a shell hanging up): report written, exit 129, the target stopped by wsload, not by the signal", async () => {
    // A folder per try: a retry must not find the first try's timeline and signal before the hold.
    const at = scenarios.fresh('group');
    const out = join(at, 'group.json');
    // Its own process group, as a shell's job: the hang-up reaches wsload and every child of it.
    const child = spawn(process.execPath, [WSLOAD_BIN, 'run', scenarios.write('group'), '--out', out], {
      cwd: dir,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    started.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    expect(await untilHolding(join(at, 'group.ndjson'), CONNECTIONS), stderr).toBe(true);
    const group = childrenOf(child.pid!);
    expect(group.length, 'the embedded target runs as a child').toBeGreaterThan(0);
    const signalledAt = Date.now();
    process.kill(-child.pid!, 'SIGHUP');
    const r = await exited;
    expect(r.signal, stderr).toBeNull();
    expect(r.code, stderr).toBe(129);
    expect(Date.now() - signalledAt).toBeLessThan(15_000);
    expect(stderr).toMatch(/^wsload: SIGHUP received, stopping and writing the report \(again to quit at once\)$/m);
    expect(stderr).toMatch(/^wsload: interrupted \(SIGHUP\)$/m);
    expect(stderr).not.toMatch(/\n\s+at /);
    const report = await readReport(out);
    expect(report.interrupted).toBe(true);
    expect(report.interruptReason).toBe('SIGHUP');
    expect(report.connections.opened).toBe(CONNECTIONS);
    expect(report.fanout.delivered).toBeGreaterThan(0);
    expectExactBooks(report);
    // The target kept its sockets until wsload closed them: it did not die of the hang-up.
    expect(report.warnings.join('\n')).not.toMatch(/embedded target ended/);
    expect(report.disconnects.total).toBe(0);
    for (const pid of group) expect(await until(() => !alive(pid), 10_000), `target process ${pid} still running`).toBe(true);
  }, 90_000);

  it('the terminal hangs up under it (pty master closed): report written, the run ends on its own although its stderr is gone', async () => {
    const script = findBinary('script');
    expect(script, 'script (util-linux, Debian essential) runs a command on a real pty').toBeDefined();
    const at = scenarios.fresh('pty');
    const out = join(at, 'pty.json');
    const scenario = scenarios.write('pty');
    // wsload becomes the session leader of a new pty: killing `script` closes the master side,
    // and the kernel hangs the terminal up, sending SIGHUP to wsload as it does on a lost ssh session.
    const term = spawn(script!, ['-qfec', `exec ${process.execPath} ${WSLOAD_BIN} run ${scenario} --out ${out}`, '/dev/null'], {
      cwd: dir,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    started.push(term);
    expect(await untilHolding(join(at, 'pty.ndjson'), CONNECTIONS)).toBe(true);
    const wsloadPid = childrenOf(term.pid!)[0];
    expect(wsloadPid, 'wsload runs under script').toBeGreaterThan(0);
    expect(readFileSync(`/proc/${wsloadPid}/cmdline`, 'utf8')).toContain('wsload.js');
    term.kill('SIGKILL');
    // It is not our child: its exit code is the init process's to read. It must end by itself.
    expect(await until(() => !alive(wsloadPid), 20_000), 'wsload still running after the hang-up').toBe(true);
    expect(existsSync(out), 'the report was written').toBe(true);
    const report = await readReport(out);
    expect(report.interrupted).toBe(true);
    expect(report.interruptReason).toBe('SIGHUP');
    expect(report.connections.opened).toBe(CONNECTIONS);
    expect(report.fanout.delivered).toBeGreaterThan(0);
    expectExactBooks(report);
  }, 90_000);
});

describe('wsload run with local shards, interrupted while they start', () => {
  it('stops with exit 130 and never says a worker crashed, whether or not the shards had joined', async () => {
    const out = join(scenarios.fresh('shards'), 'shards.json');
    const run = startWsload(['run', scenarios.write('shards', { shards: 2, workers: 2, duration: '5s' }), '--out', out], {
      cwd: dir,
      timeoutMs: 60_000,
    });
    // The plan line comes once the target is up, while the shard processes are still loading.
    expect(await run.waitForStderr(/2 local shards \(shards\)\n/, 30_000), run.stderr()).toBe(true);
    run.kill('SIGINT');
    const r = await run.exited;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).not.toMatch(/crash/i);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const report = await readReport(out);
    expect(report.interrupted).toBe(true);
    expect(
      report.client.workers.every((w) => w.crashed === null),
      JSON.stringify(report.client.workers),
    ).toBe(true);
    expect(report.warnings.join('\n')).not.toMatch(/crash/);
    // Usually the shards are still loading at the plan line (the case that said "crashed"); if
    // they were quicker, their workers were stopped the ordinary way.
    if ((report.shards ?? []).length === 0) {
      expect(report.warnings).toContain(
        'the run was interrupted before the local shards joined: no worker started and no socket was opened',
      );
    }
    expectExactBooks(report);
  }, 60_000);
});
