/**
 * Scenario validation as unit tests use it: the normalized scenario of a valid value, or the
 * issues of an invalid one, under one test file's load options (CPU count, base directory,
 * interfaces). Each throws when the value is not what the test expected, naming what it got.
 */
import type { Issue } from '../../src/errors.js';
import type { Scenario } from '../../src/run/scenario.js';
import { validateScenario, type LoadOptions } from '../../src/scenario/validate.js';

export type ValidateOptions = LoadOptions & { baseDir?: string };

export interface Validation {
  /** Validates with the file's options and then `opts`. */
  run(value: unknown, opts?: ValidateOptions): { scenario: Scenario } | { issues: Issue[] };
  /** The scenario; throws listing the issues when there are any. */
  ok(value: unknown, opts?: ValidateOptions): Scenario;
  /** The issues; throws when the value is valid. */
  issues(value: unknown, opts?: ValidateOptions): Issue[];
  /** The issues as "path: message" lines. */
  lines(value: unknown, opts?: ValidateOptions): string[];
}

const line = (i: Issue): string => `${i.path}: ${i.message}`;

/** Validation under `defaults` (a test file's cpus, baseDir, interfaces). */
export function validation(defaults: ValidateOptions): Validation {
  const run = (value: unknown, opts: ValidateOptions = {}): { scenario: Scenario } | { issues: Issue[] } =>
    validateScenario(value, { ...defaults, ...opts });
  const issues = (value: unknown, opts?: ValidateOptions): Issue[] => {
    const r = run(value, opts);
    if ('scenario' in r) throw new Error('expected issues, got a valid scenario');
    return r.issues;
  };
  return {
    run,
    ok(value, opts) {
      const r = run(value, opts);
      if ('issues' in r) throw new Error(`expected valid, got:\n${r.issues.map(line).join('\n')}`);
      return r.scenario;
    },
    issues,
    lines: (value, opts) => issues(value, opts).map(line),
  };
}
