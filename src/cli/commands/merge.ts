import type { Command } from 'commander';

/** Registers `wsload merge` (placeholder until implemented). */
export function registerMerge(program: Command): void {
  program.command('merge').description('(not implemented yet)');
}
