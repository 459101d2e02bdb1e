/**
 * Local shards start as the `wsload` command does: the variables and node flags of bin/wsload.js's
 * `#!` line, read from the file (src/coordinator/launch-line.ts). The shard processes themselves
 * are checked in test/cli/shards.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { launchLineOf, parseLaunchLine } from '../../src/coordinator/launch-line.js';

const BIN = fileURLToPath(new URL('../../bin/wsload.js', import.meta.url));

describe('the #! line of bin/wsload.js', () => {
  it('gives its variables and node flags; any other line is refused', () => {
    expect(parseLaunchLine('#!/usr/bin/env -S A=1 B_=x node --f=1 --g')).toEqual({ env: { A: '1', B_: 'x' }, nodeArgs: ['--f=1', '--g'] });
    expect(parseLaunchLine('#!/usr/bin/env node')).toEqual({ env: {}, nodeArgs: [] });
    expect(parseLaunchLine('#!/usr/bin/env -S A=1 /nix/store/x-nodejs/bin/node --f')).toEqual({ env: { A: '1' }, nodeArgs: ['--f'] });
    expect(parseLaunchLine('#!/usr/bin/node')).toEqual({ env: {}, nodeArgs: [] });
    expect(() => parseLaunchLine('#!/bin/sh')).toThrow(/not a #!\/usr\/bin\/env line/);
    expect(() => parseLaunchLine('#!/usr/bin/env -S A=1 nodejs-ish')).toThrow(/does not run node/);
    expect(() => parseLaunchLine('#!/usr/bin/env -S A=1 deno run')).toThrow(/does not run node/);
  });

  it("reads the command's settings from the file (the bench starts wsload with them too)", () => {
    const line = launchLineOf(BIN);
    expect(line.env).toMatchObject({ MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072' });
    expect(line.nodeArgs).toEqual(expect.arrayContaining(['--max-semi-space-size=1', '--initial-old-space-size=32']));
  });

  it('gives none for a line it cannot read, so shards still start (as plain node)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'wsload-launch-')), 'wsload.js');
    writeFileSync(file, '#!/opt/weird/launcher --x\n');
    expect(launchLineOf(file)).toEqual({ env: {}, nodeArgs: [] });
  });

  it('strict: the same line, or one line naming the file and what it could not read', () => {
    expect(launchLineOf(BIN, { strict: true })).toEqual(launchLineOf(BIN));
    const dir = mkdtempSync(join(tmpdir(), 'wsload-launch-'));
    const file = join(dir, 'wsload.js');
    writeFileSync(file, '#!/opt/weird/launcher --x\r\nconsole.log(1);\n');
    expect(() => launchLineOf(file, { strict: true })).toThrow(`${file}: not a #!/usr/bin/env line: #!/opt/weird/launcher --x`);
    writeFileSync(file, '#!/usr/bin/env -S A=1 deno run\n');
    expect(() => launchLineOf(file, { strict: true })).toThrow(`${file}: the #! line does not run node: #!/usr/bin/env -S A=1 deno run`);
    const missing = join(dir, 'gone.js');
    expect(() => launchLineOf(missing, { strict: true })).toThrow(`${missing}: cannot read the file (ENOENT)`);
    for (const bad of [file, missing]) {
      const message = (() => {
        try {
          launchLineOf(bad, { strict: true });
          return '';
        } catch (err) {
          return (err as Error).message;
        }
      })();
      expect(message).not.toContain('\n');
      expect(message).not.toContain('\r');
    }
  });
});
