/**
 * nginx (open source, no Prometheus endpoint) in front of the built-in target, its stub_status
 * page observed during a run with `"format": "nginx-stub-status"`: nginx_connections_active agrees
 * with wsload's open sockets within a scrape, plus the scrape's own connection, in the report, the
 * timeline, the cross-check and the summary. The status server block is the shipped
 * deploy/gateways/nginx-stub-status.conf, only its listen line changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTarget, type RunningTarget } from '../../dist/target/server.js';
import type { TimelineLine } from '../../dist/run/report.js';
import { observeSummary } from '../../dist/render/observe-text.js';
import { renderGatewayConfig, startNginx, type RunningGateway } from '../helpers/gateways.js';
import { missing } from '../helpers/real-parts.js';
import { runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { freePort } from '../helpers/wait.js';
import { expectGaugeLineByLine } from '../helpers/observed-endpoints.js';

describe.skipIf(missing('nginx'))('observe: nginx stub_status in front of the built-in target', () => {
  let target: RunningTarget;
  let gateway: RunningGateway;
  let statusUrl: string;

  beforeAll(async () => {
    target = await startTarget();
    const port = await freePort();
    statusUrl = `http://127.0.0.1:${port}/nginx_status`;
    const extraConfig = renderGatewayConfig('nginx-stub-status.conf', [['listen 127.0.0.1:8081;', `listen 127.0.0.1:${port};`]]);
    gateway = await startNginx({ upstream: { host: '127.0.0.1', port: target.port }, idleTimeoutMs: 60_000, extraConfig });
  });
  afterAll(async () => {
    await gateway?.stop();
    await target?.close();
  });

  it("its active connections agree with wsload's open sockets within a scrape, plus the scrape itself", async () => {
    const lines: TimelineLine[] = [];
    const scenario = scenarioFrom({
      target: { url: gateway.wsUrl },
      connections: 40,
      connectRate: 20,
      duration: '5s',
      publish: null,
      report: { interval: '500ms' },
      observe: [
        {
          name: 'nginx',
          url: statusUrl,
          format: 'nginx-stub-status',
          series: [{ match: 'nginx_connections_active', as: 'active' }, 'nginx_connections_accepted', 'nginx_connections_waiting'],
        },
      ],
      thresholds: { 'observe.nginx.active.max': '== 41' },
    });
    const report = await runQuietly(scenario, { onInterval: (l) => lines.push(l) });
    const ep = report.observe?.find((e) => e.name === 'nginx');
    expect(ep?.failures, JSON.stringify(ep)).toEqual({ timeout: 0, status: 0, unparsable: 0, tooLarge: 0, connection: 0, tls: 0 });
    expect(ep?.scrapes).toBeGreaterThanOrEqual(8);
    expect(report.connections.peakOpen).toBe(40);
    const active = ep?.series.find((s) => s.name === 'active');
    expect(active).toMatchObject({ kind: 'gauge', max: 41 });
    expect(report.thresholds).toMatchObject([{ metric: 'observe.nginx.active.max', pass: true, actual: 41 }]);
    // A counter of the page is a counter: over the run nginx accepted the 40 sockets, and the
    // scrapes' connections (Node's agent keeps one alive between scrapes: measured 40 in all).
    // The first scrape starts with the ramp, so sockets nginx accepted before it answered are in
    // its first value, not in the increase: they are the first active count less the scrape's own.
    const accepted = ep?.series.find((s) => s.name === 'nginx_connections_accepted');
    expect(accepted?.kind).toBe('counter');
    const openAtFirstScrape = (active?.first ?? 1) - 1;
    expect(openAtFirstScrape).toBeGreaterThanOrEqual(0);
    expect(openAtFirstScrape).toBeLessThanOrEqual(10);
    expect((accepted?.increase ?? 0) + openAtFirstScrape).toBeGreaterThanOrEqual(40);
    expect(accepted?.increase).toBeLessThanOrEqual(40 + (ep?.scrapes ?? 0));
    // The cross-check a user reads: 41 counted by nginx, 1 of them the scrape, beside 40 open.
    expect(ep?.checks).toEqual([{ what: 'open', series: 'active', gateway: 41, wsload: 40, self: 1, agree: true }]);
    expect(observeSummary(report).join('\n')).toContain(
      "open connections: gateway 41 (max of active, 1 of them the scrape itself) beside wsload's peak 40 open sockets: agree",
    );
    // Line by line, plus the scrape's own connection (see expectGaugeLineByLine).
    expect(expectGaugeLineByLine(lines, (l) => l.observe?.nginx?.active, 1)).toBeGreaterThanOrEqual(8);
    const whole = lines.filter((l) => l.partial !== true);
    // Through the hold, with 40 open, nginx counted 41 at every scrape.
    expect(whole.filter((l) => l.open === 40 && l.observe?.nginx?.active === 41).length).toBeGreaterThanOrEqual(6);
  });
});
