/** The JSON Schema editors use for scenario files, generated from the zod schema (never by hand). */
import { z } from 'zod';
import { scenarioFileSchema } from './schema.js';

/** JSON Schema (draft 2020-12) of the scenario file as written; defaults make keys optional. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(scenarioFileSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...withStages(schema), title: 'wsload scenario' };
}

/** The schema file's exact text: what `npm run schema` writes to schema/scenario.schema.json. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}

/** Keys `stages` replaces: required without stages, not allowed with them (validation: stage-rules.ts). */
const REPLACED_BY_STAGES = ['connections', 'duration'];

/** connections and duration are required only without `stages`; duration and connectRate are refused with them. */
function withStages(schema: Record<string, unknown>): Record<string, unknown> {
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  return {
    ...schema,
    required: required.filter((key) => !REPLACED_BY_STAGES.includes(key)),
    if: { required: ['stages'] },
    then: { not: { anyOf: [{ required: ['duration'] }, { required: ['connectRate'] }] } },
    else: { required: REPLACED_BY_STAGES.filter((key) => required.includes(key)) },
  };
}
