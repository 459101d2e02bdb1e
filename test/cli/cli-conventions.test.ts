/**
 * What a user sees of the command line's conventions (issue 23 item 3): colour on a terminal and
 * off with NO_COLOR or --no-color on every command (run included), the progress line on a terminal
 * that reports 0 columns, help with examples and exit codes, no-argument exit 2, counted words, and
 * the hint when a file of the wrong kind is handed to a command. Runs on a real pseudo-terminal
 * (util-linux `script`) against the built-in target.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WSLOAD_BIN, wsload } from '../helpers/cli.js';
import { scenarioFiles } from '../helpers/scenario-files.js';
import { COMMAND_EXITS, exitNumber } from '../../dist/cli/exit-codes.js';
import { thresholdValueText } from '../../dist/report/thresholds.js';
import type { Report } from '../../dist/run/report.js';

const files = scenarioFiles('cli-conventions', {
  target: 'embedded',
  connections: 1,
  workers: 1,
  connectRate: 100,
  duration: '2s',
  publish: { rate: 5 },
});

interface TtyResult {
  code: number | null;
  /** Everything the terminal received (stdout and stderr share the pseudo-terminal). */
  output: string;
}

/**
 * Runs `wsload ...args` on a pseudo-terminal whose width is `columns` (0: a terminal that reports
 * none, as some CI runners' and serial consoles do); `env` replaces NO_COLOR and friends.
 */
function onTerminal(args: string[], columns: number, env: Record<string, string | undefined> = {}): Promise<TtyResult> {
  const quoted = [process.execPath, WSLOAD_BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base.NO_COLOR;
  return new Promise((resolve) => {
    execFile(
      'script',
      ['-qec', `stty cols ${columns} rows 40; exec ${quoted}`, '/dev/null'],
      { env: { ...base, ...env }, timeout: 60_000, maxBuffer: 16 << 20 },
      (err, stdout) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, output: stdout });
      },
    );
  });
}

const ANSI = /\u001b\[[0-9;]*m/;

describe('colour: NO_COLOR and --no-color on every command', () => {
  const scenario = files.write('one');

  it('wsload run colours its summary on a terminal, and neither NO_COLOR nor --no-color lets any colour through', async () => {
    const [plain, noColorEnv, noColorFlag] = await Promise.all([
      onTerminal(['run', scenario, '--out', join(files.dir, 'tty.json')], 120),
      onTerminal(['run', scenario, '--out', join(files.dir, 'env.json')], 120, { NO_COLOR: '1' }),
      onTerminal(['run', scenario, '--out', join(files.dir, 'flag.json'), '--no-color'], 120),
    ]);
    // The run itself passes: the colour is the only difference.
    for (const r of [plain, noColorEnv, noColorFlag]) expect(r.code, r.output).toBe(0);
    expect(plain.output).toMatch(ANSI);
    expect(noColorEnv.output).not.toMatch(ANSI);
    expect(noColorFlag.output).not.toMatch(ANSI);
    // report, compare and merge take the same flag (one implementation); report on a terminal colours too.
    const report = join(files.dir, 'tty.json');
    const [reportTty, reportFlag, compareFlag] = await Promise.all([
      onTerminal(['report', report], 120),
      onTerminal(['report', report, '--no-color'], 120),
      onTerminal(['compare', report, join(files.dir, 'env.json'), '--no-color'], 120),
    ]);
    expect(reportTty.output).toMatch(ANSI);
    expect(reportFlag.code).toBe(0);
    expect(reportFlag.output).not.toMatch(ANSI);
    expect(compareFlag.code).toBe(0);
    expect(compareFlag.output).not.toMatch(ANSI);
  });

  it('every command accepts --no-color (validate too)', async () => {
    const r = await wsload(['validate', scenario, '--no-color']);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('the progress line on a terminal that reports 0 columns', () => {
  it('is drawn 80 columns wide, with its figures, not cut to 20 characters', async () => {
    const r = await onTerminal(['run', files.write('zero-columns'), '--out', join(files.dir, 'zero.json'), '--no-color'], 0);
    expect(r.code, r.output).toBe(0);
    // Each redraw starts with a carriage return and an erase-line sequence.
    const drawn = r.output
      .split('\r\u001b[2K')
      .slice(1)
      .map((l) => l.split(/[\r\n]/)[0]);
    expect(drawn.length, r.output).toBeGreaterThan(0);
    const widest = drawn.reduce((a, b) => (b.length > a.length ? b : a), '');
    expect(widest).toMatch(/ sockets [01]\/1 \| published \d+ \| deliveries /);
    expect(widest.length).toBeGreaterThan(20);
    expect(widest.length).toBeLessThanOrEqual(79);
  });
});

describe('help, exit codes and no arguments', () => {
  it('wsload with no arguments prints the help to stderr and exits 2', async () => {
    const r = await wsload([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: wsload');
    expect(r.stderr).toContain('Exit codes:');
  });

  it.each(Object.keys(COMMAND_EXITS))('wsload %s --help ends with examples and the exit codes it can return', async (command) => {
    const r = await wsload([command, '--help']);
    expect(r.code).toBe(0);
    const examples = r.stdout.indexOf('\nExamples:\n');
    const exits = r.stdout.indexOf('\nExit codes:\n');
    expect(examples).toBeGreaterThan(0);
    expect(exits).toBeGreaterThan(examples);
    expect(r.stdout.slice(examples)).toContain(`$ wsload ${command}`);
    const listed = r.stdout
      .slice(exits)
      .split('\n')
      .map((l) => /^ {2}(\d+(?: \/ \d+)*) {2,}/.exec(l)?.[1])
      .filter((n) => n !== undefined);
    expect(listed).toEqual(
      (COMMAND_EXITS[command as keyof typeof COMMAND_EXITS] as readonly string[]).map((n) =>
        exitNumber(n as Parameters<typeof exitNumber>[0]),
      ),
    );
    expect(r.stdout).toContain('--no-color');
  });
});

describe('counted words', () => {
  it('validate and the plan line say "1 socket / 1 worker", never "1 workers"', async () => {
    const scenario = files.write('singular');
    const v = await wsload(['validate', scenario]);
    expect(v.stdout).toContain('(1 socket / 1 worker,');
    const r = await wsload(['run', scenario, '--out', join(files.dir, 'singular.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('1 socket / 1 worker,');
    expect(r.stdout).toMatch(/· 1 worker · host/);
    expect(`${v.stdout}${r.stdout}${r.stderr}`).not.toMatch(/\b1 (workers|sockets|publishes)\b/);
  });
});

describe('a file of the wrong kind', () => {
  const scenario = files.write('kinds');

  it('report on a timeline (.ndjson) says it is a timeline and names the report to pass', async () => {
    const report = join(files.dir, 'kinds.json');
    const run = await wsload(['run', scenario, '--out', report, '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    const r = await wsload(['report', join(files.dir, 'kinds.ndjson')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('is a timeline (.ndjson');
    expect(r.stderr).toContain(`pass the report .json beside it instead (${report})`);
    // The report beside it is what that line says to pass, and it reads.
    expect((await wsload(['report', report])).code).toBe(0);
  });

  it('report on a scenario, and run on a report, say which command the file is for', async () => {
    const report = join(files.dir, 'kinds-2.json');
    expect((await wsload(['run', scenario, '--out', report, '--quiet'])).code).toBe(0);
    const onScenario = await wsload(['report', scenario]);
    expect(onScenario.code).toBe(2);
    expect(onScenario.stderr).toBe(
      `wsload: ${scenario}: is a scenario, not a report; run it with \`wsload run ${scenario}\` and pass the report it writes (reports/<name>-<UTC time>.json)\n`,
    );
    const onReport = await wsload(['run', report, '--quiet']);
    expect(onReport.code).toBe(2);
    expect(onReport.stderr.trim().split('\n')).toHaveLength(1);
    expect(onReport.stderr).toContain(`${report}: is a wsload report, not a scenario; read it with \`wsload report ${report}\``);
  });

  it('report --html writes the page and one line, not the whole summary', async () => {
    const report = join(files.dir, 'html.json');
    expect((await wsload(['run', scenario, '--out', report, '--quiet'])).code).toBe(0);
    const html = join(files.dir, 'html.html');
    const r = await wsload(['report', report, '--html', html]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`wrote ${html}\n`);
  });
});

describe('units where a number is printed (issue 23 item 3)', () => {
  it('the verdict line and JUnit say a failed latency threshold with its unit, in the unit it was written in', async () => {
    const scenario = files.write('units', {
      thresholds: { 'fanout.p50': '< 0.001ms', 'fanout.max': '< 0.000001s', 'fanout.delivered': '< 1' },
    });
    const out = join(files.dir, 'units.json');
    const junit = join(files.dir, 'units.xml');
    const r = await wsload(['run', scenario, '--out', out, '--junit', junit]);
    expect(r.code, r.stderr).toBe(3);
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    const p50 = report.fanout.latencyMs.p50;
    const max = report.fanout.latencyMs.max;
    const delivered = report.fanout.delivered;
    expect(delivered).toBeGreaterThan(0);
    const verdict = r.stderr.split('\n').find((l) => l.startsWith('wsload: FAILED')) ?? '';
    // ms as written (a bare or "ms" limit), seconds for a limit in seconds, a count plain.
    expect(verdict).toContain(
      `fanout.p50 < 0.001ms (got ${thresholdValueText({ metric: 'fanout.p50', expression: '< 0.001ms', actual: p50 })})`,
    );
    expect(verdict).toMatch(/fanout\.p50 < 0\.001ms \(got \d+(\.\d+)? ms\)/);
    expect(verdict).toMatch(/fanout\.max < 0\.000001s \(got \d+(\.\d+)?(e-\d+)? s\)/);
    expect(verdict).toContain(`fanout.delivered < 1 (got ${delivered})`);
    expect(max).toBeGreaterThan(0);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/message="observed \d+(\.\d+)? ms, limit &lt; 0\.001ms"/);
    expect(xml).toContain(`message="observed ${delivered}, limit &lt; 1"`);
    // The verdict line in JUnit's properties carries the same units.
    expect(xml).toMatch(/got \d+(\.\d+)? ms\)/);
  });
});
