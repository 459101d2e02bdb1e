#!/usr/bin/env node
// Rewrites the generated table of docs/exit-codes.md from src/cli/exit-codes.ts (run after
// `npm run build`: node scripts/generate-exit-codes-doc.mjs). test/unit/exit-codes-doc.test.ts
// fails when the committed page differs from this output.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { exitCodesMarkdown } from '../dist/cli/exit-codes.js';

const START = '<!-- generated from src/cli/exit-codes.ts: node scripts/generate-exit-codes-doc.mjs -->';
const END = '<!-- end of generated table -->';
const file = fileURLToPath(new URL('../docs/exit-codes.md', import.meta.url));
const text = readFileSync(file, 'utf8');
const from = text.indexOf(START);
const to = text.indexOf(END);
if (from < 0 || to < from) throw new Error(`${file}: the markers of the generated table are missing`);
writeFileSync(file, `${text.slice(0, from + START.length)}\n${exitCodesMarkdown()}\n${text.slice(to)}`);
process.stdout.write(`wrote ${file}\n`);
