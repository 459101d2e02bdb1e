/**
 * The published package works: `npm pack` of this repository installed into a scratch ESM project,
 * whose script imports { run, compare, loadScenario } from 'wsload', runs a small scenario against
 * the embedded target and type-checks a TypeScript consumer against the shipped declarations.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
 * Installs the tarball offline. `npm install <tarball>` would need registry metadata the cache does
 * not hold after `npm ci`, so the scratch project gets a lockfile pinning the same dependency
 * versions this repository locks (their tarballs are in the cache). Where even that fails, the
 * package is unpacked from the tarball and only its dependencies come from this repository.
 */
function install(tarball: string): 'npm ci' | 'unpacked' {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lock;
  const own = lock.packages[''];
  const typesNode = lock.packages['node_modules/@types/node'].version as string;
  const spec = `file:${tarball}`;
  const manifest = { name: 'scratch', version: '1.0.0', private: true, type: 'module', dependencies: { wsload: spec }, devDependencies: { '@types/node': typesNode } };
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
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
  try {
    sh('npm', ['ci', '--offline', '--no-audit', '--no-fund'], project);
    return 'npm ci';
  } catch {
    const pkg = join(project, 'node_modules/wsload');
    rmSync(join(project, 'node_modules'), { recursive: true, force: true });
    mkdirSync(pkg, { recursive: true });
    sh('tar', ['xzf', tarball, '-C', pkg, '--strip-components=1'], project);
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
    symlinkSync(join(ROOT, 'node_modules/@types'), join(project, 'node_modules/@types'));
    return 'unpacked';
  }
}

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
  loadScenario: typeof loadScenario,
  progress,
  expected: report.fanout.expected,
  delivered: report.fanout.delivered,
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
  compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'], skipLibCheck: true },
  files: ['consumer.ts'],
};

describe('the packed package', () => {
  it('installs from npm pack, runs a scenario through its API and type-checks a consumer', { timeout: 300_000 }, () => {
    assertBuilt();
    expect(existsSync(join(ROOT, 'dist/api.d.ts'))).toBe(true);
    const how = install(pack());
    expect(existsSync(join(project, 'node_modules/wsload/dist/api.js'))).toBe(true);
    // Built code ships: nothing for npm to run at install (npm 11 warns about any such script).
    const installed = JSON.parse(readFileSync(join(project, 'node_modules/wsload/package.json'), 'utf8')) as { scripts?: Record<string, string> };
    expect(Object.keys(installed.scripts ?? {}).filter((k) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(k))).toEqual([]);

    writeFileSync(join(project, 'script.mjs'), SCRIPT);
    const result = JSON.parse(sh(process.execPath, ['script.mjs'], project)) as Record<string, unknown>;
    // The package came from the tarball, not from this checkout.
    expect(result.resolved, how).toBe(`file://${join(project, 'node_modules/wsload/dist/api.js')}`);
    expect(result.loadScenario).toBe('function');
    expect(result.opened).toBe(20);
    expect(result.expected).toBeGreaterThan(0);
    expect(result.delivered).toBe(result.expected);
    expect(result.progress).toBeGreaterThan(0);
    expect(result.rows).toBeGreaterThan(0);

    writeFileSync(join(project, 'consumer.ts'), CONSUMER);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    let typeErrors = '';
    try {
      sh(process.execPath, [tsc, '-p', 'tsconfig.json'], project);
    } catch (err) {
      typeErrors = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(typeErrors).toBe('');

    // The command still works from the installed package.
    expect(sh(process.execPath, [join(project, 'node_modules/wsload/bin/wsload.js'), '--version'], project).trim()).toBe(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    );
  });
});
