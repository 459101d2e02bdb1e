#!/usr/bin/env node
// The packed package.json without `prepare`: `npm pack` and `npm publish` run `prepack` (build, then
// `strip`) and `postpack` (`restore`). A git clone needs `prepare` so that `npm install` builds
// dist/; the package ships dist/ built, and npm 11 warns about any install-time script of a
// package it installs ("install scripts not yet covered by allowScripts"), so the tarball must
// have none. npm reads package.json again after `prepack`, so the tarball gets the stripped copy.
//
//   node scripts/pack-manifest.mjs strip     keep the original beside it, write it without prepare
//   node scripts/pack-manifest.mjs restore   put the original back (byte for byte)
//
// A pack that failed between the two leaves the backup: the next `strip` restores it first, so the
// working copy never loses its `prepare` for good.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const manifest = fileURLToPath(new URL('../package.json', import.meta.url));
const backup = fileURLToPath(new URL('../.package.json.prepack', import.meta.url));
/** Scripts npm runs when it installs a package; none may ship. */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

function restore() {
  if (existsSync(backup)) renameSync(backup, manifest);
}

const verb = process.argv[2];
if (verb === 'strip') {
  restore();
  const text = readFileSync(manifest, 'utf8');
  const pkg = JSON.parse(text);
  for (const name of INSTALL_SCRIPTS) delete pkg.scripts?.[name];
  writeFileSync(backup, text);
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (verb === 'restore') {
  restore();
} else {
  process.stderr.write('usage: node scripts/pack-manifest.mjs strip|restore\n');
  process.exitCode = 2;
}
