/**
 * The `wsload` command as npx, npm link, a global install and the Docker image start it: bin/wsload.js
 * run through its `#!/usr/bin/env -S … node …` line (issue 22's start-up settings), not `node
 * bin/wsload.js` as the other CLI tests do. It must stay one process (env execs node in its place),
 * so a signal sent to the PID a shell or a supervisor knows stops the run as before and the exit
 * code is the run's own; the settings must reach the main thread, and the socket workers must keep
 * the young generation spawn.ts gives them (V8 applies the flag to every isolate unless unset).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Report, TimelineLine } from '../../src/run/report.js';
import { startWsload, type RunningCli } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';
import { uniqueNames } from '../helpers/scenario-files.js';
import { VERSION } from '../../src/version.js';

const dir = mkdtempSync(join(tmpdir(), 'wsload-launcher-'));
/** Each try's own file names: a retry must not find the first try's timeline or append to its log. */
const unique = uniqueNames();
const started: RunningCli[] = [];
/** The most a run may take to reach its hold on a loaded machine. */
const HOLD_WITHIN_MS = 30_000;

/** bin/wsload.js run through its #! line, as the installed command is. */
function command(args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const run = startWsload(args, { cwd: dir, env, asCommand: true, timeoutMs: 60_000 });
  started.push(run);
  return run;
}

/** A run on the embedded target that holds 10 sockets for `duration`, publishing 5/s, with a 500 ms timeline. */
function scenarioFile(name: string, duration: string): string {
  const file = join(dir, `${name}.scenario.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name,
      target: 'embedded',
      connections: 10,
      connectRate: 200,
      duration,
      workers: 1,
      publish: { rate: 5, deadline: '1s' },
      report: { interval: '500ms' },
    }),
  );
  return file;
}

function holding(timeline: string): boolean {
  try {
    const lines = readFileSync(timeline, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as TimelineLine);
    return lines.some((l) => l.open === 10) && lines.some((l) => l.deliveries > 0);
  } catch {
    return false;
  }
}

afterEach(() => {
  for (const run of started.splice(0)) run.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bin/wsload.js through its #! line', () => {
  it('prints the version and passes exit codes through (0, and 2 for a bad scenario)', async () => {
    const version = await command(['--version']).exited;
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(VERSION);
    writeFileSync(join(dir, 'bad.json'), '{"connections": -1}');
    const bad = await command(['validate', join(dir, 'bad.json')]).exited;
    expect(bad.code, bad.stderr).toBe(2);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('is one process with the settings; %s to its PID stops the run with its report, exit %i', async (sig, exitCode) => {
    const name = unique(sig.toLowerCase());
    const out = join(dir, `${name}.json`);
    const run = command(['run', scenarioFile(name, '30s'), '--out', out, '--quiet']);
    const pid = run.pid;
    expect(await until(() => holding(join(dir, `${name}.ndjson`)), HOLD_WITHIN_MS), run.stderr()).toBe(true);
    // The PID spawned is node running the CLI (env exec'd it), with the #! line's flag and variables.
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(argv).toContain('--max-semi-space-size=1');
    expect(argv).toContain('--initial-old-space-size=32');
    expect(argv.some((a) => a.endsWith('bin/wsload.js'))).toBe(true);
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    expect(environ).toContain('MALLOC_ARENA_MAX=2');
    expect(environ).toContain('MALLOC_TRIM_THRESHOLD_=131072');
    run.kill(sig);
    const exit = await run.exited;
    expect(exit.signal, exit.stderr).toBeNull();
    expect(exit.code, exit.stderr).toBe(exitCode);
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(report.interrupted).toBe(true);
    expect(report.interruptReason).toBe(sig);
    expect(report.connections.opened).toBe(10);
  });

  it('holds the main thread to 1 MB semi-spaces while the socket worker keeps its own young generation', async () => {
    // A preload (NODE_OPTIONS, so every thread of the run loads it) churns each thread's young
    // generation and writes how big its new space grew: 2 MB at a 1 MB semi-space, 16 MB at a
    // worker's maxYoungGenerationSizeMb of 16 (32 MB for a thread at V8's default).
    const name = unique('young');
    const probe = join(dir, `${name}-probe.mjs`);
    const log = join(dir, `${name}-threads.log`);
    writeFileSync(
      probe,
      [
        "import { isMainThread, workerData } from 'node:worker_threads';",
        "import { getHeapSpaceStatistics } from 'node:v8';",
        "import { appendFileSync } from 'node:fs';",
        'let a;',
        "for (let i = 0; i < 3e6; i++) a = { i, s: 'x' + i };",
        "const mb = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;",
        'const socketWorker = !isMainThread && workerData !== null && typeof workerData === "object" && "workerId" in workerData;',
        `appendFileSync(${JSON.stringify(log)}, JSON.stringify({ main: isMainThread, socketWorker, script: process.argv[1] ?? '', mb, a: a.i }) + '\\n');`,
      ].join('\n'),
    );
    const out = join(dir, `${name}.json`);
    const run = command(['run', scenarioFile(name, '1s'), '--out', out, '--quiet'], { NODE_OPTIONS: `--import=${probe}` });
    const exit = await run.exited;
    expect(exit.code, exit.stderr).toBe(0);
    expect(existsSync(log), exit.stderr).toBe(true);
    const threads = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { main: boolean; socketWorker: boolean; script: string; mb: number });
    const cli = threads.filter((t) => t.main && t.script.endsWith('bin/wsload.js'));
    const socketWorkers = threads.filter((t) => t.socketWorker);
    expect(cli, JSON.stringify(threads)).toHaveLength(1);
    expect(cli[0].mb).toBeLessThanOrEqual(2);
    expect(socketWorkers, JSON.stringify(threads)).toHaveLength(1);
    expect(socketWorkers[0].mb).toBeGreaterThanOrEqual(8);
  });
});
