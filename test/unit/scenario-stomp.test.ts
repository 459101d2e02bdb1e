/** The `protocol` key's STOMP options: defaults filled, one line at the JSON path of what is wrong. */
import { describe, expect, it } from 'vitest';
import { validation } from '../helpers/validation.js';

const v = validation({ cpus: 2 });
const base = (protocol: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'p',
  target: { url: 'ws://127.0.0.1:15674/ws' },
  connections: 10,
  duration: '1s',
  protocol,
  ...extra,
});

describe('protocol stomp', () => {
  it('fills every default (destinations from topics), keeps credentials as templates', () => {
    expect(v.ok(base('stomp', { topics: { count: 2 } })).protocol).toEqual({
      name: 'stomp',
      destinations: ['/topic/{topic}'],
      host: '/',
      login: null,
      passcode: null,
      heartbeatSendMs: 0,
      heartbeatReceiveMs: 0,
      timeoutMs: 10_000,
    });
    const p = v.ok(
      base({
        name: 'stomp',
        destinations: ['/queue/a', '/topic/b'],
        host: 'vh',
        login: 'u',
        passcode: 'p{conn}',
        heartbeat: { send: '5s', receive: '10s' },
        timeout: '2s',
      }),
    ).protocol;
    expect(p).toEqual({
      name: 'stomp',
      destinations: ['/queue/a', '/topic/b'],
      host: 'vh',
      login: 'u',
      passcode: 'p{conn}',
      heartbeatSendMs: 5_000,
      heartbeatReceiveMs: 10_000,
      timeoutMs: 2_000,
    });
  });

  it.each([
    [
      { name: 'stomp', destinations: ['news'] },
      'protocol.destinations[0]: expected a STOMP destination starting with "/", like "/topic/{topic}" or "/queue/news", got "news"',
    ],
    [{ name: 'stomp', destinations: [] }, 'protocol.destinations: expected a non-empty array of STOMP destinations, got []'],
    [
      { name: 'stomp', destinations: ['/topic/a'], heartbeat: { send: '-1s' } },
      'protocol.heartbeat.send: expected a duration like "500ms", "30s", "10m" or "1h30m", got "-1s"',
    ],
    [
      { name: 'stomp', destinations: ['/topic/a'], heartbeat: { every: '1s' } },
      'protocol.heartbeat.every: unknown key; expected one of "send", "receive"',
    ],
  ])('%j → one line at its path', (protocol, line) => {
    expect(v.lines(base(protocol))).toEqual([line]);
  });

  it('needs destinations without topics, and a URL', () => {
    expect(v.lines(base('stomp'))).toEqual([
      'protocol.destinations: required without "topics" (the default "/topic/{topic}" needs topics), like ["/topic/news"]',
    ]);
    expect(v.lines(base({ name: 'stomp', destinations: ['/topic/a'] }, { target: 'embedded' }))).toEqual([
      'protocol: "stomp" needs a target.url of a broker\'s STOMP WebSocket endpoint; the embedded target speaks plain WebSocket',
    ]);
  });
});
