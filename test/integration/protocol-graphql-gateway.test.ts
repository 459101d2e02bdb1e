/**
 * graphql-ws's client ping against a gateway's idle timeout, through real nginx and
 * HAProxy (as protocols-gateway.test.ts does for Socket.IO and MQTT): with the gateway's timeout shorter than the
 * ping interval, the gateway cuts every socket (connection-lost, idle at close ≈ the timeout, no protocol
 * reason); with it longer, the ping and its pong are traffic and no socket is cut. A protocol close
 * code through the same gateway keeps the protocol's reason.
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
import { startGraphqlServer } from '../helpers/graphql-server.js';
import { disconnectOnceConnected } from '../helpers/protocol-servers.js';
import { missing } from '../helpers/real-parts.js';
import { closeAfterEach } from '../helpers/run-helpers.js';

const track = closeAfterEach();
const gw = gatewayPerTest();
/** The client ping interval when it is the longer one. */
const PING_MS = 3_000;
const NEWS = 'subscription { news { id value } }';
const graphqlWs = (ping: string): unknown => ({ name: 'graphql-ws', query: NEWS, ping });

describe.each(GATEWAY_KINDS)('graphql-ws ping vs gateway idle timeout (%s)', (kind) => {
  it.skipIf(missing(kind))('gateway idle 1 s < ping 3 s → the gateway cuts every socket at ~1 s idle', async () => {
    const server = track(await startGraphqlServer());
    const report = await idleRun(await gw.behind(kind, server.wsUrl, SHORT_IDLE_MS), graphqlWs(`${PING_MS}ms`), SHORT_RUN);
    expectCutByGateway(kind, report, PING_MS, 'graphql-ws', await gw.logs());
  });

  it.skipIf(missing(kind))('gateway idle 4 s > ping 1.5 s → ping and pong are traffic, nobody is cut', async () => {
    const server = track(await startGraphqlServer());
    const report = await idleRun(await gw.behind(kind, server.wsUrl, LONG_IDLE_MS), graphqlWs(`${BEAT_MS}ms`), LONG_RUN);
    expect(report.connections.firstOpened, await gw.logs()).toBe(SOCKETS);
    expect(report.disconnects.total, JSON.stringify(report.disconnects.byError)).toBe(0);
    expect(report.connections.openAtEnd).toBe(SOCKETS);
  });

  it.skipIf(missing(kind))("a 4401 close through the gateway keeps the protocol's reason", async () => {
    const server = track(await startGraphqlServer());
    const url = await gw.behind(kind, server.wsUrl, 10_000);
    const cancel = disconnectOnceConnected(server, SOCKETS, 300);
    const report = await idleRun(url, graphqlWs('0s'), '3s');
    cancel();
    expect(report.disconnects.total).toBe(SOCKETS);
    expect(report.disconnects.byError['graphql-ws-4401-unauthorized']).toBe(SOCKETS);
  });
});
