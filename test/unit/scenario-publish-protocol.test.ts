/**
 * `publish.via: "protocol"` as written: each key that does not fit is one line at its JSON path,
 * and a valid one normalizes to the options the sender and the report read.
 */
import { describe, expect, it } from 'vitest';
import { validation } from '../helpers/validation.js';
import { publishingWithEnv } from '../../src/driver/env-fill.js';

const v = validation({ cpus: 2 });
const URL_ = { url: 'ws://127.0.0.1:1883/mqtt' };

function mqtt(publish: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 't',
    connections: 10,
    duration: '10s',
    target: URL_,
    protocol: { name: 'mqtt', topics: ['news'] },
    publish: { via: 'protocol', ...publish },
    ...extra,
  };
}

function stomp(publish: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 't',
    connections: 10,
    duration: '10s',
    target: { url: 'ws://127.0.0.1:15674/ws' },
    protocol: { name: 'stomp', destinations: ['/topic/a'] },
    publish: { via: 'protocol', ...publish },
    ...extra,
  };
}

describe('publish.via "protocol"', () => {
  it('normalizes a STOMP SEND: its destination and receipt, default "/topic/{topic}" with topics and no receipt', () => {
    const s = v.ok(stomp({ protocol: { destination: '/queue/{id}', receipt: true } }));
    expect(s.publish?.protocol).toEqual({
      name: 'stomp',
      destination: '/queue/{id}',
      receipt: true,
      message: { template: '{"id":"{id}","value":"{value}"}', json: true },
    });
    const withTopics = v.ok(stomp({}, { topics: { count: 2 }, protocol: { name: 'stomp' } }));
    expect(withTopics.publish?.protocol).toMatchObject({ name: 'stomp', destination: '/topic/{topic}', receipt: false });
  });

  it('normalizes an MQTT publish with its default payload, topic and QoS', () => {
    const s = v.ok(mqtt({ protocol: { topic: 'news', qos: 1 } }));
    expect(s.publish?.protocol).toEqual({
      name: 'mqtt',
      topic: 'news',
      qos: 1,
      message: { template: '{"id":"{id}","value":"{value}"}', json: true },
    });
    const withTopics = v.ok(mqtt({}, { topics: { count: 2 } }));
    expect(withTopics.publish?.protocol).toMatchObject({ topic: '{topic}', qos: 0 });
  });

  it('normalizes a Socket.IO emit and a GraphQL mutation', () => {
    const io = v.ok({
      name: 't',
      connections: 10,
      duration: '10s',
      target: { url: 'ws://h:1/socket.io/?EIO=4&transport=websocket' },
      protocol: 'socket.io',
      publish: { via: 'protocol', protocol: { event: 'say', ack: true } },
    });
    expect(io.publish?.protocol).toMatchObject({ name: 'socket.io', event: 'say', ack: true });
    const gql = v.ok({
      name: 't',
      connections: 10,
      duration: '10s',
      target: URL_,
      protocol: { name: 'graphql-ws', query: 'subscription { news { id value } }' },
      publish: { via: 'protocol', protocol: { query: 'mutation($id: String!, $value: String!) { publish(id: $id, value: $value) }' } },
    });
    expect(gql.publish?.protocol).toMatchObject({ name: 'graphql-ws', operationName: null });
  });

  it.each([
    [
      'no protocol to speak',
      { name: 't', connections: 10, duration: '10s', target: URL_, publish: { via: 'protocol' } },
      'publish.via: "protocol" publishes through the scenario\'s protocol, but none is set',
    ],
    ['no STOMP destination and no topics', stomp({}), 'publish.protocol.destination: required with protocol "stomp" and no topics'],
    [
      'a STOMP destination without its leading "/"',
      stomp({ protocol: { destination: 'topic/a' } }),
      'publish.protocol.destination: expected a STOMP destination starting with "/"',
    ],
    [
      'a STOMP receipt that is not a boolean',
      stomp({ protocol: { destination: '/topic/a', receipt: 'yes' } }),
      'publish.protocol.receipt: expected true or false',
    ],
    [
      'an MQTT key for STOMP',
      stomp({ protocol: { destination: '/topic/a', qos: 1 } }),
      'publish.protocol.qos: does not apply to protocol "stomp"',
    ],
    ['a QoS of 2', mqtt({ protocol: { topic: 'news', qos: 2 } }), 'publish.protocol.qos: expected 0 or 1'],
    [
      'a wildcard topic',
      mqtt({ protocol: { topic: 'news/#' } }),
      'publish.protocol.topic: expected an MQTT topic name without the wildcards',
    ],
    ['no MQTT topic and no topics', mqtt({}), 'publish.protocol.topic: required with protocol "mqtt" and no topics'],
    [
      'a Socket.IO key for MQTT',
      mqtt({ protocol: { topic: 'news', event: 'x' } }),
      'publish.protocol.event: does not apply to protocol "mqtt"',
    ],
    [
      'a payload without the seq',
      mqtt({ protocol: { topic: 'news' }, body: { id: '{id}' } }),
      'publish.body: expected a payload carrying "{seq}" or "{value}"',
    ],
    [
      'an HTTP key',
      mqtt({ protocol: { topic: 'news' }, url: 'http://h/api?v={value}' }),
      'publish.url: applies to HTTP publishes only, but publish.via is "protocol"',
    ],
    [
      'publish.protocol with HTTP',
      mqtt({ via: 'http', protocol: { topic: 'news' } }),
      'publish.protocol: applies only with publish.via "protocol"',
    ],
    [
      'a per-socket target URL',
      mqtt({ protocol: { topic: 'news' } }, { target: { url: 'ws://h:1/mqtt?c={conn}' } }),
      'publish.via: "protocol" dials target.url once for every socket',
    ],
    [
      'a mutation that does not parse',
      {
        name: 't',
        connections: 10,
        duration: '10s',
        target: URL_,
        protocol: { name: 'graphql-ws', query: 'subscription { a }' },
        publish: { via: 'protocol', protocol: { query: 'mutation {' } },
      },
      'publish.protocol.query: expected a GraphQL mutation document',
    ],
    [
      'a subscription as the mutation',
      {
        name: 't',
        connections: 10,
        duration: '10s',
        target: URL_,
        protocol: { name: 'graphql-ws', query: 'subscription { a }' },
        publish: { via: 'protocol', protocol: { query: 'subscription { a }' } },
      },
      'the document has no mutation operation',
    ],
    [
      'no Socket.IO event',
      {
        name: 't',
        connections: 10,
        duration: '10s',
        target: { url: 'ws://h:1/socket.io/?EIO=4&transport=websocket' },
        protocol: 'socket.io',
        publish: { via: 'protocol' },
      },
      'publish.protocol.event: required with protocol "socket.io"',
    ],
  ])('refuses %s in one line at its path', (_what, scenario, line) => {
    const lines = v.lines(scenario);
    expect(
      lines.some((l) => l.includes(line)),
      lines.join('\n'),
    ).toBe(true);
    for (const l of lines) expect(l).not.toContain('\n');
  });
});

describe('{env.NAME} in the MQTT publish topic and the STOMP SEND destination', () => {
  it('is kept as a template in the scenario and filled in what the publisher sends', () => {
    process.env.WSLOAD_PB_TOPIC = 'prices';
    process.env.WSLOAD_PB_DEST = 'news.eu';
    try {
      const m = v.ok(mqtt({ protocol: { topic: '{env.WSLOAD_PB_TOPIC}/{topic}' } }, { topics: [{ name: 'a', share: 1 }] }));
      expect(m.publish?.protocol).toMatchObject({ name: 'mqtt', topic: '{env.WSLOAD_PB_TOPIC}/{topic}' });
      expect(publishingWithEnv(m, process.env).publish?.protocol).toMatchObject({ name: 'mqtt', topic: 'prices/{topic}' });
      const s = v.ok(stomp({ protocol: { destination: '/topic/{env.WSLOAD_PB_DEST}' } }));
      expect(s.publish?.protocol).toMatchObject({ name: 'stomp', destination: '/topic/{env.WSLOAD_PB_DEST}' });
      expect(publishingWithEnv(s, process.env).publish?.protocol).toMatchObject({ name: 'stomp', destination: '/topic/news.eu' });
    } finally {
      delete process.env.WSLOAD_PB_TOPIC;
      delete process.env.WSLOAD_PB_DEST;
    }
  });

  it.each([
    ['mqtt', mqtt({ protocol: { topic: 'x/{env.WSLOAD_PB_UNSET}' } }), 'publish.protocol.topic'],
    ['stomp', stomp({ protocol: { destination: '/topic/{env.WSLOAD_PB_UNSET}' } }), 'publish.protocol.destination'],
  ])('%s: an unset variable is one line at its path', (_name, scenario, path) => {
    expect(v.lines(scenario)).toEqual([
      `${path}: environment variable WSLOAD_PB_UNSET is not set (or empty); expected it exported before wsload runs ({env.WSLOAD_PB_UNSET})`,
    ]);
  });
});
