import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** Scenario files of one test file, in a temporary directory removed after its tests. */
export interface ScenarioFiles {
  dir: string;
  /** Writes `<name>.scenario.json`: the defaults, then `extra` over them, named `name`. */
  write(name: string, extra?: Record<string, unknown>): string;
  /** `<base>-<n>`, a name no earlier call in this file gave (see uniqueNames). */
  unique(base: string): string;
  /** A new empty folder in dir, for the outputs of one try of a test. */
  fresh(prefix?: string): string;
}

/**
 * Names for one test file, each new: CI retries a failed test once in the same process (and the same
 * temporary directory), and a retry that reused the first try's names would read its timeline,
 * report or records as its own.
 */
export function uniqueNames(): (base: string) => string {
  let n = 0;
  return (base) => `${base}-${++n}`;
}

/** A temporary directory (prefix `wsload-<label>-`) for scenarios built on `defaults`. */
export function scenarioFiles(label: string, defaults: Record<string, unknown>): ScenarioFiles {
  const dir = mkdtempSync(join(tmpdir(), `wsload-${label}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name, extra = {}) {
      const file = join(dir, `${name}.scenario.json`);
      writeFileSync(file, JSON.stringify({ name, ...defaults, ...extra }));
      return file;
    },
    unique: uniqueNames(),
    fresh: (prefix = 'try') => mkdtempSync(join(dir, `${prefix}-`)),
  };
}
