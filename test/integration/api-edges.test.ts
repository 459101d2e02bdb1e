/**
 * The library's edges (issue 21 item 4), through the built package entry (dist/api.js): it checks
 * what the CLI checks before any socket opens (option types and ranges, out paths, the agents'
 * token), each problem one typed UsageError line; an async listener that rejects stops the run and
 * rejects the handle without taking the host process down; and a report whose `out` went bad
 * during the run is written where the CLI would fall back to, never lost.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { merge, run, UsageError, type Report } from '../../dist/api.js';
import { ROOT, assertBuilt } from '../helpers/cli.js';
import { closeAfterEach, tempDir } from '../helpers/run-helpers.js';
import { startPublishTarget, type TestTarget } from '../helpers/servers.js';
import { expectExactBooks } from '../helpers/books.js';

assertBuilt();
const dir = tempDir('wsload-api-edges-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const track = closeAfterEach();
const API = pathToFileURL(join(ROOT, 'dist/api.js')).href;

/** A scenario against `target`, which counts every socket it accepts. */
const against = (target: TestTarget, extra: Record<string, unknown> = {}) =>
  ({
    name: 'edges',
    target: { url: target.wsUrl },
    connections: 5,
    connectRate: 500,
    workers: 1,
    duration: '1s',
    publish: { rate: 5 },
    ...extra,
  }) as const;

/** The error a handle rejected with, the events it emitted before, and what the target saw. */
async function refused(
  target: TestTarget,
  options: unknown,
  scenario: Record<string, unknown> | string = against(target),
): Promise<{ err: unknown; events: string[] }> {
  const events: string[] = [];
  const handle = run(scenario as Parameters<typeof run>[0], options as Parameters<typeof run>[1]);
  for (const name of ['plan', 'progress', 'interval', 'done', 'metrics'] as const) handle.on(name, () => events.push(name));
  const err = await handle.then(
    () => null,
    (e: unknown) => e,
  );
  return { err, events };
}

/** Rejected with a UsageError of exactly these lines, before any event and before any socket. */
async function expectRefused(
  options: unknown,
  lines: string[],
  scenario?: (t: TestTarget) => Record<string, unknown> | string,
): Promise<void> {
  const target = track(await startPublishTarget());
  const { err, events } = await refused(target, options, scenario ? scenario(target) : against(target));
  expect(err).toBeInstanceOf(UsageError);
  expect((err as UsageError).code).toBe('WSLOAD_ERR_USAGE');
  expect((err as UsageError).exitCode).toBe(2);
  expect((err as Error).message.split('\n')).toEqual(lines);
  expect(events).toEqual([]);
  expect(target.accepted(), 'sockets opened before the refusal').toBe(0);
}

describe('run(): options checked before any socket opens', () => {
  it.each([
    [{ tickMs: 0 }, ['tickMs (option): expected a number of ms from 50 to 60000, got 0']],
    [{ tickMs: Number.NaN }, ['tickMs (option): expected a number of ms from 50 to 60000, got NaN']],
    [{ tickMs: 'abc' }, ['tickMs (option): expected a number of ms from 50 to 60000, got "abc"']],
    [{ tickMs: Infinity }, ['tickMs (option): expected a number of ms from 50 to 60000, got Infinity']],
    [{ tick: 200 }, ['tick (option): unknown option (did you mean "tickMs"?)']],
    [{ out: '' }, ['out (option): expected a report file path, not an empty path, got ""']],
    [{ signal: 'stop' }, ['signal (option): expected an AbortSignal, got "stop"']],
    [{ cpus: 0 }, ['cpus (option): expected an integer from 1 to 4096, got 0']],
    [{ overrides: { connections: 500 } }, ['overrides.connections (option): expected a string (as --connections takes it), got 500']],
    ['abc', ['options: expected an object of run options (or nothing), got "abc"']],
    [[1], ['options: expected an object of run options (or nothing), got an array of 1']],
  ])('%j: one typed line, no event, no socket', async (options, lines) => {
    await expectRefused(options, lines);
  });

  it('agents with a count of "abc" and the rest missing: every problem, one line each', async () => {
    await expectRefused({ agents: { count: 'abc' } }, [
      'agents.count (option): expected an integer from 1 to 1000, got "abc"',
      'agents.host (option): required; expected a host to listen on, like "0.0.0.0", "127.0.0.1" or "::1"',
      'agents.port (option): required; expected an integer from 0 to 65535',
      'agents.token (option): required; expected the token the agents present (visible ASCII)',
      'agents.waitMs (option): required; expected a number of ms from 1 to 2073600000',
      'agents.tls (option): required; expected {cert, key} (PEM files) or null',
    ]);
  });

  it.each([
    ['', 'agents.token (option): empty; a token is required (agents without it would be sent the targets, TLS files and identities)'],
    [' ', 'agents.token (option): only white space; expected visible ASCII characters'],
    [
      'tök',
      'agents.token (option): character 2 of 3 is not ASCII; expected visible ASCII characters only (no spaces, control characters or non-ASCII)',
    ],
  ])('agents.token %j is refused before anything listens (an empty one admitted agents with no Authorization)', async (token, line) => {
    await expectRefused({ agents: { count: 1, host: '127.0.0.1', port: 0, token, waitMs: 5000, tls: null } }, [line]);
  });

  it('agents.host that is no host and agents.tls files that are not PEM: one line each', async () => {
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'not a certificate\n');
    await expectRefused({ agents: { count: 1, host: 'a b', port: 0, token: 'ok', waitMs: 5000, tls: { cert: notPem, key: notPem } } }, [
      'agents.host (option): expected a host to listen on, like "0.0.0.0", "127.0.0.1" or "::1", got "a b"',
      `agents.tls.cert (option): ${notPem} does not parse as a PEM certificate (no start line)`,
    ]);
  });

  it('agents with a scenario that asks for local shards: refused, not silently ignored', async () => {
    await expectRefused(
      { agents: { count: 1, host: '127.0.0.1', port: 0, token: 'ok', waitMs: 5000, tls: null } },
      [
        'agents (option): the scenario\'s shards (2) are local shards and do not mix with agents (each agent holds its share of the sockets with the scenario\'s workers); remove "shards" or leave out agents',
      ],
      (t) => against(t, { shards: 2 }),
    );
  });

  it('out that is a directory (out: "/tmp" wrote /tmp.ndjson), under a file, or the scenario file itself: refused before the run', async () => {
    // Compared with what was there before: another process may have left one.
    const rootTimeline = (): number | null => (existsSync('/tmp.ndjson') ? statSync('/tmp.ndjson').mtimeMs : null);
    const timelineBefore = rootTimeline();
    await expectRefused({ out: '/tmp' }, ['out (option) /tmp: is a directory']);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    await expectRefused({ out: join(file, 'r.json') }, [`out (option) ${join(file, 'r.json')}: ${file} is not a directory`]);
    const scenarioFile = join(dir, 'self.json');
    await expectRefused({ out: scenarioFile }, [`out (option) ${scenarioFile}: is the scenario file; refusing to overwrite it`], (t) => {
      writeFileSync(scenarioFile, JSON.stringify(against(t)));
      return scenarioFile;
    });
    expect(rootTimeline(), 'out: "/tmp" wrote /tmp.ndjson').toBe(timelineBefore);
  });

  it('null options are no options: the run goes with the defaults', async () => {
    const target = track(await startPublishTarget());
    const report = await run(against(target), null);
    expect(report.connections.opened).toBe(5);
    expectExactBooks(report);
    expect(report.fanout.delivered).toBeGreaterThan(0);
  });
});

describe('merge(): the same run twice', () => {
  it('is a UsageError naming both positions; two runs merge', async () => {
    const target = track(await startPublishTarget());
    const a: Report = await run(against(target), { tickMs: 200 });
    const b: Report = await run(against(target), { tickMs: 200 });
    expect(() => merge([a, b, a])).toThrow(UsageError);
    expect(() => merge([a, b, structuredClone(a)])).toThrow(
      `merge: reports[2] is the same run as reports[0] (run tag ${a.publish.runTag}); merging a run with itself would count every socket and delivery twice`,
    );
    expect(merge([a, b]).fanout.delivered).toBe(a.fanout.delivered + b.fanout.delivered);
  }, 60_000);
});

/** Runs a script importing dist/api.js in its own process (its own working directory); its stdout's last line as JSON. */
function runScript(
  name: string,
  code: string,
  cwd: string,
): Promise<{ code: number | null; result: Record<string, unknown> | null; stderr: string }> {
  const file = join(cwd, `${name}.mjs`);
  writeFileSync(file, code);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (exit) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      let result: Record<string, unknown> | null = null;
      try {
        result = JSON.parse(last) as Record<string, unknown>;
      } catch {
        // no result line: the process died first
      }
      resolve({ code: exit, result, stderr });
    });
  });
}

describe('run(): listeners and the report at the end', () => {
  let target: TestTarget;
  beforeAll(async () => {
    target = await startPublishTarget();
  });
  afterAll(() => target.close());

  it('an async listener that rejects stops the run and rejects the handle; the host process lives on', async () => {
    // A folder per try (mkdtemp): a retry must not stop on the folder its first try made.
    const work = mkdtempSync(join(dir, 'async-listener-'));
    const r = await runScript(
      'listener',
      `import { run } from ${JSON.stringify(API)};
const handle = run(${JSON.stringify(against(target, { duration: '30s' }))}, { tickMs: 200 });
let ticks = 0;
handle.on('progress', async () => {
  await new Promise((r) => setTimeout(r, 5));
  if (++ticks === 3) throw new Error('async listener broke');
});
const started = Date.now();
const outcome = await handle.then(() => 'resolved', (e) => e.message);
// Still alive after the rejection had every chance to surface as unhandled.
await new Promise((r) => setTimeout(r, 500));
console.log(JSON.stringify({ outcome, ms: Date.now() - started }));
`,
      work,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.result?.outcome).toBe('async listener broke');
    // Stopped early: a 30 s hold was cut short by the listener's failure.
    expect(r.result?.ms as number).toBeLessThan(20_000);
  }, 70_000);

  it('out replaced by a file mid-run: the report goes to the working directory, done names it, a warning says why', async () => {
    // A folder per try: the first try left out/ a file, and its report in the fallback place.
    const work = mkdtempSync(join(dir, 'fallback-'));
    const outDir = join(work, 'out');
    const r = await runScript(
      'fallback',
      `import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { run } from ${JSON.stringify(API)};
mkdirSync(${JSON.stringify(outDir)}, { recursive: true });
const handle = run(${JSON.stringify(against(target, { duration: '2s', report: { interval: '250ms' } }))}, { tickMs: 200, out: ${JSON.stringify(join(outDir, 'r.json'))} });
const warnings = [];
let done = null;
let broken = false;
handle.on('interval', () => {
  if (broken) return;
  broken = true;
  // Root ignores permission bits: a directory replaced by a file stops even root.
  rmSync(${JSON.stringify(outDir)}, { recursive: true, force: true });
  writeFileSync(${JSON.stringify(outDir)}, 'not a directory any more');
});
handle.on('warning', (m) => warnings.push(m));
handle.on('done', (report, file) => (done = { file, delivered: report.fanout.delivered }));
const report = await handle;
console.log(JSON.stringify({ warnings, done, delivered: report.fanout.delivered, expected: report.fanout.expected, lost: report.fanout.lost }));
`,
      work,
    );
    expect(r.code, r.stderr).toBe(0);
    const result = r.result!;
    const fallback = join(work, 'r.json');
    expect(result.done).toEqual({ file: fallback, delivered: result.delivered });
    const warnings = result.warnings as string[];
    expect(warnings.at(-1)).toMatch(
      new RegExp(
        `^out ${join(outDir, 'r.json').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: could not write the report \\((EEXIST|ENOTDIR)[^)]*\\); written to ${fallback.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} instead$`,
      ),
    );
    const saved = JSON.parse(readFileSync(fallback, 'utf8')) as Report;
    expect(saved.fanout.delivered).toBe(result.delivered);
    expect(saved.fanout.delivered).toBeGreaterThan(0);
    expectExactBooks(saved);
  }, 70_000);
});
