/**
 * What a library caller may hand to `run`: a scenario file path, a scenario object as it would be
 * written in a file, or a Scenario that loadScenario already validated. Every path goes through
 * the same validation the CLI uses, so errors are the same one-line ScenarioError issues.
 */
import type { z } from 'zod';
import { readMachineLimits } from '../machine-limits.js';
import { loadScenario as loadScenarioFile, parseScenario } from '../scenario/load.js';
import type { scenarioFileSchema } from '../scenario/schema.js';
import type { Scenario } from '../run/scenario.js';
import type { ScenarioOptions } from '../run/run-options.js';

/** A scenario object as written in a scenario file ("30s" durations, defaults may be left out). */
export type ScenarioInput = z.input<typeof scenarioFileSchema>;

export type { ScenarioOptions } from '../run/run-options.js';

// Scenarios this API validated itself: run() takes them as they are instead of reading them as a
// written scenario, whose keys differ (duration vs durationMs).
const validated = new WeakSet<Scenario>();

function withDefaults(opts: ScenarioOptions): ScenarioOptions {
  return { ...opts, limits: opts.limits ?? readMachineLimits() };
}

/** Reads and validates a scenario file; rejects with a ScenarioError listing every issue. */
export async function loadScenario(file: string, opts: ScenarioOptions = {}): Promise<Scenario> {
  // baseDir does not apply: a file's TLS paths resolve against the file's own directory.
  const scenario = await loadScenarioFile(file, withDefaults(opts));
  validated.add(scenario);
  return scenario;
}

/** Validates a written scenario object; throws a ScenarioError listing every issue. */
export function scenarioFromObject(value: ScenarioInput, opts: ScenarioOptions = {}): Scenario {
  const scenario = parseScenario(value, withDefaults(opts));
  validated.add(scenario);
  return scenario;
}

/** The Scenario a path, a written object or an already loaded Scenario stands for. */
export async function resolveScenario(input: string | ScenarioInput | Scenario, opts: ScenarioOptions = {}): Promise<Scenario> {
  if (typeof input === 'string') return loadScenario(input, opts);
  if (validated.has(input as Scenario)) return input as Scenario;
  return scenarioFromObject(input as ScenarioInput, opts);
}
