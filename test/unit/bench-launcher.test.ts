/**
 * The bench starts wsload as the installed command does (bin/wsload.js's `#!` line: its variables
 * and node flags, with the bench's own node), so its RSS figures are those of the command a user
 * runs, not of `node bin/wsload.js`, which skips the line.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error bench/ is plain JavaScript without declarations
import { parseShebang, wsloadCommand } from '../../bench/launcher.js';

type Parsed = { env: Record<string, string>; nodeArgs: string[] };
const parse = parseShebang as (line: string) => Parsed;
const commandOf = wsloadCommand as (root: string, args: string[], launch?: string) => { args: string[]; env: Record<string, string> };
const ROOT = new URL('../../', import.meta.url).pathname;

describe('bench/launcher.js', () => {
  it('reads variables and node flags from a #!/usr/bin/env -S line', () => {
    expect(parse('#!/usr/bin/env -S A=1 B_=x node --f=1 --g')).toEqual({ env: { A: '1', B_: 'x' }, nodeArgs: ['--f=1', '--g'] });
    expect(parse('#!/usr/bin/env node')).toEqual({ env: {}, nodeArgs: [] });
    expect(() => parse('#!/bin/sh')).toThrow(/not a #!\/usr\/bin\/env line/);
    expect(() => parse('#!/usr/bin/env -S A=1 deno run')).toThrow(/does not run node/);
  });

  it("starts bin/wsload.js with its own #! line's settings", () => {
    const first = readFileSync(new URL('../../bin/wsload.js', import.meta.url), 'utf8').split('\n', 1)[0];
    const { env, nodeArgs } = parse(first);
    expect(env.MALLOC_ARENA_MAX).toBe('2');
    expect(nodeArgs).toContain('--max-semi-space-size=1');
    expect(commandOf(ROOT, ['run', 'x.json'], 'shebang')).toEqual({ args: [...nodeArgs, 'bin/wsload.js', 'run', 'x.json'], env });
    expect(commandOf(ROOT, ['run', 'x.json'], 'node')).toEqual({ args: ['bin/wsload.js', 'run', 'x.json'], env: {} });
  });
});
