/**
 * How the bench starts wsload: the way the installed `wsload` command starts (npx, npm link, a
 * global install, the Docker image's ENTRYPOINT), which is bin/wsload.js run through its `#!` line,
 * `#!/usr/bin/env -S NAME=value … node --flag …`: those variables and node flags, with this
 * bench's own node. `node bin/wsload.js` alone skips the line, so a bench that ran it that way would
 * measure a start-up no user of the command gets. BENCH_WSLOAD_LAUNCH=node does that on purpose
 * (the A/B of the line itself).
 */
import { join } from 'node:path';
// The same reading of the line as local shards (src/coordinator/launch-line.ts), strict here: a
// bench that quietly started plain node would measure a start-up no user of the command gets.
import { launchLineOf } from '../dist/coordinator/launch-line.js';

/**
 * `node` arguments and added environment that run `bin/wsload.js args…` in `root` as the command does
 * (`launch` 'node': plain `node bin/wsload.js`).
 * @param {string} root
 * @param {string[]} args
 * @param {string | undefined} [launch]
 * @returns {{ args: string[], env: Record<string, string> }}
 */
export function wsloadCommand(root, args, launch = process.env.BENCH_WSLOAD_LAUNCH) {
  if (launch === 'node') return { args: ['bin/wsload.js', ...args], env: {} };
  const { env, nodeArgs } = launchLineOf(join(root, 'bin/wsload.js'), { strict: true });
  return { args: [...nodeArgs, 'bin/wsload.js', ...args], env };
}
