/** The `protocol` key: defaults filled, and every bad option one line at its JSON path. */
import { describe, expect, it } from 'vitest';
import { validation } from '../helpers/validation.js';

const v = validation({ cpus: 2 });
const SIO_URL = 'ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket';
const base = (protocol: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'p',
  target: { url: SIO_URL },
  connections: 10,
  duration: '1s',
  protocol,
  ...extra,
});

describe('protocol', () => {
  it('is absent from a plain scenario, so it normalizes (and reports) as before', () => {
    expect(v.ok(base('websocket')).protocol).toBeUndefined();
    expect(v.ok({ name: 'p', connections: 1, duration: '1s' }).protocol).toBeUndefined();
  });

  it('fills every default from the name alone', () => {
    expect(v.ok(base('socket.io')).protocol).toEqual({
      name: 'socket.io',
      namespace: '/',
      events: ['message'],
      auth: null,
      join: null,
      timeoutMs: 10_000,
    });
    expect(v.ok(base('mqtt', { topics: { count: 2 } })).protocol).toEqual({
      name: 'mqtt',
      topics: ['{topic}'],
      qos: 0,
      keepaliveMs: 60_000,
      clientId: 'wsload-{conn}',
      clean: true,
      version: 4,
      username: null,
      password: null,
      timeoutMs: 10_000,
    });
    expect(v.ok(base('mqtt')).protocol).toMatchObject({ topics: ['#'] });
  });

  it('keeps the options as templates, join arguments and auth as JSON text', () => {
    const p = v.ok(
      base(
        {
          name: 'socket.io',
          namespace: '/live',
          events: ['price'],
          auth: { token: '{conn}' },
          join: { event: 'join', args: ['{topic}'] },
          timeout: '2s',
        },
        { topics: { count: 2 } },
      ),
    ).protocol;
    expect(p).toEqual({
      name: 'socket.io',
      namespace: '/live',
      events: ['price'],
      auth: '{"token":"{conn}"}',
      join: { event: 'join', args: '["{topic}"]', ack: true },
      timeoutMs: 2_000,
    });
  });

  it.each([
    [{ name: 'mqtt', qos: 3 }, {}, 'protocol.qos: expected an MQTT QoS of 0 or 1 (QoS 2 is not supported), got 3'],
    [{ name: 'mqtt', qos: 2 }, {}, 'protocol.qos: expected an MQTT QoS of 0 or 1 (QoS 2 is not supported), got 2'],
    [{ name: 'mqtt', version: 3 }, {}, 'protocol.version: expected an MQTT protocol version: 4 (MQTT 3.1.1) or 5, got 3'],
    [
      { name: 'mqtt', topics: ['a/#/b'] },
      {},
      'protocol.topics[0]: expected an MQTT topic filter like "prices/{topic}" or "news/#" ("#" only last, "+" a whole level), got "a/#/b"',
    ],
    [
      { name: 'mqtt', keepalive: '1500ms' },
      {},
      'protocol.keepalive: expected a keepalive of whole seconds, at most "65535s" (MQTT counts it in 16-bit seconds), got "1500ms"',
    ],
    [
      { name: 'socket.io', namespace: 'chat' },
      {},
      'protocol.namespace: expected a Socket.IO namespace starting with "/", like "/" or "/prices", got "chat"',
    ],
    [{ name: 'socket.io', events: [] }, {}, 'protocol.events: expected a non-empty array of event names, got []'],
    [
      { name: 'socket.io', join: { event: 'join', args: ['{topic}'] } },
      {},
      'protocol.join.args: "{topic}" is not available: this scenario assigns no topics to sockets; expected a top-level "topics" key, or "{conn}", "{cohort}" or "{identity.FIELD}"',
    ],
    [
      'socket.io',
      { target: { url: 'ws://127.0.0.1:3000/socket.io/' } },
      'target.url: expected a Socket.IO URL with "?EIO=4&transport=websocket" (Engine.IO 4 over WebSocket only), like "ws://host:3000/socket.io/?EIO=4&transport=websocket", got "ws://127.0.0.1:3000/socket.io/"',
    ],
    [
      'mqtt',
      { target: 'embedded' },
      'protocol: "mqtt" needs a target.url of a broker\'s MQTT WebSocket listener; the embedded target speaks plain WebSocket',
    ],
    [
      'socket.io',
      { target: { url: SIO_URL, open: [{ send: 'hi' }] } },
      'target.open: not with protocol "socket.io": its own handshake and subscribe replace the open messages (set the subscription in "protocol")',
    ],
    [
      { name: 'mqtt', password: '{env.WSLOAD_PROTO_UNSET}' },
      {},
      'protocol.password: environment variable WSLOAD_PROTO_UNSET is not set (or empty); expected it exported before wsload runs ({env.WSLOAD_PROTO_UNSET})',
    ],
  ])('%j %j → one line at its path', (protocol, extra, line) => {
    expect(v.lines(base(protocol, extra))).toEqual([line]);
  });

  it('names the nearest key of a mistyped option', () => {
    const lines = v.lines(base({ name: 'mqtt', qso: 1 }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^protocol\.qso: .*qos/);
  });
});
