/**
 * wsload's /metrics scraped by a real Prometheus (Debian's `prometheus`, installed by .ci/run):
 * the test starts it on a free loopback port with a temp TSDB, scraping the run's endpoint every
 * second, then asks its HTTP API during the run (sockets open) and after it (deliveries equal the
 * report, nothing lost, a fan-out quantile from the histogram). Prometheus is stopped by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listenTarget } from '../../src/target/listen-target.js';
import { startTarget } from '../../src/target/server.js';
import { assertBuilt, ROOT } from '../helpers/cli.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { missing, partPath } from '../helpers/real-parts.js';
import { freePort } from '../helpers/wait.js';

assertBuilt();
const dir = mkdtempSync(join(tmpdir(), 'wsload-prometheus-'));
const track = closeAfterEach();
let prometheus: ChildProcess | null = null;
let prometheusLog = '';

afterAll(async () => {
  await stopByPid(prometheus);
  rmSync(dir, { recursive: true, force: true });
});

/** SIGTERM to the one process we started, SIGKILL if it has not exited within 10 s. */
async function stopByPid(child: ChildProcess | null): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(child.pid, 'SIGTERM');
  const t = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

interface VectorResult {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query's result vector. */
async function query(api: string, promql: string, atS?: number): Promise<VectorResult[]> {
  const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}${atS === undefined ? '' : `&time=${atS}`}`);
  const body = (await res.json()) as { status: string; data?: { resultType: string; result: VectorResult[] }; error?: string };
  if (body.status !== 'success' || !body.data) throw new Error(`${promql}: ${body.error ?? res.status}`);
  return body.data.result;
}

/** The single value of a query, or null when it returned nothing. */
async function scalar(api: string, promql: string): Promise<number | null> {
  const r = await query(api, promql);
  return r.length === 0 ? null : Number(r[0].value[1]);
}

async function until<T>(what: string, limitMs: number, probe: () => Promise<T | null>): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n--- prometheus log ---\n${prometheusLog.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Metrics ports Prometheus scrapes: one per try of a run. Two runs, each tried twice in CI: a retry
 * on its first try's port would read that try's samples (its queries look 5 minutes back).
 */
const PORTS = 4;

/** The Prometheus of this file, started once, scraping PORTS metrics ports every second. */
let started: Promise<{ api: string; ports: number[] }> | null = null;

/** The shared Prometheus, and a metrics port no earlier run of this file used. */
async function prometheusFor(): Promise<{ api: string; metricsPort: number }> {
  started ??= (async () => {
    const ports = await Promise.all(Array.from({ length: PORTS }, () => freePort()));
    const apiPort = await freePort();
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 900ms',
        'scrape_configs:',
        '  - job_name: wsload',
        '    static_configs:',
        `      - targets: [${ports.map((p) => `'127.0.0.1:${p}'`).join(', ')}]`,
        '',
      ].join('\n'),
    );
    const api = `http://127.0.0.1:${apiPort}`;
    prometheus = spawn(
      partPath('prometheus'),
      [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${apiPort}`],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    prometheus.stdout?.on('data', (d: Buffer) => (prometheusLog += d.toString()));
    prometheus.stderr?.on('data', (d: Buffer) => (prometheusLog += d.toString()));
    await until('prometheus to be ready', 30_000, async () => ((await fetch(`${api}/-/ready`)).ok ? true : null));
    // Prometheus applies new targets up to 5 s after it starts: wait until it scrapes every port (up
    // 0: nothing listens there yet), so each run is scraped every second from its start.
    await until('prometheus to scrape the metrics ports', 30_000, async () => ((await query(api, 'up')).length === PORTS ? true : null));
    return { api, ports };
  })();
  const { api, ports } = await started;
  const metricsPort = ports.shift();
  if (metricsPort === undefined) throw new Error(`more than ${PORTS} runs asked for a metrics port`);
  return { api, metricsPort };
}

interface Dashboard {
  panels: { title: string; targets?: { expr: string }[] }[];
}
const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/wsload.json'), 'utf8')) as Dashboard;

/** A dashboard expression as Grafana sends it for one wsload process (`instance`), with a 5 s rate interval. */
function dashboardExpr(expr: string, instance: string): string {
  return expr.replaceAll('$__rate_interval', '5s').replaceAll('$instance', instance.replaceAll('.', '\\\\.'));
}

/** The panel titled `title`'s expressions. */
function panelExprs(title: string): string[] {
  const panel = dashboard.panels.find((p) => p.title === title);
  if (!panel) throw new Error(`no panel ${title} in deploy/grafana/wsload.json`);
  return (panel.targets ?? []).map((t) => t.expr);
}

// In CI a missing Prometheus fails the file naming it; elsewhere the skip is named on stderr.
describe.skipIf(missing('prometheus'))('a real Prometheus scraping wsload', () => {
  it("sees sockets open during the run, and after it the report's deliveries, no loss and a fan-out quantile", async () => {
    const { api, metricsPort } = await prometheusFor();
    const instance = `127.0.0.1:${metricsPort}`;

    const target = track(await listenTarget({}));
    const scenario = scenarioFrom({
      target: { url: target.wsUrl },
      connections: 100,
      connectRate: 500,
      duration: '6s',
      workers: 2,
      // The run ends as soon as every delivery is judged; it then waits for Prometheus's next
      // scrape (≤ 2 intervals + 2 s) so the final counts reach it before the endpoint closes.
      publish: { rate: 20, deadline: '3s' },
      metrics: { listen: `127.0.0.1:${metricsPort}` },
    });
    const run = runQuietly(scenario, { tickMs: 500 });
    let finished = false;
    void run.finally(() => (finished = true));
    // During the run: Prometheus has scraped sockets open.
    const openDuring = await until('wsload_sockets_open > 0 in Prometheus', 15_000, async () => {
      const v = await scalar(api, `wsload_sockets_open{instance="${instance}"}`);
      return v !== null && v > 0 ? v : null;
    });
    expect(finished).toBe(false);
    expect(openDuring).toBeGreaterThan(0);
    const info = await query(api, `wsload_run_info{instance="${instance}"}`);
    expect(info[0]?.metric.scenario).toBe('test');
    const report = await run;
    expect(report.fanout.delivered).toBeGreaterThan(1000);

    // After the run, the endpoint is gone (its series are stale): read the last samples scraped.
    const at = (name: string): string => `max_over_time(${name}{instance="${instance}"}[5m])`;
    expect(await scalar(api, at('wsload_deliveries_total'))).toBe(report.fanout.delivered);
    expect(await scalar(api, at('wsload_lost_total'))).toBe(0);
    expect(await scalar(api, at('wsload_published_total'))).toBe(report.fanout.published);
    const p99 = await scalar(
      api,
      `histogram_quantile(0.99, max_over_time(wsload_fanout_latency_seconds_bucket{instance="${instance}"}[5m]))`,
    );
    expect(p99).not.toBeNull();
    expect(Number.isFinite(p99)).toBe(true);
    expect(p99 ?? 0).toBeGreaterThan(0);
    expect(p99 ?? 0).toBeLessThanOrEqual(60);
    // The rate the dashboard draws exists while the run went on.
    expect(await scalar(api, `max_over_time(rate(wsload_deliveries_total{instance="${instance}"}[5s])[5m:1s])`)).toBeGreaterThan(0);

    // Every query of the Grafana dashboard is valid PromQL to this Prometheus and, a second before
    // the hold ended, draws something: the drop and loss panels too, at 0 in a run without drops
    // (their series exist from the start; before, "No data").
    const atS = (Date.parse(report.startedAt) + report.phases.rampMs + report.phases.holdMs - 1000) / 1000;
    for (const panel of dashboard.panels) {
      for (const t of panel.targets ?? []) {
        const expr = dashboardExpr(t.expr, instance);
        const result = await query(api, expr, atS);
        expect(result.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
      }
    }
    expect(report.disconnects.total).toBe(0);
    const disconnects = await query(api, dashboardExpr(panelExprs('Disconnects')[0], instance), atS);
    expect(disconnects.map((r) => Number(r.value[1]))).toEqual([0]);
    const drops = await query(api, dashboardExpr(panelExprs('Drops by cause')[0], instance), atS);
    expect(drops.map((r) => r.metric.cause).sort()).toEqual(['client-close', 'connection-lost', 'protocol-error', 'server-close']);
    for (const r of drops) expect(Number(r.value[1]), r.metric.cause).toBe(0);
  }, 90_000);

  it("the dashboard's drop panel shows the first burst: 150 server closes mid-run", async () => {
    const { api, metricsPort } = await prometheusFor();
    const instance = `127.0.0.1:${metricsPort}`;
    const target = track(await startTarget());
    const run = runQuietly(
      scenarioFrom({
        target: { url: target.wsUrl },
        connections: 300,
        connectRate: 1000,
        duration: '8s',
        workers: 2,
        publish: { rate: 10, deadline: '2s' },
        metrics: { listen: `127.0.0.1:${metricsPort}` },
      }),
      { tickMs: 500 },
    );
    await until('300 sockets open', 20_000, async () => (target.clients() === 300 ? true : null));
    // Prometheus has scraped the run at least twice in the last 3 s (the disconnect series at 0, if
    // they exist from the start), so a 5 s increase() window holds a sample from before the burst.
    // Waited for, not slept: a 2.5 s sleep stood for it, and on a loaded machine Prometheus's 1 s
    // scrapes come late or time out (900 ms). Bounded well inside the 8 s hold.
    await until('two scrapes of the run before the burst', 5_000, async () =>
      ((await scalar(api, `sum_over_time(up{instance="${instance}"}[3s])`)) ?? 0) >= 2 ? true : null,
    );
    const res = await fetch(`${target.httpUrl}/admin/drop?mode=close&count=150`);
    expect(Number(await res.text())).toBe(150);
    const report = await run;
    expect(report.disconnects.byCause).toEqual({ 'server-close': 150 });

    // The dashboard's Drops panel (increase per interval by cause), at its highest over the run:
    // the burst of 150 (more by Prometheus' extrapolation of a 5 s window over 1 s scrapes). Before,
    // the series first appeared at 150 and increase() read 0.
    const expr = dashboardExpr(panelExprs('Drops by cause')[0], instance);
    const peak = await query(api, `max_over_time((${expr})[5m:1s])`);
    const byCause = Object.fromEntries(peak.map((r) => [r.metric.cause, Number(r.value[1])]));
    expect(byCause['server-close'], JSON.stringify(byCause)).toBeGreaterThanOrEqual(150);
    expect(byCause['server-close']).toBeLessThanOrEqual(150 * 2);
    expect(byCause['connection-lost']).toBe(0);
    // The Disconnects stat: the report's total.
    expect(await scalar(api, `max_over_time((${dashboardExpr(panelExprs('Disconnects')[0], instance)})[5m:1s])`)).toBe(
      report.disconnects.total,
    );
    // The Lost panels draw (0 or more) over the run rather than "No data".
    for (const e of panelExprs('Lost deliveries'))
      expect((await query(api, `max_over_time((${dashboardExpr(e, instance)})[5m:1s])`)).length, e).toBeGreaterThan(0);
  }, 90_000);
});
