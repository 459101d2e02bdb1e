/**
 * Local shards (`wsload run --shards N`, and automatic past one process's open-file limit): one
 * report with exact counts, every publish reaching every socket, the shards' own counters summing
 * to the merged report's.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, startWsload, WSLOAD_BIN, wsload, type CliResult } from '../helpers/cli.js';
import { expectExactBooks } from '../helpers/books.js';
import { startPublishTarget, type TestTarget } from '../helpers/servers.js';
import type { Report } from '../../src/run/report.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import { until } from '../helpers/wait.js';

let dir: string;

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'wsload-shards-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, value: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

function read(file: string): Report {
  return JSON.parse(readFileSync(file, 'utf8')) as Report;
}

/** What to show when a run's exit code is not the one expected. */
function why(r: CliResult, out: string): string {
  let fanout = '';
  try {
    const { latencyMs: _l, completionMs: _c, ...counts } = read(out).fanout;
    fanout = JSON.stringify({ counts, shards: read(out).shards });
  } catch {
    fanout = 'no report';
  }
  // All of it: each local shard that ended with an error is one line of it, with its own words.
  return `${r.stderr.slice(-4000)}\n${fanout}`;
}

/** Every figure of the merged report that the shards' own counts must add up to. */
function expectExact(report: Report, connections: number, shards: number): void {
  expect(report.shards).toHaveLength(shards);
  const list = report.shards!;
  expect(list.map((s) => s.index)).toEqual(Array.from({ length: shards }, (_, i) => i));
  expect(new Set(list.map((s) => s.pid)).size).toBe(shards);
  // Floor + remainder.
  for (const s of list) expect(Math.abs(s.sockets - Math.floor(connections / shards))).toBeLessThanOrEqual(1);
  expect(list.reduce((a, s) => a + s.sockets, 0)).toBe(connections);
  expect(list.reduce((a, s) => a + s.opened, 0)).toBe(report.connections.opened);
  expect(list.reduce((a, s) => a + s.failed, 0)).toBe(report.connections.failed);
  expect(report.connections.opened).toBe(connections);
  expect(report.connections.failed).toBe(0);
  expect(report.connections.peakOpen).toBe(connections);
  // Exact, from every worker's open/close log merged by time.
  expect(report.connections.peakOpenUpperBound).toBeUndefined();
  for (const s of list) {
    expect(s.lost).toBe(false);
    expect(s.clockOffsetMs).toBe(0);
    expect(s.clockUncertaintyMs).toBe(0);
  }
  // Every publish reached every socket, each once, judged against the coordinator's publish times.
  expectDeliveredExactly(report, connections);
  expect(report.fanout.published).toBe(report.publish.sent);
  expect(report.fanout.unmatched).toBe(0);
  expect(report.fanout.latencyMs.count).toBe(report.fanout.expected);
}

describe('wsload run --shards', () => {
  it('runs 2 local shards against the built-in target into one exact report', async () => {
    const scenario = write('two.json', {
      name: 'two',
      connections: 200,
      connectRate: 1000,
      duration: '2s',
      workers: 2,
      publish: { rate: 5 },
    });
    const out = join(dir, 'two-report.json');
    const r = await wsload(['run', scenario, '--shards', '2', '--out', out], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, why(r, out)).toBe(0);
    expect(r.stderr).toMatch(/200 sockets \/ 2 workers.*; 2 local shards \(shards\)/);
    expect(r.stdout).toContain('Shards (2 processes');
    expect(r.stdout).toContain('fan-out latency exact');
    expectExact(read(out), 200, 2);
  }, 90_000);
});

describe('a local shard starts as the wsload command does', () => {
  it("carries the node flags and variables of bin/wsload.js's #! line, although its coordinator was started without them", async () => {
    const scenario = write('launch.json', {
      name: 'launch',
      connections: 20,
      connectRate: 200,
      duration: '3s',
      workers: 2,
      publish: { rate: 2 },
    });
    const out = join(dir, 'launch-report.json');
    // `node bin/wsload.js` skips the #! line, and the variables are taken out of what it inherits:
    // a shard has them only if it was started with them.
    const unset = { MALLOC_ARENA_MAX: undefined, MALLOC_TRIM_THRESHOLD_: undefined };
    const run = startWsload(['run', scenario, '--shards', '2', '--out', out], { cwd: dir, env: unset, timeoutMs: 60_000 });
    let pids: (number | null)[] = [];
    const found = await until(() => (pids = ['shard-0', 'shard-1'].map((n) => shardPid(run.pid, n))).every((p) => p !== null), 30_000);
    expect(found, run.stderr()).toBe(true);
    const coordinator = readFileSync(`/proc/${run.pid}/cmdline`, 'utf8').split('\0');
    expect(coordinator).not.toContain('--max-semi-space-size=1');
    for (const pid of pids) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      // node itself, with the line's flags before the script: one process, its own PID.
      expect(argv[0]).toBe(process.execPath);
      expect(argv.slice(1, argv.indexOf(WSLOAD_BIN))).toEqual(
        expect.arrayContaining(['--max-semi-space-size=1', '--initial-old-space-size=32']),
      );
      expect(argv).toContain('agent');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(environ).toContain('MALLOC_ARENA_MAX=2');
      expect(environ).toContain('MALLOC_TRIM_THRESHOLD_=131072');
    }
    const r = await run.exited;
    expect(r.code, why(r, out)).toBe(0);
    expectExact(read(out), 20, 2);
  }, 90_000);
});

describe("local shards past one process's open-file limit", () => {
  let target: TestTarget;
  beforeAll(async () => {
    // The target runs here, under the normal limit: only wsload's processes are limited.
    target = await startPublishTarget();
  });
  afterAll(() => target.close());

  /** Runs `wsload …` under a lowered open-file limit (children inherit it). */
  function limited(nofile: number, args: string[]): Promise<CliResult> {
    return new Promise((resolve) => {
      const child = spawn('prlimit', [`--nofile=${nofile}:${nofile}`, process.execPath, WSLOAD_BIN, ...args], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  it('picks enough shards automatically for 600 sockets at 500 open files per process', async () => {
    const scenario = write('big.json', {
      name: 'big',
      target: { url: target.wsUrl },
      connections: 600,
      connectRate: 1000,
      duration: '2s',
      workers: 1,
      publish: { rate: 4 },
    });
    // One process cannot: 600 sockets + 264 files for itself > 500.
    const one = await limited(500, ['validate', scenario, '--shards', '1']);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('shards: 1 shard would hold 600 sockets each but a process may open 500 files');
    const auto = await limited(500, ['validate', scenario]);
    expect(auto.code).toBe(0);
    expect(auto.stdout).toContain('600 sockets / 1 worker, 3 local shards (open-file limit 500: at most 236 sockets per process)');
    const out = join(dir, 'big-report.json');
    const r = await limited(500, ['run', scenario, '--out', out]);
    expect(r.code, why(r, out)).toBe(0);
    expect(r.stderr).toContain('3 local shards (open-file limit 500: at most 236 sockets per process)');
    expectExact(read(out), 600, 3);
  }, 120_000);
});

/** The pid of the local shard `name` (a `wsload agent --name name` child of `parent`), or null. */
function shardPid(parent: number, name: string): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state, then the parent's pid.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.includes('agent') && argv[argv.indexOf('--name') + 1] === name) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return null;
}

describe('a local shard killed mid-run', () => {
  let target: TestTarget;
  beforeAll(async () => {
    target = await startPublishTarget();
  });
  afterAll(() => target.close());

  it('is reported lost, its books closed at the loss: exact overall and per shard, only live sockets open at the end, exit 1', async () => {
    // Snapshots every 200 ms (the report interval sets the tick), not every second: killed after
    // 8 publishes, the shard has certainly sent the coordinator one with receipts in it (with 1 s
    // ticks and a kill after 5, it once had not: delivered 0, its 500 owed all unconfirmed).
    const scenario = write('shard-killed.json', {
      name: 'shard-killed',
      target: { url: target.wsUrl },
      connections: 200,
      connectRate: 1000,
      duration: '4s',
      workers: 2,
      publish: { rate: 5 },
      report: { interval: '200ms' },
    });
    const out = join(dir, 'shard-killed-report.json');
    const run = startWsload(['run', scenario, '--shards', '2', '--out', out], { cwd: dir, timeoutMs: 90_000 });
    // The hold has begun once the target had its first publishes; 1.4 s in, shard-1 is killed.
    // Counted from now: the target is the file's, and a retry must not find the first try's 8.
    const before = target.publishes();
    const end = Date.now() + 60_000;
    while (target.publishes() - before < 8 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const pid = shardPid(run.pid, 'shard-1');
    expect(pid, `shard-1 is running (target publishes ${target.publishes()}): ${run.stderr()}`).not.toBeNull();
    process.kill(pid!, 'SIGKILL');
    const r = await run.exited;
    expect(r.code, why(r, out)).toBe(1);
    const report = read(out);
    const lost = report.shards!.find((s) => s.name === 'shard-1')!;
    const kept = report.shards!.find((s) => s.name === 'shard-0')!;
    expect(lost.lost).toBe(true);
    expect(kept.lost).toBe(false);
    expectExactBooks(report);
    // It had received deliveries it had not judged yet (10 s deadline): delivered, and expected now.
    expect(lost.fanout!.delivered, why(r, out)).toBeGreaterThan(0);
    expect(kept.fanout!.expected, why(r, out)).toBe(report.fanout.published * 100);
    expect(kept.fanout!.delivered, why(r, out)).toBe(kept.fanout!.expected);
    // No push went unrecognised (one racing its publish record into the shard's ring was once unmatched, its delivery lost).
    expect(report.fanout.unmatched, why(r, out)).toBe(0);
    expect(report.fanout.expected).toBe(kept.fanout!.expected + lost.fanout!.expected);
    expect(report.fanout.unconfirmed).toBe(lost.fanout!.unconfirmed);
    expect(report.connections.openAtEnd).toBe(100);
    expect(r.stderr).toMatch(
      /wsload: FAILED: .*shard shard-1 \(.*\) lost mid-run \(its control connection closed\): its last snapshot is kept/,
    );
  }, 120_000);
});
