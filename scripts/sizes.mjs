#!/usr/bin/env node
// Lists the rooms that are too big to read at once (issue 24, item 4): functions over FUNCTION_LINES
// lines and files over FILE_LINES lines whose top comment does not say why they are long (a line
// with "Long because" in the first comment block). It only reports: the list is the to-do, not a gate
// (it becomes a test once it is empty). Usage: node scripts/sizes.mjs [dir ...] (default: src).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const FUNCTION_LINES = 80;
const FILE_LINES = 400;
const REASON = /long because/i;

/** Every .ts file under `dir` (not .d.ts), sorted so the output is stable. */
function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The comment block(s) before the first statement: where a file says why it is long. */
function topComment(text) {
  const ranges = ts.getLeadingCommentRanges(text, 0) ?? [];
  return ranges.map((r) => text.slice(r.pos, r.end)).join('\n');
}

function functionName(node, source) {
  if (node.name) return node.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return `${node.parent.name?.getText(source) ?? 'class'} constructor`;
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))) {
    return parent.name.getText(source);
  }
  return '(anonymous)';
}

/** Functions (declarations, methods, arrows, constructors) longer than the limit, outermost and inner alike. */
function longFunctions(path, text) {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > FUNCTION_LINES) found.push({ name: functionName(node, source), line: start + 1, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const roots = process.argv.length > 2 ? process.argv.slice(2) : ['src'];
const functions = [];
const files = [];
for (const root of roots) {
  for (const path of tsFiles(root)) {
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    const where = relative(process.cwd(), path);
    if (lines > FILE_LINES && !REASON.test(topComment(text))) files.push({ where, lines });
    for (const f of longFunctions(path, text)) functions.push({ where: `${where}:${f.line}`, name: f.name, lines: f.lines });
  }
}
functions.sort((a, b) => b.lines - a.lines);
files.sort((a, b) => b.lines - a.lines);
console.log(`Functions over ${FUNCTION_LINES} lines: ${functions.length}`);
for (const f of functions) console.log(`  ${String(f.lines).padStart(4)}  ${f.name}  ${f.where}`);
console.log(`Files over ${FILE_LINES} lines without a "Long because" reason at the top: ${files.length}`);
for (const f of files) console.log(`  ${String(f.lines).padStart(4)}  ${f.where}`);
