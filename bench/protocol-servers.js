/**
 * The protocol servers of `BENCH_RUNS=protocols`, in the bench process (the load processes are
 * measured from /proc, so the server's CPU is not charged to them): the tests' own servers
 * (test/helpers/protocol-servers.ts, graphql-server.ts, rabbitmq.ts, through bench/test-helpers.js):
 * a Socket.IO v4 server, an Aedes MQTT broker with its WebSocket listener, graphql-ws's own server
 * with a PubSub, RabbitMQ web-STOMP. Each answers `GET /api?id=&value=` by pushing `{"id","value"}`
 * to every socket: a Socket.IO "message" event, an MQTT PUBLISH to "news", a `next` of the `news`
 * subscription, a STOMP SEND to /topic/news through RabbitMQ.
 */
import { testHelper } from './test-helpers.js';

/** @typedef {{ wsUrl: string, httpUrl: string, close: () => Promise<void> }} BenchProtocolServer */

/** RabbitMQ web-STOMP and its /api publisher (stopped by `close`, like the others). @returns {Promise<BenchProtocolServer>} */
async function stomp() {
  const broker = await (await testHelper('rabbitmq')).startRabbitMq();
  return { wsUrl: broker.wsUrl, httpUrl: broker.httpUrl, close: () => broker.stop() };
}

/**
 * The server of each protocol, its helper imported at its first start. MQTT publishes at QoS 0: both clients subscribe at QoS 0, so nothing
 * is acknowledged on either side.
 * @type {Record<string, () => Promise<BenchProtocolServer>>}
 */
export const PROTOCOL_SERVERS = {
  'socket.io': async () => (await testHelper('protocol-servers')).startSocketIoServer(),
  mqtt: async () => (await testHelper('protocol-servers')).startMqttBroker({ publishQos: 0 }),
  'graphql-ws': async () => (await testHelper('graphql-server')).startGraphqlServer(),
  stomp,
};

/**
 * Protocols whose server is started once for all their runs: RabbitMQ takes seconds to a minute to
 * start on a loaded machine, and a run's subscriptions (auto-delete queues) go with its sockets.
 */
export const SERVER_ONCE_PER_PROTOCOL = new Set(['stomp']);
