import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, wsload, type CliResult } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wsload-validate-'));

function run(args: string[]): Promise<CliResult> {
  return wsload(args, { cwd: dir, timeoutMs: 20_000 });
}

function write(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

beforeAll(() => {
  // These tests run the built CLI, as users do: `npm test` builds first.
  assertBuilt();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wsload validate', () => {
  it('prints one ok line and exits 0 for a valid scenario', async () => {
    write('good.json', { name: 'good', connections: 100, duration: '30s', workers: 2, publish: { rate: 5 } });
    const r = await run(['validate', 'good.json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('good.json: ok (100 sockets / 2 workers, hold 30s, publish 5/s)\n');
  });

  it('names a bad publish.match regex in one line with its JSON path, exit 2, no stack', async () => {
    write('regex.json', { name: 'regex', connections: 1, duration: '1s', publish: { match: { regex: 'seq=\\d+' } } });
    const r = await run(['validate', 'regex.json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'wsload: regex.json: publish.match.regex: expected a regular expression with exactly one capture group, like "seq=(\\d+)", got "seq=\\\\d+" (it has 0 capture groups)\n',
    );
  });

  it('says "no publishing" and applies override flags', async () => {
    write('quiet.json', { name: 'quiet', connections: 100, duration: '30s' });
    const r = await run([
      'validate',
      'quiet.json',
      '--connections',
      '300',
      '--duration',
      '1h30m',
      '--workers',
      '3',
      '--url',
      'ws://127.0.0.1:9/ws',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('quiet.json: ok (300 sockets / 3 workers, hold 1h30m, no publishing)\n');
  });

  it('exits 2 listing every issue with its path, and no stack trace', async () => {
    write('bad.json', {
      name: 'bad',
      connections: 0,
      duration: '30s',
      publish: { rat: 5 },
      cohorts: [
        { name: 'a', share: 0.5 },
        { name: 'b', share: 2 },
      ],
    });
    const r = await run(['validate', 'bad.json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      'wsload: bad.json: connections: expected an integer ≥ 1, got 0',
      'wsload: bad.json: publish.rat: unknown key (did you mean "rate"?)',
      'wsload: bad.json: cohorts[1].share: expected a fraction > 0 and ≤ 1, got 2',
    ]);
    expect(r.stderr).not.toContain('    at ');
  });

  it('names the identities file and line, and a key of target.open by its path', async () => {
    write('ids.csv', 'user,token\nu1,t1\nu2,"t2\n');
    write('ids.json', {
      name: 'ids',
      connections: 2,
      duration: '1s',
      target: { url: 'ws://127.0.0.1:9/ws', open: [{ send: 'SUB', ack: { pointer: 'type', equals: 'ok' } }] },
      identities: { file: 'ids.csv' },
    });
    const r = await run(['validate', 'ids.json']);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      'wsload: ids.json: target.open[0].ack.pointer: expected a JSON pointer like "/type" or "/data/status" (RFC 6901: "" or starting with "/"), got "type"',
      `wsload: ids.json: identities.file: ${join(dir, 'ids.csv')} line 3: unterminated or misplaced quote`,
    ]);
  });

  it('names a bad flag by the flag', async () => {
    write('flag.json', { name: 'flag', connections: 10, duration: '30s' });
    const r = await run(['validate', 'flag.json', '--connections', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('wsload: flag.json: --connections: expected a positive integer, got "abc"\n');
  });

  it('refuses more sockets than this process may open when told to use one process (shards 1)', async () => {
    write('big.json', { name: 'big', connections: 1_000_000, duration: '30s', shards: 1 });
    const r = await run(['validate', 'big.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/shards: 1 shard would hold 1000000 sockets each but a process may open \d+ files \(ulimit -n/);
  });

  it('reports a missing file and broken JSON with exit 2', async () => {
    const missing = await run(['validate', 'nope.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('wsload: nope.json: cannot read the scenario file (no such file)\n');
    write('broken.json', '{ "name": "x", }');
    const broken = await run(['validate', 'broken.json']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^wsload: broken\.json: invalid JSON at line 1, column \d+/);
    expect(broken.stderr).not.toContain('    at ');
  });

  it('validates the shipped fanout scenario', async () => {
    const r = await run(['validate', join(root, 'scenarios', 'fanout.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok (2000 sockets / 2 workers, hold 30s, publish 10/s)');
  });
});
