import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedTarget, type EmbeddedTarget } from '../../src/target/embedded.js';
import { startHaproxy, startNginx, type GatewayOptions, type RunningGateway } from '../helpers/gateways.js';
import { runQuietly, scenarioFrom, tempDir } from '../helpers/run-helpers.js';
import { missing } from '../helpers/real-parts.js';
import { ROOT, wsload } from '../helpers/cli.js';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../dist/run/report.js';
import { runExitCode, verdictLine } from '../../dist/report/verdict.js';

// Short enough for a quick suite; the run holds 2.5× this so the silent cohort is certainly cut
// and the pinging cohort had several chances to be cut and was not.
const IDLE_MS = 2_000;
/** nginx's NGX_TIMER_LAZY_DELAY: how early it may cut (see the first test). */
const NGINX_LAZY_MS = 300;
const SOCKETS = 40;
const SILENT = SOCKETS / 2;

type GatewayKind = 'nginx' | 'haproxy';
const START: Record<GatewayKind, (opts: GatewayOptions) => Promise<RunningGateway>> = { nginx: startNginx, haproxy: startHaproxy };

let embedded: EmbeddedTarget | null = null;
let gateway: RunningGateway | null = null;
afterEach(async () => {
  await gateway?.stop();
  await embedded?.stop();
  gateway = null;
  embedded = null;
});

/**
 * The built-in target in a process of its own, so it answers upgrades at once however busy the
 * test process is: nginx keeps a timer that would move by less than 300 ms (NGX_TIMER_LAZY_DELAY),
 * so after a slow upstream answer it cuts up to 300 ms early, measured from the answer.
 */
async function upstreamTarget(): Promise<{ host: string; port: number }> {
  embedded = await startEmbeddedTarget();
  const { hostname, port } = new URL(embedded.wsUrl);
  return { host: hostname, port: Number(port) };
}

describe.each(['nginx', 'haproxy'] as const)('a real %s with a 2 s idle timeout in front of the built-in target', (kind) => {
  it.skipIf(missing(kind))(
    'cuts the silent cohort at the idle timeout, estimates it within 5 %, and the 500 ms ping cohort survives',
    async () => {
      gateway = await START[kind]({ upstream: await upstreamTarget(), idleTimeoutMs: IDLE_MS });
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
      // Each one near the timeout. nginx keeps a timer that would move by less than 300 ms
      // (NGX_TIMER_LAZY_DELAY): the read timer it set while waiting for the upstream's upgrade answer
      // stays when that answer comes sooner than 300 ms later, so a socket whose answer was slow (a
      // starved target process) is cut up to 300 ms before it has been idle for the timeout.
      const seen = `idle at close ${JSON.stringify(silent.idleAtCloseMs)}, handshake ${JSON.stringify(report.handshake.latencyMs)}, worker lag ${JSON.stringify(report.client.eventLoopLagMs)}`;
      expect(silent.idleAtCloseMs.min, seen).toBeGreaterThanOrEqual(kind === 'nginx' ? IDLE_MS - NGINX_LAZY_MS : IDLE_MS * 0.9);
      // A close is timed when its worker handles it, late by that worker's loop lag and the gateway's
      // own scheduling on a loaded machine: 1.5 s over the timeout (1.1× left 200 ms). The estimate
      // and spread below still hold the cut to 5 %, and a close timed at the run's end (5 s in,
      // sockets opened within 1 s) would still be over this.
      expect(silent.idleAtCloseMs.max, seen).toBeLessThanOrEqual(IDLE_MS + 1_500);
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
      expect(report.disconnects.idleTimeoutScreening?.silent).toEqual({
        samples: SILENT,
        closeFrame: 0,
        clientSide: 0,
        receivingTraffic: 0,
        tookActive: 0,
        idleSurvived: 0,
        unconfirmed: 0,
      });

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
    },
  );
});

/**
 * A fast ramp (issue 20 item 3, issue 28 item 4): sockets that went quiet within a few tens of
 * milliseconds are cut together by the gateway, which on its own cannot be told from a mass drop.
 * The pinging cohort is the control group: sockets active within the timeout survived the very
 * moment the silent ones were cut, so the cut took only the idle sockets: an idle timeout.
 */
describe.each(['nginx', 'haproxy'] as const)('a real %s with a 4 s idle timeout, sockets ramped at 1000/s', (kind) => {
  it.skipIf(missing(kind))(
    'estimates 4 s within 5 % from 60 silent sockets cut together while 40 pinging every 1.5 s survive',
    async () => {
      const timeoutMs = 4_000;
      gateway = await START[kind]({ upstream: await upstreamTarget(), idleTimeoutMs: timeoutMs });
      const report = await runQuietly(
        scenarioFrom({
          target: { url: gateway.wsUrl },
          connections: 100,
          connectRate: 1000,
          duration: '7s',
          workers: 2,
          publish: null,
          cohorts: [
            { name: 'silent', count: 60 },
            { name: 'ping-1500ms', count: 40, pingInterval: '1500ms' },
          ],
        }),
      );
      const logs = `\n--- ${kind} logs ---\n${await gateway.logs()}`;
      expect(report.connections.opened, logs).toBe(100);
      const d = report.disconnects;
      // The gateway cut exactly the silent sockets, with no close frame, and nothing else.
      expect(d.byCohort.silent.byCause, logs).toEqual({ 'connection-lost': 60 });
      expect(d.byCohort['ping-1500ms'].total).toBe(0);
      expect(d.survivingCohorts).toEqual(['ping-1500ms']);
      // The cut is still a drop event (60 closes within a second; a few cut more than 250 ms ahead
      // of the rest, as nginx's lazy timers may, are not part of it), shown as an idle-timeout cut.
      const events = d.events ?? [];
      expect(events.length, JSON.stringify(events)).toBeGreaterThan(0);
      for (const e of events)
        expect(
          e.idleTimeoutCut,
          `${JSON.stringify(e)} ${JSON.stringify(d.idleTimeoutScreening)} ${JSON.stringify(d.byCohort.silent.idleAtCloseMs)}`,
        ).toBe(true);
      // And it estimates the gateway's timeout.
      expect(d.idleTimeout, d.idleTimeoutNote ?? '').not.toBeNull();
      expect(d.idleTimeout!.cohort).toBe('silent');
      expect(d.idleTimeout!.samples).toBe(60);
      const seen = `idle at close ${JSON.stringify(d.byCohort.silent.idleAtCloseMs)}, worker lag ${JSON.stringify(report.client.eventLoopLagMs)}`;
      expect(Math.abs(d.idleTimeout!.estimateMs - timeoutMs), seen).toBeLessThanOrEqual(timeoutMs * 0.05);
      expect(d.idleTimeoutScreening?.silent).toMatchObject({ samples: 60, tookActive: 0, idleSurvived: 0, unconfirmed: 0 });
      expect(d.recommendation).toContain('cohort ping-1500ms survived');
    },
  );
});

/**
 * The shipped scenarios/idle-timeout.json as a user runs it (issue 28 item 4): only the URL is
 * changed, and the hold shortened to 12 s, which the scenario allows against the shipped gateway
 * configs (deploy/gateways, 5 s timeout): its hold must outlast the timeout 1.5 times
 * (docs/idle-timeout.md). 400 sockets at its connectRate of 200.
 */
describe.each(['nginx', 'haproxy'] as const)('the shipped idle-timeout scenario through a real %s as shipped (5 s)', (kind) => {
  it.skipIf(missing(kind))('estimates the 5 s timeout within 5 %; only the 1 s ping cohort survives', async () => {
    const timeoutMs = 5_000;
    gateway = await START[kind]({ upstream: await upstreamTarget(), idleTimeoutMs: timeoutMs });
    const dir = tempDir('wsload-shipped-idle-');
    try {
      const out = join(dir, 'report.json');
      const r = await wsload(
        ['run', join(ROOT, 'scenarios/idle-timeout.json'), '--url', gateway.wsUrl, '--duration', '12s', '--quiet', '--out', out],
        { timeoutMs: 60_000 },
      );
      const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
      const logs = `\n--- ${kind} logs ---\n${await gateway.logs()}\n--- stderr ---\n${r.stderr}`;
      expect(report.connections.opened, logs).toBe(400);
      expect(report.connections.failed).toBe(0);
      const d = report.disconnects;
      // Every socket that pings less often than the timeout was cut; the 1 s pings kept theirs.
      for (const cohort of ['silent', 'ping-20s', 'heartbeat'])
        expect(d.byCohort[cohort].byCause, `${cohort}${logs}`).toEqual({ 'connection-lost': 100 });
      expect(d.byCohort['ping-1s'].total).toBe(0);
      expect(d.survivingCohorts).toEqual(['ping-1s']);
      expect(d.idleTimeout, d.idleTimeoutNote ?? '').not.toBeNull();
      expect(Math.abs(d.idleTimeout!.estimateMs - timeoutMs)).toBeLessThanOrEqual(timeoutMs * 0.05);
      expect(d.idleTimeout!.samples).toBeGreaterThanOrEqual(100);
      expect(d.recommendation).toContain('cohort ping-1s survived');
      // 300 of 400 sockets dropped: "most sockets dropped", exit 1, as the docs say.
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('most sockets dropped: 300 closes');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
