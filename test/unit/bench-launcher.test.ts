/**
 * The bench starts wsload as the installed command does (bin/wsload.js's `#!` line: its variables
 * and node flags, with the bench's own node), so its RSS figures are those of the command a user
 * runs, not of `node bin/wsload.js`, which skips the line.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error bench/ is plain JavaScript without declarations
import { wsloadCommand } from '../../bench/launcher.js';
import { launchLineOf } from '../../dist/coordinator/launch-line.js';

const commandOf = wsloadCommand as (root: string, args: string[], launch?: string) => { args: string[]; env: Record<string, string> };
const ROOT = new URL('../../', import.meta.url).pathname;

describe('bench/launcher.js', () => {
  it("starts bin/wsload.js with its own #! line's settings", () => {
    // The line's parsing is checked in launch-line.test.ts.
    const { env, nodeArgs } = launchLineOf(`${ROOT}bin/wsload.js`);
    expect(env.MALLOC_ARENA_MAX).toBe('2');
    expect(nodeArgs).toContain('--max-semi-space-size=1');
    expect(commandOf(ROOT, ['run', 'x.json'], 'shebang')).toEqual({ args: [...nodeArgs, 'bin/wsload.js', 'run', 'x.json'], env });
    expect(commandOf(ROOT, ['run', 'x.json'], 'node')).toEqual({ args: ['bin/wsload.js', 'run', 'x.json'], env: {} });
  });

  it('refuses a #! line it cannot read rather than measure plain node (launchLineOf, strict)', () => {
    const root = mkdtempSync(join(tmpdir(), 'wsload-bench-launch-'));
    mkdirSync(join(root, 'bin'));
    writeFileSync(join(root, 'bin/wsload.js'), '#!/opt/weird/launcher --x\n');
    expect(() => commandOf(root, ['run', 'x.json'], 'shebang')).toThrow(`${join(root, 'bin/wsload.js')}: not a #!/usr/bin/env line`);
  });
});
