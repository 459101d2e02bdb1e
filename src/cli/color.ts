/**
 * Whether a command's output gets ANSI colour: one rule for every command. `--no-color` and a
 * non-empty NO_COLOR (https://no-color.org: "when present and not an empty string") turn it off;
 * otherwise only a terminal gets colour, never a pipe or a file.
 */
import type { Command } from 'commander';

/** Adds `--no-color` to a command (commander then gives `color: false` when it is passed). */
export function addColorOption(cmd: Command): Command {
  return cmd.option('--no-color', 'plain text even on a terminal (so does a non-empty NO_COLOR)');
}

/** Colour for `stream` under the command's flags and the environment. */
export function useColor(
  flags: { color?: boolean },
  stream: NodeJS.WriteStream = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (flags.color === false) return false;
  if ((env.NO_COLOR ?? '') !== '') return false;
  return stream.isTTY === true;
}
