/**
 * The one rule of direction (src/layers.ts): every relative import in src/ goes to the importer's own
 * folder or to a folder below it. Parses imports with a regex; no dependency graph library needed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LAYERS, ROOT_FILE_LAYERS } from '../../src/layers.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
// `import … from '…'`, `export … from '…'`, `import '…'`, `import('…')`, and worker entries `new URL('…', import.meta.url)`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\bnew URL\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** The layer of a src-relative path ("report/build.ts" → "report", "errors.ts" → ""). */
function layerOf(file: string): string {
  const parts = file.split('/');
  return parts.length === 1 ? (ROOT_FILE_LAYERS[file] ?? '') : parts[0];
}

/** Imported src-relative modules of one module's text, resolved against its path; files outside src/ (package.json, dist/) are not modules of a layer. */
function importsOf(file: string, text: string): string[] {
  return [...text.matchAll(SPECIFIER)]
    .map((m) => normalize(join(dirname(file), m[1])))
    .filter((path) => !path.startsWith('..') && path.endsWith('.js'))
    .map((path) => path.replace(/\.js$/, '.ts'));
}

/** "a.ts → b.ts" for every import of `files` that goes to a layer above the importer's. */
function upwardImports(files: ReadonlyMap<string, string>): string[] {
  const rank = (file: string): number => LAYERS.indexOf(layerOf(file));
  const found: string[] = [];
  for (const [file, text] of files) {
    for (const imported of importsOf(file, text)) {
      if (rank(imported) < rank(file))
        found.push(`${file} → ${imported} (${layerOf(file) || 'src/'} may not import ${layerOf(imported) || 'src/'})`);
    }
  }
  return found;
}

const files = new Map(sourceFiles(SRC).map((path) => [relative(SRC, path), readFileSync(path, 'utf8')] as const));

describe('layering of src/', () => {
  it('finds the imports it checks (the parser is not silently empty)', () => {
    const total = [...files].reduce((n, [file, text]) => n + importsOf(file, text).length, 0);
    expect(total).toBeGreaterThan(200);
    // The worker entry is named by URL (new URL('../../worker/worker.js', import.meta.url)), still an import of a layer.
    expect(importsOf('driver/phases/spawn.ts', files.get('driver/phases/spawn.ts') ?? '')).toContain('worker/worker.ts');
  });

  it('every import goes to the same folder or a folder below it', () => {
    expect(upwardImports(files)).toEqual([]);
  });

  it('every import resolves to a file in src/', () => {
    const missing = [...files].flatMap(([file, text]) =>
      importsOf(file, text)
        .filter((i) => !files.has(i))
        .map((i) => `${file} → ${i}`),
    );
    expect(missing).toEqual([]);
  });

  it('every folder of src/ is in the declared order, and every declared folder exists', () => {
    const folders = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory());
    expect(folders.filter((f) => !LAYERS.includes(f))).toEqual([]);
    expect(LAYERS.filter((l) => l !== '' && !folders.includes(l) && !Object.values(ROOT_FILE_LAYERS).includes(l))).toEqual([]);
  });

  it('reports an upward import by file and imported file', () => {
    const fake = new Map([['metrics/aggregate.ts', "import { x } from '../driver/driver.js';\nimport type { Y } from './histogram.js';"]]);
    expect(upwardImports(fake)).toEqual(['metrics/aggregate.ts → driver/driver.ts (metrics may not import driver)']);
  });

  it('docs/architecture.md states the same order and maps every file of src/', () => {
    const doc = readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8');
    expect(doc).toContain(LAYERS.map((l) => l || 'src/*.ts').join(' → '));
    expect([...files.keys()].filter((file) => !doc.includes(`\`src/${file}\``))).toEqual([]);
  });
});
