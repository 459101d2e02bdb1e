/**
 * `observe` with real endpoints on loopback: what a run scrapes lands in the report, the
 * timeline, the summary and thresholds; endpoints that misbehave (slowly, 500, garbage, a 100 MB
 * body) cost the run nothing but counted scrape failures; an embedded target observes itself.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseReport } from '../../dist/report/read.js';
import { renderSummary } from '../../dist/render/summary.js';
import type { Report, TimelineLine } from '../../dist/run/report.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import { startEndpointServer, type EndpointServer } from '../helpers/observed-endpoints.js';
import { runQuietly, scenarioFrom, sharedRun } from '../helpers/run-helpers.js';

const servers: EndpointServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const endpointOf = (r: Report, name: string) => {
  const e = r.observe?.find((o) => o.name === name);
  if (!e) throw new Error(`no observed endpoint "${name}" in the report`);
  return e;
};

describe('observe: misbehaving endpoints cost the run nothing but counted failures', () => {
  const run = sharedRun(async () => {
    const server = await startEndpointServer();
    const lines: TimelineLine[] = [];
    const started = Date.now();
    const scenario = scenarioFrom({
      connections: 30,
      duration: '6s',
      publish: { rate: 10 },
      report: { interval: '1s' },
      observe: [
        { name: 'good', url: `${server.url}/good`, series: ['demo_gauge', 'demo_requests_total'] },
        { name: 'slow', url: `${server.url}/slow`, timeout: '500ms' },
        { name: 'error', url: `${server.url}/500` },
        { name: 'garbage', url: `${server.url}/garbage` },
        { name: 'huge', url: `${server.url}/huge` },
      ],
      thresholds: { 'observe.good.demo_gauge.max': '< 12000', 'observe.target.wsload_target_open_sockets.max': '== 30' },
    });
    const report = await runQuietly(scenario, { onInterval: (l) => lines.push(l) });
    const wallMs = Date.now() - started;
    await server.close();
    return { report: parseReport(JSON.parse(JSON.stringify(report)), 'run.json'), lines, wallMs, hits: server.hits };
  });

  it('counts each failure by its kind and keeps scraping', async () => {
    const { report } = await run();
    const scrapes = endpointOf(report, 'good').scrapes;
    // One scrape per 1 s interval over a ~7 s run.
    expect(scrapes).toBeGreaterThanOrEqual(5);
    const failures = (name: string) => endpointOf(report, name).failures;
    expect(endpointOf(report, 'good').failures).toEqual({ timeout: 0, status: 0, unparsable: 0, tooLarge: 0, connection: 0, tls: 0 });
    expect(failures('slow')).toMatchObject({ timeout: expect.any(Number), status: 0, unparsable: 0, tooLarge: 0, connection: 0 });
    // A scrape of the slow one is never in flight twice: one per interval at most, each timed out.
    expect(failures('slow').timeout).toBeGreaterThanOrEqual(scrapes - 2);
    // Every scrape of a bad endpoint failed, by its own kind; on a loaded machine one may run out
    // of its 2 s first (reading 8 MB of the huge body, say): counted as a timeout, still a failure.
    for (const [name, kind] of [
      ['error', 'status'],
      ['garbage', 'unparsable'],
      ['huge', 'tooLarge'],
    ] as const) {
      const e = endpointOf(report, name);
      const other = Object.entries(e.failures).filter(([k, n]) => k !== kind && k !== 'timeout' && n > 0);
      expect(other, `${name}: ${JSON.stringify(e.failures)}`).toEqual([]);
      expect(e.failures[kind] + e.failures.timeout, `${name}: ${JSON.stringify(e.failures)}`).toBe(e.scrapes);
      expect(e.failures[kind], `${name}: ${JSON.stringify(e.failures)}`).toBeGreaterThanOrEqual(e.scrapes - 2);
    }
    expect(endpointOf(report, 'huge').firstFailure).toMatch(
      /^(tooLarge: more than 8388608 bytes|timeout: no whole answer within 2000 ms)$/,
    );
    expect(endpointOf(report, 'garbage').firstFailure).toMatch(/unparsable: line 1/);
  });

  it('delivers every publish on time, the run as long as planned', async () => {
    const { report, wallMs } = await run();
    expectDeliveredExactly(report, 30);
    expect(report.phases.holdMs).toBeGreaterThanOrEqual(6000);
    expect(report.phases.holdMs).toBeLessThan(7500);
    // The 100 MB body and the 30 s answer were cut off, not waited for.
    expect(wallMs).toBeLessThan(25_000);
    expect(report.interrupted).toBe(false);
  });

  it("keeps the good endpoint's series (a counter as a rate), in the report, the timeline, the summary and thresholds", async () => {
    const { report, lines } = await run();
    const good = endpointOf(report, 'good');
    const gauge = good.series.find((s) => s.name === 'demo_gauge');
    const counter = good.series.find((s) => s.name === 'demo_requests_total');
    expect(gauge).toMatchObject({ kind: 'gauge', first: 42, last: 42, min: 42, max: 42, absent: 0 });
    expect(gauge?.samples).toBe(good.scrapes);
    // A counter that never moves: a rate of 0 per second, from the second scrape on.
    expect(counter).toMatchObject({ kind: 'counter', first: 0, last: 0, max: 0, increase: 0, samples: good.scrapes - 1 });
    const withColumns = lines.filter((l) => l.observe?.good?.demo_gauge === 42);
    expect(withColumns.length).toBeGreaterThanOrEqual(4);
    expect(lines.every((l) => l.observe !== undefined && 'slow' in l.observe)).toBe(true);
    expect(report.thresholds.map((t) => [t.metric, t.pass])).toEqual([
      ['observe.good.demo_gauge.max', true],
      ['observe.target.wsload_target_open_sockets.max', true],
    ]);
    const summary = renderSummary(report);
    expect(summary).toMatch(/good http:\/\/127\.0\.0\.1:\d+\/good: \d+ scrapes, none failed/);
    expect(summary).toMatch(/huge http:\/\/127\.0\.0\.1:\d+\/huge: (\d+) scrapes, \1 failed \([^)]*tooLarge \d+/);
  });

  it("observes the embedded target by default: its open sockets are the run's", async () => {
    const { report } = await run();
    const target = endpointOf(report, 'target');
    expect(target.failures).toEqual({ timeout: 0, status: 0, unparsable: 0, tooLarge: 0, connection: 0, tls: 0 });
    const open = target.series.find((s) => s.name === 'wsload_target_open_sockets');
    expect(open?.max).toBe(report.connections.peakOpen);
    expect(target.checks).toEqual([{ what: 'open', series: 'wsload_target_open_sockets', gateway: 30, wsload: 30, agree: true }]);
    expect(renderSummary(report)).toMatch(
      /open connections: gateway 30 \(max of wsload_target_open_sockets\) beside wsload's peak 30 open\s+sockets: agree/,
    );
    const broadcasts = target.series.find((s) => s.name === 'wsload_target_broadcasts_total');
    expect(broadcasts?.kind).toBe('counter');
    // Every publish the run made was a broadcast the target counted, once the run's scrapes saw it.
    expect(broadcasts?.increase).toBeLessThanOrEqual(report.fanout.published);
    expect(broadcasts?.increase).toBeGreaterThanOrEqual(report.fanout.published - 2 * 10);
    expect(target.series.find((s) => s.name === 'process_resident_memory_bytes')?.min).toBeGreaterThan(10 * 1024 * 1024);
  });
});
