/**
 * Validation of issue 12's keys used together: a subscriber socket's placeholders ("{conn}",
 * "{cohort}", "{identity.FIELD}") in a publish request or on the publisher socket have no value
 * there and would be sent as written; they are refused with their JSON path.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validation } from '../helpers/validation.js';

const dir = mkdtempSync(join(tmpdir(), 'wsload-combos-unit-'));
writeFileSync(join(dir, 'users.csv'), 'user,token\nu1,t1\nu2,t2\nu3,t3\n');
const base = {
  name: 't',
  connections: 3,
  duration: '1s',
  target: { url: 'ws://127.0.0.1:9/ws?token={identity.token}' },
  identities: { file: 'users.csv' },
};

const { run, lines: issues } = validation({ cpus: 2, baseDir: dir, interfaces: null });

const NOT_HERE = (name: string): string =>
  `"{${name}}" is a subscriber socket's placeholder (target.url, target.headers, target.open), not available in a publish: one publisher serves every socket; expected a fixed value`;

describe('subscriber placeholders in publishes', () => {
  it("are refused in an HTTP publish's url, headers and body, each with its path", () => {
    const got = issues({
      ...base,
      publish: {
        rate: 1,
        url: 'http://127.0.0.1:9/p?u={identity.user}',
        method: 'POST',
        headers: { 'X-Conn': '{conn}' },
        body: { seq: '{seq}', cohort: '{cohort}' },
      },
    });
    expect(got).toEqual([
      `publish.url: ${NOT_HERE('identity.user')}`,
      `publish.headers["X-Conn"]: ${NOT_HERE('conn')}`,
      `publish.body: ${NOT_HERE('cohort')}`,
    ]);
  });

  it('are refused on the publisher socket (url, headers, open messages) and in its message', () => {
    const got = issues({
      ...base,
      publish: {
        via: 'websocket',
        rate: 1,
        socket: {
          url: 'ws://127.0.0.1:9/chat?token={identity.token}',
          headers: { Authorization: 'Bearer {identity.token}' },
          open: [{ send: { type: 'login', user: '{identity.user}' } }],
        },
        body: { type: 'say', seq: '{seq}', from: '{conn}' },
      },
    });
    expect(got).toEqual([
      `publish.socket.url: ${NOT_HERE('identity.token')}`,
      `publish.socket.headers.Authorization: ${NOT_HERE('identity.token')}`,
      `publish.socket.open[0].send: ${NOT_HERE('identity.user')}`,
      `publish.body: ${NOT_HERE('conn')}`,
    ]);
  });

  it('the subscriber side and the publish placeholders stay valid', () => {
    const r = run({
      ...base,
      target: {
        url: 'ws://127.0.0.1:9/ws?token={identity.token}&c={conn}',
        open: [{ send: { type: 'subscribe', topic: '{topic}', user: '{identity.user}' } }],
      },
      topics: { count: 3 },
      publish: {
        rate: 1,
        url: 'http://127.0.0.1:9/p?id={id}',
        method: 'POST',
        headers: { 'X-Topic': '{topic}' },
        body: { topic: '{topic}', seq: '{seq}', value: '{value}' },
      },
    });
    expect('scenario' in r ? null : r.issues).toBeNull();
  });
});

describe('thresholds of the other publishing mode', () => {
  const plain = { name: 't', connections: 3, duration: '1s' };
  it('fan-out and publish metrics with a server stream are refused (they would fail with no data after the run)', () => {
    const got = issues({
      ...plain,
      target: { url: 'ws://127.0.0.1:9/ws' },
      publish: { source: 'server', timestamp: '/ts' },
      topics: { count: 2 },
      thresholds: {
        'fanout.lost': '== 0',
        'publish.failed': '== 0',
        'fanout.byTopic.topic-1.p99': '< 1s',
        'stream.staleness.p99': '< 1s',
        'connections.failed': '== 0',
      },
    });
    expect(got).toEqual([
      'thresholds["fanout.lost"]: measures publishes by wsload, but the server publishes (publish.source "server"): nothing would be measured; expected a stream.* metric (stream.staleness.p99, stream.missing, …)',
      'thresholds["publish.failed"]: measures publishes by wsload, but the server publishes (publish.source "server"): nothing would be measured; expected a stream.* metric (stream.staleness.p99, stream.missing, …)',
      'thresholds["fanout.byTopic.topic-1.p99"]: measures publishes by wsload, but the server publishes (publish.source "server"): nothing would be measured; expected a stream.* metric (stream.staleness.p99, stream.missing, …)',
    ]);
  });

  it('stream metrics without a server stream are refused', () => {
    expect(issues({ ...plain, publish: { rate: 1 }, thresholds: { 'stream.missing': '== 0', 'fanout.lost': '== 0' } })).toEqual([
      'thresholds["stream.missing"]: measures a server stream, but this scenario has none (publish.source "server"): nothing would be measured; expected fanout.* or publish.* metrics, or publish.source "server"',
    ]);
  });
});
