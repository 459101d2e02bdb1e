/** `--junit FILE` on run, report and compare: real runs on the embedded target, the XML read back. */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, startWsload, wsload } from '../helpers/cli.js';
import { writeFixturePair } from '../helpers/fake-report.js';
import { findAll, parseXml, type XmlElement } from '../helpers/xml.js';
import type { Report } from '../../src/run/report.js';
import { scenarioFiles } from '../helpers/scenario-files.js';
import { sharedRun } from '../helpers/run-helpers.js';

beforeAll(() => assertBuilt());
const scenarios = scenarioFiles('junit', {
  target: 'embedded',
  connections: 20,
  connectRate: 500,
  duration: '1s',
  workers: 1,
  publish: { rate: 10, deadline: '1s' },
  report: { interval: '200ms' },
});
const dir = scenarios.dir;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const scenarioFile = scenarios.write;

function suiteIn(file: string): XmlElement {
  const root = parseXml(readFileSync(file, 'utf8'));
  const suites = findAll(root, 'testsuite');
  expect(suites).toHaveLength(1);
  return suites[0];
}

const failing = (suite: XmlElement): string[] =>
  findAll(suite, 'testcase')
    .filter((c) => findAll(c, 'failure').length > 0)
    .map((c) => c.attrs.name);

/** Waits until the run's timeline has a line: the run is under way. */
async function untilTimeline(file: string, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    try {
      if (readFileSync(file, 'utf8').includes('\n')) return;
    } catch {
      // not there yet
    }
    await sleep(50);
  }
  throw new Error(`${file}: no timeline line within ${limitMs} ms`);
}

describe('wsload run --junit', () => {
  const report = (): string => join(dir, 'thr.json');
  const junit = (): string => join(dir, 'thr.xml');
  /** The failing-threshold run, whose report and JUnit file the next test reads too (made by whichever runs first). */
  const thresholdRun = sharedRun(() =>
    wsload(
      [
        'run',
        scenarioFile('thr', { thresholds: { 'fanout.count': '< 1', 'connections.failed': '== 0' } }),
        '--out',
        report(),
        '--junit',
        junit(),
        '--json',
      ],
      { timeoutMs: 45_000 },
    ),
  );

  it('a failing threshold: exit 3, one failing test case named by the expression, --json stdout still pure JSON', async () => {
    const r = await thresholdRun();
    expect(r.code, r.stderr).toBe(3);
    const fromStdout = JSON.parse(r.stdout) as Report;
    expect(fromStdout.fanout.delivered).toBeGreaterThan(0);
    expect(r.stderr).toContain(`wsload: JUnit XML written to ${junit()}`);
    const suite = suiteIn(junit());
    expect(suite.attrs).toMatchObject({ tests: '3', failures: '1', errors: '0' });
    expect(failing(suite)).toEqual(['fanout.count < 1']);
    const failure = findAll(suite, 'failure')[0];
    expect(failure.attrs.message).toBe(`observed ${fromStdout.fanout.delivered.toLocaleString('en-US')}, limit < 1`);
    const props = Object.fromEntries(findAll(suite, 'property').map((p) => [p.attrs.name, p.attrs.value]));
    expect(props).toMatchObject({ scenario: 'thr', target: fromStdout.target.url, report: report(), exitCode: '3' });
  });

  it('wsload report --junit renders the same test cases from the saved report', async () => {
    expect((await thresholdRun()).code).toBe(3);
    const out = join(dir, 'from-report.xml');
    const r = await wsload(['report', report(), '--junit', out]);
    expect(r.code, r.stderr).toBe(0);
    const suite = suiteIn(out);
    expect(findAll(suite, 'testcase').map((c) => c.attrs.name)).toEqual(findAll(suiteIn(junit()), 'testcase').map((c) => c.attrs.name));
    expect(failing(suite)).toEqual(['fanout.count < 1']);
  });

  it('refuses a --junit path that is the report itself, before running, exit 2 naming the flag', async () => {
    const r = await wsload(['run', scenarioFile('same'), '--out', join(dir, 'same.json'), '--junit', join(dir, 'same.json'), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^wsload: --junit .*same\.json: is the run's report \(--out\); refusing to overwrite it$/m);
  });

  it('an interrupted run still writes the JUnit file: the run case is an error naming the signal, exit 130', async () => {
    // A folder per try: a retry must not find the first try's timeline and interrupt before the run is under way.
    const at = scenarios.fresh('int');
    const out = join(at, 'int.json');
    const xml = join(at, 'int.xml');
    const run = startWsload(['run', scenarioFile('int', { duration: '20s' }), '--out', out, '--junit', xml, '--quiet'], {
      timeoutMs: 40_000,
    });
    await untilTimeline(join(at, 'int.ndjson'));
    run.kill('SIGINT');
    const r = await run.exited;
    expect(r.code, r.stderr).toBe(130);
    const suite = suiteIn(xml);
    expect(suite.attrs).toMatchObject({ errors: '1' });
    const error = findAll(suite, 'error')[0];
    expect(error.attrs.type).toBe('interrupted');
    expect(error.attrs.message).toMatch(/^interrupted \(SIGINT\)/);
    expect((JSON.parse(readFileSync(out, 'utf8')) as Report).interrupted).toBe(true);
  });

  it('a JUnit file that cannot be written at the end: the report is still written, one line says so, a passing run exits 1', async () => {
    // A folder per try: the first try left junit-gone a file, and its timeline.
    const at = scenarios.fresh('gone');
    const junitDir = join(at, 'junit-gone');
    mkdirSync(junitDir);
    const out = join(at, 'gone.json');
    const run = startWsload(['run', scenarioFile('gone', { duration: '4s' }), '--out', out, '--junit', join(junitDir, 'j.xml')], {
      timeoutMs: 40_000,
    });
    await untilTimeline(join(at, 'gone.ndjson'));
    rmSync(junitDir, { recursive: true, force: true });
    writeFileSync(junitDir, 'not a directory any more');
    const r = await run.exited;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^wsload: ok$/m);
    expect(r.stderr).toMatch(/^wsload: report written to .*gone\.json$/m);
    const lines = r.stderr.split('\n').filter((l) => l.includes('--junit'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^wsload: could not write --junit .*junit-gone\/j\.xml \(.+\); the report is not affected$/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect((JSON.parse(readFileSync(out, 'utf8')) as Report).connections.opened).toBe(20);
  });
});

describe('wsload compare --junit', () => {
  it('one case per compared metric, the regressions failing; exit code still only from --fail-on-regression', async () => {
    const { before, after } = writeFixturePair(dir);
    const out = join(dir, 'cmp.xml');
    const r = await wsload(['compare', before, after, '--junit', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const cmp = JSON.parse(r.stdout) as { rows: { metric: string }[]; regressions: string[] };
    const suite = suiteIn(out);
    expect(findAll(suite, 'testcase').map((c) => c.attrs.name)).toEqual(cmp.rows.map((row) => row.metric));
    expect(failing(suite)).toEqual(cmp.regressions);
    expect(cmp.regressions.length).toBeGreaterThan(0);
  });

  it('refuses --junit on an input report, exit 2', async () => {
    const { before, after } = writeFixturePair(join(dir, 'again'));
    const r = await wsload(['compare', before, after, '--junit', after]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^wsload: --junit .*: is an input report; refusing to overwrite it$/m);
  });
});
