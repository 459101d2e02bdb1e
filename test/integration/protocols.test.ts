/**
 * Socket.IO and MQTT over WebSocket against real servers on loopback (test/helpers/protocol-servers):
 * the protocol's handshake and subscribe, its heartbeats, deliveries read inside its messages and
 * judged exactly, its own disconnect reasons, a subscribe that never comes, and a server of another
 * protocol.
 */
import { describe, expect, it } from 'vitest';
import { expectDeliveredExactly, expectExactBooks } from '../helpers/books.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { startPinglessSocketIo, startPingrespLessBroker } from '../helpers/silent-heartbeat.js';
import { disconnectOnceConnected, startMqttBroker, startSocketIoServer } from '../helpers/protocol-servers.js';

const track = closeAfterEach();
const SOCKETS = 20;

function base(url: string, protocol: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    target: { url },
    protocol,
    connections: SOCKETS,
    connectRate: 500,
    duration: '2s',
    workers: 1,
    publish: { rate: 10 },
    ...extra,
  };
}

describe('Socket.IO', () => {
  it('connects to the namespace, joins its room with an ack, and every event is judged exactly with its fan-out latency', async () => {
    const server = track(await startSocketIoServer({ namespace: '/live', event: 'price' }));
    const report = await runQuietly(
      scenarioFrom(
        base(
          server.wsUrl,
          { name: 'socket.io', namespace: '/live', events: ['price'], join: { event: 'join', args: ['{topic}'] } },
          {
            topics: { count: 2, name: 'room-{n}', assign: 'modulo' },
            publish: { rate: 10, url: `${server.httpUrl}/api?id={id}&value={value}&topic={topic}` },
          },
        ),
      ),
    );
    expect(report.connections.firstOpened).toBe(SOCKETS);
    expect(report.connections.failed).toBe(0);
    // Each publish goes to one room: half the sockets owe it.
    expectDeliveredExactly(report, SOCKETS / 2);
    expect(report.fanout.latencyMs.count).toBe(report.fanout.delivered);
    expect(report.fanout.latencyMs.p50).toBeGreaterThan(0);
    expect(server.publishes()).toBe(report.fanout.published);
  });

  it("answers the server pings: sockets outlive several ping intervals with the server's short ping timeout", async () => {
    const server = track(await startSocketIoServer({ pingIntervalMs: 300, pingTimeoutMs: 300 }));
    const report = await runQuietly(scenarioFrom(base(server.wsUrl, 'socket.io')));
    expect(report.disconnects.total).toBe(0);
    expect(report.connections.openAtEnd).toBe(SOCKETS);
    expectDeliveredExactly(report, SOCKETS);
  });

  it("a server-side disconnect is counted with the protocol's reason, and its deliveries stay exact", async () => {
    const server = track(await startSocketIoServer());
    const cancel = disconnectOnceConnected(server, SOCKETS, 300);
    const report = await runQuietly(scenarioFrom(base(server.wsUrl, 'socket.io', { duration: '3s' })));
    cancel();
    expect(report.disconnects.total).toBe(SOCKETS);
    expect(report.disconnects.byError['socket.io-server-disconnect']).toBe(SOCKETS);
    expect(report.disconnects.byCause['connection-lost'] ?? 0).toBe(0);
    expectExactBooks(report);
  });

  it('no server ping within pingInterval + pingTimeout: wsload ends each socket itself, named socket.io-ping-timeout', async () => {
    const server = track(await startPinglessSocketIo(300, 200));
    const report = await runQuietly(scenarioFrom(base(server.wsUrl, 'socket.io', { publish: null, duration: '1500ms' })));
    expect(report.connections.firstOpened).toBe(SOCKETS);
    expect(report.disconnects.total).toBe(SOCKETS);
    expect(report.disconnects.byError).toEqual({ 'socket.io-ping-timeout': SOCKETS });
    expect(report.disconnects.byCause).toEqual({ 'client-close': SOCKETS });
    // Not before the server's deadline (500 ms from its open packet, which follows the upgrade), and within a check interval (250 ms) and some load after it.
    expect(report.disconnects.ageAtCloseMs.min).toBeGreaterThanOrEqual(500);
    expect(report.disconnects.ageAtCloseMs.max).toBeLessThan(1_250);
  });

  it('a server of another protocol (an MQTT broker) fails every socket as subscribe-timeout, not a crash', async () => {
    const broker = track(await startMqttBroker());
    const report = await runQuietly(
      scenarioFrom(
        base(`${broker.wsUrl}/?EIO=4&transport=websocket`, { name: 'socket.io', timeout: '1s' }, { publish: null, duration: '1s' }),
      ),
    );
    expect(report.connections.firstOpened ?? 0).toBe(0);
    expect(report.connections.failures['subscribe-timeout']).toBe(SOCKETS);
  });
});

describe('MQTT', () => {
  it('CONNECT, SUBSCRIBE QoS 1 and every PUBLISH payload judged exactly, PUBACKed', async () => {
    const broker = track(await startMqttBroker());
    const report = await runQuietly(scenarioFrom(base(broker.wsUrl, { name: 'mqtt', topics: ['news'], qos: 1 })));
    expect(report.connections.firstOpened).toBe(SOCKETS);
    expectDeliveredExactly(report, SOCKETS);
    expect(report.fanout.latencyMs.count).toBe(report.fanout.delivered);
  });

  it("topics as topic filters: each publish reaches its topic's sockets only", async () => {
    const broker = track(await startMqttBroker());
    const report = await runQuietly(
      scenarioFrom(
        base(
          broker.wsUrl,
          { name: 'mqtt', topics: ['prices/{topic}'], qos: 0 },
          {
            topics: { count: 4, name: 't{n}', assign: 'modulo' },
            publish: { rate: 10, url: `${broker.httpUrl}/api?id={id}&value={value}&topic=prices/{topic}` },
          },
        ),
      ),
    );
    expect(report.connections.failures, JSON.stringify(report.connections.failures)).toEqual({});
    expect(report.connections.firstOpened).toBe(SOCKETS);
    expectDeliveredExactly(report, SOCKETS / 4);
  });

  it('sends PINGREQ on its keepalive: the broker keeps every socket past 1.5 × keepalive of no publishes', async () => {
    const broker = track(await startMqttBroker());
    const report = await runQuietly(
      scenarioFrom(base(broker.wsUrl, { name: 'mqtt', topics: ['news'], keepalive: '1s' }, { publish: null, duration: '4s' })),
    );
    expect(report.disconnects.total).toBe(0);
    expect(report.connections.openAtEnd).toBe(SOCKETS);
  });

  it('another version: MQTT 5 against a 3.1.1-only broker (Aedes answers CONNACK 1) is protocol-mismatch', async () => {
    const broker = track(await startMqttBroker());
    const report = await runQuietly(
      scenarioFrom(base(broker.wsUrl, { name: 'mqtt', topics: ['news'], version: 5 }, { publish: null, duration: '1s' })),
    );
    expect(report.connections.firstOpened ?? 0).toBe(0);
    expect(report.connections.failures['protocol-mismatch']).toBe(SOCKETS);
  });

  it('no PINGRESP within a keepalive after PINGREQ: wsload ends each socket itself, named mqtt-keepalive-timeout', async () => {
    const broker = track(await startPingrespLessBroker());
    const report = await runQuietly(
      scenarioFrom(base(broker.wsUrl, { name: 'mqtt', topics: ['news'], keepalive: '1s' }, { publish: null, duration: '3s' })),
    );
    expect(report.connections.firstOpened).toBe(SOCKETS);
    expect(report.disconnects.byError).toEqual({ 'mqtt-keepalive-timeout': SOCKETS });
    expect(report.disconnects.byCause).toEqual({ 'client-close': SOCKETS });
    // PINGREQ after 1 s of sending nothing, given up 1 s later.
    expect(report.disconnects.ageAtCloseMs.min).toBeGreaterThanOrEqual(2_000);
  });

  it('a broker that never answers SUBSCRIBE: every socket fails as subscribe-timeout', async () => {
    const broker = track(await startMqttBroker({ answerSubscribe: false }));
    const report = await runQuietly(
      scenarioFrom(base(broker.wsUrl, { name: 'mqtt', topics: ['news'], timeout: '1s' }, { publish: null, duration: '1s' })),
    );
    expect(report.connections.firstOpened ?? 0).toBe(0);
    expect(report.connections.failures['subscribe-timeout']).toBe(SOCKETS);
  });

  it('a server of another protocol (Socket.IO) fails every socket as protocol-mismatch', async () => {
    const server = track(await startSocketIoServer());
    const report = await runQuietly(
      scenarioFrom(base(server.wsUrl, { name: 'mqtt', topics: ['news'] }, { publish: null, duration: '1s' })),
    );
    expect(report.connections.firstOpened ?? 0).toBe(0);
    expect(report.connections.failures['protocol-mismatch']).toBe(SOCKETS);
  });
});
