/**
 * The idle-timeout estimate names the protocol heartbeat the gateway saw as traffic (issue 25
 * item 3): each protocol's heartbeat with its schedule in the note, and the recommendation about
 * that heartbeat when the gateway cut sockets anyway. Plain WebSocket runs keep their old words.
 */
import { describe, expect, it } from 'vitest';
import { protocolHeartbeat } from '../../src/metrics/protocol-heartbeat.js';
import { estimateIdleTimeout } from '../../src/metrics/idle-timeout.js';
import type { Protocol } from '../../src/run/scenario.js';

const mqtt = (keepaliveMs: number): Protocol => ({
  name: 'mqtt',
  topics: ['#'],
  qos: 0,
  keepaliveMs,
  clientId: 'c',
  clean: true,
  version: 4,
  username: null,
  password: null,
  timeoutMs: 10_000,
});

describe('the protocol heartbeat in the idle-timeout estimate', () => {
  it.each<[Protocol, string]>([
    [mqtt(30_000), "MQTT PINGREQ after 30s without sending (keepalive), answered by the broker's PINGRESP, is traffic to the gateway"],
    [mqtt(0), 'MQTT keepalive was off ("0s")'],
    [
      { name: 'socket.io', namespace: '/', events: ['message'], auth: null, join: null, timeoutMs: 1 },
      "Socket.IO's server ping every pingInterval of its open packet (25s by default), answered by wsload at once",
    ],
    [
      { name: 'graphql-ws', query: 'subscription { a }', variables: null, operationName: null, init: null, pingMs: 20_000, timeoutMs: 1 },
      "a graphql-ws ping after 20s of silence, answered by the server's pong",
    ],
    [
      {
        name: 'stomp',
        destinations: ['/topic/a'],
        host: '/',
        login: null,
        passcode: null,
        heartbeatSendMs: 10_000,
        heartbeatReceiveMs: 5_000,
        timeoutMs: 1,
      },
      "STOMP heart-beats as negotiated in CONNECTED (sent every 10s or slower, the broker's every 5s or slower)",
    ],
  ])('%j → the note names it', (protocol, words) => {
    expect(protocolHeartbeat(protocol)?.note).toContain(words);
  });

  it('no protocol: no heartbeat sentence, the note as before', () => {
    expect(protocolHeartbeat(undefined)).toBeNull();
    expect(estimateIdleTimeout([], null).note).toBe('no socket was dropped during the run');
  });

  it('with a protocol and nobody cut: the note says why and what the heartbeat does', () => {
    const v = estimateIdleTimeout([], protocolHeartbeat(mqtt(30_000)));
    expect(v.estimate).toBeNull();
    expect(v.note).toBe(
      "no socket was dropped during the run; MQTT PINGREQ after 30s without sending (keepalive), answered by the broker's PINGRESP, is traffic to the gateway: a gateway idle timeout longer than that never cuts them; a shorter one cuts every socket with nothing else to carry",
    );
  });
});
