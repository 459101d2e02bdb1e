/**
 * One rule for the real parts of the machine a test needs (nginx, HAProxy, Chromium, Prometheus,
 * openssl, a tmpfs): test/helpers/real-parts.ts decides, and nothing else. In CI a missing part
 * fails the file naming it; outside CI the tests skip with one line naming it. A test file that
 * reads `CI` itself, or puts its own condition in `skipIf`, can hide a missing gateway behind a
 * green CI run (issue 28: with nginx and HAProxy hidden, 4 tests skipped and the run exited 0).
 *
 * The scan is textual (regexes over each file with its comment lines removed), so it also checks
 * itself against small examples of each breach: a scanner that finds nothing is a defect.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { missingPart } from '../helpers/real-parts.js';

const TEST_DIR = join(import.meta.dirname, '..');
/** The helper that owns the rule, and this file (whose examples break it on purpose). */
const EXEMPT = new Set(['helpers/real-parts.ts', 'unit/real-parts-rule.test.ts']);
const PARTS = ['nginx', 'haproxy', 'chromium', 'prometheus', 'openssl'];

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** The text with comment lines and block comments blanked (line numbers kept), so prose may name what code may not do. */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (block) => block.replace(/[^\n]/g, ' '))
    .split('\n')
    .map((line) => (/^\s*\/\//.test(line) ? '' : line))
    .join('\n');
}

/** The argument text of the call whose opening parenthesis is at `open`, up to its matching parenthesis. */
function argumentAt(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i).trim();
  }
  return text.slice(open + 1).trim();
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/**
 * Every breach of the rule in one file: `name` is its path under test/, `text` its source.
 * Returns "path:line: what is wrong" lines.
 */
function breaches(name: string, text: string): string[] {
  const src = code(text);
  const found: string[] = [];
  const at = (index: number, what: string): void => {
    found.push(`${name}:${lineOf(src, index)}: ${what}`);
  };

  for (const m of src.matchAll(/\bprocess\.env(?:\.CI\b|\[\s*['"]CI['"]\s*\])|\benv\.CI\b/g)) {
    at(m.index, 'reads CI itself; only missing()/missingPart() of test/helpers/real-parts.ts decide what CI does with a missing part');
  }

  // Conditions that come from the helper: a call of it, or a name bound to one in this file.
  const fromHelper = new Set([...src.matchAll(/\b(?:const|let)\s+(\w+)\s*=\s*(?:missing|missingPart)\(/g)].map((m) => m[1]));
  for (const m of src.matchAll(/\.(skipIf|runIf)\s*\(/g)) {
    const arg = argumentAt(src, m.index + m[0].length - 1);
    const ok = /^(?:missing|missingPart)\(/.test(arg) || fromHelper.has(arg);
    if (!ok)
      at(
        m.index,
        `${m[1]}(${arg.length > 60 ? `${arg.slice(0, 57)}...` : arg}) decides a skip on its own; use skipIf(missing(...)) or skipIf(missingPart(...)) from test/helpers/real-parts.ts`,
      );
  }

  for (const m of src.matchAll(/\b(?:it|test|describe|suite)\.skip\s*\(|\b(?:ctx|context|t)\.skip\s*\(/g)) {
    at(m.index, 'skips with no condition from test/helpers/real-parts.ts (a skip nobody sees in CI)');
  }

  const partNames = PARTS.join('|');
  for (const m of src.matchAll(new RegExp(`['"\`]/(?:usr/)?(?:local/)?s?bin/(${partNames})['"\`]`, 'g'))) {
    at(m.index, `names ${m[1]}'s path itself; use partPath('${m[1]}') from test/helpers/real-parts.ts`);
  }
  for (const m of src.matchAll(new RegExp(`\\b(?:spawn|spawnSync|execFile|execFileSync)\\(\\s*['"](${partNames})['"]`, 'g'))) {
    at(m.index, `runs ${m[1]} by name; use partPath('${m[1]}') from test/helpers/real-parts.ts`);
  }
  for (const m of src.matchAll(/\bfunction\s+(findBinary|gatewaysAvailable)\b/g)) {
    at(m.index, `declares its own ${m[1]}; test/helpers/real-parts.ts has the one lookup`);
  }

  // A test file that needs a part must say so with missing(), or a missing part is an error outside CI
  // (not a named skip) and, worse, a skip decided elsewhere.
  if (name.endsWith('.test.ts')) {
    const needs = /\bstart(?:Nginx|Haproxy)\(|\bmakeCertificates\(|\bpartPath\(|\bchromium\.launch\(/.exec(src);
    if (needs && !/\bmissing\(/.test(src))
      at(needs.index, `uses a real part (${needs[0].replace(/\($/, '')}) with no skipIf(missing(...)) of test/helpers/real-parts.ts`);
  }
  return found;
}

const files = testFiles(TEST_DIR)
  .map((path) => relative(TEST_DIR, path))
  .filter((name) => !EXEMPT.has(name));

describe('one rule for real parts, in test/helpers/real-parts.ts', () => {
  it('scans every test and helper file', () => {
    expect(files.length).toBeGreaterThan(140);
    expect(files).toContain('integration/gateway-idle-timeout.test.ts');
    expect(files).toContain('helpers/gateways.ts');
  });

  it('no test file decides a skip about a real part on its own', () => {
    const found = files.flatMap((name) => breaches(name, readFileSync(join(TEST_DIR, name), 'utf8')));
    expect(found).toEqual([]);
  });

  describe('the scanner finds each kind of breach (and lets the helper pass)', () => {
    const one = (text: string): string[] => breaches('x.test.ts', text);
    it('a file reading CI', () => {
      expect(one("const skip = !available.nginx && !process.env.CI;\nit('x', () => {});")).toHaveLength(1);
      expect(one("if (process.env['CI']) throw new Error('x');")).toHaveLength(1);
    });
    it('a skipIf or runIf on a condition of its own', () => {
      expect(one("it.skipIf(!gatewaysAvailable().nginx)('x', () => {});")).toEqual([
        'x.test.ts:1: skipIf(!gatewaysAvailable().nginx) decides a skip on its own; use skipIf(missing(...)) or skipIf(missingPart(...)) from test/helpers/real-parts.ts',
      ]);
      expect(one("describe.runIf(hasChromium)('x', () => {});")).toHaveLength(1);
      expect(one("const noTmpfs = problem !== null;\nit.skipIf(noTmpfs)('x', () => {});")).toHaveLength(1);
    });
    it('an unconditional or dynamic skip', () => {
      expect(one("it.skip('x', () => {});")).toHaveLength(1);
      expect(one("it('x', (ctx) => { ctx.skip(); });")).toHaveLength(1);
    });
    it("a part's path or name used without the helper, or a lookup of its own", () => {
      expect(one("const CHROMIUM = '/usr/bin/chromium';")).toHaveLength(1);
      expect(one("execFileSync('openssl', ['version']);")).toHaveLength(1);
      expect(one('export function findBinary(name: string) {}')).toHaveLength(1);
    });
    it('a part used with no missing() in the file', () => {
      expect(one("it('x', async () => { await startNginx(opts); });")).toHaveLength(1);
    });
    it('the helper used as meant passes; prose in comments does not count', () => {
      expect(
        one(
          [
            '// process.env.CI is read by the helper only; it.skip( would be wrong',
            '/** spawn("nginx") */',
            "const noTmpfs = missingPart('a tmpfs', problem);",
            "describe.skipIf(missing('nginx', 'haproxy'))('x', () => {",
            "  it.skipIf(missing(kind))('y', async () => { await startNginx(opts); });",
            "  it.skipIf(noTmpfs)('z', () => { execFileSync(partPath('openssl'), ['version']); });",
            '});',
          ].join('\n'),
        ),
      ).toEqual([]);
    });
  });
});

describe('test/helpers/real-parts.ts', () => {
  const ci = process.env.CI;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
    vi.restoreAllMocks();
  });

  it('in CI a missing part fails, naming it', () => {
    process.env.CI = 'true';
    expect(() => missingPart('a 64 KiB tmpfs', 'mount: permission denied')).toThrow(
      'missing real part: a 64 KiB tmpfs: mount: permission denied (CI is set: a part the tests need may not be skipped)',
    );
  });

  it('outside CI a missing part is a skip with one line naming it, written once', () => {
    delete process.env.CI;
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    expect(missingPart('a broker', 'not listening on 127.0.0.1:4222')).toBe(true);
    expect(missingPart('a broker', 'not listening on 127.0.0.1:4222')).toBe(true);
    expect(written).toEqual(['skipping the tests that need a broker: not listening on 127.0.0.1:4222\n']);
  });

  it('a part that is there is no skip, in CI or not', () => {
    process.env.CI = 'false';
    expect(missingPart('a tmpfs', null)).toBe(false);
    process.env.CI = 'true';
    expect(missingPart('a tmpfs', null)).toBe(false);
  });

  it('CI=false and CI=0 are not CI', () => {
    for (const value of ['false', '0', '']) {
      process.env.CI = value;
      vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      expect(missingPart(`a part (CI=${JSON.stringify(value)})`, 'absent')).toBe(true);
    }
  });
});
