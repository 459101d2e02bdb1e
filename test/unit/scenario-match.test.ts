import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenario/validate.js';
import type { Issue } from '../../src/errors.js';

const base = { name: 't', connections: 10, duration: '30s' };

function check(publish: Record<string, unknown>): { publish?: unknown; issues?: Issue[] } {
  const r = validateScenario({ ...base, publish }, { cpus: 4 });
  return 'issues' in r ? { issues: r.issues } : { publish: r.scenario.publish };
}

describe('publish.match and publish.binary', () => {
  it('keeps a plain field name as before, and defaults binary to utf8-json', () => {
    expect(check({ match: 'seq' }).publish).toMatchObject({ match: 'seq', matchBy: 'field', binary: 'utf8-json' });
  });

  it('reads a JSON pointer, a regex and binary: "unmatched"', () => {
    expect(check({ match: { sequence: '/data/a~1b/0' } }).publish).toMatchObject({ match: '/data/a~1b/0', matchBy: 'pointer' });
    expect(check({ match: { regex: 'seq=(\\d+)' }, binary: 'unmatched' }).publish).toMatchObject({
      match: 'seq=(\\d+)',
      matchBy: 'regex',
      binary: 'unmatched',
    });
  });

  it.each([
    [{ match: { sequence: 'data/seq' } }, 'publish.match.sequence', 'expected a JSON pointer like "/data/seq"'],
    [{ match: { sequence: '/a~2' } }, 'publish.match.sequence', 'expected a JSON pointer'],
    [{ match: { sequence: '' } }, 'publish.match.sequence', 'expected a JSON pointer'],
    [{ match: { regex: 'seq=(\\d+' } }, 'publish.match.regex', 'Invalid regular expression'],
    [{ match: { regex: 'seq=\\d+' } }, 'publish.match.regex', 'it has 0 capture groups'],
    [{ match: { regex: '(a)(\\d+)' } }, 'publish.match.regex', 'it has 2 capture groups'],
    [{ match: { regex: 5 } }, 'publish.match.regex', 'expected a regular expression with exactly one capture group'],
    [{ match: { sequence: '/seq', regex: '(\\d+)' } }, 'publish.match', 'exactly one of "sequence" or "regex", got both'],
    [{ match: {} }, 'publish.match', 'exactly one of "sequence" or "regex", got neither'],
    [{ match: { sequense: '/seq' } }, 'publish.match.sequense', 'did you mean "sequence"'],
    [{ match: '' }, 'publish.match', 'expected the name of the JSON field'],
    [{ match: 3 }, 'publish.match', 'expected a field name like "value", or an object'],
    [{ binary: 'utf8' }, 'publish.binary', 'expected "utf8-json" or "unmatched"'],
  ])('refuses %j at its JSON path', (publish, path, fragment) => {
    const found = check(publish).issues ?? [];
    const hit = found.find((i) => i.path === path);
    expect(hit, `issues were:\n${found.map((i) => `${i.path}: ${i.message}`).join('\n')}`).toBeDefined();
    expect(hit?.message).toContain(fragment);
    expect(found).toHaveLength(1);
  });
});
