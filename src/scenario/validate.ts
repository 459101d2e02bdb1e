/**
 * Pure validation: a parsed JSON value → Scenario, or every issue found. Runs overrides →
 * schema → cross-key rules → normalization (the changesets parse.ts order), so users fix all
 * problems in one go instead of one per run.
 */
import { availableParallelism } from 'node:os';
import type { Issue } from '../errors.js';
import { interfaceAddresses } from '../net/local-addresses.js';
import { issuesFromZod, fallbackErrorMap } from './issues.js';
import { normalizeScenario } from './normalize.js';
import { applyOverrides, attributeToFlag } from './overrides.js';
import { parseValidKeys, ruleIssues, thresholdIssues } from './rules.js';
import { describeValue, scenarioFileSchema } from './schema.js';
import { applyConnectionStages } from './stage-rules.js';
import { writtenPublishIssues } from './publish-methods/table.js';
import { envIssues } from './env-rules.js';
import { observeIssues } from './observe-rules.js';
import type { Scenario } from '../run/scenario.js';
import type { LoadOptions } from '../run/run-options.js';

/** Options shared by loadScenario and validateScenario. */
export type { LoadOptions } from '../run/run-options.js';

/** Validates a parsed scenario value; TLS paths resolve against baseDir (default: cwd). */
export function validateScenario(
  value: unknown,
  opts: LoadOptions & { baseDir?: string } = {},
): { scenario: Scenario } | { issues: Issue[] } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { issues: [{ path: '', message: `expected a JSON object describing a scenario, got ${describeValue(value)}` }] };
  }
  const applied = applyOverrides(value as Record<string, unknown>, opts.overrides);
  // Connection stages stand in for connections and duration before the schema asks for them.
  const staged = applyConnectionStages(applied.value);
  applied.value = staged.value;
  const parsed = scenarioFileSchema.safeParse(applied.value, { error: fallbackErrorMap });
  const issues: Issue[] = [...applied.issues, ...staged.issues];
  const baseDir = opts.baseDir ?? process.cwd();
  if (!parsed.success) issues.push(...issuesFromZod(scenarioFileSchema, parsed.error.issues));
  // Rules also run over the keys that are valid on their own, so a typo in one key does not
  // hide a cohort or limit problem until the next attempt.
  const valid = parsed.success ? parsed.data : parseValidKeys(applied.value);
  issues.push(...thresholdIssues(applied.value.thresholds));
  issues.push(...writtenPublishIssues(applied.value.publish));
  issues.push(...observeIssues(valid.observe, applied.value.thresholds, (valid.target ?? 'embedded') === 'embedded'));
  // `{env.NAME}` is checked against the environment the run fills it from (driver/env-fill.ts).
  const env = process.env;
  issues.push(...envIssues(applied.value, env));
  const interfaces = (opts.interfaces === undefined ? interfaceAddresses() : opts.interfaces) ?? undefined;
  const cpus = opts.cpus ?? availableParallelism();
  issues.push(...ruleIssues(valid, { baseDir, checkFiles: opts.checkFiles !== false, limits: opts.limits, interfaces, cpus, env }));
  if (issues.length > 0) return { issues: inDocumentOrder(dedupe(issues), applied.value).map((i) => attributeToFlag(i, applied.flagFor)) };
  if (!parsed.success) return { issues }; // unreachable: a failed parse has issues
  return { scenario: normalizeScenario(parsed.data, { cpus, baseDir, env }) };
}

/**
 * Sorts issues by where their top-level key appears in the file (flags first, keys the file
 * lacks after it, in schema order), keeping the relative order of issues within one key.
 */
function inDocumentOrder(issues: Issue[], value: Record<string, unknown>): Issue[] {
  const written = Object.keys(value);
  const known = Object.keys(scenarioFileSchema.shape);
  const rank = (i: Issue): number => {
    if (i.path.startsWith('--')) return -1;
    const top = /^[^.[]*/.exec(i.path)?.[0] ?? '';
    const at = written.indexOf(top);
    return at >= 0 ? at : written.length + Math.max(0, known.indexOf(top));
  };
  return issues
    .map((issue, n) => ({ issue, n, r: rank(issue) }))
    .sort((a, b) => a.r - b.r || a.n - b.n)
    .map((x) => x.issue);
}

function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\n${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
