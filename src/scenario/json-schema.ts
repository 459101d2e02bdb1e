/** The JSON Schema editors use for scenario files, generated from the zod schema (never by hand). */
import { z } from 'zod';
import { scenarioFileSchema } from './schema.js';

/** JSON Schema (draft 2020-12) of the scenario file as written; defaults make keys optional. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(scenarioFileSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { ...schema, title: 'wsload scenario' };
}

/** The schema file's exact text: what `npm run schema` writes to schema/scenario.schema.json. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
