/**
 * graphql-ws's client ping against a gateway's idle timeout, through real nginx and
 * HAProxy (as protocols-gateway.test.ts does for Socket.IO and MQTT): with the gateway's timeout shorter than the
 * ping interval, the gateway cuts every socket (connection-lost, idle at close ≈ the timeout, no protocol
 * reason); with it longer, the ping and its pong are traffic and no socket is cut. A protocol close
 * code through the same gateway keeps the protocol's reason.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHaproxy, startNginx, type GatewayOptions, type RunningGateway } from '../helpers/gateways.js';
import { startGraphqlServer } from '../helpers/graphql-server.js';
import { disconnectOnceConnected } from '../helpers/protocol-servers.js';
import { missing } from '../helpers/real-parts.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import type { Report } from '../../dist/run/report.js';

const track = closeAfterEach();
const SOCKETS = 10;
const SHORT_IDLE_MS = 1_000;
/** nginx's NGX_TIMER_LAZY_DELAY: it may cut up to 300 ms early (see gateway-idle-timeout.test.ts). */
const NGINX_LAZY_MS = 300;
/** The client ping interval when it is the longer one. */
const PING_MS = 3_000;

type GatewayKind = 'nginx' | 'haproxy';
const START: Record<GatewayKind, (opts: GatewayOptions) => Promise<RunningGateway>> = { nginx: startNginx, haproxy: startHaproxy };
const NEWS = 'subscription { news { id value } }';

let gateway: RunningGateway | null = null;
afterEach(async () => {
  await gateway?.stop();
  gateway = null;
});

async function behind(kind: GatewayKind, port: number, idleTimeoutMs: number): Promise<string> {
  gateway = await START[kind]({ upstream: { host: '127.0.0.1', port }, idleTimeoutMs });
  return gateway.wsUrl;
}

function idleRun(url: string, ping: string, duration: string): Promise<Report> {
  return runQuietly(scenarioFrom({ target: { url }, protocol: { name: 'graphql-ws', query: NEWS, ping }, connections: SOCKETS, connectRate: 500, duration, workers: 1, publish: null }));
}

describe.each(['nginx', 'haproxy'] as const)('graphql-ws ping vs gateway idle timeout (%s)', (kind) => {
  it.skipIf(missing(kind))('gateway idle 1 s < ping 3 s → the gateway cuts every socket at ~1 s idle', async () => {
    const server = track(await startGraphqlServer());
    const report = await idleRun(await behind(kind, server.port, SHORT_IDLE_MS), `${PING_MS}ms`, '2500ms');
    const logs = (await gateway?.logs()) ?? '';
    expect(report.connections.firstOpened, logs).toBe(SOCKETS);
    expect(report.disconnects.total, logs).toBe(SOCKETS);
    expect(report.disconnects.byCause).toEqual({ 'connection-lost': SOCKETS });
    expect(Object.keys(report.disconnects.byError).filter((k) => k.startsWith('graphql-ws'))).toEqual([]);
    // The same bounds as protocols-gateway.test.ts, for its reasons: idle starts at the handshake's
    // last reply as the worker stamps it, which lags under load; the cut comes well before the ping.
    expect(report.disconnects.idleAtCloseMs.min).toBeGreaterThanOrEqual(SHORT_IDLE_MS * 0.6 - (kind === 'nginx' ? NGINX_LAZY_MS : 0));
    expect(report.disconnects.idleAtCloseMs.max).toBeLessThanOrEqual(SHORT_IDLE_MS * 1.5);
    expect(report.disconnects.ageAtCloseMs.max).toBeLessThan(PING_MS);
  });

  it.skipIf(missing(kind))('gateway idle 2 s > ping 500 ms → ping and pong are traffic, nobody is cut', async () => {
    const server = track(await startGraphqlServer());
    const report = await idleRun(await behind(kind, server.port, 2_000), '500ms', '5s');
    expect(report.connections.firstOpened, (await gateway?.logs()) ?? '').toBe(SOCKETS);
    expect(report.disconnects.total).toBe(0);
    expect(report.connections.openAtEnd).toBe(SOCKETS);
  });

  it.skipIf(missing(kind))('a 4401 close through the gateway keeps the protocol\'s reason', async () => {
    const server = track(await startGraphqlServer());
    const url = await behind(kind, server.port, 10_000);
    const cancel = disconnectOnceConnected(server, SOCKETS, 300);
    const report = await idleRun(url, '0s', '3s');
    cancel();
    expect(report.disconnects.total).toBe(SOCKETS);
    expect(report.disconnects.byError['graphql-ws-4401-unauthorized']).toBe(SOCKETS);
  });
});
