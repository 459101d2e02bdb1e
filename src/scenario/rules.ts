/**
 * Rules across keys that a per-field schema cannot express, one file per section (cohort-rules,
 * publish-rules, reconnect-rules, connect-rules, target-rules, limit-rules, stage-rules,
 * edge-rules, …): this file runs them all, and checks thresholds against the metric registry.
 */
import type { Issue } from '../errors.js';
import type { MachineLimits } from '../machine-limits.js';
import { parseThreshold, thresholdPath } from '../report/thresholds.js';
import { scenarioFileSchema, type PartialScenario } from './schema.js';
import { publishStageIssues } from './stage-rules.js';
import { publishMethodIssues } from './publish-methods/table.js';
import { protocolPublishIssues } from './publish-methods/protocol.js';
import { emptyTopicIssues, framingHeaderIssues, zeroHoldIssues } from './edge-rules.js';
import { cohortIssues, topicIssues } from './cohort-rules.js';
import { publishModeThresholdIssues, publishSocketPlaceholderIssues, publishTopicPlaceholderIssues } from './publish-rules.js';
import { allReconnectIssues } from './reconnect-rules.js';
import { localAddressIssues, tlsIssues, urlTemplateIssues } from './connect-rules.js';
import { identityIssues, openStepIssues } from './target-rules.js';
import { protocolIssues } from './protocol-rules.js';
import { limitIssues, pacingIssues, workerIssues } from './limit-rules.js';

export type { MachineLimits };

/** Checks every threshold of a raw `thresholds` value (run even when other keys are broken). */
export function thresholdIssues(raw: unknown): Issue[] {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return [];
  const issues: Issue[] = [];
  for (const [metric, expression] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof expression !== 'string') continue; // the schema reports the type
    const parsed = parseThreshold(metric, expression);
    if ('error' in parsed) issues.push({ path: thresholdPath(metric), message: parsed.error });
  }
  return issues;
}

/** The keys of a scenario that are valid on their own: rules run on these even when others are broken. */
/** Parses each top-level key on its own, keeping the valid ones (with defaults filled). */
export function parseValidKeys(value: Record<string, unknown>): PartialScenario {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(scenarioFileSchema.shape)) {
    const r = schema.safeParse(value[key]);
    if (r.success) out[key] = r.data;
  }
  return out as PartialScenario;
}

/** Options of the rules that look outside the scenario. */
export interface RuleOptions {
  baseDir: string;
  checkFiles: boolean;
  limits?: MachineLimits;
  /** This machine's interface addresses, to check localAddresses against; unchecked when absent. */
  interfaces?: readonly string[];
  /** Default worker count (workers absent from the scenario). */
  cpus: number;
  /** Where `{env.NAME}` takes its values; process.env when absent. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Every cross-key issue among the keys that are valid on their own. */
export function ruleIssues(w: PartialScenario, opts: RuleOptions): Issue[] {
  return [
    ...urlTemplateIssues(w),
    ...publishMethodIssues(w.publish),
    ...protocolPublishIssues(w),
    ...framingHeaderIssues(w),
    ...cohortIssues(w),
    ...topicIssues(w),
    ...emptyTopicIssues(w),
    ...publishTopicPlaceholderIssues(w),
    ...publishSocketPlaceholderIssues(w),
    ...publishModeThresholdIssues(w),
    ...allReconnectIssues(w),
    ...tlsIssues(w, opts.baseDir, opts.checkFiles),
    ...identityIssues(w, opts.baseDir, opts.env ?? process.env),
    ...openStepIssues(w),
    ...protocolIssues(w),
    ...protocolIssues(w),
    ...pacingIssues(w),
    ...zeroHoldIssues(w),
    ...publishStageIssues(w),
    ...workerIssues(w),
    ...localAddressIssues(w, opts.interfaces),
    ...limitIssues(w, opts.limits, opts.cpus),
  ];
}
