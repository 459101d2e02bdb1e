/**
 * docs/scenario.md is generated from schema/scenario.schema.json (`npm run docs`): the committed page
 * is what the generator writes from the committed schema, and every key has a meaning to show.
 * (test/unit/scenario-json-schema.test.ts checks the schema against the zod source in turn.)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
}

/** Every key path of the schema with its description (union branches and array items included). */
function keys(node: SchemaNode, prefix: string): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.push([path, child.description]);
    for (const branch of [child, ...(child.anyOf ?? [])]) {
      if (branch.items) out.push(...keys(branch.items, `${path}[]`));
      if (branch !== child && branch.properties) out.push(...keys(branch, path));
    }
    if (child.properties) out.push(...keys(child, path));
  }
  return out;
}

describe('docs/scenario.md', () => {
  it('is what `npm run docs` writes from the committed schema (run it when this fails)', () => {
    const generated = execFileSync(process.execPath, [join(ROOT, 'scripts/generate-scenario-doc.mjs'), '--stdout'], { encoding: 'utf8' });
    expect(readFileSync(join(ROOT, 'docs/scenario.md'), 'utf8')).toBe(generated);
  });

  it('shows scenarios/fanout.json as it is (and docs/wss.md shows scenarios/fanout-wss.json)', () => {
    for (const [page, file] of [
      ['docs/scenario.md', 'scenarios/fanout.json'],
      ['docs/wss.md', 'scenarios/fanout-wss.json'],
    ]) {
      const block = /```json\n(\{\n {2}"\$schema"[\s\S]*?)```/.exec(readFileSync(join(ROOT, page), 'utf8'))?.[1];
      expect(block, `${page}: a \`\`\`json block of a scenario with "$schema"`).toBeDefined();
      expect(JSON.parse(block ?? 'null'), `${page} shows ${file}`).toEqual(JSON.parse(readFileSync(join(ROOT, file), 'utf8')));
    }
  });

  it('lists every key of the schema, each with a description', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schema/scenario.schema.json'), 'utf8')) as SchemaNode;
    const page = readFileSync(join(ROOT, 'docs/scenario.md'), 'utf8');
    const all = keys(schema, '').filter(([path]) => path !== '$schema');
    expect(all.length).toBeGreaterThan(80);
    expect(all.filter(([, description]) => !description || description.length < 10).map(([path]) => path)).toEqual([]);
    expect(all.filter(([path]) => !page.includes(`| \`${path}\` |`)).map(([path]) => path)).toEqual([]);
  });
});
