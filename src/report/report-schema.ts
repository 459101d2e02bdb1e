/**
 * The JSON Schema of the report file, generated from the zod schema in run/report-schema.ts (the
 * one declaration the Report type is inferred from) and committed as schema/report.schema.json.
 */
import { z } from 'zod';
import { reportSchema } from '../run/report-schema.js';
import type { Scenario } from '../run/scenario.js';
import type { Report } from '../run/report.js';

export { reportSchema, timelineLineSchema } from '../run/report-schema.js';

// Compile-time guard: the scenario a report carries is the normalized Scenario, both ways, so
// run/scenario.ts and the report schema cannot drift apart without a type error here.
const scenarioIsReportScenario = (v: Scenario): Report['scenario'] => v;
const reportScenarioIsScenario = (v: Report['scenario']): Scenario => v;
void scenarioIsReportScenario;
void reportScenarioIsScenario;

/** The JSON Schema (draft 2020-12) of the report file as read (unknown keys allowed), as committed in schema/report.schema.json. */
export function reportJsonSchemaText(): string {
  const schema = z.toJSONSchema(reportSchema, { target: 'draft-2020-12', io: 'input' });
  return `${JSON.stringify({ $schema: schema.$schema, title: 'wsload report', ...schema }, null, 2)}\n`;
}
