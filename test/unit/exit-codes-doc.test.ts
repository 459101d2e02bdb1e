/** docs/exit-codes.md against the one declaration of exit codes (src/cli/exit-codes.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/errors.js';
import { COMMAND_EXITS, allExitNames, exitCodesMarkdown } from '../../src/cli/exit-codes.js';

const ROOT = join(import.meta.dirname, '../..');

describe('docs/exit-codes.md', () => {
  it('holds the table generated from src/cli/exit-codes.ts (regenerate: npm run build && node scripts/generate-exit-codes-doc.mjs)', () => {
    const page = readFileSync(join(ROOT, 'docs/exit-codes.md'), 'utf8');
    const start = page.indexOf('-->\n', page.indexOf('<!-- generated from src/cli/exit-codes.ts')) + 4;
    const end = page.indexOf('\n<!-- end of generated table -->');
    expect(page.slice(start, end)).toBe(exitCodesMarkdown());
  });

  it('lists every code of EXIT, and every code a command returns is one of them', () => {
    const names = allExitNames();
    for (const name of Object.keys(EXIT)) expect(names).toContain(name);
    for (const codes of Object.values(COMMAND_EXITS)) for (const c of codes) expect(names).toContain(c);
    // Every code the table shows is returned by some command.
    const used = new Set(Object.values(COMMAND_EXITS).flat());
    for (const name of names) expect(used.has(name as never), name).toBe(true);
  });
});
