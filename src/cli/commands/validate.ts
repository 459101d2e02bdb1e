import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { formatDuration } from '../../duration.js';
import { readMachineLimits, type MachineLimits } from '../../machine-limits.js';
import { localShards } from '../../driver/distribution.js';
import { loadScenario } from '../../scenario/load.js';
import type { ScenarioOverrides } from '../../scenario/overrides.js';
import { addOverrideOptions, overridesFromFlags } from '../override-options.js';
import type { Scenario } from '../../run/scenario.js';
import { describeStages } from '../../run/load-stages.js';

/** The one-line summary `wsload validate` prints for a valid scenario. */
export function describeValidScenario(file: string, s: Scenario, limits: MachineLimits = { openFiles: null, ephemeralPorts: null }): string {
  const how = s.publish?.websocket ? ' on a publisher socket' : s.publish?.request ? ` by ${s.publish.request.method}` : '';
  // The shaped rate as the run's plan line says it: the base rate alone hides publish.stages.
  const rate = s.publish?.stages ? `${s.publish.rate}/s then ${describeStages(s.publish.stages, s.publish.rate, '/s')}` : `${s.publish?.rate}/s`;
  const publish = s.publish ? `publish ${rate}${how}` : s.stream ? 'the server publishes (publish.source "server")' : 'no publishing';
  const shards = localShards(s, limits);
  const spread = shards.count > 1 ? `, ${shards.count} local shards (${shards.reason})` : '';
  const length = s.stages ? `stages ${describeStages(s.stages)}` : `hold ${formatDuration(s.durationMs)}`;
  const topics = s.topics ? `, ${s.topics.names.length} topic${s.topics.names.length === 1 ? '' : 's'}` : '';
  return `${file}: ok (${s.connections} sockets / ${s.workers} workers${spread}, ${length}, ${publish}${topics})`;
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
    const scenario = await loadScenario(file, { overrides, cpus: availableParallelism(), limits });
    process.stdout.write(`${describeValidScenario(file, scenario, limits)}\n`);
  });
}
