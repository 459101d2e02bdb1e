import type { Command } from 'commander';

/** Registers `wsload report` (placeholder until implemented). */
export function registerReport(program: Command): void {
  program.command('report').description('(not implemented yet)');
}
