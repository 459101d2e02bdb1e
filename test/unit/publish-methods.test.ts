/**
 * Publish methods as a table (issue 24 item 2): every kind is registered in each layer's table,
 * a scenario's method is recognised from the normalized scenario (and from a report's scenario,
 * old ones included), and what each method says in the plan line, `wsload validate`, the summary
 * heading and its failure reasons comes from its entry.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { PUBLISH_METHODS, publishMethodOf } from '../../src/run/publish-methods/table.js';
import { WRITTEN_PUBLISH_METHODS } from '../../src/scenario/publish-methods/table.js';
import { SENDER_KINDS } from '../../src/publisher/methods/table.js';
import { describePublishFailure } from '../../src/metrics/publish-failure.js';
import { describePlan } from '../../src/driver/plan.js';
import { describeValidScenario } from '../../src/cli/commands/validate.js';
import { publishingWithEnv } from '../../src/driver/env-fill.js';
import type { Scenario } from '../../src/run/scenario.js';

const dir = fileURLToPath(new URL('../../scenarios/', import.meta.url));
const limits = { openFiles: 20_000, ephemeralPorts: 28_232 };
const shipped = (file: string): Promise<Scenario> => loadScenario(join(dir, file), { cpus: 2, limits });

describe('the publish method table', () => {
  it('registers every kind in the contract, scenario and publisher tables under its own name', () => {
    const kinds = Object.keys(PUBLISH_METHODS).sort();
    expect(kinds).toEqual(['http', 'protocol', 'server', 'websocket']);
    expect(Object.keys(WRITTEN_PUBLISH_METHODS).sort()).toEqual(kinds);
    for (const [kind, entry] of Object.entries(PUBLISH_METHODS)) expect(entry.kind).toBe(kind);
    for (const [kind, entry] of Object.entries(WRITTEN_PUBLISH_METHODS)) expect(entry.kind).toBe(kind);
    // Every method that sends has a sender; the server's stream has none.
    expect([...SENDER_KINDS].sort()).toEqual(['http', 'protocol', 'websocket']);
  });

  it.each([
    ['fanout.json', 'http', 'publish 10/s to http://127.0.0.1:9/api', 'publish 10/s'],
    ['post-publish.json', 'http', 'publish 20/s POST to http://127.0.0.1:8080/publish', 'publish 20/s by POST'],
    ['chat-publish.json', 'websocket', 'publish 20/s as messages on ws://127.0.0.1:8080/chat', 'publish 20/s on a publisher socket'],
    [
      'mqtt-publish.json',
      'protocol',
      'publish 10/s as MQTT PUBLISH (QoS 1, PUBACK awaited) to prices/{topic} on ws://127.0.0.1:9/ws',
      'publish 10/s as MQTT PUBLISH (QoS 1, PUBACK awaited) to prices/{topic} on a publisher connection',
    ],
    [
      'server-stream.json',
      'server',
      'server stream (timestamp /data/ts, sequence /data/seq)',
      'the server publishes (publish.source "server")',
    ],
  ])('%s is the %s method, described by its entry', async (file, kind, plan, validate) => {
    const s = await shipped(file);
    const method = publishMethodOf(s);
    expect(method?.kind).toBe(kind);
    const destination = method?.destination('ws://127.0.0.1:9/ws') ?? null;
    expect(describePlan(s, destination, 2)).toContain(plan);
    expect(describeValidScenario(file, s)).toContain(validate);
  });

  it('a scenario without publishing has no method', async () => {
    const s = await shipped('idle-timeout.json');
    expect(s.publish).toBeNull();
    expect(publishMethodOf(s)).toBeNull();
    expect(describePlan(s, null, 1)).toContain('no publishing');
  });

  it("reads a report's scenario written before request and websocket existed as the demo's HTTP GET", () => {
    const old = { publish: { url: null, rate: 5, ids: ['1'], match: 'value', deadlineMs: 10_000, concurrency: 64, timeoutMs: 5000 } };
    const method = publishMethodOf(old);
    expect(method?.kind).toBe('http');
    expect(method?.reportTitle).toBe('Publish (HTTP)');
    expect(method?.destination('ws://gw:8080/ws')).toBe('http://gw:8080/api?id={id}&value={value}');
  });

  it("says each method's failure reasons in its own words, and the shared ones once", () => {
    expect(describePublishFailure('http-503')).toBe('HTTP 503');
    expect(describePublishFailure('ws-closed')).toBe('the publisher socket closed before the message was written or acknowledged');
    expect(describePublishFailure('ws-refused')).toMatch(/^the publisher socket did not open: /);
    expect(describePublishFailure('timeout')).toBe('request not answered within publish.timeout');
    expect(describePublishFailure('protocol-closed')).toBe('the publisher connection closed before the publish was acknowledged');
    expect(describePublishFailure('protocol-connect-subscribe-timeout')).toMatch(/^the publisher connection's protocol handshake failed: /);
    expect(describePublishFailure('mqtt-puback-0x87')).toBe("the broker's PUBACK refused the publish (reason code 0x87)");
    expect(describePublishFailure('graphql-error')).toBe('the mutation answered with GraphQL errors');
  });

  it('fills {env.NAME} in what the method sends: the publisher socket of a websocket publish, the request of an HTTP one', async () => {
    const chat = await shipped('chat-publish.json');
    const withSocket = {
      ...chat,
      publish:
        chat.publish && chat.publish.websocket
          ? { ...chat.publish, websocket: { ...chat.publish.websocket, url: 'ws://{env.PUB_HOST}/chat' } }
          : null,
    };
    expect(publishingWithEnv(withSocket, { PUB_HOST: 'h:1' }).publish?.websocket?.url).toBe('ws://h:1/chat');
    const post = await shipped('post-publish.json');
    const filled = publishingWithEnv(
      { ...post, publish: post.publish ? { ...post.publish, url: 'http://{env.API}/p?v={value}' } : null },
      { API: 'api:2' },
    );
    expect(filled.publish?.url).toBe('http://api:2/p?v={value}');
    // The server's stream sends nothing: the scenario is returned as it was.
    const stream = await shipped('server-stream.json');
    expect(publishingWithEnv(stream, {})).toBe(stream);
  });
});
