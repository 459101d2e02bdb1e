/**
 * What the npm package carries (issue 23): `npm pack` as a publish makes it (prepack builds dist/
 * and strips `prepare`, postpack restores package.json), then the tarball itself is read: built
 * code and no install-time script (npm 11 warns about each one it meets), and every file its
 * README and docs link to, docs/ and deploy/ included. Installing it is library-pack.test.ts's.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/run-helpers.js';

const dir = tempDir('wsload-package-');
// A pack cut short between prepack and postpack leaves package.json stripped: put it back.
afterAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts/pack-manifest.mjs'), 'restore']);
  rmSync(dir, { recursive: true, force: true });
});

interface Packed {
  files: Set<string>;
  manifest: { scripts?: Record<string, string>; files?: string[] };
  /** package.json of the repository before and after the pack, byte for byte. */
  before: string;
  after: string;
}

let packed: Packed | null = null;

/** Packs once for every test of the file. */
function packOnce(): Packed {
  if (packed) return packed;
  const before = readFileSync(join(ROOT, 'package.json'), 'utf8');
  const out = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 180_000,
    }),
  ) as { filename: string }[];
  const after = readFileSync(join(ROOT, 'package.json'), 'utf8');
  const tarball = join(dir, out[0].filename);
  const files = new Set(
    execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter((f) => !f.endsWith('/'))
      .map((f) => f.replace(/^package\//, '')),
  );
  const manifest = JSON.parse(
    execFileSync('tar', ['xzf', tarball, '-O', 'package/package.json'], { encoding: 'utf8' }),
  ) as Packed['manifest'];
  packed = { files, manifest, before, after };
  return packed;
}

/** Every markdown page the package ships that a reader follows links from. */
function shippedPages(files: ReadonlySet<string>): string[] {
  return [...files].filter((f) => f.endsWith('.md')).sort();
}

/** Files a page points at: relative markdown links, and repository paths in backticks under the shipped folders. */
function pointedAt(page: string): string[] {
  const text = readFileSync(join(ROOT, page), 'utf8');
  const out: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
    if (/^[a-z]+:/i.test(target)) continue; // a web page
    out.push(normalize(join(dirname(page), target)));
  }
  // `docs/…`, `deploy/…` named from the repository root in prose: a user of the package opens them there.
  for (const [, path] of text.matchAll(/`((?:docs|deploy|schema)\/[A-Za-z0-9_./-]+)`/g)) out.push(normalize(path));
  return out.map((f) => f.replace(/\/$/, ''));
}

describe('the npm package', () => {
  it('is built code with no install-time script, and packing leaves package.json as it was', { timeout: 240_000 }, () => {
    const p = packOnce();
    expect(p.after).toBe(p.before);
    expect(readdirSync(ROOT)).not.toContain('.package.json.prepack');
    const installScripts = Object.keys(p.manifest.scripts ?? {}).filter((k) =>
      ['preinstall', 'install', 'postinstall', 'prepare'].includes(k),
    );
    expect(installScripts).toEqual([]);
    // The repository keeps its prepare: `npm install` in a clone builds dist/ (README set-up).
    expect((JSON.parse(p.before) as { scripts: Record<string, string> }).scripts.prepare).toBe('npm run build');
    for (const f of ['bin/wsload.js', 'dist/api.js', 'dist/api.d.ts', 'dist/cli/main.js', 'schema/scenario.schema.json'])
      expect(p.files, f).toContain(f);
    expect([...p.files].some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false);
  });

  it('carries every file its README and docs link to, docs/ and deploy/ whole', { timeout: 240_000 }, () => {
    const p = packOnce();
    const pages = shippedPages(p.files);
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'docs/kubernetes.md', 'docs/wss.md', 'scenarios/README.md']));
    const missingTargets = pages.flatMap((page) =>
      pointedAt(page)
        .filter((f) => !p.files.has(f) && ![...p.files].some((x) => x.startsWith(`${f}/`)))
        .map((f) => `${page} → ${f}`),
    );
    // scenarios/certs/ca.pem is the file a user makes (docs/wss.md).
    expect(missingTargets.filter((m) => !m.endsWith('scenarios/certs/ca.pem'))).toEqual([]);
    const tracked = execFileSync('git', ['ls-files', 'docs', 'deploy'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
    // Ignore files stay behind: the control-tls overlay's .gitignore keeps users' keys out of a pack too.
    expect(tracked.filter((f) => !p.files.has(f) && !f.endsWith('.gitignore'))).toEqual([]);
  });
});
