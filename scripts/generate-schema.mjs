#!/usr/bin/env node
// Writes schema/scenario.schema.json from the zod schema; run via `npm run schema` (builds first).
// test/unit/scenario-json-schema.test.ts fails when the committed file differs from this output.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { scenarioJsonSchemaText } from '../dist/scenario/json-schema.js';

const out = fileURLToPath(new URL('../schema/scenario.schema.json', import.meta.url));
writeFileSync(out, scenarioJsonSchemaText());
process.stdout.write(`wrote ${out}\n`);
