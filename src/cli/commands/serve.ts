import type { Command } from 'commander';

/** Registers `wsload serve` (placeholder until implemented). */
export function registerServe(program: Command): void {
  program.command('serve').description('(not implemented yet)');
}
