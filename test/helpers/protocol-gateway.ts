/**
 * A protocol's heartbeat against a gateway's idle timeout, through real nginx and HAProxy: the set-up
 * and the "cut by the gateway" check shared by protocols-gateway, protocol-graphql-gateway and
 * protocol-stomp-gateway. `gatewayPerTest()` registers an afterEach that stops the gateway.
 */
import { afterEach, expect } from 'vitest';
import { startHaproxy, startNginx, type GatewayOptions, type RunningGateway } from './gateways.js';
import { runQuietly, scenarioFrom } from './run-helpers.js';
import type { Report } from '../../dist/run/report.js';

export const GATEWAY_KINDS = ['nginx', 'haproxy'] as const;
export type GatewayKind = (typeof GATEWAY_KINDS)[number];
export const GATEWAY_SOCKETS = 10;
/** The gateway's idle timeout when it is the shorter one. */
export const SHORT_IDLE_MS = 1_000;
/**
 * "The gateway cuts every socket": the run's length, 3 s past the timeout, so a cut timed late on a
 * loaded machine still lands in the run, and the bound on idle at close (the timeout + 1.5 s) is
 * one a socket not cut for idling could reach.
 */
export const SHORT_RUN = '4s';
/**
 * "Nobody is cut": the gateway's idle timeout when it is the longer one, the heartbeat under it and
 * the run's length. Three margins, each ≥ 1.5 s because the test servers share the test process
 * (and the machine) with the run: the gateway sees traffic every beat, 2.5 s before it would cut;
 * a reply (pong, PINGRESP, server heart-beat) is due within about a beat; and the upgrade's answer
 * is due within the gateway's timeout too (nginx's proxy_read_timeout bounds the response header:
 * with 2 s and a 500 ms beat, a test process stalled at load ~28 read 504s and timed-out pongs).
 * The run outlasts the timeout by 2.5 s, so sockets the heartbeat did not keep busy would be cut.
 */
export const LONG_IDLE_MS = 4_000;
export const BEAT_MS = 1_500;
export const LONG_RUN = '6500ms';
/** nginx's NGX_TIMER_LAZY_DELAY: it may cut up to 300 ms early (see gateway-idle-timeout.test.ts). */
const NGINX_LAZY_MS = 300;

const START: Record<GatewayKind, (opts: GatewayOptions) => Promise<RunningGateway>> = { nginx: startNginx, haproxy: startHaproxy };

export interface GatewayPerTest {
  /** A gateway of `kind` in front of `serverWsUrl`'s port; the URL through it, with the server's own path and query. */
  behind(kind: GatewayKind, serverWsUrl: string, idleTimeoutMs: number): Promise<string>;
  logs(): Promise<string>;
}

export function gatewayPerTest(): GatewayPerTest {
  let gateway: RunningGateway | null = null;
  afterEach(async () => {
    await gateway?.stop();
    gateway = null;
  });
  return {
    behind: async (kind, serverWsUrl, idleTimeoutMs) => {
      const server = new URL(serverWsUrl);
      gateway = await START[kind]({ upstream: { host: '127.0.0.1', port: Number(server.port) }, idleTimeoutMs });
      return `${gateway.wsUrl.replace(/\/ws$/, '')}${server.pathname}${server.search}`;
    },
    logs: async () => (await gateway?.logs()) ?? '',
  };
}

/** GATEWAY_SOCKETS sockets speaking `protocol` to `url` for `duration`, nothing published. */
export function idleRun(url: string, protocol: unknown, duration: string): Promise<Report> {
  return runQuietly(
    scenarioFrom({ target: { url }, protocol, connections: GATEWAY_SOCKETS, connectRate: 500, duration, workers: 1, publish: null }),
  );
}

/**
 * The gateway cut every socket for idling: no close frame, no reason of the protocol (`reasonPrefix`),
 * idle at close ≈ its timeout, long before the protocol's heartbeat (`heartbeatMs`) was due.
 */
export function expectCutByGateway(kind: GatewayKind, report: Report, heartbeatMs: number, reasonPrefix: string, logs: string): void {
  expect(report.connections.firstOpened, logs).toBe(GATEWAY_SOCKETS);
  expect(report.disconnects.total, logs).toBe(GATEWAY_SOCKETS);
  expect(report.disconnects.byCause).toEqual({ 'connection-lost': GATEWAY_SOCKETS });
  expect(Object.keys(report.disconnects.byError).filter((k) => k.startsWith(reasonPrefix))).toEqual([]);
  // What tells the causes apart: the close came at the gateway's timeout (1 s), far from the
  // heartbeat's. The lower bound is looser than gateway-idle-timeout.test.ts's because the idle
  // here starts at the handshake's last reply, which the worker stamps when it handles it: with 10
  // sockets connecting at once on this shared 2-core machine that lagged the gateway's forwarding by
  // up to ~330 ms (measured: nginx 674 ms, HAProxy 877 ms, beside nginx's own 300 ms timer slack).
  expect(report.disconnects.idleAtCloseMs.min).toBeGreaterThanOrEqual(SHORT_IDLE_MS * 0.6 - (kind === 'nginx' ? NGINX_LAZY_MS : 0));
  // The upper bound: the close is stamped when the worker handles it too, as late as the handshake's
  // reply above, and the gateway's timer runs on the same loaded machine: 1.5 s over the timeout
  // (500 ms was less than the lag measured above plus nginx's slack), still short of the heartbeat.
  expect(report.disconnects.idleAtCloseMs.max).toBeLessThanOrEqual(SHORT_IDLE_MS + 1_500);
  expect(report.disconnects.ageAtCloseMs.max).toBeLessThan(heartbeatMs);
}
