/**
 * Module hooks (node:module `register`, from bench/test-helpers.js) that let the bench import the
 * test helpers as they are: a .ts file under test/helpers is transpiled when imported, with the
 * project's own TypeScript (types stripped only: `npx tsc -p tsconfig.test.json` checks them), and
 * a relative `./x.js` imported from one finds `./x.ts`, as tsc resolves it. Nothing else is touched.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const HELPERS = new URL('../test/helpers/', import.meta.url).href;

const isHelperTs = (url) => url !== undefined && url.startsWith(HELPERS) && url.endsWith('.ts');

export async function resolve(specifier, context, next) {
  if (isHelperTs(context.parentURL) && specifier.startsWith('.') && specifier.endsWith('.js')) {
    const ts = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (ts.href.startsWith(HELPERS) && existsSync(fileURLToPath(ts))) return { url: ts.href, shortCircuit: true };
  }
  return next(specifier, context);
}

/** TypeScript, loaded once and only when a helper is (it takes a second or so). */
let typescript;

export async function load(url, context, next) {
  if (!isHelperTs(url)) return next(url, context);
  typescript ??= (await import('typescript')).default;
  const file = fileURLToPath(url);
  const { outputText } = typescript.transpileModule(await readFile(file, 'utf8'), {
    fileName: file,
    compilerOptions: { module: typescript.ModuleKind.ESNext, target: typescript.ScriptTarget.ES2022, sourceMap: false },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
