import type { Command } from 'commander';

/** Registers `wsload validate` (placeholder until implemented). */
export function registerValidate(program: Command): void {
  program.command('validate').description('(not implemented yet)');
}
