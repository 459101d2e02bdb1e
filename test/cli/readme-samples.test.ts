/** The scenario reference's sample of `wsload validate` output (docs/scenario.md) is what wsload prints for the file it describes. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ROOT, wsload } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'wsload-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('docs/scenario.md: the bad.json sample is the real output, line for line, with exit 2', async () => {
  const readme = readFileSync(join(ROOT, 'docs/scenario.md'), 'utf8');
  const sample = /```\n(wsload: bad\.json: [^`]*)```/.exec(readme)?.[1];
  expect(sample, 'docs/scenario.md has a ``` block of wsload: bad.json: lines').toBeDefined();
  writeFileSync(
    join(dir, 'bad.json'),
    JSON.stringify({ name: 'bad', connections: 100, duration: '5 minutes', publish: { rat: 5 } }, null, 2),
  );
  const r = await wsload(['validate', 'bad.json'], { cwd: dir, timeoutMs: 20_000 });
  expect(r.stderr).toBe(sample);
  expect(r.code).toBe(2);
});
