import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** Scenario files of one test file, in a temporary directory removed after its tests. */
export interface ScenarioFiles {
  dir: string;
  /** Writes `<name>.scenario.json`: the defaults, then `extra` over them, named `name`. */
  write(name: string, extra?: Record<string, unknown>): string;
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
  };
}
