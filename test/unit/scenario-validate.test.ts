import { describe, expect, it } from 'vitest';
import type { LoadOptions } from '../../src/scenario/validate.js';
import { validation } from '../helpers/validation.js';
import { shardsNeeded } from '../../src/run/shard-sizing.js';

const base = { name: 't', connections: 10, duration: '30s' };

const { ok, issues } = validation({ cpus: 4 });

describe('validateScenario: defaults and normalization', () => {
  it('fills every default of a minimal scenario', () => {
    const s = ok(base);
    expect(s).toMatchObject({
      name: 't',
      target: { kind: 'embedded' },
      connections: 10,
      connectRate: 1000,
      maxPendingHandshakes: 200,
      handshakeTimeoutMs: 10_000,
      durationMs: 30_000,
      publish: null,
      workers: 4,
      localAddresses: [],
      cohorts: [
        {
          name: 'default',
          count: 10,
          pingIntervalMs: null,
          heartbeat: null,
          reconnect: { policy: 'none', minMs: 1000, maxMs: 30_000, jitter: 0.2 },
        },
      ],
      // Not set: a 30 s hold after a 10 ms ramp is a short run, 1 s intervals (README scenario reference).
      report: { intervalMs: 1_000 },
      thresholds: {},
      tls: { ca: null, insecure: false, servername: null, cert: null, key: null },
      resolve: {},
    });
  });

  it('chooses the report interval from the planned length (ramp + hold) unless report.interval is set', () => {
    const interval = (extra: object): number => ok({ ...base, ...extra }).report.intervalMs;
    expect(interval({ duration: '30s' })).toBe(1_000);
    expect(interval({ duration: '3m' })).toBe(5_000); // 3 min hold + a 10 ms ramp: just past 3 min
    expect(interval({ duration: '2m', connections: 10, connectRate: 1 })).toBe(1_000); // 10 s ramp + 2 min hold
    expect(interval({ duration: '14m' })).toBe(5_000);
    expect(interval({ duration: '10m', connections: 6000, connectRate: 10 })).toBe(10_000); // 10 min ramp + 10 min hold
    expect(interval({ duration: '8h' })).toBe(10_000);
    expect(interval({ duration: '30s', report: { interval: '10s' } })).toBe(10_000);
    expect(interval({ duration: '8h', report: {} })).toBe(10_000);
  });

  it('fills publish defaults and turns ids into strings', () => {
    const s = ok({ ...base, publish: { ids: [1, 'room-2'] } });
    expect(s.publish).toEqual({
      url: null,
      rate: 1,
      ids: ['1', 'room-2'],
      match: 'value',
      matchBy: 'field',
      binary: 'utf8-json',
      deadlineMs: 10_000,
      concurrency: 64,
      timeoutMs: 5000,
    });
    expect(ok({ ...base, publish: {} }).publish?.ids).toEqual(['1']);
  });

  it('keeps a URL target with {conn} as written and fills its defaults', () => {
    const s = ok({ ...base, target: { url: 'ws://127.0.0.1:8080/ws/{conn}' } });
    expect(s.target).toEqual({ kind: 'url', url: 'ws://127.0.0.1:8080/ws/{conn}', headers: {}, origin: null, subprotocols: [] });
  });

  it('splits shares by floor plus largest remainder so counts sum to connections', () => {
    const s = ok({
      ...base,
      connections: 10,
      cohorts: [
        { name: 'a', share: 1 / 3 },
        { name: 'b', share: 1 / 3 },
        { name: 'c', share: 1 / 3 },
      ],
    });
    expect(s.cohorts.map((c) => c.count)).toEqual([4, 3, 3]);
    const t = ok({
      ...base,
      connections: 7,
      cohorts: [
        { name: 'a', share: 0.5 },
        { name: 'b', share: 0.3 },
        { name: 'c', share: 0.2 },
      ],
    });
    // exact parts 3.5, 2.1, 1.4 → floors 3, 2, 1, remainder 1 goes to the largest fraction (a)
    expect(t.cohorts.map((c) => c.count)).toEqual([4, 2, 1]);
  });

  it('fills a cohort reconnect from the top-level one', () => {
    const s = ok({
      ...base,
      reconnect: { policy: 'backoff', min: '2s', max: '1m' },
      cohorts: [
        { name: 'a', count: 5, reconnect: { max: '10s' } },
        { name: 'b', count: 5, reconnect: { policy: 'immediate' }, pingInterval: '20s', heartbeat: { interval: '5s' } },
      ],
    });
    expect(s.cohorts[0].reconnect).toEqual({ policy: 'backoff', minMs: 2000, maxMs: 10_000, jitter: 0.2 });
    expect(s.cohorts[1]).toMatchObject({
      pingIntervalMs: 20_000,
      heartbeat: { intervalMs: 5000, text: 'ping' },
      reconnect: { policy: 'immediate', minMs: 0 },
    });
  });

  it('defaults workers to the CPU count, never more than connections or 64', () => {
    expect(ok({ ...base, connections: 3 }, { cpus: 8 }).workers).toBe(3);
    expect(ok({ ...base, connections: 1000 }, { cpus: 128 }).workers).toBe(64);
    expect(ok({ ...base, workers: 2 }, { cpus: 8 }).workers).toBe(2);
  });

  it('resolves TLS paths against baseDir', () => {
    const s = ok({ ...base, tls: { ca: 'certs/ca.pem' } }, { baseDir: '/srv/scen', checkFiles: false });
    expect(s.tls.ca).toBe('/srv/scen/certs/ca.pem');
  });

  it('ignores $schema', () => {
    expect(ok({ $schema: '../schema/scenario.schema.json', ...base }).name).toBe('t');
  });
});

describe('validateScenario: overrides', () => {
  it('applies flag values before validation; --url replaces the target', () => {
    const s = ok(
      { ...base, target: { url: 'ws://a:1/ws', headers: { x: 'y' } } },
      { overrides: { url: 'ws://127.0.0.1:9/ws', connections: '25', duration: '1m', workers: '2' } },
    );
    expect(s.target).toEqual({ kind: 'url', url: 'ws://127.0.0.1:9/ws', headers: {}, origin: null, subprotocols: [] });
    expect([s.connections, s.durationMs, s.workers]).toEqual([25, 60_000, 2]);
  });

  it('reports a bad flag under the flag name', () => {
    expect(issues(base, { overrides: { connections: 'abc' } })).toEqual([
      { path: '--connections', message: 'expected a positive integer, got "abc"' },
    ]);
    expect(issues(base, { overrides: { duration: '10' } })[0].path).toBe('--duration');
    expect(issues(base, { overrides: { workers: '65' } })[0]).toMatchObject({
      path: '--workers',
      message: expect.stringContaining('from 1 to 64'),
    });
    expect(issues(base, { overrides: { url: 'http://x/ws' } })[0]).toMatchObject({
      path: '--url',
      message: expect.stringContaining('ws:// or wss://'),
    });
  });

  it('names the flag when a limit is exceeded by an overridden value', () => {
    const found = issues(base, { overrides: { connections: '25000', shards: '1' }, limits: { openFiles: 20_000, ephemeralPorts: 28_232 } });
    expect(found).toHaveLength(1);
    expect(found[0].path).toBe('--shards');
  });
});

describe('validateScenario: machine limits', () => {
  const limits = { openFiles: 20_000, ephemeralPorts: 28_232 };

  it('leaves more sockets than one process may open to automatic local shards', () => {
    expect(ok({ ...base, connections: 25_000 }, { limits }).shards).toBeNull();
    expect(shardsNeeded(25_000, 4, 20_000)).toBe(2);
    expect(shardsNeeded(19_712, 4, 20_000)).toBe(1);
  });

  it('rejects too few shards for the open-files limit, naming both numbers', () => {
    const [issue, ...rest] = issues({ ...base, connections: 25_000, shards: 1 }, { limits });
    expect(rest).toEqual([]);
    expect(issue.path).toBe('shards');
    expect(issue.message).toContain('1 shard would hold 25000 sockets each but a process may open 20000 files (ulimit -n');
    expect(issue.message).toContain('at least 2 shards');
    expect(ok({ ...base, connections: 25_000, shards: 2 }, { limits }).shards).toBe(2);
  });

  it('keeps 256 files for wsload itself and 8 for each of its 4 workers', () => {
    expect(issues({ ...base, connections: 19_713, shards: 1 }, { limits })[0].path).toBe('shards');
    expect(ok({ ...base, connections: 19_712, shards: 1 }, { limits }).connections).toBe(19_712);
  });

  it('rejects more sockets than 64 local shards could hold', () => {
    expect(issues({ ...base, connections: 30_000 }, { limits: { openFiles: 400, ephemeralPorts: 28_232 } })[0].message).toContain(
      'more than 64 local shards',
    );
  });

  it('rejects more sockets than ephemeral ports and suggests localAddresses', () => {
    const found = issues({ ...base, connections: 30_000 }, { limits: { openFiles: 100_000, ephemeralPorts: 28_232 } });
    expect(found).toHaveLength(1);
    expect(found[0].message).toMatch(/28232.*localAddresses/);
    const s = ok(
      { ...base, connections: 30_000, localAddresses: ['127.0.0.2', '127.0.0.3'] },
      { limits: { openFiles: 100_000, ephemeralPorts: 28_232 } },
    );
    expect(s.localAddresses).toEqual(['127.0.0.2', '127.0.0.3']);
  });

  it('skips a limit it could not read', () => {
    expect(ok({ ...base, connections: 50_000 }, { limits: { openFiles: null, ephemeralPorts: null } }).connections).toBe(50_000);
  });
});

describe('validateScenario: invalid scenarios', () => {
  const invalid: { name: string; value: unknown; path: string; fragment: string; opts?: LoadOptions }[] = [
    { name: 'not an object', value: [1], path: '', fragment: 'expected a JSON object' },
    { name: 'missing name', value: { connections: 1, duration: '1s' }, path: 'name', fragment: 'required' },
    { name: 'name with a slash', value: { ...base, name: 'a/b' }, path: 'name', fragment: 'report file names' },
    {
      name: 'missing connections',
      value: { name: 'x', duration: '1s' },
      path: 'connections',
      fragment: 'required; expected an integer ≥ 1',
    },
    { name: 'zero connections', value: { ...base, connections: 0 }, path: 'connections', fragment: 'expected an integer ≥ 1, got 0' },
    { name: 'fractional connections', value: { ...base, connections: 1.5 }, path: 'connections', fragment: 'got 1.5' },
    { name: 'connections as a string', value: { ...base, connections: '10' }, path: 'connections', fragment: 'got "10"' },
    {
      name: 'duration without a unit',
      value: { ...base, duration: 30 },
      path: 'duration',
      fragment: 'expected a duration like "500ms", "30s", "10m" or "1h30m", got 30',
    },
    { name: 'bad duration text', value: { ...base, duration: '30 secs' }, path: 'duration', fragment: 'got "30 secs"' },
    { name: 'zero handshake timeout', value: { ...base, handshakeTimeout: '0s' }, path: 'handshakeTimeout', fragment: 'greater than 0' },
    { name: 'negative connect rate', value: { ...base, connectRate: -5 }, path: 'connectRate', fragment: 'number > 0' },
    { name: 'too many workers', value: { ...base, connections: 100, workers: 65 }, path: 'workers', fragment: 'from 1 to 64' },
    {
      name: 'more workers than connections',
      value: { ...base, connections: 2, workers: 4 },
      path: 'workers',
      fragment: 'at most one worker per connection',
    },
    {
      name: 'unknown top-level key',
      value: { ...base, conections: 5 },
      path: 'conections',
      fragment: 'unknown key (did you mean "connections"?)',
    },
    {
      name: 'unknown publish key',
      value: { ...base, publish: { rat: 5 } },
      path: 'publish.rat',
      fragment: 'unknown key (did you mean "rate"?)',
    },
    { name: 'unrelated unknown key', value: { ...base, zzzzzzzz: 1 }, path: 'zzzzzzzz', fragment: 'expected one of "$schema", "name"' },
    {
      name: 'publish rate above 10000',
      value: { ...base, publish: { rate: 20_000 } },
      path: 'publish.rate',
      fragment: '≤ 10000, got 20000',
    },
    { name: 'publish rate zero', value: { ...base, publish: { rate: 0 } }, path: 'publish.rate', fragment: 'got 0' },
    { name: 'empty publish ids', value: { ...base, publish: { ids: [] } }, path: 'publish.ids', fragment: 'non-empty array' },
    {
      name: 'boolean publish id',
      value: { ...base, publish: { ids: [1, true] } },
      path: 'publish.ids[1]',
      fragment: 'an id (string or number), got true',
    },
    {
      name: 'publish url without {seq}',
      value: { ...base, publish: { url: 'http://127.0.0.1/api?id={id}' } },
      path: 'publish.url',
      fragment: '"{seq}" or "{value}"',
    },
    {
      name: 'publish url over ws',
      value: { ...base, publish: { url: 'ws://127.0.0.1/api?v={seq}' } },
      path: 'publish.url',
      fragment: 'http:// or https://',
    },
    { name: 'publish as a number', value: { ...base, publish: 5 }, path: 'publish', fragment: 'null (no publishing) or an object' },
    {
      name: 'target string other than embedded',
      value: { ...base, target: 'ws://x/ws' },
      path: 'target',
      fragment: '"embedded" or an object like {"url"',
    },
    {
      name: 'target url with http scheme',
      value: { ...base, target: { url: 'http://127.0.0.1/ws' } },
      path: 'target.url',
      fragment: 'ws:// or wss://',
    },
    { name: 'target without url', value: { ...base, target: { headers: {} } }, path: 'target.url', fragment: 'required' },
    {
      name: 'unknown target key',
      value: { ...base, target: { url: 'ws://a/ws', header: {} } },
      path: 'target.header',
      fragment: 'did you mean "headers"',
    },
    {
      name: 'header value not a string',
      value: { ...base, target: { url: 'ws://a/ws', headers: { 'X-Token': 5 } } },
      path: 'target.headers["X-Token"]',
      fragment: 'header value',
    },
    {
      name: 'local address not an IP',
      value: { ...base, localAddresses: ['localhost'] },
      path: 'localAddresses[0]',
      fragment: 'an IP address',
    },
    {
      name: 'resolve to a host name',
      value: { ...base, resolve: { 'a.example': 'b.example' } },
      path: 'resolve["a.example"]',
      fragment: 'an IP address',
    },
    {
      name: 'unknown reconnect policy',
      value: { ...base, reconnect: { policy: 'sometimes' } },
      path: 'reconnect.policy',
      fragment: 'one of "none", "immediate", "backoff", got "sometimes"',
    },
    {
      name: 'backoff min above max',
      value: { ...base, reconnect: { policy: 'backoff', min: '1m', max: '10s' } },
      path: 'reconnect.max',
      fragment: 'at least reconnect min',
    },
    { name: 'jitter above 1', value: { ...base, reconnect: { jitter: 2 } }, path: 'reconnect.jitter', fragment: 'from 0 to 1' },
    {
      name: 'cohort share above 1',
      value: {
        ...base,
        cohorts: [
          { name: 'a', share: 0.5 },
          { name: 'b', share: 1.5 },
        ],
      },
      path: 'cohorts[1].share',
      fragment: '≤ 1, got 1.5',
    },
    {
      name: 'shares not summing to 1',
      value: {
        ...base,
        cohorts: [
          { name: 'a', share: 0.5 },
          { name: 'b', share: 0.4 },
        ],
      },
      path: 'cohorts',
      fragment: 'summing to 1, got 0.9',
    },
    {
      name: 'counts not summing to connections',
      value: {
        ...base,
        cohorts: [
          { name: 'a', count: 5 },
          { name: 'b', count: 4 },
        ],
      },
      path: 'cohorts',
      fragment: 'summing to connections (10), got 9',
    },
    {
      name: 'share and count mixed',
      value: {
        ...base,
        cohorts: [
          { name: 'a', share: 0.5 },
          { name: 'b', count: 5 },
        ],
      },
      path: 'cohorts',
      fragment: 'every cohort to have a share',
    },
    {
      name: 'cohort with both share and count',
      value: { ...base, cohorts: [{ name: 'a', share: 1, count: 10 }] },
      path: 'cohorts[0]',
      fragment: 'exactly one of "share" or "count", got both',
    },
    {
      name: 'duplicate cohort names',
      value: {
        ...base,
        cohorts: [
          { name: 'a', count: 5 },
          { name: 'a', count: 5 },
        ],
      },
      path: 'cohorts[1].name',
      fragment: 'duplicate cohort name "a"',
    },
    {
      name: 'cohort ping interval zero',
      value: { ...base, cohorts: [{ name: 'a', count: 10, pingInterval: '0s' }] },
      path: 'cohorts[0].pingInterval',
      fragment: 'greater than 0',
    },
    {
      name: 'heartbeat without interval',
      value: { ...base, cohorts: [{ name: 'a', count: 10, heartbeat: { text: 'hi' } }] },
      path: 'cohorts[0].heartbeat.interval',
      fragment: 'required',
    },
    {
      name: 'unknown cohort key',
      value: { ...base, cohorts: [{ name: 'a', count: 10, pingIntervall: '1s' }] },
      path: 'cohorts[0].pingIntervall',
      fragment: 'did you mean "pingInterval"',
    },
    {
      name: 'cert without key',
      value: { ...base, tls: { cert: 'c.pem' } },
      path: 'tls.key',
      fragment: 'together',
      opts: { checkFiles: false },
    },
    { name: 'missing CA file', value: { ...base, tls: { ca: 'no-such-ca.pem' } }, path: 'tls.ca', fragment: 'file not found' },
    { name: 'report interval zero', value: { ...base, report: { interval: '0ms' } }, path: 'report.interval', fragment: 'greater than 0' },
    {
      name: 'threshold on an unknown metric',
      value: { ...base, thresholds: { 'fanout.lsot': '== 0' } },
      path: 'thresholds["fanout.lsot"]',
      fragment: 'did you mean "fanout.lost"',
    },
    {
      name: 'threshold with an unsupported aggregation',
      value: { ...base, thresholds: { 'fanout.median': '< 1s' } },
      path: 'thresholds["fanout.median"]',
      fragment:
        'supported aggregations for fanout are: min, mean, p50, p75, p90, p95, p99, p99.9 (p999), max, count or any percentile pNN or pNN.N',
    },
    {
      name: 'threshold on p100',
      value: { ...base, thresholds: { 'fanout.p100': '< 1s' } },
      path: 'thresholds["fanout.p100"]',
      fragment: '"p100" is no percentile (the largest value is "max")',
    },
    {
      name: 'threshold expression without an operator',
      value: { ...base, thresholds: { 'fanout.p99': '250ms' } },
      path: 'thresholds["fanout.p99"]',
      fragment: 'with op one of < <= > >= == !=',
    },
    {
      name: 'threshold expression not a string',
      value: { ...base, thresholds: { 'fanout.p99': 250 } },
      path: 'thresholds["fanout.p99"]',
      fragment: 'threshold expression',
    },
  ];

  it.each(invalid)('$name → $path', ({ value, path, fragment, opts }) => {
    const found = issues(value, { baseDir: '/nonexistent-wsload-dir', ...opts });
    const match = found.find((i) => i.path === path);
    expect(match, `issues were:\n${found.map((i) => `${i.path}: ${i.message}`).join('\n')}`).toBeDefined();
    expect(match?.message).toContain(fragment);
    // Messages are written for users: no zod wording, no internals.
    for (const i of found) expect(i.message).not.toMatch(/Invalid input|ZodError|invalid_type|\bat \w+ \(/);
  });

  it('reports every issue at once, in document order', () => {
    const found = issues({
      name: 'x y',
      connections: 0,
      duration: '30',
      publish: { rat: 5, ids: [] },
      cohorts: [{ name: 'a', share: 2 }],
      thresholds: { 'fanout.p100': '< 1s' },
    });
    expect(found.map((i) => i.path)).toEqual([
      'name',
      'connections',
      'duration',
      'publish.ids',
      'publish.rat',
      'cohorts[0].share',
      'thresholds["fanout.p100"]',
    ]);
  });

  it("reports a flag issue together with the file's issues", () => {
    const found = issues({ ...base, publish: { rate: -1 } }, { overrides: { workers: 'many' } });
    expect(found.map((i) => i.path)).toEqual(['--workers', 'publish.rate']);
  });
});
