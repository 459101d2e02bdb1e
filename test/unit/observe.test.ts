/**
 * The pure parts of `observe`: the Prometheus text parser (strict, with the line that is wrong),
 * selectors and series kinds, what a run keeps of an endpoint (counters as rates, restarts,
 * bounds), the trend call, and the scenario rules: one-line errors for unknown endpoints and
 * series in thresholds, units of slope thresholds, the --observe flag.
 */
import { describe, expect, it } from 'vitest';
import { parsePrometheusText, PromParseError, type PromSample } from '../../src/metrics/observe/parse.js';
import { matches, parseSelector, seriesKind } from '../../src/metrics/observe/select.js';
import { MAX_SERIES_PER_ENDPOINT, ObservedEndpoint } from '../../src/metrics/observe/store.js';
import { seriesTrend } from '../../src/metrics/observe/trend.js';
import { parsePerHour } from '../../src/metrics/observe/units.js';
import { RssSeries } from '../../src/metrics/memory-trend.js';
import { parseThreshold } from '../../src/report/thresholds.js';
import { validation } from '../helpers/validation.js';
import { fakeReport } from '../helpers/fake-report.js';
import { compare } from '../../src/report/compare.js';
import { crossChecks } from '../../src/report/observe-section.js';

const v = validation({ cpus: 2, interfaces: null });

function samples(body: string): { list: PromSample[]; types: Map<string, string> } {
  const list: PromSample[] = [];
  const types = parsePrometheusText(body, (s) => list.push(s));
  return { list, types };
}

describe('parsePrometheusText', () => {
  it('reads names, labels (escapes included), values, timestamps and types', () => {
    const { list, types } = samples(
      [
        '# HELP envoy_http_downstream_cx_active Total active connections',
        '# TYPE envoy_http_downstream_cx_active gauge',
        'envoy_http_downstream_cx_active{envoy_http_conn_manager_prefix="http",path="a\\"b\\\\c\\n"} 12',
        'up 1 1700000000000',
        '# TYPE x_total counter',
        'x_total +Inf',
        'nan_one NaN',
        'sci 1.5e3',
        '',
      ].join('\n'),
    );
    expect(list).toEqual([
      { name: 'envoy_http_downstream_cx_active', labels: { envoy_http_conn_manager_prefix: 'http', path: 'a"b\\c\n' }, value: 12 },
      { name: 'up', labels: {}, value: 1 },
      { name: 'x_total', labels: {}, value: Infinity },
      { name: 'nan_one', labels: {}, value: NaN },
      { name: 'sci', labels: {}, value: 1500 },
    ]);
    expect(types.get('envoy_http_downstream_cx_active')).toBe('gauge');
    expect(types.get('x_total')).toBe('counter');
  });

  it('refuses what is not the format, naming the line', () => {
    expect(() => samples('<html><body>502 Bad Gateway</body></html>')).toThrow(/line 1: expected a metric name/);
    expect(() => samples('ok 1\nbad{a="1" 2\n')).toThrow(/line 2: expected "," or "}" after label a/);
    expect(() => samples('ok 1\nv 0x1f\n')).toThrow(/line 2: value "0x1f" is not a number/);
    expect(() => samples('v 1 soon\n')).toThrow(/timestamp "soon" is not an integer/);
    expect(() => samples('# TYPE v sometimes\n')).toThrow(/bad # TYPE line/);
    expect(() => samples('')).toThrow(PromParseError);
    // OpenMetrics ends its body with # EOF: nothing after it is read.
    expect(samples('a 1\n# EOF\ngarbage').list).toHaveLength(1);
  });
});

describe('selectors', () => {
  it('sum the samples they match, PromQL-style matchers included', () => {
    const sel = parseSelector('envoy_http_downstream_cx_active{envoy_http_conn_manager_prefix=~"http|https",admin!="true"}');
    if ('error' in sel) throw new Error(sel.error);
    const s = (labels: Record<string, string>): PromSample => ({ name: 'envoy_http_downstream_cx_active', labels, value: 1 });
    expect(matches(sel, s({ envoy_http_conn_manager_prefix: 'http' }))).toBe(true);
    expect(matches(sel, s({ envoy_http_conn_manager_prefix: 'https2' }))).toBe(false);
    expect(matches(sel, s({ envoy_http_conn_manager_prefix: 'https', admin: 'true' }))).toBe(false);
    expect(parseSelector('a{b=c}')).toEqual({ error: expect.stringMatching(/bad label matcher/) });
    expect(parseSelector('a', 'has-dash')).toEqual({ error: expect.stringMatching(/"as" must be a name/) });
  });

  it("keep counters as counters: by # TYPE, a histogram's parts, or the _total convention", () => {
    const types = new Map([
      ['req', 'counter'],
      ['lat', 'histogram'],
      ['mem', 'gauge'],
    ] as const);
    expect(seriesKind('req', types)).toBe('counter');
    expect(seriesKind('lat_count', types)).toBe('counter');
    expect(seriesKind('untyped_total', types)).toBe('counter');
    expect(seriesKind('mem', types)).toBe('gauge');
    expect(seriesKind('anything', types)).toBe('gauge');
  });
});

describe('ObservedEndpoint', () => {
  const sel = (text: string) => {
    const s = parseSelector(text);
    if ('error' in s) throw new Error(s.error);
    return s;
  };

  it('keeps a counter as a rate per second, a restart counted from zero, and a gauge as read', () => {
    const ep = new ObservedEndpoint('gw', 'http://x', [sel('req_total'), sel('open')]);
    const body = (req: number, open: number) =>
      `# TYPE req_total counter\nreq_total ${req}\n# TYPE open gauge\nopen{a="1"} ${open}\nopen{a="2"} 1\n`;
    ep.ingest(body(100, 4), 0);
    ep.ingest(body(150, 6), 1000);
    ep.ingest(body(10, 2), 2000); // restarted
    const [req, open] = ep.stats().series;
    expect(req).toMatchObject({ kind: 'counter', first: 50, last: 10, min: 10, max: 50, samples: 2, increase: 60 });
    expect(open).toMatchObject({ kind: 'gauge', first: 5, last: 3, min: 3, max: 7, samples: 3 });
    expect(ep.latest()).toEqual({ req_total: 10, open: 3 });
  });

  it('counts a failure by kind, an unparsable body too, and an absent series apart', () => {
    const ep = new ObservedEndpoint('gw', 'http://x', [sel('missing')]);
    ep.fail('timeout', 'no whole answer within 500 ms');
    ep.ingest('garbage here', 1000);
    ep.ingest('other 1\n', 2000);
    const s = ep.stats();
    expect(s.failures).toEqual({ timeout: 1, status: 0, unparsable: 1, tooLarge: 0, connection: 0, tls: 0 });
    expect(s.scrapes).toBe(3);
    expect(s.firstFailure).toBe('timeout: no whole answer within 500 ms');
    expect(s.series[0]).toMatchObject({ samples: 0, absent: 1, last: null });
  });

  it('without a series list keeps at most 64 series, and says how many more there were', () => {
    const ep = new ObservedEndpoint('all', 'http://x', null);
    const body = Array.from({ length: 100 }, (_, i) => `m{i="${i}"} ${i}`).join('\n');
    ep.ingest(body, 0);
    ep.ingest(body, 1000);
    const s = ep.stats();
    expect(s.series).toHaveLength(MAX_SERIES_PER_ENDPOINT);
    expect(s.omittedSeries).toBe(100 - MAX_SERIES_PER_ENDPOINT);
    expect(s.series[3]).toMatchObject({ key: 'm{i="3"}', last: 3, samples: 2 });
  });
});

describe('seriesTrend', () => {
  const MB = 1048576;
  const series = (perHour: number, noise: (i: number) => number, n = 600, stepMs = 10_000) => {
    const s = new RssSeries();
    for (let i = 0; i < n; i++) s.sample(i * stepMs, 500 * MB + (perHour * i * stepMs) / 3_600_000 + noise(i));
    return s;
  };
  // A deterministic noise of ±2 MB, uncorrelated enough from one sample to the next.
  const noise = (i: number) => (((i * 7919) % 97) / 97 - 0.5) * 4 * MB;

  it('finds a 12 MB/h growth over 100 min within its interval and calls it growing', () => {
    const t = seriesTrend(series(12 * MB, noise), 0, 6_000_000, { bytes: true });
    expect(t?.flat).toBe(false);
    expect(t?.ci[0]).toBeLessThanOrEqual(12 * MB);
    expect(t?.ci[1]).toBeGreaterThanOrEqual(12 * MB);
  });

  it('calls a flat series flat, a short one not at all', () => {
    expect(seriesTrend(series(0, noise), 0, 6_000_000, { bytes: true })?.flat).toBe(true);
    const short = seriesTrend(series(0, noise, 60), 0, 600_000, { bytes: true });
    expect(short?.flat).toBeUndefined();
    expect(short?.note).toMatch(/too short to judge/);
    expect(short?.reason).toBe('too-short');
  });

  it('says "shrinking" only when the whole interval lies below −tolerance; one that holds 0 and reaches below is inconclusive', () => {
    // ±2 MB noise over 100 min, its later half in 8 block means: an interval of about ±0.14 MB/h around a
    // slope of −0.03 MB/h, under a tolerance of 0.12 MB/h: reaching below −tolerance, holding 0.
    const tol = 0.12 * MB;
    const wide = seriesTrend(series(-0.03 * MB, noise), 0, 6_000_000, { bytes: true, flatPerHour: tol });
    const [low, high] = wide?.ci ?? [0, 0];
    expect(low < -tol && high > 0 && high <= tol, JSON.stringify(wide)).toBe(true);
    expect(wide?.flat).toBeUndefined();
    expect(wide?.note).toBe('inconclusive: the 95 % interval reaches beyond ± the tolerance');
    expect(wide?.reason).toBe('inconclusive');
    const falling = seriesTrend(series(-12 * MB, noise), 0, 6_000_000, { bytes: true });
    expect(falling?.note).toBe('shrinking beyond the tolerance');
    expect(falling?.reason).toBe('shrinking');
  });
});

describe('scenario rules of observe', () => {
  const base = { name: 't', connections: 1, duration: '1s', publish: null };
  const gateway = {
    name: 'gateway',
    url: 'http://127.0.0.1:8405/metrics',
    series: ['envoy_http_downstream_cx_active', { match: 'process_resident_memory_bytes', as: 'rss' }],
  };

  it('accepts endpoints and thresholds on their series, slopes in a growth per time', () => {
    const s = v.ok({
      ...base,
      target: { url: 'ws://127.0.0.1:1/ws' },
      observe: [gateway],
      thresholds: {
        'observe.gateway.envoy_http_downstream_cx_active.max': '< 12000',
        'observe.gateway.rss.slope': '< 1MB/h',
        'client.rss.slope': '< 5MB/h',
      },
    });
    expect(s.observe?.[0]).toMatchObject({
      name: 'gateway',
      timeoutMs: 2000,
      maxBytes: 8 * 1024 * 1024,
      series: [{ match: 'envoy_http_downstream_cx_active' }, { match: 'process_resident_memory_bytes', as: 'rss' }],
    });
  });

  it('names an unknown endpoint or series in one line, with a suggestion', () => {
    const t = { url: 'ws://127.0.0.1:1/ws' };
    expect(v.lines({ ...base, target: t, observe: [gateway], thresholds: { 'observe.gatway.rss.max': '< 1' } })).toEqual([
      'thresholds["observe.gatway.rss.max"]: unknown observed endpoint "gatway" (did you mean "gateway"?); the scenario observes "gateway"',
    ]);
    expect(v.lines({ ...base, target: t, observe: [gateway], thresholds: { 'observe.gateway.rs.max': '< 1' } })).toEqual([
      'thresholds["observe.gateway.rs.max"]: endpoint "gateway" keeps no series "rs" (did you mean "rss"?); it keeps "envoy_http_downstream_cx_active", "rss"',
    ]);
    expect(v.lines({ ...base, target: t, thresholds: { 'observe.gateway.rss.max': '< 1' } })).toEqual([
      'thresholds["observe.gateway.rss.max"]: unknown observed endpoint "gateway"; the scenario observes none (add an "observe" entry)',
    ]);
    // The embedded target is observed as "target" by default.
    expect(v.run({ ...base, thresholds: { 'observe.target.wsload_target_open_sockets.max': '< 1' } })).toHaveProperty('scenario');
  });

  it('says which units a threshold takes', () => {
    expect(parseThreshold('observe.gateway.rss.slope', '< 1MB')).toEqual({
      error: expect.stringMatching(
        /^unit "MB" is not allowed for observe\.gateway\.rss\.slope \(a slope\); expected a growth per time like "1MB\/h"/,
      ),
    });
    expect(parseThreshold('observe.gateway.rss.max', '< 1MB/h')).toEqual({
      error: expect.stringMatching(/expected a bare number or a byte unit/),
    });
    expect(parseThreshold('observe.gateway.rss.avg', '< 1')).toEqual({
      error:
        'unknown metric "observe.gateway.rss.avg": an observed metric is observe.<endpoint>.<series>.<first|last|min|max|samples|slope>',
    });
    expect(parseThreshold('client.rss.slope', '< 2MB/min')).toMatchObject({ value: 2 * 1048576 * 60 });
    expect(parsePerHour('1GB/d')).toBe(1024 ** 3 / 24);
  });

  it('checks endpoints where they are written; --observe adds or replaces one by name', () => {
    expect(
      v.lines({
        ...base,
        observe: [
          { name: 'a b', url: 'ftp://x' },
          { name: 'x', url: 'http://h/m', series: ['a{b=c}'] },
        ],
      }),
    ).toEqual([
      'observe[0].name: expected a name of letters, digits and "_" (used in thresholds as observe.<name>.<series>), got "a b"',
      'observe[0].url: expected an http:// or https:// URL like "http://127.0.0.1:8405/metrics", got "ftp://x"',
      expect.stringMatching(/^observe\[1\]\.series\[0\]: /),
    ]);
    const s = v.ok(
      { ...base, observe: [gateway] },
      { overrides: { observe: ['gateway=http://127.0.0.1:9/m', 'svc=http://127.0.0.1:9/metrics'] } },
    );
    expect(s.observe?.map((e) => [e.name, e.url, e.series])).toEqual([
      ['gateway', 'http://127.0.0.1:9/m', null],
      ['svc', 'http://127.0.0.1:9/metrics', null],
    ]);
    expect(v.lines({ ...base }, { overrides: { observe: ['nourl'] } })).toEqual([
      '--observe: expected "NAME=URL" or "NAME:FORMAT=URL" like "gateway=http://127.0.0.1:15090/stats/prometheus", got "nourl"',
    ]);
  });
});

describe('compare: slopes of two runs', () => {
  const MB = 1048576;
  const withSlope = (slope: number, half: number) => {
    const r = fakeReport();
    r.observe = [
      {
        name: 'service',
        url: 'http://x/metrics',
        scrapes: 100,
        failures: { timeout: 0, status: 0, unparsable: 0, tooLarge: 0, connection: 0 },
        series: [
          {
            name: 'rss',
            selector: 'process_resident_memory_bytes',
            kind: 'gauge',
            first: 1,
            last: 1,
            min: 1,
            max: 1,
            samples: 100,
            absent: 0,
            trend: {
              slopePerHour: slope,
              ci: [slope - half, slope + half],
              tolerancePerHour: 5 * MB,
              fromS: 900,
              toS: 21_600,
              samples: 100,
            },
          },
        ],
      },
    ];
    return r;
  };

  it('calls a slope that grew beyond its interval and the tolerance worse, an equal one the same', () => {
    const row = (b: number, a: number, half = 0.5 * MB) =>
      compare(withSlope(b, half), withSlope(a, half)).rows.find((x) => x.metric === 'observe.service.rss.slope');
    expect(row(0.2 * MB, 12.3 * MB)).toMatchObject({
      verdict: 'worse',
      before: Math.round(0.2 * MB),
      after: Math.round(12.3 * MB),
      basis: 'estimate',
    });
    expect(row(12.3 * MB, 0.2 * MB)?.verdict).toBe('better');
    expect(row(0.2 * MB, 0.4 * MB)?.verdict).toBe('same');
    // An interval as wide as the change: no call.
    expect(row(0, 8 * MB, 6 * MB)?.verdict).toBe('inconclusive');
  });

  it('calls nothing on a slope its own run was too short to judge, however narrow its interval', () => {
    const short = (slope: number) => {
      const r = withSlope(slope, 0.1 * MB);
      const trend = r.observe?.[0]?.series[0]?.trend;
      if (trend) trend.note = 'too short to judge: 9 s after the warm-up, 20 min needed';
      return r;
    };
    const row = compare(short(0), short(400 * MB)).rows.find((x) => x.metric === 'observe.service.rss.slope');
    expect(row?.verdict).toBe('inconclusive');
    expect(row?.note).toContain('could judge');
  });

  it("reads the trend's structured reason, not its note: a reworded note with reason too-short still gets no call", () => {
    const reworded = (slope: number) => {
      const r = withSlope(slope, 0.1 * MB);
      const trend = r.observe?.[0]?.series[0]?.trend;
      if (trend) Object.assign(trend, { reason: 'too-short', note: 'window of 9 s under the 20 min minimum' });
      r.client.memory = {
        rssSlopeMbPerHour: slope / MB,
        ci: [slope / MB - 0.1, slope / MB + 0.1],
        toleranceMbPerHour: 10,
        fromS: 10,
        toS: 20,
        samples: 40,
        startMb: 100,
        endMb: 100,
        reason: 'too-few-samples',
        note: 'a block of the later half held one sample',
      };
      return r;
    };
    const rows = compare(reworded(0), reworded(400 * MB)).rows;
    for (const metric of ['observe.service.rss.slope', 'client.rss.slope']) {
      const row = rows.find((x) => x.metric === metric);
      expect(row?.verdict, metric).toBe('inconclusive');
      expect(row?.note, metric).toContain('could judge');
    }
    // A judged trend (reason inconclusive, or none) is compared as before.
    const judged = (slope: number) => {
      const r = withSlope(slope, 0.1 * MB);
      const trend = r.observe?.[0]?.series[0]?.trend;
      if (trend) Object.assign(trend, { reason: 'inconclusive', note: 'too short a note to matter' });
      return r;
    };
    expect(compare(judged(0), judged(400 * MB)).rows.find((x) => x.metric === 'observe.service.rss.slope')?.verdict).toBe('worse');
  });
});

describe('cross-checks', () => {
  it("puts the gateway's open connections and idle-timeout closes beside wsload's, and says when they disagree", () => {
    const series = (name: string, kind: 'gauge' | 'counter', max: number, increase?: number) => ({
      name,
      selector: `${name}{x="1"}`,
      kind,
      first: 0,
      last: 0,
      min: 0,
      max,
      samples: 5,
      absent: 0,
      ...(increase !== undefined ? { increase } : {}),
    });
    const report = {
      connections: { peakOpen: 1000 },
      disconnects: { idleTimeout: { estimateMs: 60_000, spreadMs: 100, samples: 40, cohort: 'default' } },
    } as unknown as Parameters<typeof crossChecks>[1];
    expect(
      crossChecks(
        [
          series('envoy_http_downstream_cx_active', 'gauge', 1010),
          series('envoy_http_downstream_cx_idle_timeout', 'counter', 1, 38),
          series('other', 'gauge', 3),
        ],
        report,
      ),
    ).toEqual([
      { what: 'open', series: 'envoy_http_downstream_cx_active', gateway: 1010, wsload: 1000, agree: true },
      { what: 'idleTimeout', series: 'envoy_http_downstream_cx_idle_timeout', gateway: 38, wsload: 40, agree: true },
    ]);
    const none = { connections: { peakOpen: 1000 }, disconnects: { idleTimeout: null } } as unknown as Parameters<typeof crossChecks>[1];
    expect(
      crossChecks(
        [series('haproxy_frontend_current_sessions', 'gauge', 700), series('envoy_http_downstream_cx_idle_timeout', 'counter', 1, 12)],
        none,
      ),
    ).toEqual([
      { what: 'open', series: 'haproxy_frontend_current_sessions', gateway: 700, wsload: 1000, agree: false },
      { what: 'idleTimeout', series: 'envoy_http_downstream_cx_idle_timeout', gateway: 12, wsload: 0, agree: false },
    ]);
  });
});

describe('--observe', () => {
  it('says the format as NAME:FORMAT=URL; an unknown format is a one-line error naming the known ones', () => {
    const v = validation({ cpus: 2, interfaces: null });
    const base = { name: 't', connections: 1, duration: '1s', publish: null };
    const s = v.ok(base, {
      overrides: {
        observe: [
          'gw:nginx-stub-status=http://127.0.0.1:9/status',
          'svc:prometheus=http://127.0.0.1:9/m?a=b',
          'plain=http://127.0.0.1:9/m',
        ],
      },
    });
    expect(s.observe?.map((e) => [e.name, e.format, e.url])).toEqual([
      ['gw', 'nginx-stub-status', 'http://127.0.0.1:9/status'],
      ['svc', 'prometheus', 'http://127.0.0.1:9/m?a=b'],
      ['plain', 'prometheus', 'http://127.0.0.1:9/m'],
    ]);
    expect(v.lines(base, { overrides: { observe: ['gw:stub=http://127.0.0.1:9/status'] } })).toEqual([
      '--observe: unknown format "stub" in "gw:stub=http://127.0.0.1:9/status"; expected NAME:FORMAT=URL with FORMAT one of prometheus, nginx-stub-status',
    ]);
  });

  it("names the flag for what it added and the file's path for what the file wrote", () => {
    const lines = validation({ cpus: 2, interfaces: null }).lines(
      { name: 't', connections: 1, duration: '1s', publish: null, observe: [{ name: 'svc', url: 'ftp://x' }] },
      { overrides: { observe: ['gw=nope'] } },
    );
    expect(lines).toEqual([
      'observe[0].url: expected an http:// or https:// URL like "http://127.0.0.1:8405/metrics", got "ftp://x"',
      '--observe: expected an http:// or https:// URL like "http://127.0.0.1:8405/metrics", got "nope"',
    ]);
  });
});
