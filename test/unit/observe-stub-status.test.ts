/**
 * nginx's stub_status page read as an observed endpoint (`"format": "nginx-stub-status"`): the
 * mapping to nginx-prometheus-exporter's names and kinds, a body that is not the page counted
 * unparsable, the scenario rules (the format's known series), and the open-connections
 * cross-check leaving out the scrape's own connection.
 */
import { describe, expect, it } from 'vitest';
import { PromParseError, type PromSample } from '../../src/metrics/observe/parse.js';
import { parseStubStatus } from '../../src/metrics/observe/stub-status.js';
import { parseSelector } from '../../src/metrics/observe/select.js';
import { ObservedEndpoint } from '../../src/metrics/observe/store.js';
import { crossChecks } from '../../src/report/observe-section.js';
import { validation } from '../helpers/validation.js';

// Exactly as nginx 1.22 writes it: trailing spaces, a leading space before the counts.
const PAGE =
  'Active connections: 291 \nserver accepts handled requests\n 16630948 16630948 31070465 \nReading: 6 Writing: 179 Waiting: 106 \n';

function read(body: string): { list: PromSample[]; types: Map<string, string> } {
  const list: PromSample[] = [];
  const types = parseStubStatus(body, (s) => list.push(s));
  return { list, types };
}

describe('parseStubStatus', () => {
  it("maps the page to nginx-prometheus-exporter's series, gauges and counters", () => {
    const { list, types } = read(PAGE);
    expect(Object.fromEntries(list.map((s) => [s.name, s.value]))).toEqual({
      nginx_connections_active: 291,
      nginx_connections_reading: 6,
      nginx_connections_writing: 179,
      nginx_connections_waiting: 106,
      nginx_connections_accepted: 16630948,
      nginx_connections_handled: 16630948,
      nginx_http_requests_total: 31070465,
    });
    expect(list.every((s) => Object.keys(s.labels).length === 0)).toBe(true);
    expect(types.get('nginx_connections_active')).toBe('gauge');
    expect(types.get('nginx_connections_accepted')).toBe('counter');
    expect(types.get('nginx_http_requests_total')).toBe('counter');
    // CRLF line ends (a proxy in between) read the same.
    expect(read(PAGE.replace(/\n/g, '\r\n')).list).toHaveLength(7);
  });

  it('throws on anything that is not the page, naming the line', () => {
    expect(() => read('<html><body>502 Bad Gateway</body></html>')).toThrow(
      /line 1: expected "Active connections: N".*not nginx stub_status text/,
    );
    expect(() => read('# TYPE nginx_connections_active gauge\nnginx_connections_active 3\n')).toThrow(PromParseError);
    expect(() => read(PAGE.replace('Writing: 179', 'Writing: lots'))).toThrow(/line 4: expected "Reading: N Writing: N Waiting: N"/);
    expect(() => read(PAGE.replace(' 16630948 16630948 31070465 ', ' 1 2'))).toThrow(/line 3: expected three counts/);
    expect(() => read('Active connections: 1 \n')).toThrow(/line 2: .*\(end of body\)/);
    expect(() => read(`${PAGE}extra 1\n`)).toThrow(/line 5: expected the end/);
    expect(() => read('')).toThrow(PromParseError);
  });
});

describe('an endpoint read as stub_status', () => {
  it('keeps selected series (counters as rates), and counts a garbage body unparsable', () => {
    const sel = (m: string) => {
      const s = parseSelector(m);
      if ('error' in s) throw new Error(s.error);
      return s;
    };
    const ep = new ObservedEndpoint(
      'nginx',
      'http://127.0.0.1/nginx_status',
      [sel('nginx_connections_active'), sel('nginx_http_requests_total')],
      'nginx-stub-status',
    );
    ep.ingest(PAGE, 0);
    ep.ingest(PAGE.replace('Active connections: 291', 'Active connections: 300').replace('31070465', '31071465'), 1000);
    ep.ingest('nginx_connections_active 5\n', 2000);
    const stats = ep.stats();
    expect(stats.scrapes).toBe(3);
    expect(stats.failures.unparsable).toBe(1);
    expect(stats.firstFailure).toMatch(/^unparsable: line 1: expected "Active connections: N"/);
    expect(stats.series[0]).toMatchObject({ key: 'nginx_connections_active', kind: 'gauge', first: 291, last: 300, max: 300, samples: 2 });
    expect(stats.series[1]).toMatchObject({ key: 'nginx_http_requests_total', kind: 'counter', last: 1000, increase: 1000, samples: 1 });
    // The same page read as Prometheus text is no data at all.
    const prom = new ObservedEndpoint('nginx', 'http://127.0.0.1/nginx_status', [sel('nginx_connections_active')]);
    prom.ingest(PAGE, 0);
    expect(prom.stats().failures.unparsable).toBe(1);
  });
});

describe('scenario rules of a stub_status endpoint', () => {
  const v = validation({ cpus: 2, interfaces: null });
  const base = { name: 't', connections: 1, duration: '1s', publish: null, target: { url: 'ws://127.0.0.1:1/ws' } };
  const url = 'http://127.0.0.1:8081/nginx_status';

  it('takes the format, defaults to prometheus, and knows the seven series for thresholds', () => {
    const s = v.ok({
      ...base,
      observe: [
        { name: 'nginx', url, format: 'nginx-stub-status' },
        { name: 'svc', url: 'http://127.0.0.1:9/metrics' },
      ],
      thresholds: { 'observe.nginx.nginx_connections_active.max': '< 100' },
    });
    expect(s.observe?.map((e) => [e.name, e.format])).toEqual([
      ['nginx', 'nginx-stub-status'],
      ['svc', 'prometheus'],
    ]);
    expect(
      v.lines({
        ...base,
        observe: [{ name: 'nginx', url, format: 'nginx-stub-status' }],
        thresholds: { 'observe.nginx.nginx_connections_activ.max': '< 100' },
      }),
    ).toEqual([
      expect.stringMatching(
        /^thresholds\["observe\.nginx\.nginx_connections_activ\.max"\]: endpoint "nginx" keeps no series "nginx_connections_activ" \(did you mean "nginx_connections_active"\?\)/,
      ),
    ]);
  });

  it('names a bad format, and a selector the page has no series for, in one line', () => {
    expect(v.lines({ ...base, observe: [{ name: 'nginx', url, format: 'stub_status' }] })).toEqual([
      'observe[0].format: expected one of "prometheus", "nginx-stub-status", got "stub_status"',
    ]);
    expect(
      v.lines({
        ...base,
        observe: [{ name: 'nginx', url, format: 'nginx-stub-status', series: ['nginx_connections_active', 'nginx_conections_active'] }],
      }),
    ).toEqual([
      'observe[0].series[1]: "nginx_conections_active" is not a series of nginx stub_status (did you mean "nginx_connections_active"?); expected one of nginx_connections_active, nginx_connections_reading, nginx_connections_writing, nginx_connections_waiting, nginx_connections_accepted, nginx_connections_handled, nginx_http_requests_total',
    ]);
  });
});

describe('the open-connections cross-check on nginx', () => {
  const series = (name: string, max: number) => ({
    name,
    selector: name,
    kind: 'gauge' as const,
    first: 0,
    last: 0,
    min: 0,
    max,
    samples: 5,
    absent: 0,
  });
  const report = (peakOpen: number) =>
    ({ connections: { peakOpen }, disconnects: { idleTimeout: null } }) as unknown as Parameters<typeof crossChecks>[1];

  it("leaves the scrape's own connection out of nginx_connections_active", () => {
    expect(crossChecks([series('nginx_connections_active', 41)], report(40))).toEqual([
      { what: 'open', series: 'nginx_connections_active', gateway: 41, wsload: 40, self: 1, agree: true },
    ]);
    // At a small count the tolerance is 2 connections after the scrape's own is taken off.
    expect(crossChecks([series('nginx_connections_active', 13)], report(10))[0]).toMatchObject({ self: 1, agree: true });
    expect(crossChecks([series('nginx_connections_active', 14)], report(10))[0]).toMatchObject({ self: 1, agree: false });
    expect(crossChecks([series('nginx_connections_active', 9)], report(10))[0]).toMatchObject({ agree: true });
    expect(crossChecks([series('nginx_connections_active', 8)], report(10))[0]).toMatchObject({ agree: false });
    // Other gateways count no scrape of theirs.
    expect(crossChecks([series('haproxy_frontend_current_sessions', 13)], report(10))[0]).toEqual({
      what: 'open',
      series: 'haproxy_frontend_current_sessions',
      gateway: 13,
      wsload: 10,
      agree: false,
    });
  });
});
