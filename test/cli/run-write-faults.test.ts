/**
 * File-system faults that happen while a run goes on. Tests run as root, so permission bits would
 * not stop a write: the faults here bind root too (directory replaced by a file, working directory
 * removed, writes that land on /dev/full, a tmpfs that fills mid-run).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, assertBuilt, startWsload, type CliResult } from '../helpers/cli.js';
import { readReport } from '../../src/report/read.js';
import { scenarioFiles } from '../helpers/scenario-files.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import { missingPart } from '../helpers/real-parts.js';
import {
  expectOneSoakWarning,
  expectRanThrough,
  fallbackFrom,
  onDevFull,
  strayTmp,
  tmpOnDevFull,
  untilHolding,
} from '../helpers/write-faults.js';

beforeAll(() => assertBuilt());
const SOCKETS = 20;
const scenarios = scenarioFiles('write-faults', {
  target: 'embedded',
  connections: SOCKETS,
  connectRate: 500,
  duration: '3s',
  workers: 1,
  publish: { rate: 10, deadline: '1s' },
  report: { interval: '200ms' },
});
const scenarioFile = scenarios.write;
/**
 * A new folder for one try of a case: a retry must not meet what the first try left (a report
 * directory made a file, a link to /dev/full, a timeline that already holds every socket).
 */
const tryDir = (): string => scenarios.fresh();

/**
 * Runs case `name` with `--out <outDir>/r.json` from the working directory `work`; once it holds,
 * replaces its report directory by a file and, with `removeWork`, removes the working directory.
 */
async function breakOutDirMidRun(
  name: string,
  work: string,
  outDir: string,
  opts: { removeWork?: boolean; tmpdir?: string; flags?: string[] } = {},
): Promise<CliResult> {
  mkdirSync(work, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  const run = startWsload(['run', scenarioFile(name), '--out', join(outDir, 'r.json'), ...(opts.flags ?? [])], {
    cwd: work,
    env: opts.tmpdir === undefined ? undefined : { TMPDIR: opts.tmpdir },
    timeoutMs: 30_000,
  });
  expect(await untilHolding(join(outDir, 'r.ndjson'), SOCKETS, 15_000), 'the run holds every socket').toBe(true);
  rmSync(outDir, { recursive: true, force: true });
  writeFileSync(outDir, 'not a directory any more');
  if (opts.removeWork === true) rmSync(work, { recursive: true, force: true });
  return run.exited;
}

/** The report at the fallback path `expected` holds the whole run, every delivery counted, and no .tmp was left in `root`. */
async function expectFallbackReport(r: CliResult, expected: string, root: string): Promise<void> {
  const written = fallbackFrom(r.stderr);
  expect(written).toBe(expected);
  const report = await readReport(written);
  expect(report.connections.opened).toBe(SOCKETS);
  expectDeliveredExactly(report);
  expect(strayTmp(root)).toEqual([]);
}

describe('wsload run when the report cannot be written at the end', () => {
  it('report directory replaced by a file mid-run: summary and verdict printed, report in the working directory, run exit code', async () => {
    const work = join(tryDir(), 'replaced');
    const r = await breakOutDirMidRun('replaced', work, join(work, 'out'));
    expectRanThrough(r, 0);
    expect(r.stdout).toContain('Connections');
    await expectFallbackReport(r, join(work, 'r.json'), work);
  });

  it('working directory removed too: the report goes to the system temp directory', async () => {
    const at = tryDir();
    const tmp = join(at, 'gone-tmp');
    mkdirSync(tmp, { recursive: true });
    const r = await breakOutDirMidRun('gone', join(at, 'gone'), join(at, 'gone-out'), {
      removeWork: true,
      tmpdir: tmp,
      flags: ['--quiet'],
    });
    expectRanThrough(r, 0);
    await expectFallbackReport(r, join(tmp, 'r.json'), tmp);
  });

  it('no place takes the report: summary and verdict still printed, one line naming every place tried, exit 1', async () => {
    // /proc takes no new files, not even from root.
    const at = tryDir();
    const r = await breakOutDirMidRun('nowhere', join(at, 'nowhere'), join(at, 'nowhere-out'), { removeWork: true, tmpdir: '/proc' });
    expectRanThrough(r, 1);
    expect(r.stdout).toContain('Connections');
    expect(r.stderr).toMatch(
      /^wsload: could not write the report to .*nowhere-out\/r\.json \(.+\) nor anywhere else \(.*nowhere: no such directory; \/proc\/r\.json: .+\)$/m,
    );
  });
});

describe('wsload run when every write lands on a full device (/dev/full: ENOSPC, no mount needed)', () => {
  afterAll(() => {
    // Nothing may have replaced or removed the device through the links.
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it('soak-file writes fail with one warning, each failed interval counted; the report goes to the fallback; every delivery still counted; exit 0', async () => {
    const work = join(tryDir(), 'dev-full');
    const out = join(work, 'out', 'r.json');
    mkdirSync(work, { recursive: true });
    onDevFull(join(work, 'out', 'r.ndjson'));
    onDevFull(join(work, 'out', 'r.hlog'));
    const run = startWsload(['run', scenarioFile('dev-full'), '--out', out, '--quiet'], { cwd: work, timeoutMs: 30_000 });
    tmpOnDevFull(out, run.pid);
    const r = await run.exited;
    expectRanThrough(r, 0);
    expectOneSoakWarning(r.stderr);
    expect(r.stderr).toMatch(
      /^wsload: could not write the report to .*out\/r\.json \(ENOSPC: no space left on device.*\); wrote it to .* instead$/m,
    );
    const written = fallbackFrom(r.stderr);
    expect(written).toBe(join(work, 'r.json'));
    const report = await readReport(written);
    // A 3 s hold in 200 ms intervals: at least 15 intervals, none written.
    expect(report.files.writeErrors ?? 0).toBeGreaterThanOrEqual(15);
    expect(
      report.warnings.some((w) => /intervals were not written whole .*ENOSPC/.test(w)),
      report.warnings.join('\n'),
    ).toBe(true);
    // The disk's faults cost no measurement: every publish reached every socket, all counted.
    expect(report.connections.opened).toBe(SOCKETS);
    expectDeliveredExactly(report);
    expect(report.fanout.expected).toBe(report.fanout.published * SOCKETS);
    expect(strayTmp(join(work, 'out'))).toEqual([]);
    expect(existsSync(join(work, 'out', `r.json.${run.pid}.tmp`))).toBe(false);
  });
});

describe('report --html on a full device (/dev/full: ENOSPC, no mount needed)', () => {
  it('fails with one line naming the flag, exit 2, and no .tmp left', async () => {
    const report = join(ROOT, 'test/fixtures/reports/before.json');
    const html = join(tryDir(), 'html-dev-full', 'r.html');
    mkdirSync(dirname(html), { recursive: true });
    const run = startWsload(['report', report, '--html', html], { timeoutMs: 30_000 });
    tmpOnDevFull(html, run.pid);
    const r = await run.exited;
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^wsload: --html .*r\.html: could not write it \(ENOSPC/);
    expect(strayTmp(dirname(html))).toEqual([]);
    expect(existsSync(html)).toBe(false);
  });
});

/** A 64 KiB tmpfs, or the reason it cannot be mounted here. */
function mountSmallTmpfs(at: string): string | null {
  mkdirSync(at, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', at], { stdio: 'pipe' });
    return null;
  } catch (err) {
    // mount's own words ("permission denied") say more than the command line that failed.
    const said = String((err as { stderr?: Buffer | string }).stderr ?? '')
      .trim()
      .split('\n')[0];
    return `cannot mount one here (${said || (err as Error).message.split('\n')[0]})`;
  }
}

const mnt = join(tmpdir(), `wsload-full-disk-${process.pid}`);
const mountProblem = mountSmallTmpfs(mnt);
afterAll(() => {
  if (mountProblem === null) execFileSync('umount', [mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

// A disk that fills in the middle of a run (writes succeed, then one fails half-way): only a small
// filesystem gives that. In CI a tmpfs that cannot be mounted fails the file naming it.
describe.skipIf(missingPart('a 64 KiB tmpfs (mount -t tmpfs, as root)', mountProblem))('wsload run on a disk that fills mid-run', () => {
  it('interval writes degrade to one warning, counted; the files keep whole lines; the report goes to the fallback; exit code of the run', async () => {
    const work = join(tryDir(), 'full');
    mkdirSync(work, { recursive: true });
    // The mount is the file's, not the try's: a retry starts on an empty disk, not on the first
    // try's filler and a timeline that already holds every socket.
    for (const f of readdirSync(mnt)) rmSync(join(mnt, f), { recursive: true, force: true });
    const run = startWsload(['run', scenarioFile('full'), '--out', join(mnt, 'r.json'), '--quiet'], { cwd: work, timeoutMs: 30_000 });
    expect(await untilHolding(join(mnt, 'r.ndjson'), SOCKETS, 15_000), 'the run holds every socket').toBe(true);
    // Fill what is left of the disk.
    try {
      writeFileSync(join(mnt, 'filler'), Buffer.alloc(256 * 1024));
    } catch {
      // ENOSPC once full: exactly what is wanted.
    }
    const r = await run.exited;
    expectRanThrough(r, 0);
    expectOneSoakWarning(r.stderr);
    const written = fallbackFrom(r.stderr);
    expect(written).toBe(join(work, 'r.json'));
    const report = await readReport(written);
    expect(report.files.writeErrors ?? 0).toBeGreaterThan(0);
    expectDeliveredExactly(report);
    // The soak files on the full disk hold whole lines only, and at least the lines written before it filled.
    const timeline = readFileSync(join(mnt, 'r.ndjson'), 'utf8');
    expect(timeline.endsWith('\n')).toBe(true);
    for (const line of timeline.split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
    const hlog = readFileSync(join(mnt, 'r.hlog'), 'utf8');
    expect(hlog === '' || hlog.endsWith('\n')).toBe(true);
    expect(report.warnings.some((w) => /ENOSPC/.test(w))).toBe(true);
    expect(strayTmp(mnt)).toEqual([]);
  });
});
