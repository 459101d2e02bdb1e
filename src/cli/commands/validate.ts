import { availableParallelism } from 'node:os';
import { plural } from '../../text/plural.js';
import type { Command } from 'commander';
import { formatDuration } from '../../duration.js';
import { readMachineLimits, type MachineLimits } from '../../machine-limits.js';
import { localShards } from '../../driver/distribution.js';
import type { ScenarioOverrides } from '../../scenario/overrides.js';
import { addOverrideOptions, overridesFromFlags } from '../override-options.js';
import type { Scenario } from '../../run/scenario.js';
import { describeStages } from '../../run/load-stages.js';
import { publishMethodOf } from '../../run/publish-methods/table.js';

/** The one-line summary `wsload validate` prints for a valid scenario. */
export function describeValidScenario(
  file: string,
  s: Scenario,
  limits: MachineLimits = { openFiles: null, ephemeralPorts: null },
): string {
  const publish = publishMethodOf(s)?.validate() ?? 'no publishing';
  const shards = localShards(s, limits);
  const spread = shards.count > 1 ? `, ${shards.count} local shards (${shards.reason})` : '';
  const length = s.stages ? `stages ${describeStages(s.stages)}` : `hold ${formatDuration(s.durationMs)}`;
  const topics = s.topics ? `, ${plural(s.topics.names.length, 'topic')}` : '';
  return `${file}: ok (${plural(s.connections, 'socket')} / ${plural(s.workers, 'worker')}${spread}, ${length}, ${publish}${topics})`;
}

/** Registers `wsload validate FILE`: checks a scenario without running it. */
export function registerValidate(program: Command): void {
  const cmd = program
    .command('validate')
    .description('check a scenario file (and overrides) without running it; lists every problem')
    .argument('<file>', 'scenario JSON file');
  addOverrideOptions(cmd);
  cmd.action(async (file: string, options: ScenarioOverrides) => {
    const overrides = overridesFromFlags(options);
    const limits = readMachineLimits();
    // Loaded when run: every command is registered in one process, and `run` must not pay for zod (issue 22).
    const { loadScenario } = await import('../../scenario/load.js');
    const scenario = await loadScenario(file, { overrides, cpus: availableParallelism(), limits });
    process.stdout.write(`${describeValidScenario(file, scenario, limits)}\n`);
  });
}
