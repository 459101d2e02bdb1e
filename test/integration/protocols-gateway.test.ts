/**
 * A protocol's heartbeat against a gateway's idle timeout, through real nginx and HAProxy: with the gateway's
 * timeout shorter than the heartbeat, the gateway cuts every socket (connection-lost, 1006, idle at close
 * ≈ the timeout, no protocol reason); with it longer, the heartbeat is traffic to the gateway and
 * no socket is cut. A server disconnect through the same gateway keeps the protocol's reason.
 */
import { describe, expect, it } from 'vitest';
import {
  expectCutByGateway,
  GATEWAY_KINDS,
  GATEWAY_SOCKETS as SOCKETS,
  gatewayPerTest,
  idleRun,
  SHORT_IDLE_MS,
  SHORT_RUN,
  LONG_IDLE_MS,
  BEAT_MS,
  LONG_RUN,
} from '../helpers/protocol-gateway.js';
import { missing } from '../helpers/real-parts.js';
import { closeAfterEach } from '../helpers/run-helpers.js';
import { disconnectOnceConnected, startMqttBroker, startSocketIoServer } from '../helpers/protocol-servers.js';
import type { Report } from '../../dist/run/report.js';
import { renderSummary } from '../../dist/render/summary.js';

const track = closeAfterEach();
const gw = gatewayPerTest();
/** The protocol heartbeat when it is the longer one (Socket.IO pingInterval, MQTT keepalive). */
const HEARTBEAT_MS = 3_000;

/** The terminal summary as one line (it wraps free text at 100 columns). */
function summaryText(report: Report): string {
  return renderSummary(report, { color: false }).replace(/\s+/g, ' ');
}

describe.each(GATEWAY_KINDS)('protocol heartbeat vs gateway idle timeout (%s)', (kind) => {
  it.skipIf(missing(kind))('Socket.IO: gateway idle 1 s < ping interval 3 s → the gateway cuts every socket at ~1 s idle', async () => {
    const server = track(await startSocketIoServer({ pingIntervalMs: HEARTBEAT_MS, pingTimeoutMs: 3_000 }));
    const report = await idleRun(await gw.behind(kind, server.wsUrl, SHORT_IDLE_MS), 'socket.io', SHORT_RUN);
    expectCutByGateway(kind, report, HEARTBEAT_MS, 'socket.io', await gw.logs());
  });

  it.skipIf(missing(kind))('Socket.IO: gateway idle 4 s > ping interval 1.5 s → the pings are traffic, nobody is cut', async () => {
    const server = track(await startSocketIoServer({ pingIntervalMs: BEAT_MS, pingTimeoutMs: BEAT_MS }));
    const report = await idleRun(await gw.behind(kind, server.wsUrl, LONG_IDLE_MS), 'socket.io', LONG_RUN);
    expect(report.connections.firstOpened, await gw.logs()).toBe(SOCKETS);
    expect(report.disconnects.total, JSON.stringify(report.disconnects.byError)).toBe(0);
    expect(report.connections.openAtEnd).toBe(SOCKETS);
  });

  it.skipIf(missing(kind))("Socket.IO: a server disconnect through the gateway keeps the protocol's reason", async () => {
    const server = track(await startSocketIoServer());
    const url = await gw.behind(kind, server.wsUrl, 10_000);
    const cancel = disconnectOnceConnected(server, SOCKETS, 300);
    const report = await idleRun(url, 'socket.io', '3s');
    cancel();
    expect(report.disconnects.total).toBe(SOCKETS);
    expect(report.disconnects.byError['socket.io-server-disconnect']).toBe(SOCKETS);
  });

  it.skipIf(missing(kind))('MQTT: gateway idle 1 s < keepalive 3 s → the gateway cuts every socket at ~1 s idle', async () => {
    const broker = track(await startMqttBroker());
    const report = await idleRun(
      await gw.behind(kind, broker.wsUrl, SHORT_IDLE_MS),
      { name: 'mqtt', topics: ['news'], keepalive: '3s' },
      SHORT_RUN,
    );
    expectCutByGateway(kind, report, HEARTBEAT_MS, 'mqtt', await gw.logs());
    // The estimate names the heartbeat the gateway cut through: its note in the report, and the summary.
    const beat = 'MQTT PINGREQ after 3s without sending (keepalive)';
    expect(report.disconnects.idleTimeoutNote).toContain(beat);
    expect(summaryText(report)).toContain(beat);
  });

  // MQTT's keepalive is whole seconds: 2 s (the broker cuts a client silent for 1.5 × that, 3 s).
  it.skipIf(missing(kind))('MQTT: gateway idle 4 s > keepalive 2 s → PINGREQ is traffic, nobody is cut', async () => {
    const broker = track(await startMqttBroker());
    const report = await idleRun(
      await gw.behind(kind, broker.wsUrl, LONG_IDLE_MS),
      { name: 'mqtt', topics: ['news'], keepalive: '2s' },
      LONG_RUN,
    );
    expect(report.connections.firstOpened, await gw.logs()).toBe(SOCKETS);
    expect(report.disconnects.total, JSON.stringify(report.disconnects.byError)).toBe(0);
    expect(report.connections.openAtEnd).toBe(SOCKETS);
    // "none" with the reason: the keepalive was traffic to the gateway, not the absence of a timeout.
    const note = `no socket was dropped during the run; MQTT PINGREQ after 2s without sending (keepalive), answered by the broker's PINGRESP, is traffic to the gateway: a gateway idle timeout longer than that never cuts them`;
    expect(report.disconnects.idleTimeoutNote).toContain(note);
    expect(summaryText(report)).toContain(`idle timeout estimate: none (${note}`);
  });
});
