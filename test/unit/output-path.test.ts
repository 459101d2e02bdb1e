import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutputPath, checkRunOutputs } from '../../src/report/output-path.js';

const dir = mkdtempSync(join(tmpdir(), 'wsload-output-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkOutputPath', () => {
  it('accepts a file in directories still to be created, and creates nothing', () => {
    expect(() => checkOutputPath('--out', join(dir, 'a', 'b', 'r.json'), [])).not.toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('sees an input through a symlinked directory', () => {
    // A folder per try: a retry would fail on the directory and link its first try made.
    const at = mkdtempSync(join(dir, 'link-'));
    const real = join(at, 'real');
    mkdirSync(real);
    writeFileSync(join(real, 'in.json'), '{}');
    symlinkSync(real, join(at, 'link'));
    expect(() => checkOutputPath('--out', join(at, 'link', 'in.json'), [{ path: join(real, 'in.json'), role: 'an input report' }])).toThrow(
      /^--out .*link\/in\.json: is an input report; refusing to overwrite it$/,
    );
  });

  it('names the sidecar that collides with an input', () => {
    const scenario = join(dir, 'x.ndjson');
    writeFileSync(scenario, '{}');
    expect(() => checkRunOutputs('--out', join(dir, 'x.json'), scenario, { ca: null, cert: null, key: null })).toThrow(
      /^--out .*x\.json: its timeline .*x\.ndjson is the scenario file; refusing to overwrite it$/,
    );
  });
});
