import { afterEach, describe, expect, it } from 'vitest';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { startHaproxy, startNginx, type GatewayOptions, type RunningGateway } from '../helpers/gateways.js';
import { missing } from '../helpers/real-parts.js';
import { runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { runExitCode, verdictLine } from '../../dist/report/verdict.js';

// Short enough for a quick suite; the run holds 2.5× this so the silent cohort is certainly cut
// and the pinging cohort had several chances to be cut and was not.
const IDLE_MS = 2_000;
const SOCKETS = 40;
const SILENT = SOCKETS / 2;

type GatewayKind = 'nginx' | 'haproxy';
const START: Record<GatewayKind, (opts: GatewayOptions) => Promise<RunningGateway>> = { nginx: startNginx, haproxy: startHaproxy };

let target: RunningTarget | null = null;
let gateway: RunningGateway | null = null;
afterEach(async () => {
  await gateway?.stop();
  await target?.close();
  gateway = null;
  target = null;
});

describe.each(['nginx', 'haproxy'] as const)('a real %s with a 2 s idle timeout in front of the built-in target', (kind) => {
  it.skipIf(missing(kind))('cuts the silent cohort at the idle timeout, estimates it within 5 %, and the 500 ms ping cohort survives', async () => {
    target = await startTarget();
    gateway = await START[kind]({ upstream: { host: target.host, port: target.port }, idleTimeoutMs: IDLE_MS });
    const scenario = scenarioFrom({
      target: { url: gateway.wsUrl },
      connections: SOCKETS,
      // Silent sockets go quiet over ~1 s, so the gateway's cuts spread in time and cannot be
      // mistaken for a mass drop (nor a mass drop for them).
      connectRate: 40,
      duration: `${(IDLE_MS * 2.5) / 1000}s`,
      workers: 2,
      publish: null,
      cohorts: [
        { name: 'silent', share: 0.5 },
        { name: 'ping-500ms', share: 0.5, pingInterval: '500ms' },
      ],
    });
    const report = await runQuietly(scenario);
    const logs = `\n--- ${kind} logs ---\n${await gateway.logs()}`;

    expect(report.connections.opened, logs).toBe(SOCKETS);
    expect(report.connections.failed).toBe(0);

    // Every silent socket was cut by the gateway: TCP closed with no close frame.
    const silent = report.disconnects.byCohort.silent;
    expect(silent.total, logs).toBe(SILENT);
    expect(silent.byCause).toEqual({ 'connection-lost': SILENT });
    expect(silent.byCode).toEqual({ '1006': SILENT });
    expect(silent.idleAtCloseMs.count).toBe(SILENT);
    // Each one near the timeout (nginx's timers may fire a little early: it re-arms them lazily).
    expect(silent.idleAtCloseMs.min).toBeGreaterThanOrEqual(IDLE_MS * 0.9);
    expect(silent.idleAtCloseMs.max).toBeLessThanOrEqual(IDLE_MS * 1.1);
    // Silent sockets sent nothing either, and were cut as young as they were idle.
    expect(silent.sentIdleAtCloseMs.p50).toBeGreaterThanOrEqual(IDLE_MS * 0.9);
    expect(silent.ageAtCloseMs.p50).toBeGreaterThanOrEqual(IDLE_MS * 0.9);

    // The gateway's timeout read off the idle-at-close distribution.
    const estimate = report.disconnects.idleTimeout;
    expect(estimate, report.disconnects.idleTimeoutNote ?? '').not.toBeNull();
    expect(estimate!.cohort).toBe('silent');
    expect(estimate!.samples).toBe(SILENT);
    expect(Math.abs(estimate!.estimateMs - IDLE_MS)).toBeLessThanOrEqual(IDLE_MS * 0.05);
    expect(estimate!.spreadMs).toBeLessThan(IDLE_MS * 0.05);
    expect(report.disconnects.idleTimeoutNote).toBeNull();
    // Cut within ~100 ms of each other (they opened that close together), yet each at its own idle
    // time: screened in as timeouts, not taken for a restart.
    expect(report.disconnects.idleTimeoutScreening?.silent).toEqual({ samples: SILENT, closeFrame: 0, clientSide: 0, inDropEvent: 0, receivingTraffic: 0 });

    // Pinging every 500 ms kept the other half alive through the whole hold.
    const ping = report.disconnects.byCohort['ping-500ms'];
    expect(ping.total).toBe(0);
    expect(report.disconnects.survivingCohorts).toEqual(['ping-500ms']);
    expect(report.disconnects.recommendation).toContain('ping-500ms');
    expect(report.disconnects.recommendation).toContain('1006');
    expect(report.connections.openAtEnd).toBe(SOCKETS - SILENT);

    // Totals are the sum of the cohorts; nothing else closed.
    expect(report.disconnects.total).toBe(SILENT);
    expect(report.disconnects.byCause).toEqual({ 'connection-lost': SILENT });
    expect(report.reconnects.total).toBe(0);
    // Half the sockets cut is not "most": the verdict is ok; what to do is in the recommendation.
    expect(verdictLine(report)).toBe('ok');
    expect(runExitCode(report)).toBe(0);
  });
});
