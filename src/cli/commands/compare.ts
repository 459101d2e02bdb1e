import type { Command } from 'commander';

/** Registers `wsload compare` (placeholder until implemented). */
export function registerCompare(program: Command): void {
  program.command('compare').description('(not implemented yet)');
}
