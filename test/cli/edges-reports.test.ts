/**
 * Saved reports handled with suspicion (issue 21): `merge` refuses the same run twice (a run tag,
 * or for untagged reports the same start, end and host) instead of doubling every counter, and
 * `wsload report` reads only the timeline beside the report it was given, only a regular file:
 * whatever path a report's files.timeline names (/dev/zero, ../elsewhere), nothing else is opened.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, wsload, type CliResult } from '../helpers/cli.js';
import { fakeTimeline, fixturePair, writeReport } from '../helpers/fake-report.js';
import { scenarioFiles } from '../helpers/scenario-files.js';
import type { Report } from '../../dist/run/report.js';

const scenarios = scenarioFiles('edges-reports', {
  target: 'embedded',
  connections: 10,
  connectRate: 500,
  duration: '1s',
  workers: 1,
  publish: { rate: 5 },
});
const dir = scenarios.dir;
let real: string;
let tag: string;

beforeAll(async () => {
  assertBuilt();
  real = join(dir, 'real.json');
  const r = await wsload(['run', scenarios.write('real'), '--out', real, '--quiet'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  tag = (JSON.parse(readFileSync(real, 'utf8')) as Report).publish.runTag!;
  expect(tag).toMatch(/^[a-z0-9]{8}$/);
}, 60_000);

function expectOneLine(r: CliResult, line: string): void {
  expect(r.stderr, r.stderr).toBe(`wsload: ${line}\n`);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
}

const TWICE = 'merging a run with itself would count every socket and delivery twice';

describe('wsload merge: the same run twice', () => {
  it('the same file twice: one line, exit 2, nothing written', async () => {
    const out = join(dir, 'twice.json');
    expectOneLine(
      await wsload(['merge', real, real, '--out', out]),
      `merge: ${real} is the same run as ${real} (run tag ${tag}); ${TWICE}`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a copy of a run beside other runs: one line naming the copy and the original', async () => {
    const copy = join(dir, 'copy-of-real.json');
    copyFileSync(real, copy);
    const { before } = fixturePair();
    const other = writeReport(join(dir, 'other'), 'other', before);
    const out = join(dir, 'copy-merged.json');
    expectOneLine(
      await wsload(['merge', real, other, copy, '--out', out]),
      `merge: ${copy} is the same run as ${real} (run tag ${tag}); ${TWICE}`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('untagged reports (no publishing, older versions): the same start, end and host is the same run', async () => {
    const { before, after } = fixturePair();
    const a = writeReport(join(dir, 'untagged'), 'a', before);
    const b = writeReport(join(dir, 'untagged'), 'b', before);
    const c = writeReport(join(dir, 'untagged'), 'c', after);
    const out = join(dir, 'untagged.json');
    expectOneLine(
      await wsload(['merge', a, b, '--out', out]),
      `merge: ${b} is the same run as ${a} (started 2025-03-01T09:00:00.000Z and ended 2025-03-01T09:01:00.000Z on test-host); ${TWICE}`,
    );
    // Two runs (different start) still merge.
    const ok = await wsload(['merge', a, c, '--out', out, '--quiet']);
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(readFileSync(out, 'utf8')) as Report).connections.target).toBe(before.connections.target + after.connections.target);
  });
});

describe('wsload report reads only the timeline beside the report', () => {
  /**
   * A copy of the fixture report in its own directory, naming `timeline` as its timeline. The
   * directory starts empty: a retry must not find the timeline or FIFO its first try put beside it.
   */
  function reportNaming(name: string, timeline: string): string {
    const { before } = fixturePair();
    const sub = join(dir, name);
    rmSync(sub, { recursive: true, force: true });
    mkdirSync(sub, { recursive: true });
    const file = join(sub, 'run.json');
    writeFileSync(file, JSON.stringify({ ...before, files: { timeline, hlog: null } }, null, 2));
    return file;
  }

  it('files.timeline "/dev/zero": nothing read from /dev, the HTML written at once without a timeline', async () => {
    const file = reportNaming('devzero', '/dev/zero');
    const html = join(dir, 'devzero', 'run.html');
    const started = Date.now();
    const r = await wsload(['report', file, '--html', html], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(`wrote ${html} (no timeline beside the report)\n`);
    // Before, it read /dev/zero up to the string limit (about half a gigabyte of zeros).
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(readFileSync(html, 'utf8')).not.toContain('Deliveries per second');
  }, 70_000);

  it('files.timeline "../outside.ndjson": the file outside is not read; one of that name beside the report is', async () => {
    const file = reportNaming('escape', '../outside.ndjson');
    const { before } = fixturePair();
    const lines = `${fakeTimeline(before)
      .map((l) => JSON.stringify(l))
      .join('\n')}\n`;
    writeFileSync(join(dir, 'outside.ndjson'), lines);
    const html = join(dir, 'escape', 'run.html');
    const r = await wsload(['report', file, '--html', html]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(`wrote ${html} (no timeline beside the report)\n`);
    expect(readFileSync(html, 'utf8')).not.toContain('Deliveries per second');

    writeFileSync(join(dir, 'escape', 'outside.ndjson'), lines);
    const again = await wsload(['report', file, '--html', html]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe(`wrote ${html}\n`);
    expect(readFileSync(html, 'utf8')).toContain('Deliveries per second');
  });

  it('a timeline beside the report that is not a regular file (a FIFO): one line, exit 2, no hang', async () => {
    const file = reportNaming('fifo', 'run.ndjson');
    execFileSync('mkfifo', [join(dir, 'fifo', 'run.ndjson')]);
    const html = join(dir, 'fifo', 'run.html');
    const r = await wsload(['report', file, '--html', html], { timeoutMs: 30_000 });
    expectOneLine(r, `${join(dir, 'fifo', 'run.ndjson')}: cannot read timeline: not a regular file`);
    expect(existsSync(html)).toBe(false);
  }, 40_000);
});
