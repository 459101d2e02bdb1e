/**
 * Reads a scenario file, parses its JSON (naming the line and column of a syntax error) and
 * validates it; any problem becomes one ScenarioError listing every issue.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ScenarioError } from '../errors.js';
import type { Scenario } from '../run/scenario.js';
import { validateScenario, type LoadOptions } from './validate.js';

export type { LoadOptions } from './validate.js';
export { validateScenario } from './validate.js';
export type { ScenarioOverrides } from './overrides.js';
export type { MachineLimits } from './rules.js';

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/** JSON.parse's message with V8's "at position N" turned into a line and column. */
function jsonSyntaxMessage(err: unknown, text: string): string {
  const raw = err instanceof Error ? err.message : String(err);
  const pos = /at position (\d+)/.exec(raw);
  // Newer V8 appends "(line L column C)" itself; older only gives the offset.
  const detail = raw.replace(/\s*in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '');
  if (pos) {
    const { line, column } = lineColumn(text, Number(pos[1]));
    return `invalid JSON at line ${line}, column ${column}: ${detail}`;
  }
  return `invalid JSON: ${detail}`;
}

/** Loads and validates a scenario file; throws ScenarioError(issues, file) on any problem. */
export async function loadScenario(file: string, opts: LoadOptions = {}): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (err as Error).message;
    throw new ScenarioError([{ path: '', message: `cannot read the scenario file (${why})` }], file);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const timeline = /\.ndjson$/i.test(file)
      ? "is a run's timeline (.ndjson), not a scenario; read it with `wsload report` on the report .json beside it"
      : null;
    throw new ScenarioError([{ path: '', message: timeline ?? jsonSyntaxMessage(err, text) }], file);
  }
  const report = reportGivenAsScenario(value, file);
  if (report) throw new ScenarioError([{ path: '', message: report }], file);
  const result = validateScenario(value, { ...opts, baseDir: dirname(resolve(file)) });
  if ('issues' in result) throw new ScenarioError(result.issues, file);
  return result.scenario;
}

/** A report handed where a scenario belongs: the line saying so, else null. */
function reportGivenAsScenario(value: unknown, file: string): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const obj = value as Record<string, unknown>;
  if (obj.tool !== 'wsload' || !('formatVersion' in obj)) return null;
  return `is a wsload report, not a scenario; read it with \`wsload report ${file}\` (the scenario it ran is under its "scenario" key)`;
}

/**
 * Validates a scenario object as it would be written in a file (durations as "30s", defaults
 * optional); throws the same ScenarioError loadScenario throws, `source` naming where it came from.
 */
export function parseScenario(value: unknown, opts: LoadOptions & { baseDir?: string; source?: string } = {}): Scenario {
  const { source, ...rest } = opts;
  const result = validateScenario(value, rest);
  if ('issues' in result) throw new ScenarioError(result.issues, source);
  return result.scenario;
}
