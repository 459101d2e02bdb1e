import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scenarioJsonSchema, scenarioJsonSchemaText } from '../../src/scenario/json-schema.js';

const committed = new URL('../../schema/scenario.schema.json', import.meta.url);

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  anyOf?: JsonSchemaNode[];
  items?: JsonSchemaNode;
  additionalProperties?: JsonSchemaNode | boolean;
  description?: string;
}

/** Every property key anywhere in the schema, with its path, and whether it has a description. */
function properties(node: JsonSchemaNode, path: string, out: { path: string; described: boolean }[]): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    out.push({ path: `${path}.${key}`, described: typeof child.description === 'string' && child.description.length > 0 });
    properties(child, `${path}.${key}`, out);
  }
  for (const option of node.anyOf ?? []) properties(option, path, out);
  if (node.items) properties(node.items, `${path}[]`, out);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') properties(node.additionalProperties, `${path}.*`, out);
}

describe('schema/scenario.schema.json', () => {
  it('equals what `npm run schema` generates (run it after changing src/scenario/schema.ts)', () => {
    expect(readFileSync(committed, 'utf8')).toBe(scenarioJsonSchemaText());
  });

  it('describes every key and rejects unknown keys', () => {
    const found: { path: string; described: boolean }[] = [];
    properties(scenarioJsonSchema() as JsonSchemaNode, '', found);
    expect(found.length).toBeGreaterThan(40);
    expect(found.filter((p) => !p.described).map((p) => p.path)).toEqual([]);
    expect(scenarioJsonSchema().additionalProperties).toBe(false);
  });

  it('marks only name as required, and connections and duration unless stages replace them', () => {
    const schema = scenarioJsonSchema();
    expect(schema.required).toEqual(['name']);
    expect(schema.if).toEqual({ required: ['stages'] });
    expect(schema.else).toEqual({ required: ['connections', 'duration'] });
    expect(schema.then).toEqual({ not: { anyOf: [{ required: ['duration'] }, { required: ['connectRate'] }] } });
  });
});
