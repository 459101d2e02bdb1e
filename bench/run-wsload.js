/**
 * Runs `node bin/wsload.js run <scenario> --json --quiet` against a fresh target and returns what
 * it measured: counts and latencies from its report, CPU and RSS sampled from /proc outside it.
 * Optionally drops sockets at the target on a schedule (reconnect churn for the soak run), and
 * serves --metrics scraped every second by the bench itself (the soak run: its cost is in the figures).
 */
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { wsloadCommand } from './launcher.js';
import { measureChild, stderrTail } from './measured-run.js';
import { PUBLISH_IDS } from './run-baseline.js';

/**
 * @typedef {import('./run-baseline.js').LoadSpec & {
 *   workers: number,
 *   reconnect?: 'none' | 'immediate',
 *   churn?: { everyMs: number, count: number },
 *   metrics?: boolean,
 * }} WsloadSpec
 * @typedef {{ scrapes: number, failedScrapes: number, lastDeliveries: number | null, maxScrapeMs: number }} ScrapeTotals
 * @typedef {import('./run-baseline.js').Measure & {
 *   report: object,
 *   churn: { calls: number, failedCalls: number, dropped: number },
 *   metrics: ScrapeTotals | null,
 * }} WsloadMeasure
 */

/** The scenario file a spec runs (target URL known only once the target listens). */
export function wsloadScenario(spec, wsUrl) {
  return {
    name: `bench-${spec.run}`,
    target: { url: wsUrl },
    connections: spec.sockets,
    connectRate: spec.connectRate,
    maxPendingHandshakes: spec.maxPending,
    duration: `${Math.round(spec.holdSeconds * 1000)}ms`,
    workers: spec.workers,
    publish: spec.publishRate > 0 ? { rate: spec.publishRate, ids: PUBLISH_IDS } : null,
    localAddresses: spec.localAddresses,
    reconnect: { policy: spec.reconnect ?? 'none' },
    report: { interval: '10s' },
    ...(spec.perMessageDeflate !== undefined ? { perMessageDeflate: spec.perMessageDeflate } : {}),
  };
}

/**
 * Runs wsload once.
 * @param {WsloadSpec} spec
 * `ctx.command`: how wsload is started (default `wsloadCommand`: as the installed command starts it).
 * @param {{ root: string, tmpDir: string, command?: typeof wsloadCommand }} ctx
 * @returns {Promise<WsloadMeasure>}
 */
export async function runWsload(spec, ctx) {
  const scenarioFile = join(ctx.tmpDir, `${spec.run}.json`);
  const reportFile = join(ctx.tmpDir, `${spec.run}.report.json`);
  const rampEstimateMs = (spec.sockets / spec.connectRate) * 1000;
  const timeoutMs = rampEstimateMs + spec.holdSeconds * 1000 + 10_000 + 60_000;
  const churn = { calls: 0, failedCalls: 0, dropped: 0 };
  const metricsPort = spec.metrics ? await freePort() : null;
  /** @type {ScrapeTotals | null} */
  const scrapes = metricsPort !== null ? { scrapes: 0, failedScrapes: 0, lastDeliveries: null, maxScrapeMs: 0 } : null;
  const metrics = metricsPort !== null ? ['--metrics', `127.0.0.1:${metricsPort}`] : [];
  const command = (ctx.command ?? wsloadCommand)(ctx.root, ['run', scenarioFile, '--json', '--quiet', '--out', reportFile, ...metrics]);
  const m = await measureChild({
    root: ctx.root,
    timeoutMs,
    targetProcesses: spec.targetProcesses,
    targetDeflate: spec.perMessageDeflate !== undefined,
    targetHost: spec.targetHost,
    env: command.env,
    args: (t) => {
      writeFileSync(scenarioFile, `${JSON.stringify(wsloadScenario(spec, t.wsUrl), null, 2)}\n`);
      return command.args;
    },
    during: (t, startT) => {
      const stops = [];
      if (spec.churn)
        stops.push(
          startChurn(t.httpUrl, spec.churn, startT + rampEstimateMs + 2000, startT + rampEstimateMs + spec.holdSeconds * 1000, churn),
        );
      if (metricsPort !== null && scrapes) stops.push(startScraping(`http://127.0.0.1:${metricsPort}/metrics`, 1000, scrapes));
      return () => stops.forEach((stop) => stop());
    },
  });
  const report = readReport(m.exit.stdout, reportFile);
  if (!report) {
    const why = m.exit.timedOut ? 'timed out' : `exited with ${m.exit.signal ?? `code ${m.exit.code}`}`;
    throw new Error(`wsload ${spec.run}: ${why} without a report: ${stderrTail(m.exit.stderr)}`);
  }
  // The report's clock: the run starts at startedAt, ramps for rampMs, then holds for holdMs.
  const holdStartT = Date.parse(report.startedAt) + report.phases.rampMs;
  return {
    tool: 'wsload',
    run: spec.run,
    workers: spec.workers,
    sockets: spec.sockets,
    publishRate: spec.publishRate,
    opened: report.connections.opened,
    failed: report.connections.failed,
    rampMs: report.phases.rampMs,
    holdStartT,
    holdEndT: holdStartT + report.phases.holdMs,
    // openAtEnd is after wsload closed its sockets; what stood at the end of the hold is every
    // handshake that succeeded minus every close it did not make itself.
    held: report.connections.opened - report.disconnects.total,
    published: report.publish.sent,
    publishSkipped: report.publish.skipped,
    delivered: report.fanout.delivered,
    lost: report.fanout.lost,
    fanoutP50Ms: report.fanout.latencyMs.p50,
    fanoutP99Ms: report.fanout.latencyMs.p99,
    lagMaxMs: report.client.eventLoopLagMs.max,
    saturated: report.client.saturated,
    client: m.client,
    target: m.target,
    report,
    churn,
    metrics: scrapes,
  };
}

/** A loopback port free a moment ago (wsload binds it; a race lost is its exit 2, reported). */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * GETs url every everyMs (never overlapping, each bounded by 2 s) like a Prometheus scraping the
 * run; counts answers and keeps the last wsload_deliveries_total. Returns a stop function.
 * @param {string} url
 * @param {number} everyMs
 * @param {ScrapeTotals} totals
 */
function startScraping(url, everyMs, totals) {
  let stopped = false;
  let timer = null;
  const tick = async () => {
    if (stopped) return;
    const t0 = Date.now();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      const text = await res.text();
      if (res.ok) {
        totals.scrapes++;
        totals.maxScrapeMs = Math.max(totals.maxScrapeMs, Date.now() - t0);
        const m = /^wsload_deliveries_total (\S+)$/m.exec(text);
        if (m) totals.lastDeliveries = Number(m[1]);
      } else totals.failedScrapes++;
    } catch {
      // Before wsload listens and after it closed, a scrape fails like Prometheus's would.
      totals.failedScrapes++;
    }
    if (!stopped) timer = setTimeout(tick, Math.max(0, everyMs - (Date.now() - t0)));
  };
  timer = setTimeout(tick, everyMs);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

/** The report from --json stdout, else from the file it wrote; null when neither is there. */
function readReport(stdout, file) {
  for (const text of [stdout, existsSync(file) ? readFileSync(file, 'utf8') : '']) {
    const start = text.indexOf('{');
    if (start < 0) continue;
    try {
      const r = JSON.parse(text.slice(start));
      if (r && r.tool === 'wsload') return r;
    } catch {
      // Try the next source.
    }
  }
  return null;
}

/**
 * Calls /admin/drop?mode=destroy&count=N every everyMs between fromT and untilT (wall times);
 * returns a stop function. Each call is bounded by a 2 s timeout and never overlaps the next.
 */
function startChurn(httpUrl, opts, fromT, untilT, totals) {
  let stopped = false;
  let timer = null;
  const tick = async () => {
    if (stopped || Date.now() >= untilT) return;
    totals.calls++;
    try {
      const res = await fetch(`${httpUrl}/admin/drop?mode=destroy&count=${opts.count}`, { signal: AbortSignal.timeout(2000) });
      const body = await res.text();
      if (res.ok) totals.dropped += Number(body) || 0;
      else totals.failedCalls++;
    } catch {
      totals.failedCalls++;
    }
    if (!stopped) timer = setTimeout(tick, opts.everyMs);
  };
  timer = setTimeout(tick, Math.max(0, fromT - Date.now()));
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
