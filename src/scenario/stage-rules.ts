/**
 * The rules of load shapes (`stages`, `publish.stages`): the keys connection stages replace
 * (connectRate, duration; connections is their peak) and the publish stages' fit in the hold.
 */
import type { Issue } from '../errors.js';
import { formatDuration, parseDuration } from '../duration.js';
import { connectionStagesSchema, describeValue, MAX_DURATION_MS } from './schema.js';
import type { PartialScenario } from './schema.js';

/** The written scenario with `stages` standing in for what they replace, and the conflicts found. */
export interface StagedValue {
  value: Record<string, unknown>;
  issues: Issue[];
}

function totalMs(stages: readonly { duration: string }[]): number {
  return stages.reduce((sum, s) => sum + (parseDuration(s.duration) ?? 0), 0);
}

/**
 * With connection stages, `duration` and `connectRate` must be absent (an issue at their path
 * naming `stages`) and `connections`, if written, must be the peak target. Fills in connections
 * (the peak) and duration (the stages' total) so the schema does not ask for keys the stages
 * replace. Without stages the value is returned as it is.
 */
export function applyConnectionStages(value: Record<string, unknown>): StagedValue {
  if (value.stages === undefined) return { value, issues: [] };
  const issues: Issue[] = [];
  const out: Record<string, unknown> = { ...value };
  if (value.duration !== undefined) {
    issues.push({
      path: 'duration',
      message: 'not allowed with stages: the run lasts the sum of the stage durations; remove duration (or stages)',
    });
  }
  if (value.connectRate !== undefined) {
    issues.push({
      path: 'connectRate',
      message: 'not allowed with stages: the stages say when sockets open and close; remove connectRate (or stages)',
    });
  }
  const parsed = connectionStagesSchema.safeParse(value.stages);
  if (!parsed.success) {
    // The schema reports the stages themselves; keys they replace are not "required" meanwhile.
    if (out.connections === undefined) out.connections = 1;
    if (out.duration === undefined) out.duration = '0s';
    return { value: out, issues };
  }
  const stages = parsed.data;
  const peak = stages.reduce((max, s) => Math.max(max, s.target), 0);
  const total = totalMs(stages);
  if (peak < 1)
    issues.push({
      path: 'stages',
      message: 'expected at least one stage with a target ≥ 1 (the peak is the number of sockets), got every target 0',
    });
  if (total <= 0) issues.push({ path: 'stages', message: 'expected stages lasting longer than 0s in all, got only "0s" stages' });
  else if (total > MAX_DURATION_MS)
    issues.push({ path: 'stages', message: `expected stages lasting at most "24d" in all, got ${formatDuration(total)}` });
  if (value.connections !== undefined && value.connections !== peak && peak >= 1 && typeof value.connections === 'number') {
    issues.push({
      path: 'connections',
      message: `expected the stages' peak target (${peak}) or no connections key, got ${describeValue(value.connections)}`,
    });
  }
  if (out.connections === undefined) out.connections = Math.max(1, peak);
  if (out.duration === undefined) out.duration = `${Math.min(total, MAX_DURATION_MS)}ms`;
  return { value: out, issues };
}

/** publish.stages must fit in the hold (the rate stays at the last target after them). */
export function publishStageIssues(w: PartialScenario): Issue[] {
  const stages = w.publish?.stages;
  if (!stages) return [];
  const hold = w.stages ? totalMs(w.stages) : w.duration !== undefined ? (parseDuration(w.duration) ?? 0) : null;
  const total = totalMs(stages);
  if (hold === null || total <= hold) return [];
  return [
    {
      path: 'publish.stages',
      message: `expected stages lasting at most the hold (${formatDuration(hold)}${w.stages ? ', the sum of stages' : ', duration'}), got ${formatDuration(total)}`,
    },
  ];
}
