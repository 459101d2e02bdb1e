/**
 * How the bench starts wsload: the way the installed `wsload` command starts (npx, npm link, a
 * global install, the Docker image's ENTRYPOINT), which is bin/wsload.js run through its `#!` line,
 * `#!/usr/bin/env -S NAME=value … node --flag …`: those variables and node flags, with this
 * bench's own node. `node bin/wsload.js` alone skips the line, so a bench that ran it that way would
 * measure a start-up no user of the command gets. BENCH_WSLOAD_LAUNCH=node does that on purpose
 * (the A/B of the line itself).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The variables and node flags on a `#!/usr/bin/env [-S] [NAME=value …] node [flags …]` line.
 * Pure, for test/unit/bench-launcher.test.ts.
 * @param {string} firstLine
 * @returns {{ env: Record<string, string>, nodeArgs: string[] }}
 */
export function parseShebang(firstLine) {
  const m = /^#!\s*\S*\/env\s+(?:-S\s+)?(.*)$/.exec(firstLine.trim());
  if (!m) throw new Error(`bin/wsload.js: not a #!/usr/bin/env line: ${firstLine}`);
  const words = m[1].split(/\s+/).filter(Boolean);
  /** @type {Record<string, string>} */
  const env = {};
  let i = 0;
  for (; i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]); i++) {
    const eq = words[i].indexOf('=');
    env[words[i].slice(0, eq)] = words[i].slice(eq + 1);
  }
  if (words[i] !== 'node') throw new Error(`bin/wsload.js: the #! line does not run node: ${firstLine}`);
  return { env, nodeArgs: words.slice(i + 1) };
}

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
  const first = readFileSync(join(root, 'bin/wsload.js'), 'utf8').split('\n', 1)[0];
  const { env, nodeArgs } = parseShebang(first);
  return { args: [...nodeArgs, 'bin/wsload.js', ...args], env };
}
