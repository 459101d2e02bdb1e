/**
 * The Dockerfile cannot be built here (no docker), so its key facts are checked by reading it:
 * node:20-slim, a build stage with dev dependencies and a final stage with production ones only,
 * every file it copies exists and is not excluded by .dockerignore, and it runs `wsload` as a
 * numeric non-root user (what Kubernetes' runAsNonRoot can verify).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

interface Instruction {
  op: string;
  args: string;
}

interface Stage {
  from: string;
  steps: Instruction[];
}

/** Dockerfile instructions grouped by stage (line continuations joined, comments dropped). */
function stages(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  const out: Stage[] = [];
  for (const line of lines) {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [, op, args] = m as unknown as [string, string, string];
    if (op === 'FROM') out.push({ from: args.trim(), steps: [] });
    else out.at(-1)?.steps.push({ op, args: args.trim() });
  }
  return out;
}

/** Paths of the build context a COPY reads (not --from copies). */
function contextSources(stage: Stage): string[] {
  return stage.steps.filter((s) => s.op === 'COPY' && !s.args.startsWith('--from')).flatMap((s) => s.args.split(/\s+/).slice(0, -1));
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const [build, final] = stages(dockerfile) as [Stage, Stage];
const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  bin: Record<string, string>;
  files: string[];
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Package names src/ imports (static or dynamic), e.g. 'ws', 'node:fs'. */
function importedPackages(dir: string): Set<string> {
  const found = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) for (const p of importedPackages(path)) found.add(p);
    else if (entry.name.endsWith('.ts')) {
      const text = readFileSync(path, 'utf8');
      // Import and export statements and import() calls only: `from 'x'` inside a comment is prose.
      for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*'([^'.][^']*)'|\bimport\(\s*'([^'.][^']*)'/gm)) {
        const spec = (m[1] ?? m[2]) as string;
        found.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
      }
    }
  }
  return found;
}

describe('Dockerfile', () => {
  it('has two stages, both on node:20-slim: build, then the final image', () => {
    expect(stages(dockerfile)).toHaveLength(2);
    expect(build.from).toBe('node:20-slim AS build');
    expect(final.from).toBe('node:20-slim');
  });

  it('builds with dev dependencies and ships production dependencies only', () => {
    const runs = (s: Stage): string =>
      s.steps
        .filter((i) => i.op === 'RUN')
        .map((i) => i.args)
        .join('\n');
    expect(runs(build)).toMatch(/npm ci\b/);
    expect(runs(build)).toMatch(/npm run build/);
    expect(runs(final)).toMatch(/npm ci --omit=dev\b/);
    expect(runs(final)).not.toMatch(/npm (install|run build)/);
    expect(final.steps).toContainEqual({ op: 'COPY', args: '--from=build /app/dist ./dist' });
  });

  it('copies files that exist and that .dockerignore lets through, and everything the package ships', () => {
    const sources = [...contextSources(build), ...contextSources(final)];
    for (const src of sources) {
      expect(existsSync(join(ROOT, src)), `${src} exists`).toBe(true);
      expect(
        ignored.some((pattern) => src === pattern || src.startsWith(`${pattern}/`)),
        `${src} not in .dockerignore`,
      ).toBe(false);
    }
    // What `npm pack` ships (package.json "files") is what the image holds: dist from the build stage.
    for (const f of pkg.files) expect([...contextSources(final), 'dist'], f).toContain(f);
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
  });

  it('package-lock.json matches package.json (npm ci refuses a lock out of sync)', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dependencies?: Record<string, string>; devDependencies?: Record<string, string> }>;
    };
    const root = lock.packages[''];
    expect(root?.dependencies).toEqual(pkg.dependencies);
    expect(root?.devDependencies).toEqual(pkg.devDependencies);
  });

  it('production dependencies are all the CLI imports (npm ci --omit=dev leaves nothing out)', () => {
    const missing = [...importedPackages(join(ROOT, 'src'))].filter(
      (p) => !p.startsWith('node:') && !builtinModules.includes(p) && p !== pkg.name && !(p in pkg.dependencies),
    );
    expect(missing).toEqual([]);
  });

  it('runs `wsload` (the package bin) as a numeric non-root user', () => {
    expect(final.steps.filter((s) => s.op === 'ENTRYPOINT').at(-1)?.args).toBe('["wsload"]');
    const link = /ln -s (\S+) \/usr\/local\/bin\/wsload/.exec(final.steps.map((s) => s.args).join('\n'));
    expect(link?.[1]).toBe(`/app/${pkg.bin.wsload?.replace(/^\.\//, '') ?? ''}`);
    const user = final.steps.filter((s) => s.op === 'USER').at(-1)?.args ?? '';
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
  });
});
