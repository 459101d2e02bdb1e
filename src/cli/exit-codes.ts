/**
 * The exit codes, in words, and which command returns which: one table read by every command's
 * `--help` and by docs/exit-codes.md (test/unit/exit-codes-doc.test.ts checks the page against it).
 * The numbers themselves are EXIT in src/errors.ts; a code added there without a line here fails to
 * type-check.
 */
import { EXIT } from '../errors.js';
import { wrap } from '../text/wrap.js';

/** Codes that are not in EXIT: a signal stops a run cleanly and exits 128 + its number. */
const SIGNAL_CODES = '129 / 130 / 143';

type ExitName = keyof typeof EXIT | 'signal';

/** One line per exit code: what it means for any command that returns it. */
export const EXIT_MEANING: Record<ExitName, string> = {
  ok: 'success: the run passed, the file was written, the comparison found no regression',
  failures:
    'the run completed with failures (failed connections, lost deliveries, failed publishes, …; the verdict line names them), or compare --fail-on-regression found a gated row worse, or an agent lost its coordinator',
  badInput:
    'bad input: scenario, flag, report file, output path, a target or port that could not be used; nothing ran (one line on stderr names what and where)',
  thresholds: 'the run completed and a threshold failed (one with no data fails too)',
  noConnection:
    'the run completed but no socket ever connected (every attempt failed: target down, every upgrade refused); thresholds not judged',
  undecided: 'compare --fail-on-regression: no gated row is worse but one could not be judged (--allow-undecided accepts it)',
  internal: 'a bug in wsload (please report it); a run still writes the report it has',
  signal: 'interrupted by SIGHUP / SIGINT / SIGTERM: the run stopped cleanly and wrote its report; a second signal quits at once',
};

/** The commands and the codes each can return, in the order shown. */
export const COMMAND_EXITS = {
  run: ['ok', 'failures', 'badInput', 'thresholds', 'noConnection', 'internal', 'signal'],
  validate: ['ok', 'badInput', 'internal'],
  serve: ['ok', 'failures', 'badInput', 'internal'],
  report: ['ok', 'badInput', 'internal'],
  compare: ['ok', 'failures', 'badInput', 'undecided', 'internal'],
  merge: ['ok', 'badInput', 'internal'],
  agent: ['ok', 'failures', 'badInput', 'internal'],
} as const satisfies Record<string, readonly ExitName[]>;

export type CommandName = keyof typeof COMMAND_EXITS;

/** The number (or numbers) of an exit code as printed. */
export function exitNumber(name: ExitName): string {
  return name === 'signal' ? SIGNAL_CODES : String(EXIT[name]);
}

/** Every exit code in numeric order, signals last. */
export function allExitNames(): ExitName[] {
  const named = (Object.keys(EXIT) as (keyof typeof EXIT)[]).sort((a, b) => EXIT[a] - EXIT[b]);
  return [...named, 'signal'];
}

/** What a code means for one command, where that says more than its general meaning. */
const COMMAND_MEANING: { readonly [C in CommandName]?: Partial<Record<ExitName, string>> } = {
  run: {
    ok: 'the run passed: no failed connections, lost deliveries or failed publishes; thresholds passed',
    failures:
      'the run completed with failures (failed connections, lost deliveries, failed publishes, a lost shard, …; the verdict line names them); the report is written',
  },
  validate: { ok: 'the scenario is valid (one line describes it)' },
  serve: { ok: 'stopped by SIGINT or SIGTERM', failures: 'a process of the target died (the line names it)' },
  report: { ok: 'rendered (or the files asked for written)' },
  compare: { ok: 'compared (with --fail-on-regression: no gated row worse)', failures: '--fail-on-regression: a gated row is worse' },
  merge: { ok: 'the merged report is written' },
  agent: {
    ok: 'its part of the run ended (also after a signal, which closes its sockets and sends what it measured)',
    failures: 'it could not reach the coordinator in time or lost it mid-run (what it measured is written to --out)',
    badInput: 'bad flag, or refused by the coordinator (token, name taken, enough agents, another version)',
  },
};

/** Example command lines of each command, shown at the end of its --help. */
export const COMMAND_EXAMPLES: Record<CommandName, readonly string[]> = {
  run: [
    'wsload run scenarios/fanout.json',
    'wsload run scenarios/fanout.json --connections 500 --duration 10s --out reports/quick.json',
    'wsload run scenarios/soak.json --quiet --junit reports/soak.xml',
    'NO_COLOR=1 wsload run scenarios/fanout.json --json > report.json',
  ],
  validate: ['wsload validate scenarios/fanout.json', 'wsload validate scenarios/subscribe.json --url ws://gateway.example:8080/ws'],
  serve: ['wsload serve', 'wsload serve --host 0.0.0.0 --port 8888 --processes auto --connections 50000', 'wsload serve --service'],
  report: [
    'wsload report reports/fanout-20260101T120000Z.json',
    'wsload report reports/run.json --html reports/run.html',
    'wsload report reports/run.json --hgrm fanout > fanout.hgrm',
  ],
  compare: [
    'wsload compare reports/before.json reports/after.json',
    'wsload compare reports/before-*.json --vs reports/after-*.json --fail-on-regression',
    'wsload compare reports/before.json reports/after.json --html reports/compare.html',
  ],
  merge: ['wsload merge reports/host-a.json reports/host-b.json --out reports/merged.json'],
  agent: [
    'WSLOAD_TOKEN=secret wsload agent --coordinator ws://10.0.0.5:7070',
    'wsload agent --coordinator wss://coordinator:7070 --control-ca ca.pem --name pod-3',
  ],
};

/** The text after a command's options in its --help: examples, then its exit codes. */
export function helpAfter(command: CommandName): string {
  const codes = COMMAND_EXITS[command] as readonly ExitName[];
  const width = Math.max(...codes.map((c) => exitNumber(c).length));
  return [
    '',
    'Examples:',
    ...COMMAND_EXAMPLES[command].map((e) => `  $ ${e}`),
    '',
    'Exit codes:',
    ...codes.map((c) => wrap(`  ${exitNumber(c).padEnd(width)}  ${COMMAND_MEANING[command]?.[c] ?? EXIT_MEANING[c]}`, 100, width + 4)),
    '',
    'Every exit code: docs/exit-codes.md',
    '',
  ].join('\n');
}

/** Every exit code, its general meaning (the end of `wsload --help`). */
export function allExitCodesText(): string {
  const names = allExitNames();
  const width = Math.max(...names.map((n) => exitNumber(n).length));
  return names.map((n) => wrap(`  ${exitNumber(n).padEnd(width)}  ${EXIT_MEANING[n]}`, 100, width + 4)).join('\n');
}

/** The generated part of docs/exit-codes.md: every code, its meaning and the commands that return it. */
export function exitCodesMarkdown(): string {
  const commands = Object.keys(COMMAND_EXITS) as CommandName[];
  const rows = allExitNames().map((name) => {
    const by = commands.filter((c) => (COMMAND_EXITS[c] as readonly ExitName[]).includes(name)).map((c) => `\`${c}\``);
    return `| ${exitNumber(name)} | ${EXIT_MEANING[name]} | ${by.join(', ')} |`;
  });
  return ['| exit code | meaning | returned by |', '| --- | --- | --- |', ...rows].join('\n');
}
