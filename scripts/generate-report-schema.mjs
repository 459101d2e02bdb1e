#!/usr/bin/env node
// Writes schema/report.schema.json from the zod schema; run via `npm run schema:report` (builds first).
// test/unit/read-report.test.ts fails when the committed file differs from this output.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { reportJsonSchemaText } from '../dist/report/report-schema.js';

const out = fileURLToPath(new URL('../schema/report.schema.json', import.meta.url));
writeFileSync(out, reportJsonSchemaText());
process.stdout.write(`wrote ${out}\n`);
