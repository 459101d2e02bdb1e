import type { Command } from 'commander';

/** Registers `wsload run` (placeholder until implemented). */
export function registerRun(program: Command): void {
  program.command('run').description('(not implemented yet)');
}
