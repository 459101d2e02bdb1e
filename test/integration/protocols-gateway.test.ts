/**
 * A protocol's heartbeat against a gateway's idle timeout, through real nginx and HAProxy: with the gateway's
 * timeout shorter than the heartbeat, the gateway cuts every socket (connection-lost, 1006, idle at close
 * ≈ the timeout, no protocol reason); with it longer, the heartbeat is traffic to the gateway and
 * no socket is cut. A server disconnect through the same gateway keeps the protocol's reason.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHaproxy, startNginx, type GatewayOptions, type RunningGateway } from '../helpers/gateways.js';
import { missing } from '../helpers/real-parts.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { disconnectOnceConnected, startMqttBroker, startSocketIoServer, type ProtocolServer } from '../helpers/protocol-servers.js';
import type { Report } from '../../dist/run/report.js';

const track = closeAfterEach();
const SOCKETS = 10;
/** The gateway's idle timeout when it is the shorter one. */
const SHORT_IDLE_MS = 1_000;
/** The protocol heartbeat when it is the longer one (Socket.IO pingInterval, MQTT keepalive). */
const HEARTBEAT_MS = 3_000;
/** nginx's NGX_TIMER_LAZY_DELAY: it may cut up to 300 ms early (see gateway-idle-timeout.test.ts). */
const NGINX_LAZY_MS = 300;

type GatewayKind = 'nginx' | 'haproxy';
const START: Record<GatewayKind, (opts: GatewayOptions) => Promise<RunningGateway>> = { nginx: startNginx, haproxy: startHaproxy };

let gateway: RunningGateway | null = null;
afterEach(async () => {
  await gateway?.stop();
  gateway = null;
});

async function behind(kind: GatewayKind, server: ProtocolServer, idleTimeoutMs: number): Promise<string> {
  gateway = await START[kind]({ upstream: { host: '127.0.0.1', port: server.port }, idleTimeoutMs });
  // The server's own path and query, through the gateway's /ws location.
  const path = new URL(server.wsUrl);
  return `${gateway.wsUrl.replace(/\/ws$/, '')}${path.pathname}${path.search}`;
}

function idleRun(url: string, protocol: unknown, duration: string): Promise<Report> {
  return runQuietly(scenarioFrom({ target: { url }, protocol, connections: SOCKETS, connectRate: 500, duration, workers: 1, publish: null }));
}

/** The gateway cut every socket for idling: no close frame, no protocol reason, idle at close ≈ its timeout. */
async function expectCutByGateway(kind: GatewayKind, report: Report): Promise<void> {
  const logs = (await gateway?.logs()) ?? '';
  expect(report.connections.firstOpened, logs).toBe(SOCKETS);
  expect(report.disconnects.total, logs).toBe(SOCKETS);
  expect(report.disconnects.byCause).toEqual({ 'connection-lost': SOCKETS });
  expect(Object.keys(report.disconnects.byError).filter((k) => k.startsWith('socket.io') || k.startsWith('mqtt'))).toEqual([]);
  // What tells the causes apart: the close came at the gateway's timeout (1 s), far from the
  // heartbeat's (3 s). The lower bound is looser than gateway-idle-timeout.test.ts's because the idle
  // here starts at the handshake's last reply, which the worker stamps when it handles it: with 10
  // sockets connecting at once on this shared 2-core machine that lagged the gateway's forwarding by
  // up to ~330 ms (measured: nginx 674 ms, HAProxy 877 ms, beside nginx's own 300 ms timer slack).
  expect(report.disconnects.idleAtCloseMs.min).toBeGreaterThanOrEqual(SHORT_IDLE_MS * 0.6 - (kind === 'nginx' ? NGINX_LAZY_MS : 0));
  expect(report.disconnects.idleAtCloseMs.max).toBeLessThanOrEqual(SHORT_IDLE_MS * 1.5);
  expect(report.disconnects.ageAtCloseMs.max).toBeLessThan(HEARTBEAT_MS);
}

describe.each(['nginx', 'haproxy'] as const)('protocol heartbeat vs gateway idle timeout (%s)', (kind) => {
  it.skipIf(missing(kind))('Socket.IO: gateway idle 1 s < ping interval 3 s → the gateway cuts every socket at ~1 s idle', async () => {
    const server = track(await startSocketIoServer({ pingIntervalMs: HEARTBEAT_MS, pingTimeoutMs: 3_000 }));
    const report = await idleRun(await behind(kind, server, SHORT_IDLE_MS), 'socket.io', '2500ms');
    await expectCutByGateway(kind, report);
  });

  it.skipIf(missing(kind))('Socket.IO: gateway idle 2 s > ping interval 500 ms → the pings are traffic, nobody is cut', async () => {
    const server = track(await startSocketIoServer({ pingIntervalMs: 500, pingTimeoutMs: 1_000 }));
    const report = await idleRun(await behind(kind, server, 2_000), 'socket.io', '5s');
    expect(report.connections.firstOpened, (await gateway?.logs()) ?? '').toBe(SOCKETS);
    expect(report.disconnects.total).toBe(0);
    expect(report.connections.openAtEnd).toBe(SOCKETS);
  });

  it.skipIf(missing(kind))('Socket.IO: a server disconnect through the gateway keeps the protocol\'s reason', async () => {
    const server = track(await startSocketIoServer());
    const url = await behind(kind, server, 10_000);
    const cancel = disconnectOnceConnected(server, SOCKETS, 300);
    const report = await idleRun(url, 'socket.io', '3s');
    cancel();
    expect(report.disconnects.total).toBe(SOCKETS);
    expect(report.disconnects.byError['socket.io-server-disconnect']).toBe(SOCKETS);
  });

  it.skipIf(missing(kind))('MQTT: gateway idle 1 s < keepalive 3 s → the gateway cuts every socket at ~1 s idle', async () => {
    const broker = track(await startMqttBroker());
    const report = await idleRun(await behind(kind, broker, SHORT_IDLE_MS), { name: 'mqtt', topics: ['news'], keepalive: '3s' }, '2500ms');
    await expectCutByGateway(kind, report);
  });

  it.skipIf(missing(kind))('MQTT: gateway idle 2 s > keepalive 1 s → PINGREQ is traffic, nobody is cut', async () => {
    const broker = track(await startMqttBroker());
    const report = await idleRun(await behind(kind, broker, 2_000), { name: 'mqtt', topics: ['news'], keepalive: '1s' }, '5s');
    expect(report.connections.firstOpened, (await gateway?.logs()) ?? '').toBe(SOCKETS);
    expect(report.disconnects.total).toBe(0);
    expect(report.connections.openAtEnd).toBe(SOCKETS);
  });
});
