/**
 * The docs work as written: the set-up commands are the ones CI runs and work in a root shell
 * without sudo, nothing points outside the repository, and stated formats match what is written.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHlogWriter } from '../../src/metrics/histogram.js';
import { ROOT } from '../helpers/cli.js';

const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const DOCS = [
  'README.md',
  'scenarios/README.md',
  'bench/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const tmp = mkdtempSync(join(tmpdir(), 'wsload-docs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The two lines of README's "Set-up: two commands" block. */
function setupCommands(): string[] {
  const m = /## Set-up: two commands\s+(?:<!--[^\n]*-->\n)?```sh\n([^`]*)```/.exec(read('README.md'));
  if (!m) throw new Error('README.md has no "## Set-up: two commands" sh block');
  return m[1].trimEnd().split('\n');
}

/** APT_PACKAGES=(…) in .ci/run. */
function ciPackages(): string[] {
  const m = /^APT_PACKAGES=\(([^)]*)\)/m.exec(read('.ci/run'));
  if (!m) throw new Error('.ci/run has no APT_PACKAGES=(…) line');
  return m[1].trim().split(/\s+/);
}

/** Runs `line` with /bin/sh and PATH = fake `apt-get`, `npm` (and `sudo` when asked) that only log their arguments. */
function runWithFakes(line: string, withSudo: boolean): string[] {
  const bin = join(tmp, withSudo ? 'with-sudo' : 'root');
  mkdirSync(bin, { recursive: true });
  const log = join(bin, 'calls.log');
  const fake = (name: string, body: string): void => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  fake('apt-get', `echo "apt-get $*" >> ${log}`);
  fake('npm', `echo "npm $*" >> ${log}`);
  if (withSudo) fake('sudo', `echo "sudo $1" >> ${log}; exec "$@"`);
  execFileSync('/bin/sh', ['-c', line], { env: { PATH: bin }, stdio: 'pipe' });
  return readFileSync(log, 'utf8').trimEnd().split('\n');
}

describe('README set-up', () => {
  it('first installs and runs the main job, then installs the packages .ci/run installs and runs npm test', () => {
    const [first, second, ...rest] = setupCommands();
    expect(rest).toEqual([]);
    expect(first).toBe('npm install && npx wsload run scenarios/fanout.json');
    const packages = ciPackages().join(' ');
    expect(second).toBe(`$(command -v sudo) apt-get update && $(command -v sudo) apt-get install -y ${packages} && npm test`);
  });

  it('.ci/run itself runs apt-get update, then apt-get install -y, then npm test', () => {
    const ci = read('.ci/run');
    const update = ci.indexOf('\n  apt-get update');
    const install = ci.indexOf('\n  apt-get install -y');
    const test = ci.indexOf('\nnpm test');
    expect(update).toBeGreaterThan(0);
    expect(install).toBeGreaterThan(update);
    expect(test).toBeGreaterThan(install);
  });

  it('the second command works in a root shell without sudo, and with sudo for a user', () => {
    const second = setupCommands()[1];
    const packages = ciPackages().join(' ');
    expect(runWithFakes(second, false)).toEqual(['apt-get update', `apt-get install -y ${packages}`, 'npm test']);
    expect(runWithFakes(second, true)).toEqual([
      'sudo apt-get',
      'apt-get update',
      'sudo apt-get',
      `apt-get install -y ${packages}`,
      'npm test',
    ]);
  });
});

describe('docs point only inside the repository', () => {
  it.each(DOCS)('%s names no file outside the repository', (doc) => {
    const text = read(doc);
    expect(text).not.toMatch(/(^|[\s`(])(\.\.\/)*shared\//m);
    // Markdown links to files: each must resolve to a file inside the repository.
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue; // a web page, not a file
      const abs = resolve(ROOT, dirname(doc), target);
      expect(relative(ROOT, abs).startsWith('..'), `${doc} links outside the repository: ${target}`).toBe(false);
      expect(existsSync(abs), `${doc} links to a missing file: ${target}`).toBe(true);
    }
    // Paths written in backticks from the repository root.
    for (const [, path] of text.matchAll(/`((?:src|test|docs|deploy|scenarios|schema|bench|scripts|\.ci)\/[A-Za-z0-9_./-]+)`/g)) {
      if (path.startsWith('scenarios/certs/')) continue; // the file users add (docs/wss.md)
      expect(existsSync(join(ROOT, path)), `${doc} names a missing file: ${path}`).toBe(true);
    }
  });

  it('the idle-timeout walkthrough runs the gateway configs in deploy/gateways', () => {
    const text = read('docs/idle-timeout.md');
    expect(text).toContain('-c /tmp/wsload-nginx/nginx.conf');
    expect(text).toContain('cp deploy/gateways/nginx.conf /tmp/wsload-nginx/nginx.conf');
    expect(text).toContain('haproxy -f deploy/gateways/haproxy.cfg -db');
  });
});

describe('stated formats', () => {
  it('docs/soak.md names the .hlog format version the file has', () => {
    let head = '';
    createHlogWriter((t) => (head += t), 0);
    const version = /Histogram log format version (\d+\.\d+)/.exec(head)?.[1];
    expect(version).toBeDefined();
    expect(read('docs/soak.md')).toContain(`HdrHistogram log format ${version ?? '?'},`);
  });
});
