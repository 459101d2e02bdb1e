/**
 * Every command block of README.md, docs/*.md, scenarios/README.md and bench/README.md runs as
 * written. The convention, for whoever writes a page:
 *
 * - A ```sh block (or ```bash) is commands a user pastes into a shell; a ```js block is a module a
 *   user saves and runs with `node` (it may `import … from 'wsload'`). Both are run here.
 * - A block that needs what this machine has not got (a Kubernetes cluster, your gateway's address,
 *   other machines) has a one-line HTML comment just above its fence:
 *   `<!-- not run: needs a Kubernetes cluster -->`. The test lists every such block with its reason,
 *   so no unmarked block escapes.
 * - A block that needs a real part of the machine the suite knows (`test/helpers/real-parts.ts`:
 *   nginx, haproxy, kubectl, …) says so the same way: `<!-- needs: nginx -->`; without it the page is
 *   skipped outside CI and fails in CI, like every real-part test.
 * - Every other block (no language: output; ```json, ```yaml, …: file contents) is not a command.
 *
 * How they run: the blocks of one page run in order in one bash session (a later block may use what
 * an earlier one made or started, as a reader would), with the working directory a fresh copy of the
 * repository's files (nothing is written into the tree) and node_modules/ and dist/ linked in as
 * `npm ci && npm run build` leaves them. `npx wsload …` and `wsload …` run `bin/wsload.js` (what
 * npx finds in a clone after `npm install`: the package's own bin), without npx's start-up time.
 * What a block left running in the background is stopped when its page ends.
 *
 * A block fails when a command in it fails, with one exception: `wsload run` and `wsload compare`
 * exiting 1, 3 or 4 report what they measured (a latency threshold missed on a loaded machine is a
 * result, not a broken command); every other exit code, a usage error (2) or a crash (70, a stack
 * trace) of those included, fails. Blocks are written to be quick as written (a few seconds of
 * hold each). Pages run in two lanes: the pages that name a fixed loopback port (8080, 8888: the
 * push service, the demo target behind nginx) one after another, the others beside them.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt, ROOT } from '../helpers/cli.js';
import { missing, REAL_PARTS, type RealPart } from '../helpers/real-parts.js';

const PAGES = [
  'README.md',
  'scenarios/README.md',
  'bench/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const RUN_LANGS = new Set(['sh', 'bash', 'js']);

interface Block {
  page: string;
  line: number;
  lang: string;
  text: string;
  notRun?: string;
  needs: RealPart[];
}

/** The fenced blocks of a page, with the marker comment on the line above each, if any. */
function blocksOf(page: string): Block[] {
  const lines = readFileSync(join(ROOT, page), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${page}:${i + 1}: a code fence that is never closed`);
    const above = i > 0 ? lines[i - 1] : '';
    const notRun = /^<!-- not run: (.+\S) -->$/.exec(above)?.[1];
    const needs = (/^<!-- needs: ([a-z, ]+) -->$/.exec(above)?.[1] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const part of needs)
      if (!(part in REAL_PARTS)) throw new Error(`${page}:${i}: <!-- needs: ${part} --> names no part of test/helpers/real-parts.ts`);
    if (/^<!--/.test(above) && notRun === undefined && needs.length === 0)
      throw new Error(`${page}:${i}: a comment above a block that is neither "<!-- not run: why -->" nor "<!-- needs: part -->"`);
    out.push({ page, line: i + 1, lang: open[1], text: lines.slice(i + 1, end).join('\n'), notRun, needs: needs as RealPart[] });
    i = end;
  }
  return out;
}

const ALL = PAGES.flatMap(blocksOf);
const tmp = mkdtempSync(join(tmpdir(), 'wsload-doc-blocks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * A fresh copy of the repository's tracked files (tests left out), node_modules/ and dist/ linked;
 * fresh for each try too (mkdtemp): a retry would otherwise fail on the first try's links and read
 * its marks (appended to, so the first try's failures with them).
 */
function repoCopy(name: string): string {
  const dir = mkdtempSync(join(tmp, `${name}-`));
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && !f.startsWith('test/'));
  for (const f of files) {
    if (!existsSync(join(ROOT, f))) continue; // deleted in the work tree, not yet committed
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    cpSync(join(ROOT, f), join(dir, f));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  symlinkSync(join(ROOT, 'dist'), join(dir, 'dist'));
  return dir;
}

/** `npx` and `wsload` on PATH: `npx wsload …` and `wsload …` run this checkout's bin/wsload.js. */
function shims(): string {
  const bin = join(tmp, 'bin');
  if (existsSync(bin)) return bin;
  mkdirSync(bin);
  const realNpx = execFileSync('sh', ['-c', 'command -v npx'], { encoding: 'utf8' }).trim();
  const wsload = `exec "${process.execPath}" "${join(ROOT, 'bin/wsload.js')}"`;
  writeFileSync(join(bin, 'npx'), `#!/bin/sh\nif [ "$1" = wsload ]; then shift; ${wsload} "$@"; fi\nexec "${realNpx}" "$@"\n`);
  writeFileSync(join(bin, 'wsload'), `#!/bin/sh\n${wsload} "$@"\n`);
  chmodSync(join(bin, 'npx'), 0o755);
  chmodSync(join(bin, 'wsload'), 0o755);
  return bin;
}

/** Resolves once nothing listens on 127.0.0.1:port (another test may hold a port a page names), bounded. */
async function portFree(port: number, waitMs: number): Promise<boolean> {
  const until = Date.now() + waitMs;
  for (;;) {
    const inUse = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (!inUse) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface Session {
  reached: number[];
  ended: boolean;
  failures: Array<{ block: number; code: number; command: string }>;
  stdout: string;
  stderr: string;
}

/** Runs the page's command blocks in order in one bash session; stops what it left running. */
async function runPage(page: string, blocks: Block[], timeoutMs: number): Promise<Session> {
  const cwd = repoCopy(page.replaceAll('/', '_'));
  const marks = join(cwd, '.doc-blocks-marks');
  const script = [`exec 3>>'${marks}'`, `trap 'echo "__FAIL__ $__block $? $BASH_COMMAND" >&3' ERR`];
  blocks.forEach((b, n) => {
    script.push(`__block=${n}; echo "__BLOCK__ ${n}" >&3`);
    if (b.lang === 'js') {
      const file = `doc-block-${b.line}.mjs`;
      writeFileSync(join(cwd, file), `${b.text}\n`);
      script.push(`node ${file}`);
    } else {
      script.push(b.text);
    }
  });
  script.push('echo "__END__" >&3');
  writeFileSync(join(cwd, '.doc-blocks.sh'), `${script.join('\n')}\n`);
  const outFd = openSync(join(cwd, '.doc-blocks.out'), 'w');
  const errFd = openSync(join(cwd, '.doc-blocks.err'), 'w');
  const child = spawn('bash', ['.doc-blocks.sh'], {
    cwd,
    detached: true, // its own process group: what the blocks start in the background is stopped with it
    stdio: ['ignore', outFd, errFd],
    env: { ...process.env, PATH: `${shims()}:${process.env.PATH ?? ''}`, NO_COLOR: '1' },
  });
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
  await new Promise<void>((resolve) => child.on('exit', () => resolve()));
  clearTimeout(timer);
  try {
    process.kill(-child.pid!, 'SIGTERM'); // background servers a block started (`wsload serve &`, nginx)
  } catch {
    // the group is gone already
  }
  closeSync(outFd);
  closeSync(errFd);
  const lines = existsSync(marks) ? readFileSync(marks, 'utf8').split('\n') : [];
  return {
    reached: lines.flatMap((l) => /^__BLOCK__ (\d+)$/.exec(l)?.[1] ?? []).map(Number),
    ended: lines.includes('__END__'),
    failures: lines.flatMap((l) => {
      const m = /^__FAIL__ (\d+) (\d+) ([\s\S]*)$/.exec(l);
      return m ? [{ block: Number(m[1]), code: Number(m[2]), command: m[3] }] : [];
    }),
    stdout: readFileSync(join(cwd, '.doc-blocks.out'), 'utf8'),
    stderr: readFileSync(join(cwd, '.doc-blocks.err'), 'utf8'),
  };
}

/** wsload run/compare exiting 1, 3 or 4 reported a measurement; anything else failed. */
const measuredOutcome = (f: { code: number; command: string }): boolean =>
  [1, 3, 4].includes(f.code) && /\bwsload\s+(run|compare)\b/.test(f.command);

describe('code blocks of the README and docs', () => {
  it('every block is a command block that runs, one marked with why it cannot run here, or no command at all', () => {
    const notRun = ALL.filter((b) => b.notRun !== undefined);
    const commands = ALL.filter((b) => RUN_LANGS.has(b.lang));
    const other = ALL.filter((b) => !RUN_LANGS.has(b.lang));
    // Marking a block that is no command would hide nothing; a marker belongs above sh/js blocks.
    expect(other.filter((b) => b.notRun !== undefined || b.needs.length > 0).map((b) => `${b.page}:${b.line}`)).toEqual([]);
    process.stderr.write(
      `doc blocks: ${commands.length - notRun.length} run, ${notRun.length} not run, ${other.length} not commands (output or file contents)\n` +
        notRun.map((b) => `  not run: ${b.page}:${b.line}: ${b.notRun}\n`).join(''),
    );
    expect(commands.length - notRun.length).toBeGreaterThanOrEqual(10);
    // The README's library example is a ```js block that runs (docs/library.md).
    expect(commands.some((b) => b.lang === 'js' && b.page === 'docs/library.md' && b.notRun === undefined)).toBe(true);
  });

  // Two lanes, each a chain of pages: one for pages that name a fixed port, one for the rest.
  const lanes = new Map<string, Promise<unknown>>();
  const inLane = <T>(lane: string, body: () => Promise<T>): Promise<T> => {
    const next = (lanes.get(lane) ?? Promise.resolve()).catch(() => undefined).then(body);
    lanes.set(lane, next);
    return next;
  };
  const pages = PAGES.map((page) => ({
    page,
    blocks: ALL.filter((b) => b.page === page && RUN_LANGS.has(b.lang) && b.notRun === undefined),
  })).filter((p) => p.blocks.length > 0);
  for (const { page, blocks } of pages) {
    const needs = [...new Set(blocks.flatMap((b) => b.needs))];
    const ports = [...new Set(blocks.flatMap((b) => [...b.text.matchAll(/127\.0\.0\.1:(\d{4,5})/g)].map((m) => Number(m[1]))))];
    const lane = ports.some((port) => port === 8080 || port === 8888) ? 'fixed ports' : 'free ports';
    it.skipIf(missing(...needs)).concurrent(
      `${page}: ${blocks.length} block(s) at line ${blocks.map((b) => b.line).join(', ')} run as written`,
      { timeout: 900_000 },
      async () => {
        assertBuilt();
        const s = await inLane(lane, async () => {
          for (const port of ports) {
            expect(await portFree(port, 90_000), `127.0.0.1:${port}, which ${page} uses, stayed in use for 90 s`).toBe(true);
          }
          return runPage(page, blocks, 280_000);
        });
        const where = (n: number): string => `${page}:${blocks[n].line}`;
        const context = `\n--- stderr (last 3000) ---\n${s.stderr.slice(-3000)}\n--- stdout (last 1500) ---\n${s.stdout.slice(-1500)}`;
        for (const f of s.failures.filter(measuredOutcome))
          process.stderr.write(`${where(f.block)}: \`${f.command}\` exited ${f.code} (a measured outcome)\n`);
        expect(
          s.failures.filter((f) => !measuredOutcome(f)).map((f) => `${where(f.block)}: \`${f.command}\` exited ${f.code}`),
          context,
        ).toEqual([]);
        expect(s.reached, context).toEqual(blocks.map((_, n) => n));
        expect(s.ended, `the session did not reach its end (timed out?)${context}`).toBe(true);
        // A stack trace is a crash, whatever the exit code said.
        expect(s.stderr, context).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      },
    );
  }
});
