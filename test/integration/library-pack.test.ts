/**
 * The published package works: `npm pack` of this repository installed into a scratch ESM project
 * outside the repository, whose script imports { run, compare, loadScenario } from 'wsload', runs a
 * small scenario against the embedded target and type-checks a TypeScript consumer against the
 * shipped declarations; and the library example of docs/library.md runs as printed against it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/run-helpers.js';

const dir = tempDir('wsload-pack-');
// A pack cut short between prepack and postpack leaves package.json stripped: put it back.
afterAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts/pack-manifest.mjs'), 'restore']);
  rmSync(dir, { recursive: true, force: true });
});
const project = join(dir, 'project');

interface LockEntry {
  version?: string;
  dev?: boolean;
  [key: string]: unknown;
}
interface Lock {
  packages: Record<string, LockEntry>;
}

function sh(cmd: string, args: string[], cwd: string, timeout = 60_000): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout });
}

/** `npm pack` of the repository into `dir`, as a publish makes it; returns the tarball's path. */
function pack(): string {
  // With its scripts: prepack builds dist/ and packs package.json without `prepare` (postpack puts it back).
  const out = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', dir], ROOT, 180_000)) as { filename: string }[];
  return join(dir, out[0].filename);
}

/**
 * Installs the tarball offline into the scratch project, which lies outside this repository (the
 * system temp directory), so nothing it loads can come from this checkout's node_modules.
 * `npm install <tarball>` would need registry metadata the cache does not hold after `npm ci`, so
 * the project gets a lockfile pinning the same dependency versions this repository locks (their
 * tarballs are in the cache `npm ci` filled). When that install fails, so does the test: there is
 * no fallback onto this repository's node_modules.
 */
function install(tarball: string): void {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lock;
  const own = lock.packages[''];
  const typesNode = lock.packages['node_modules/@types/node'].version as string;
  const spec = `file:${tarball}`;
  const manifest = {
    name: 'scratch',
    version: '1.0.0',
    private: true,
    type: 'module',
    dependencies: { wsload: spec },
    devDependencies: { '@types/node': typesNode },
  };
  const packages: Record<string, unknown> = {
    '': { name: 'scratch', version: '1.0.0', dependencies: manifest.dependencies, devDependencies: manifest.devDependencies },
    'node_modules/wsload': { version: own.version, resolved: spec, dependencies: own.dependencies, bin: own.bin, engines: own.engines },
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    const forTypes = key === 'node_modules/@types/node' || key === 'node_modules/undici-types';
    if (key.startsWith('node_modules/') && (!entry.dev || forTypes)) packages[key] = forTypes ? { ...entry, dev: true } : entry;
  }
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(
    join(project, 'package-lock.json'),
    JSON.stringify({ name: 'scratch', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2),
  );
  try {
    sh('npm', ['ci', '--offline', '--no-audit', '--no-fund'], project);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(
      `npm ci --offline of the packed wsload failed in ${project} (the npm cache should hold this repository's locked dependencies after its own npm ci):\n${e.stderr ?? e.message}`,
    );
  }
}

/** Runs node in the scratch project with nothing pointing back at this checkout. */
function node(args: string[], cwd = project): string {
  const env = { ...process.env };
  delete env.NODE_PATH;
  delete env.NODE_OPTIONS;
  return execFileSync(process.execPath, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

/** The package's runtime dependencies, from its manifest. */
const DEPENDENCIES = Object.keys(
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies,
);

const SCRIPT = `
import { run, compare, loadScenario } from 'wsload';
const handle = run(
  { name: 'pack', target: 'embedded', connections: 20, connectRate: 200, duration: '2s', workers: 1, publish: { rate: 5 } },
  { tickMs: 250 },
);
let progress = 0;
handle.on('progress', () => progress++);
const report = await handle;
const comparison = compare(report, report);
process.stdout.write(JSON.stringify({
  resolved: import.meta.resolve('wsload'),
  dependencies: Object.fromEntries(DEPENDENCIES.map((d) => [d, import.meta.resolve(d)])),
  loadScenario: typeof loadScenario,
  progress,
  published: report.fanout.published,
  expected: report.fanout.expected,
  delivered: report.fanout.delivered,
  lost: report.fanout.lost,
  opened: report.connections.opened,
  rows: comparison.rows.length,
}));
`;

// Its expect-error lines fail the check when a type silently became any (a declaration not found).
const CONSUMER = `
import { run, compare, merge, loadScenario, ScenarioError, type Progress, type Report, type RunHandle } from 'wsload';
const handle: RunHandle = run({ name: 'types', connections: 1, duration: '1s' }, { out: null, tickMs: 200 });
handle.on('progress', (p: Progress) => p.open.toFixed());
handle.on('interval', (line) => line.fanoutMs.p99.toFixed());
handle.on('done', (report) => report.fanout.lost.toFixed());
// @ts-expect-error: not an event of a run
handle.on('no-such-event', () => {});
// @ts-expect-error: a scenario needs connections
run({ name: 'x', duration: '1s' });
export async function check(): Promise<number> {
  const report: Report = await handle;
  // @ts-expect-error: delivered is a number
  const wrong: string = report.fanout.delivered;
  const rows = compare(report, merge([report, report])).rows.length;
  const scenario = await loadScenario('scenario.json');
  return rows + scenario.durationMs + wrong.length + new ScenarioError([]).issues.length;
}
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    types: ['node'],
    skipLibCheck: true,
  },
  files: ['consumer.ts'],
};

/** The library example (the first ```js block of docs/library.md, the page the README links to), as printed there. */
function libraryExample(): string {
  const page = readFileSync(join(ROOT, 'docs/library.md'), 'utf8');
  const block = /```js\n([\s\S]*?)```/.exec(page)?.[1];
  if (block === undefined) throw new Error('docs/library.md: no ```js block');
  return block;
}

describe('the packed package', () => {
  beforeAll(() => {
    assertBuilt();
    expect(existsSync(join(ROOT, 'dist/api.d.ts'))).toBe(true);
    expect(relative(ROOT, project).startsWith('..'), `${project} must lie outside ${ROOT}`).toBe(true);
    install(pack());
  }, 300_000);

  it('installs from npm pack, runs a scenario through its API and type-checks a consumer', { timeout: 120_000 }, () => {
    expect(existsSync(join(project, 'node_modules/wsload/dist/api.js'))).toBe(true);
    // Real directories of the install, not links back into this checkout.
    expect(lstatSync(join(project, 'node_modules')).isSymbolicLink()).toBe(false);
    expect(lstatSync(join(project, 'node_modules/wsload')).isSymbolicLink()).toBe(false);
    // Built code ships: nothing for npm to run at install (npm 11 warns about any such script).
    const installed = JSON.parse(readFileSync(join(project, 'node_modules/wsload/package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    expect(Object.keys(installed.scripts ?? {}).filter((k) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(k))).toEqual([]);

    writeFileSync(join(project, 'script.mjs'), `const DEPENDENCIES = ${JSON.stringify(DEPENDENCIES)};\n${SCRIPT}`);
    const result = JSON.parse(node(['script.mjs'])) as { resolved: string; dependencies: Record<string, string>; [key: string]: unknown };
    // The package and every dependency it loads came from the install, not from this checkout.
    expect(result.resolved).toBe(`file://${join(project, 'node_modules/wsload/dist/api.js')}`);
    expect(Object.keys(result.dependencies).sort()).toEqual([...DEPENDENCIES].sort());
    for (const [dep, url] of Object.entries(result.dependencies))
      expect(url, dep).toMatch(new RegExp(`^file://${join(project, 'node_modules', dep)}/`));
    expect(result.loadScenario).toBe('function');
    expect(result.opened).toBe(20);
    expect(result.expected).toBe(20 * (result.published as number));
    expect(result.delivered).toBe(result.expected);
    expect(result.lost).toBe(0);
    expect(result.progress).toBeGreaterThan(0);
    expect(result.rows).toBeGreaterThan(0);

    writeFileSync(join(project, 'consumer.ts'), CONSUMER);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    let typeErrors = '';
    try {
      node([tsc, '-p', 'tsconfig.json']);
    } catch (err) {
      typeErrors = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(typeErrors).toBe('');

    // The command still works from the installed package.
    expect(node([join(project, 'node_modules/wsload/bin/wsload.js'), '--version']).trim()).toBe(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    );
  });

  it('runs the library example of docs/library.md as printed against the installed package', { timeout: 120_000 }, () => {
    const work = join(dir, 'library-example');
    // Emptied first: a retry must find only the reports its own run of the example wrote.
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    writeFileSync(join(project, 'library-example.mjs'), libraryExample());
    const out = node([join(project, 'library-example.mjs')], work);
    // What the example prints: progress, interval lines, the delivery count, then the comparison's rows.
    expect(out).toMatch(/^hold 200\/200 open p99 [\d.]+ ms$/m);
    const totals = /^(\d+) of (\d+) delivered$/m.exec(out);
    expect(totals, out).not.toBeNull();
    const [delivered, expected] = [Number(totals![1]), Number(totals![2])];
    expect(delivered).toBe(expected);
    const perInterval = [...out.matchAll(/^(\d+) deliveries in the last interval$/gm)].map((m) => Number(m[1]));
    expect(perInterval.reduce((a, b) => a + b, 0)).toBe(delivered);
    // The rows compare the example's first run with its second, 200 sockets each.
    expect(out).toMatch(/^connections\.firstOpened 200 → 200 \w+$/m);
    expect(out).toMatch(/^fanout\.p99 [\d.]+ → [\d.]+ \w+$/m);
    // Each report went where its `out` said, the second with the counts printed.
    const report = JSON.parse(readFileSync(join(work, 'reports/lib-after.json'), 'utf8')) as {
      fanout: { published: number; expected: number; delivered: number; lost: number };
    };
    expect(report.fanout).toMatchObject({ expected, delivered, lost: 0 });
    expect(report.fanout.expected).toBe(report.fanout.published * 200);
    expect(existsSync(join(work, 'reports/lib-before.json'))).toBe(true);
    expect(existsSync(join(work, 'reports/lib-after.ndjson'))).toBe(true);
  });
});
