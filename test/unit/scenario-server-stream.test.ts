/** publish.source "server": what validation accepts, what it refuses and at which JSON path. */
import { describe, expect, it } from 'vitest';
import { validateScenario } from '../../src/scenario/validate.js';
import { describeValidScenario } from '../../src/cli/commands/validate.js';
import type { Issue } from '../../src/errors.js';
import type { Scenario } from '../../src/run/scenario.js';

const base = { name: 't', connections: 10, duration: '30s' };
const server = { source: 'server', timestamp: '/ts', sequence: '/seq' };

function check(publish: Record<string, unknown>, overrides: Record<string, string> = {}): { scenario?: Scenario; issues?: Issue[] } {
  const r = validateScenario({ ...base, publish }, { cpus: 4, overrides });
  return 'issues' in r ? { issues: r.issues } : { scenario: r.scenario };
}

function issuesText(issues: Issue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('\n');
}

describe('publish.source "server"', () => {
  it('normalizes to no publisher and a stream (unit ms, binary as written)', () => {
    const s = check(server).scenario;
    expect(s?.publish).toBeNull();
    expect(s?.stream).toEqual({ timestamp: '/ts', timestampUnit: 'ms', sequence: '/seq', binary: 'utf8-json' });
    expect(check({ source: 'server', timestamp: '/data/time', timestampUnit: 'iso', binary: 'unmatched' }).scenario?.stream).toEqual({
      timestamp: '/data/time',
      timestampUnit: 'iso',
      sequence: null,
      binary: 'unmatched',
    });
    expect(check({ source: 'server', sequence: '/n' }).scenario?.stream?.timestamp).toBeNull();
    expect(describeValidScenario('s.json', check(server).scenario!)).toBe(
      's.json: ok (10 sockets / 4 workers, hold 30s, the server publishes (publish.source "server"))',
    );
  });

  it('leaves the publishing scenario as it was: no stream, source "wsload" by default or written', () => {
    expect(check({ rate: 5 }).scenario?.stream).toBeUndefined();
    expect(check({ rate: 5, source: 'wsload' }).scenario?.publish?.rate).toBe(5);
  });

  const requestKeys: [string, unknown][] = [
    ['rate', 5],
    ['ids', [1, 2]],
    ['url', 'http://127.0.0.1:1/p?v={value}'],
    ['match', 'seq'],
    ['deadline', '1s'],
    ['concurrency', 4],
    ['timeout', '1s'],
    ['via', 'websocket'],
    ['method', 'POST'],
    ['headers', { Authorization: 'Bearer x' }],
    ['body', { v: '{value}' }],
    ['contentType', 'text/plain'],
    ['status', 200],
    ['socket', { url: 'ws://127.0.0.1:1/chat' }],
    ['ack', 'ok (\\d+)'],
  ];
  it.each(requestKeys)('refuses publish.%s with it, at its path', (key, value) => {
    const issues = check({ ...server, [key]: value }).issues ?? [];
    expect(issues, issuesText(issues)).toHaveLength(1);
    expect(issues[0].path).toBe(`publish.${key}`);
    expect(issues[0].message).toBe('not with publish.source "server": the server publishes; expected it left out');
  });

  it('names the --rate flag when it is the flag that sets a rate', () => {
    const issues = check(server, { rate: '10' }).issues ?? [];
    expect(issues.map((i) => i.path)).toEqual(['--rate']);
    expect(issues[0].message).toContain('not with publish.source "server"');
  });

  it.each([
    [{ source: 'server' }, 'publish', 'required: publish.timestamp'],
    [{ source: 'server', sequence: '/seq', timestampUnit: 's' }, 'publish.timestampUnit', 'applies only with publish.timestamp'],
    [{ source: 'servers', timestamp: '/ts' }, 'publish.source', 'expected "wsload" or "server"'],
    [{ source: 'server', timestamp: 'ts' }, 'publish.timestamp', 'expected a JSON pointer like "/ts"'],
    [{ source: 'server', timestamp: '/ts', sequence: '' }, 'publish.sequence', 'expected a JSON pointer'],
    [{ source: 'server', timestamp: '/ts', sequence: 7 }, 'publish.sequence', 'expected a JSON pointer'],
    [{ source: 'server', timestamp: '/ts', timestampUnit: 'sec' }, 'publish.timestampUnit', 'expected "ms", "s", "us", "ns" or "iso"'],
    [{ rate: 5, timestamp: '/ts' }, 'publish.timestamp', 'applies only with publish.source "server"'],
    [{ rate: 5, sequence: '/seq' }, 'publish.sequence', 'applies only with publish.source "server"'],
    [{ timestampUnit: 's' }, 'publish.timestampUnit', 'applies only with publish.source "server"'],
  ])('refuses %j at its JSON path', (publish, path, fragment) => {
    const issues = check(publish).issues ?? [];
    const hit = issues.find((i) => i.path === path);
    expect(hit, issuesText(issues)).toBeDefined();
    expect(hit?.message).toContain(fragment);
    expect(issues, issuesText(issues)).toHaveLength(1);
  });
});
