/**
 * HAProxy's built-in Prometheus exporter in front of the built-in target, observed during a run:
 * the frontend's session gauge agrees with wsload's open sockets within a scrape. The exporter
 * frontend is the shipped deploy/gateways/haproxy-prometheus.cfg, only its bind line changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTarget, type RunningTarget } from '../../dist/target/server.js';
import type { TimelineLine } from '../../dist/run/report.js';
import { renderGatewayConfig, startHaproxy, type RunningGateway } from '../helpers/gateways.js';
import { missing } from '../helpers/real-parts.js';
import { runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { freePort } from '../helpers/wait.js';
import { expectGaugeLineByLine } from '../helpers/observed-endpoints.js';

describe.skipIf(missing('haproxy'))('observe: HAProxy exporter in front of the built-in target', () => {
  let target: RunningTarget;
  let gateway: RunningGateway;
  let metricsUrl: string;

  beforeAll(async () => {
    target = await startTarget();
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const extraConfig = renderGatewayConfig('haproxy-prometheus.cfg', [['bind 127.0.0.1:8405', `bind 127.0.0.1:${port}`]]);
    gateway = await startHaproxy({ upstream: { host: '127.0.0.1', port: target.port }, idleTimeoutMs: 60_000, extraConfig });
  });
  afterAll(async () => {
    await gateway?.stop();
    await target?.close();
  });

  it("its session gauge agrees with wsload's open sockets within a scrape", async () => {
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
          name: 'gateway',
          url: metricsUrl,
          series: [{ match: 'haproxy_frontend_current_sessions{proxy="wsload_front"}', as: 'sessions' }, 'haproxy_process_uptime_seconds'],
        },
      ],
      thresholds: { 'observe.gateway.sessions.max': '== 40' },
    });
    const report = await runQuietly(scenario, { onInterval: (l) => lines.push(l) });
    const gw = report.observe?.find((e) => e.name === 'gateway');
    expect(gw?.failures, JSON.stringify(gw)).toEqual({ timeout: 0, status: 0, unparsable: 0, tooLarge: 0, connection: 0, tls: 0 });
    const sessions = gw?.series.find((s) => s.name === 'sessions');
    expect(report.connections.peakOpen).toBe(40);
    expect(sessions?.max).toBe(40);
    expect(report.thresholds).toMatchObject([{ metric: 'observe.gateway.sessions.max', pass: true, actual: 40 }]);
    // The cross-check a user reads: the gateway's open connections beside wsload's open sockets.
    expect(gw?.checks).toEqual([{ what: 'open', series: 'sessions', gateway: 40, wsload: 40, agree: true }]);
    // Line by line (see expectGaugeLineByLine).
    expect(expectGaugeLineByLine(lines, (l) => l.observe?.gateway?.sessions)).toBeGreaterThanOrEqual(8);
    const whole = lines.filter((l) => l.partial !== true);
    // Through the whole hold, with 40 open, HAProxy counted 40 sessions at every scrape.
    expect(whole.filter((l) => l.open === 40 && l.observe?.gateway?.sessions === 40).length).toBeGreaterThanOrEqual(6);
  });
});
