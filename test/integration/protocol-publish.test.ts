/**
 * Publishing through the protocol (`publish.via: "protocol"`) against the real servers of
 * test/helpers: an MQTT PUBLISH to Aedes (QoS 1 handled at its PUBACK, QoS 0 once written), a
 * Socket.IO emit with its ack, a GraphQL mutation over graphql-ws with a real PubSub. Each server
 * fans the publish out to the subscribers wsload holds; the books must be exact, and a publish the
 * server fails is counted failed with its reason.
 */
import { describe, expect, it } from 'vitest';
import { expectDeliveredExactly, expectExactBooks } from '../helpers/books.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { startMqttBroker, startSocketIoServer } from '../helpers/protocol-servers.js';
import { startGraphqlServer } from '../helpers/graphql-server.js';

const track = closeAfterEach();
const SOCKETS = 20;
const TOPICS = { count: 2, name: 'room-{n}', assign: 'modulo' };

function base(
  url: string,
  protocol: unknown,
  publish: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    target: { url },
    protocol,
    connections: SOCKETS,
    connectRate: 500,
    duration: '2s',
    workers: 1,
    publish: { rate: 10, via: 'protocol', ...publish },
    ...extra,
  };
}

describe('MQTT PUBLISH from the publisher connection', () => {
  it('QoS 1: every PUBLISH is handled at its PUBACK, fanned out by the broker to its topic, books exact', async () => {
    const broker = track(await startMqttBroker());
    const report = await runQuietly(
      scenarioFrom(
        base(
          broker.wsUrl,
          { name: 'mqtt', topics: ['news/{topic}'], qos: 1 },
          { protocol: { topic: 'news/{topic}', qos: 1 } },
          { topics: TOPICS },
        ),
      ),
    );
    expect(report.connections.failed).toBe(0);
    expectDeliveredExactly(report, SOCKETS / 2);
    expect(report.publish.sent).toBe(report.fanout.published);
    // Every PUBLISH reached the broker once: the broker counts the client publishes it routed.
    expect(broker.publishes()).toBe(report.fanout.published);
    expect(report.scenario.publish?.protocol).toEqual({
      name: 'mqtt',
      topic: 'news/{topic}',
      qos: 1,
      message: { template: '{"id":"{id}","value":"{value}"}', json: true },
    });
  });

  it('QoS 0 without topics: written is done, every socket receives every publish', async () => {
    const broker = track(await startMqttBroker());
    const report = await runQuietly(scenarioFrom(base(broker.wsUrl, { name: 'mqtt', topics: ['news'] }, { protocol: { topic: 'news' } })));
    expectDeliveredExactly(report, SOCKETS);
    expect(broker.publishes()).toBe(report.fanout.published);
  });

  it('a PUBLISH the broker refuses (it closes the connection) is counted failed as protocol-closed, and nothing is owed for it', async () => {
    const broker = track(await startMqttBroker({ refusePublishTo: 'news' }));
    const report = await runQuietly(
      scenarioFrom(
        base(
          broker.wsUrl,
          { name: 'mqtt', topics: ['news'], qos: 1 },
          { rate: 5, protocol: { topic: 'news', qos: 1 } },
          { duration: '1500ms' },
        ),
      ),
    );
    expect(report.publish.sent).toBeGreaterThan(0);
    expect(report.publish.failed).toBe(report.publish.sent);
    expect(report.publish.failures).toEqual({ 'protocol-closed': report.publish.sent });
    expect(report.fanout.delivered).toBe(0);
    expectExactBooks(report);
  });
});

describe('Socket.IO emit from the publisher connection', () => {
  it('emits "publish" with an ack: the server pushes to the topic\'s room, books exact; an error ack is socket.io-ack-error', async () => {
    const server = track(await startSocketIoServer({ namespace: '/live', event: 'price' }));
    const report = await runQuietly(
      scenarioFrom(
        base(
          server.wsUrl,
          { name: 'socket.io', namespace: '/live', events: ['price'], join: { event: 'join', args: ['{topic}'] } },
          // Ids alternate: the server refuses id "refused" with an error ack and pushes nothing for it.
          { ids: ['ok', 'refused'], body: { id: '{id}', value: '{value}', topic: '{topic}' }, protocol: { event: 'publish', ack: true } },
          { topics: TOPICS },
        ),
      ),
    );
    expect(report.connections.failed).toBe(0);
    const refused = Math.floor(report.publish.sent / 2);
    expect(report.publish.failures).toEqual({ 'socket.io-ack-error': refused });
    expect(report.publish.failed).toBe(refused);
    expect(server.publishes()).toBe(report.publish.sent - refused);
    expectExactBooks(report);
    expect(report.fanout.lost).toBe(0);
    expect(report.fanout.delivered).toBe((report.publish.sent - refused) * (SOCKETS / 2));
  });
});

describe('GraphQL mutation over graphql-ws from the publisher connection', () => {
  it('each publish is a mutation whose next is its result; the PubSub fans it out; a mutation with errors is graphql-error', async () => {
    const server = track(await startGraphqlServer({ mutation: true }));
    const report = await runQuietly(
      scenarioFrom(
        base(
          server.wsUrl,
          { name: 'graphql-ws', query: 'subscription($t: String) { news(topic: $t) { id value } }', variables: { t: '{topic}' } },
          {
            ids: ['ok', 'refused'],
            match: { sequence: '/data/news/value' },
            body: { id: '{id}', value: '{value}', topic: '{topic}' },
            protocol: {
              query: 'mutation($id: String!, $value: String!, $topic: String) { publish(id: $id, value: $value, topic: $topic) }',
            },
          },
          { topics: TOPICS },
        ),
      ),
    );
    expect(report.connections.failed).toBe(0);
    const refused = Math.floor(report.publish.sent / 2);
    expect(report.publish.failures).toEqual({ 'graphql-error': refused });
    expect(server.publishes()).toBe(report.publish.sent - refused);
    expectExactBooks(report);
    expect(report.fanout.lost).toBe(0);
    expect(report.fanout.delivered).toBe((report.publish.sent - refused) * (SOCKETS / 2));
  });
});
