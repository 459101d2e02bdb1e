/**
 * The run's Prometheus endpoint against real sockets: /metrics scraped over HTTP while a run goes
 * on, its counters never going back, its last scrape equal to the report, and the endpoint closed
 * on every way out (a finished run, an interrupted one, a run whose sockets all failed).
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listenTarget } from '../../src/target/listen-target.js';
import { PROM_METRICS } from '../../dist/driver/prom-metrics.js';
import { run, UsageError } from '../../dist/api.js';
import { assertBuilt } from '../helpers/cli.js';
import { parsePromText, sampleValue, seriesKey, type PromSample } from '../helpers/prom-text.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { expectExactBooks } from '../helpers/books.js';

assertBuilt();
const track = closeAfterEach();

/** GET url → status and body; rejects when nothing listens. */
function get(url: string, method = 'GET'): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Scrapes `url()` every intervalMs until stopped; keeps every successful scrape. */
function scraper(url: () => string | null, intervalMs: number): { scrapes: PromSample[][]; stop: () => Promise<void> } {
  const scrapes: PromSample[][] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const u = url();
      if (u) {
        const r = await get(u).catch(() => null);
        if (r?.status === 200) scrapes.push(parsePromText(r.body));
      }
      await new Promise((res) => setTimeout(res, intervalMs));
    }
  })();
  return {
    scrapes,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

describe('the --metrics endpoint during a real run', () => {
  it('serves every declared metric while the run goes on; counters never go back; the last scrape equals the report', async () => {
    // The first 10 sockets accepted are closed by the target after 300 ms (code 4001), then reconnect.
    const target = track(
      await listenTarget({
        hooks: {
          connection: (ws, index) => {
            if (index < 10) setTimeout(() => ws.close(4001, 'test drop'), 300);
          },
        },
      }),
    );
    const scenario = scenarioFrom({
      target: { url: target.wsUrl },
      connections: 40,
      connectRate: 400,
      duration: '3s',
      workers: 2,
      reconnect: { policy: 'immediate' },
      publish: { rate: 20, deadline: '1s' },
      metrics: { listen: '127.0.0.1:0' },
    });
    let url: string | null = null;
    const s = scraper(() => url, 100);
    const report = await runQuietly(scenario, { onMetricsListening: (u) => (url = u) });
    await s.stop();

    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(s.scrapes.length).toBeGreaterThan(10);
    const last = s.scrapes[s.scrapes.length - 1];
    // Every declared metric is exported, and nothing else (one process: no shard has memory to report).
    const histograms: string[] = PROM_METRICS.filter((m) => m.type === 'histogram').map((m) => m.name);
    const names = new Set(last.map((x) => histograms.find((h) => x.name.startsWith(`${h}_`)) ?? x.name));
    expect([...names].sort()).toEqual(
      PROM_METRICS.map((m) => m.name)
        .filter((n) => n !== 'wsload_shard_rss_bytes')
        .sort(),
    );
    expect(sampleValue(last, 'wsload_run_info', { scenario: 'test', target: target.wsUrl })).toBe(1);

    // Sockets were open while the run went on.
    expect(s.scrapes.some((x) => (sampleValue(x, 'wsload_sockets_open') ?? 0) === 40)).toBe(true);
    // Counters never go backwards from one scrape to the next.
    const counters = new Set<string>(PROM_METRICS.filter((m) => m.type !== 'gauge').map((m) => m.name));
    const seen = new Map<string, number>();
    for (const scrape of s.scrapes) {
      for (const x of scrape) {
        if (!counters.has(x.name) && !counters.has(x.name.replace(/_(bucket|sum|count)$/, ''))) continue;
        const key = seriesKey(x);
        expect(x.value, key).toBeGreaterThanOrEqual(seen.get(key) ?? 0);
        seen.set(key, x.value);
      }
    }

    // The last scrape (the run waited for it once the values were final) equals the report, field by field.
    // The comparisons below are exact whatever volume was reached; what they need is counters that
    // moved, and moved while scraped. The volume asked for is what a loaded machine reaches: the
    // 60 publishes × 40 sockets scheduled came to 821 deliveries at load 25 (the publisher fell
    // behind), so a fixed "> 1000" tested the machine, not the exporter.
    expect(report.fanout.published).toBeGreaterThanOrEqual(5);
    expect(report.fanout.delivered).toBeGreaterThanOrEqual(5 * 30);
    // Some scrape caught deliveries under way (above 0, below the final count): the exporter's values
    // follow the run, not just its end.
    const during = s.scrapes.map((x) => sampleValue(x, 'wsload_deliveries_total') ?? 0);
    expect(
      during.some((n) => n > 0 && n < report.fanout.delivered),
      `deliveries seen by the scrapes: ${during.join(' ')}`,
    ).toBe(true);
    expect(report.reconnects.total).toBe(10);
    expectExactBooks(report);
    expect(sampleValue(last, 'wsload_connects_total', { result: 'ok' })).toBe(report.connections.opened);
    expect(sampleValue(last, 'wsload_connects_total', { result: 'failed' })).toBe(report.connections.failed);
    const disconnects = last.filter((x) => x.name === 'wsload_disconnects_total');
    expect(disconnects.length).toBeGreaterThan(0);
    for (const x of disconnects) {
      const byCause = report.disconnects.byCohort[x.labels.cohort]?.byCause as Record<string, number> | undefined;
      // Every cohort × cause is exported from the start, at 0 where the report counts none.
      expect(x.value, seriesKey(x)).toBe(byCause?.[x.labels.cause] ?? 0);
    }
    expect(disconnects.reduce((a, x) => a + x.value, 0)).toBe(report.disconnects.total);
    expect(sampleValue(last, 'wsload_reconnects_total')).toBe(report.reconnects.total);
    expect(sampleValue(last, 'wsload_published_total')).toBe(report.fanout.published);
    expect(sampleValue(last, 'wsload_publish_failures_total')).toBe(report.publish.failed);
    expect(sampleValue(last, 'wsload_deliveries_total')).toBe(report.fanout.delivered);
    expect(sampleValue(last, 'wsload_lost_total')).toBe(report.fanout.lost);
    expect(sampleValue(last, 'wsload_fanout_latency_seconds_count')).toBe(report.fanout.latencyMs.count);
    // No server stream in this run: its staleness histogram is exported, empty.
    expect(sampleValue(last, 'wsload_stream_staleness_seconds_count')).toBe(0);
    expect(sampleValue(last, 'wsload_fanout_latency_seconds_bucket', { le: '+Inf' })).toBe(report.fanout.latencyMs.count);
    // Buckets are cumulative, and agree with the report's percentiles (HDR precision: 0.1%).
    const buckets = last
      .filter((x) => x.name === 'wsload_fanout_latency_seconds_bucket')
      .map((x) => ({ le: Number(x.labels.le), n: x.value }));
    for (let i = 1; i < buckets.length; i++) expect(buckets[i].n).toBeGreaterThanOrEqual(buckets[i - 1].n);
    const atOrAbove = (ms: number): number => buckets.find((b) => b.le * 1000 >= ms * 1.001)?.n ?? 0;
    expect(atOrAbove(report.fanout.latencyMs.p50)).toBeGreaterThanOrEqual(report.fanout.latencyMs.count / 2);
    expect(atOrAbove(report.fanout.latencyMs.max)).toBe(report.fanout.latencyMs.count);
    const sumS = sampleValue(last, 'wsload_fanout_latency_seconds_sum') ?? 0;
    expect(sumS / report.fanout.latencyMs.count).toBeCloseTo(report.fanout.latencyMs.mean / 1000, 2);
    expect(sampleValue(last, 'wsload_rss_bytes')).toBeGreaterThan(10 * 1048576);
    expect(sampleValue(last, 'wsload_event_loop_lag_seconds')).toBeGreaterThanOrEqual(0);

    // Closed with the run: nothing listens there any more.
    await expect(get(url ?? '')).rejects.toThrow(/ECONNREFUSED/);
  }, 30_000);

  it("a spread run: each shard's resident memory while it runs, besides the coordinator's own", async () => {
    const target = track(await listenTarget({}));
    let url: string | null = null;
    const s = scraper(() => url, 100);
    const scenario = scenarioFrom({
      target: { url: target.wsUrl },
      connections: 20,
      duration: '2500ms',
      workers: 2,
      shards: 2,
      metrics: { listen: '127.0.0.1:0' },
    });
    const report = await runQuietly(scenario, { onMetricsListening: (u) => (url = u) });
    await s.stop();

    const names = (report.shards ?? []).map((x) => x.name).sort();
    expect(names).toHaveLength(2);
    // Some scrape while both shards ran has one series per shard, named as in the report.
    const during = s.scrapes.find((x) => x.filter((y) => y.name === 'wsload_shard_rss_bytes').length === 2);
    expect(during, 'a scrape with both shards').toBeDefined();
    const series = (during ?? []).filter((y) => y.name === 'wsload_shard_rss_bytes');
    expect(series.map((y) => y.labels.shard).sort()).toEqual(names);
    for (const y of series) {
      const peak = report.shards?.find((x) => x.name === y.labels.shard)?.peakRssMb ?? 0;
      // A Node process holding sockets is tens of MB; never above the shard's own peak.
      expect(y.value).toBeGreaterThan(20 * 1048576);
      expect(y.value).toBeLessThanOrEqual(peak * 1048576 + 0.1 * 1048576);
    }
    expect(sampleValue(during ?? [], 'wsload_rss_bytes')).toBeGreaterThan(10 * 1048576);
  }, 30_000);

  it('answers only GET/HEAD /metrics', async () => {
    const target = track(await listenTarget({}));
    let url: string | null = null;
    const answers: Record<string, number> = {};
    const scenario = scenarioFrom({
      target: { url: target.wsUrl },
      connections: 5,
      duration: '1500ms',
      workers: 1,
      metrics: { listen: '127.0.0.1:0' },
    });
    const run = runQuietly(scenario, { onMetricsListening: (u) => (url = u) });
    while (url === null) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500));
    const base = (url as string).replace(/\/metrics$/, '');
    const metrics = await get(`${base}/metrics`);
    answers.get = metrics.status;
    answers.head = (await get(`${base}/metrics`, 'HEAD')).status;
    answers.other = (await get(`${base}/`)).status;
    answers.post = (await get(`${base}/metrics`, 'POST')).status;
    await run;
    expect(answers).toEqual({ get: 200, head: 200, other: 404, post: 405 });
    expect(metrics.type).toBe('text/plain; version=0.0.4; charset=utf-8');
  }, 30_000);

  it('closes on every way out: an interrupted run, a run whose sockets all failed', async () => {
    const target = track(await listenTarget({}));
    const stop = new AbortController();
    let url: string | null = null;
    const interrupted = runQuietly(
      scenarioFrom({ target: { url: target.wsUrl }, connections: 10, duration: '60s', workers: 1, metrics: { listen: '127.0.0.1:0' } }),
      {
        signal: stop.signal,
        // Stopped a second after the endpoint listens, not a second after the call: stopped before
        // it listened (start-up on a loaded machine), there would be no endpoint to see closed.
        onMetricsListening: (u) => {
          url = u;
          setTimeout(() => stop.abort('test stop'), 1000);
        },
      },
    );
    const started = Date.now();
    expect((await interrupted).interrupted).toBe(true);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(url, 'the metrics endpoint listened').not.toBeNull();
    await expect(get(url ?? '')).rejects.toThrow(/ECONNREFUSED/);

    // Nothing listens on the port the sockets dial: every handshake is refused.
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', () => r()));
    const port = (free.address() as AddressInfo).port;
    await new Promise((r) => free.close(r));
    url = null;
    const failed = await runQuietly(
      scenarioFrom({
        target: { url: `ws://127.0.0.1:${port}/ws` },
        connections: 5,
        duration: '1s',
        workers: 1,
        metrics: { listen: '127.0.0.1:0' },
      }),
      {
        onMetricsListening: (u) => (url = u),
      },
    );
    expect(failed.connections.failed).toBe(5);
    expect(url).not.toBeNull();
    await expect(get(url ?? '')).rejects.toThrow(/ECONNREFUSED/);
  }, 30_000);

  it('the library: the metrics option and event; a bad address rejects with a UsageError naming the option', async () => {
    let url: string | null = null;
    let answered = 0;
    const handle = run(
      { name: 'lib', target: 'embedded', connections: 5, duration: '1500ms', workers: 1 },
      { metrics: '127.0.0.1:0', tickMs: 200 },
    );
    handle.on('metrics', (u) => {
      url = u;
      void get(u).then((r) => (answered = r.status));
    });
    const report = await handle;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(report.scenario.metrics).toEqual({ listen: '127.0.0.1:0' });
    // Asked before the target was up: "starting", or the metrics once measurement began.
    expect([200, 503]).toContain(answered);
    await expect(get(url ?? '')).rejects.toThrow(/ECONNREFUSED/);

    const bad = run({ name: 'lib', target: 'embedded', connections: 5, duration: '1s' }, { metrics: 'localhost' });
    await expect(bad).rejects.toThrow(UsageError);
    await expect(bad).rejects.toThrow('metrics (option): expected HOST:PORT like "127.0.0.1:9464", got "localhost"');
  }, 30_000);
});
