/**
 * How the `wsload` command starts: bin/wsload.js through its `#!/usr/bin/env -S NAME=value … node
 * --flag …` line (issue 22's start-up settings: glibc variables read only at start, V8 heap flags
 * read only when an isolate is made). Local shards are started that way too, read from the file so
 * they follow the line when it changes (bench/launcher.js reads it the same way for the bench,
 * strictly).
 */
import { readFileSync } from 'node:fs';

/** What the line adds: variables (over the inherited environment, as env sets them) and node's flags. */
export interface LaunchLine {
  env: Record<string, string>;
  nodeArgs: string[];
}

/** A word that runs node: `node`, or a path to it (`/usr/bin/node`, a Nix store's `…/bin/node`). */
function isNode(word: string | undefined): boolean {
  return word !== undefined && /(^|\/)node$/.test(word);
}

/**
 * The variables and node flags of a `#!/usr/bin/env [-S] [NAME=value …] node [flags …]` line, or of
 * `#!/path/to/node` as a package manager may rewrite it (no flags then: the kernel passes at most
 * one word after the interpreter); throws on any other.
 */
export function parseLaunchLine(firstLine: string): LaunchLine {
  const direct = /^#!\s*(\S+)\s*$/.exec(firstLine.trim());
  if (direct && isNode(direct[1])) return { env: {}, nodeArgs: [] };
  const m = /^#!\s*\S*\/env\s+(?:-S\s+)?(.*)$/.exec(firstLine.trim());
  if (!m) throw new Error(`not a #!/usr/bin/env line: ${firstLine.trim()}`);
  const words = m[1].split(/\s+/).filter(Boolean);
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]); i++) {
    const eq = words[i].indexOf('=');
    env[words[i].slice(0, eq)] = words[i].slice(eq + 1);
  }
  if (!isNode(words[i])) throw new Error(`the #! line does not run node: ${firstLine.trim()}`);
  return { env, nodeArgs: words.slice(i + 1) };
}

/** Options of launchLineOf. */
export interface LaunchLineOptions {
  /**
   * Throw, one line naming the file and what could not be read, rather than give none: the bench,
   * which would otherwise quietly measure a plain node start-up that no user of the command gets.
   */
  strict?: boolean;
}

/** The first line of `file`; a file that cannot be read throws its error code, not Node's message (which names the file again). */
function firstLineOf(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n', 1)[0];
  } catch (err) {
    throw new Error(`cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/**
 * The launch line of the script `file` (its first line). A line this cannot read (rewritten by a
 * packager into a form not foreseen) gives none: the shards then start as plain `node`, with the
 * V8 and malloc defaults, rather than not at all. With `strict`, it throws instead.
 */
export function launchLineOf(file: string, { strict = false }: LaunchLineOptions = {}): LaunchLine {
  try {
    return parseLaunchLine(firstLineOf(file));
  } catch (err) {
    if (!strict) return { env: {}, nodeArgs: [] };
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}
