/**
 * Every output path is checked before any work starts: a path wsload could not write, or that
 * would overwrite one of its own inputs, is refused with exit 2 and one line naming the flag.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, assertBuilt, wsload } from '../helpers/cli.js';
import { makeCertificates } from '../helpers/certs.js';
import { missing } from '../helpers/real-parts.js';

let dir: string;
let scenario: string;
let before: string;
let after: string;

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'wsload-out-paths-'));
  scenario = join(dir, 'scenario.json');
  // An embedded target: a check made after the target started would also show as a slow exit.
  writeFileSync(scenario, JSON.stringify({ name: 'paths', target: 'embedded', connections: 2, duration: '1s' }));
  before = join(dir, 'before.json');
  after = join(dir, 'after.json');
  copyFileSync(join(ROOT, 'test/fixtures/reports/before.json'), before);
  copyFileSync(join(ROOT, 'test/fixtures/reports/after.json'), after);
  writeFileSync(join(dir, 'plain-file'), 'x');
  mkdirSync(join(dir, 'a-dir'));
  mkdirSync(join(dir, 'r.ndjson'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Exactly one stderr line, no stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l !== '');
  expect(lines, stderr).toHaveLength(1);
  return lines[0];
}

describe('wsload run --out checked before the run', () => {
  const cases: [string, () => string, RegExp][] = [
    ['a directory', () => join(dir, 'a-dir'), /^wsload: --out .*a-dir: is a directory$/],
    ['empty', () => '', /^wsload: --out: empty path$/],
    [
      'under a regular file',
      () => join(dir, 'plain-file', 'r.json'),
      /^wsload: --out .*plain-file\/r\.json: .*plain-file is not a directory$/,
    ],
    ['in /proc', () => '/proc/wsload-report.json', /^wsload: --out \/proc\/wsload-report\.json: cannot create files in \/proc/],
    ['under /sys', () => '/sys/wsload/r.json', /^wsload: --out \/sys\/wsload\/r\.json: cannot create files in \/sys/],
    ['the scenario file', () => scenario, /^wsload: --out .*scenario\.json: is the scenario file; refusing to overwrite it$/],
    [
      'a report whose .ndjson is a directory',
      () => join(dir, 'r.json'),
      /^wsload: --out .*r\.json: its timeline .*r\.ndjson is a directory$/,
    ],
  ];
  it.each(cases)('refuses %s with exit 2 and one line, before the target starts', async (_name, out, expected) => {
    const startedAt = Date.now();
    const r = await wsload(['run', scenario, '--out', out(), '--quiet'], { cwd: dir, timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(oneLine(r.stderr)).toMatch(expected);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(readFileSync(scenario, 'utf8')).toContain('"paths"');
  });

  it('refuses a report whose timeline would overwrite the identities file', async () => {
    const ids = join(dir, 'users.ndjson');
    writeFileSync(ids, '{"token":"t"}\n');
    const idScenario = join(dir, 'ids.scenario.json');
    writeFileSync(
      idScenario,
      JSON.stringify({
        name: 'ids',
        target: { url: 'ws://127.0.0.1:9/ws?t={identity.token}' },
        identities: { file: 'users.ndjson' },
        connections: 1,
        duration: '1s',
      }),
    );
    const r = await wsload(['run', idScenario, '--out', join(dir, 'users.json'), '--quiet'], { cwd: dir, timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(oneLine(r.stderr)).toMatch(
      /^wsload: --out .*users\.json: its timeline .*users\.ndjson is the scenario's identities file; refusing to overwrite it$/,
    );
    expect(readFileSync(ids, 'utf8')).toBe('{"token":"t"}\n');
  });

  it.skipIf(missing('openssl'))("refuses the scenario's tls.key: a run never overwrites one of its inputs", async () => {
    const certs = await makeCertificates(join(dir, 'certs'), { name: 'localhost' });
    const tlsScenario = join(dir, 'tls.scenario.json');
    writeFileSync(
      tlsScenario,
      JSON.stringify({
        name: 'tls',
        target: { url: 'wss://localhost:9/ws' },
        connections: 1,
        duration: '1s',
        tls: { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey },
      }),
    );
    const key = readFileSync(certs.clientKey, 'utf8');
    const r = await wsload(['run', tlsScenario, '--out', certs.clientKey, '--quiet'], { cwd: dir, timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^wsload: --out .*: is the scenario's tls\.key; refusing to overwrite it$/);
    expect(readFileSync(certs.clientKey, 'utf8')).toBe(key);
  });

  it('leaves no probe file behind', async () => {
    // Its own check (the test does not lean on the ones above having run): --out passes, its probe
    // file made and removed, then --junit is refused.
    const r = await wsload(['run', scenario, '--out', join(dir, 'probed', 'ok.json'), '--junit', scenario, '--quiet'], {
      cwd: dir,
      timeoutMs: 20_000,
    });
    expect(r.code, r.stderr).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^wsload: --junit .*scenario\.json: is the scenario file; refusing to overwrite it$/);
    expect(readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.includes('.tmp') || f.includes('probe'))).toEqual([]);
  });
});

describe('report --html, compare --html and merge --out checked before writing', () => {
  it('report --html onto the report itself is refused', async () => {
    const r = await wsload(['report', before, '--html', before]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^wsload: --html .*before\.json: is the report read; refusing to overwrite it$/);
    expect(JSON.parse(readFileSync(before, 'utf8')).tool).toBe('wsload');
  });

  it('report --html into /proc is refused', async () => {
    const r = await wsload(['report', before, '--html', '/proc/wsload.html']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^wsload: --html \/proc\/wsload\.html: cannot create files in \/proc/);
    expect(r.stdout).toBe('');
  });

  it('compare --html onto an input is refused', async () => {
    const r = await wsload(['compare', before, after, '--html', after]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^wsload: --html .*after\.json: is an input report; refusing to overwrite it$/);
    expect(JSON.parse(readFileSync(after, 'utf8')).tool).toBe('wsload');
  });

  it('compare --html onto a directory is refused', async () => {
    const r = await wsload(['compare', before, after, '--html', join(dir, 'a-dir')]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^wsload: --html .*a-dir: is a directory$/);
  });

  it('merge --out onto one of its inputs is refused', async () => {
    const original = readFileSync(after, 'utf8');
    const r = await wsload(['merge', before, after, '--out', join(dir, '.', 'after.json')]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^wsload: --out .*after\.json: is an input report; refusing to overwrite it$/);
    expect(readFileSync(after, 'utf8')).toBe(original);
  });

  it('merge --out under a regular file is refused', async () => {
    const r = await wsload(['merge', before, after, '--out', join(dir, 'plain-file', 'm.json')]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^wsload: --out .*m\.json: .*plain-file is not a directory$/);
  });
});
