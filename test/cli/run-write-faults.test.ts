/**
 * File-system faults that happen while a run goes on. Tests run as root, so permission bits would
 * not stop a write: the faults here bind root too (directory replaced by a file, working directory
 * removed, writes that land on /dev/full, a tmpfs that fills mid-run).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, assertBuilt, startWsload } from '../helpers/cli.js';
import { readReport } from '../../src/report/read.js';
import { scenarioFiles } from '../helpers/scenario-files.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import { missingPart } from '../helpers/real-parts.js';

beforeAll(() => assertBuilt());
const scenarios = scenarioFiles('write-faults', { target: 'embedded', connections: 20, connectRate: 500, duration: '3s', workers: 1, publish: { rate: 10, deadline: '1s' }, report: { interval: '200ms' } });
const dir = scenarios.dir;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const scenarioFile = scenarios.write;

/** Waits until the run is in its hold: its timeline has a line with every socket open. */
async function untilHolding(timeline: string, sockets: number, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    try {
      const lines = readFileSync(timeline, 'utf8').split('\n').filter(Boolean);
      if (lines.some((l) => (JSON.parse(l) as { open: number }).open === sockets)) return;
    } catch {
      // not there yet
    }
    await sleep(50);
  }
  throw new Error(`${timeline}: no line with ${sockets} open sockets within ${limitMs} ms`);
}

/** Every file under root whose name ends in .tmp. */
function strayTmp(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.tmp'));
}

/** The one stderr line saying where the report went instead, and the path it names. */
function fallbackFrom(stderr: string): string {
  const m = /^wsload: could not write the report to .+ \(.+\); wrote it to (.+) instead$/m.exec(stderr);
  expect(m, stderr).not.toBeNull();
  return m![1];
}

describe('wsload run when the report cannot be written at the end', () => {
  it('report directory replaced by a file mid-run: summary and verdict printed, report in the working directory, run exit code', async () => {
    const work = join(dir, 'replaced');
    const outDir = join(work, 'out');
    mkdirSync(outDir, { recursive: true });
    const run = startWsload(['run', scenarioFile('replaced'), '--out', join(outDir, 'r.json')], { cwd: work, timeoutMs: 30_000 });
    await untilHolding(join(outDir, 'r.ndjson'), 20);
    rmSync(outDir, { recursive: true, force: true });
    writeFileSync(outDir, 'not a directory any more');
    const r = await run.exited;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Connections');
    expect(r.stderr).toMatch(/^wsload: ok$/m);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    const written = fallbackFrom(r.stderr);
    expect(written).toBe(join(work, 'r.json'));
    const report = await readReport(written);
    expect(report.connections.opened).toBe(20);
    expectDeliveredExactly(report);
    expect(strayTmp(work)).toEqual([]);
  });

  it('working directory removed too: the report goes to the system temp directory', async () => {
    const work = join(dir, 'gone');
    const outDir = join(dir, 'gone-out');
    const tmp = join(dir, 'gone-tmp');
    mkdirSync(work, { recursive: true });
    mkdirSync(outDir, { recursive: true });
    mkdirSync(tmp, { recursive: true });
    const run = startWsload(['run', scenarioFile('gone'), '--out', join(outDir, 'r.json'), '--quiet'], { cwd: work, env: { TMPDIR: tmp }, timeoutMs: 30_000 });
    await untilHolding(join(outDir, 'r.ndjson'), 20);
    rmSync(outDir, { recursive: true, force: true });
    writeFileSync(outDir, 'x');
    rmSync(work, { recursive: true, force: true });
    const r = await run.exited;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^wsload: ok$/m);
    const written = fallbackFrom(r.stderr);
    expect(written).toBe(join(tmp, 'r.json'));
    const report = await readReport(written);
    expect(report.connections.opened).toBe(20);
    expectDeliveredExactly(report);
    expect(strayTmp(tmp)).toEqual([]);
  });

  it('no place takes the report: summary and verdict still printed, one line naming every place tried, exit 1', async () => {
    const work = join(dir, 'nowhere');
    const outDir = join(dir, 'nowhere-out');
    mkdirSync(work, { recursive: true });
    mkdirSync(outDir, { recursive: true });
    // /proc takes no new files, not even from root.
    const run = startWsload(['run', scenarioFile('nowhere'), '--out', join(outDir, 'r.json')], { cwd: work, env: { TMPDIR: '/proc' }, timeoutMs: 30_000 });
    await untilHolding(join(outDir, 'r.ndjson'), 20);
    rmSync(outDir, { recursive: true, force: true });
    writeFileSync(outDir, 'x');
    rmSync(work, { recursive: true, force: true });
    const r = await run.exited;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('Connections');
    expect(r.stderr).toMatch(/^wsload: ok$/m);
    expect(r.stderr).toMatch(/^wsload: could not write the report to .*nowhere-out\/r\.json \(.+\) nor anywhere else \(.*nowhere: no such directory; \/proc\/r\.json: .+\)$/m);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  });
});

/**
 * A file at `path` whose writes land on /dev/full, so each fails with a real ENOSPC from the
 * kernel: no mount needed, so these cases run on every machine (a container that may not mount a
 * tmpfs too). A symlink is followed by open(), and removed (not its target) by unlink().
 */
function onDevFull(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync('/dev/full', path);
}

/**
 * The temporary file wsload writes a report or HTML page to before renaming it into place
 * (src/report/write.ts: `<file>.<pid>.tmp`): made a link to /dev/full right after the process
 * starts, long before it writes anything, so that write fails with ENOSPC as on a full disk.
 */
function tmpOnDevFull(file: string, pid: number): void {
  expect(pid).toBeGreaterThan(0);
  onDevFull(`${file}.${pid}.tmp`);
}

describe('wsload run when every write lands on a full device (/dev/full: ENOSPC, no mount needed)', () => {
  afterAll(() => {
    // Nothing may have replaced or removed the device through the links.
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it('soak-file writes fail with one warning, each failed interval counted; the report goes to the fallback; every delivery still counted; exit 0', async () => {
    const work = join(dir, 'dev-full');
    const out = join(work, 'out', 'r.json');
    mkdirSync(work, { recursive: true });
    onDevFull(join(work, 'out', 'r.ndjson'));
    onDevFull(join(work, 'out', 'r.hlog'));
    const run = startWsload(['run', scenarioFile('dev-full'), '--out', out, '--quiet'], { cwd: work, timeoutMs: 30_000 });
    tmpOnDevFull(out, run.pid);
    const r = await run.exited;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.stderr).toMatch(/^wsload: ok$/m);
    const warnings = r.stderr.split('\n').filter((l) => /^wsload: warning: could not write .*\.(ndjson|hlog)/.test(l));
    expect(warnings, r.stderr).toHaveLength(1);
    expect(warnings[0]).toMatch(/ENOSPC/);
    expect(r.stderr).toMatch(/^wsload: could not write the report to .*out\/r\.json \(ENOSPC: no space left on device.*\); wrote it to .* instead$/m);
    const written = fallbackFrom(r.stderr);
    expect(written).toBe(join(work, 'r.json'));
    const report = await readReport(written);
    // A 3 s hold in 200 ms intervals: at least 15 intervals, none written.
    expect(report.files.writeErrors ?? 0).toBeGreaterThanOrEqual(15);
    expect(report.warnings.some((w) => /intervals were not written whole .*ENOSPC/.test(w)), report.warnings.join('\n')).toBe(true);
    // The disk's faults cost no measurement: every publish reached every socket, all counted.
    expect(report.connections.opened).toBe(20);
    expectDeliveredExactly(report);
    expect(report.fanout.expected).toBe(report.fanout.published * 20);
    expect(strayTmp(join(work, 'out'))).toEqual([]);
    expect(existsSync(join(work, 'out', `r.json.${run.pid}.tmp`))).toBe(false);
  });
});

describe('report --html on a full device (/dev/full: ENOSPC, no mount needed)', () => {
  it('fails with one line naming the flag, exit 2, and no .tmp left', async () => {
    const report = join(ROOT, 'test/fixtures/reports/before.json');
    const html = join(dir, 'html-dev-full', 'r.html');
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
    const said = String((err as { stderr?: Buffer | string }).stderr ?? '').trim().split('\n')[0];
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
    const work = join(dir, 'full');
    mkdirSync(work, { recursive: true });
    const run = startWsload(['run', scenarioFile('full'), '--out', join(mnt, 'r.json'), '--quiet'], { cwd: work, timeoutMs: 30_000 });
    await untilHolding(join(mnt, 'r.ndjson'), 20);
    // Fill what is left of the disk.
    try {
      writeFileSync(join(mnt, 'filler'), Buffer.alloc(256 * 1024));
    } catch {
      // ENOSPC once full: exactly what is wanted.
    }
    const r = await run.exited;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.stderr).toMatch(/^wsload: ok$/m);
    const warnings = r.stderr.split('\n').filter((l) => /^wsload: warning: could not write .*\.(ndjson|hlog)/.test(l));
    expect(warnings, r.stderr).toHaveLength(1);
    expect(warnings[0]).toMatch(/ENOSPC/);
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
