/**
 * The shipped protocol scenarios (scenarios/socketio.json, mqtt.json, graphql.json, stomp.json) run as shipped with
 * `wsload run`, made small with `--connections` and `--duration`, against a real Socket.IO server
 * and a real MQTT broker on the addresses they name (127.0.0.1:3000 /socket.io, 127.0.0.1:8083), and
 * RabbitMQ's web-STOMP on its default 15674 with the test's /api publisher on 15680.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, ROOT, wsload } from '../helpers/cli.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import { closeAfterEach, tempDir } from '../helpers/run-helpers.js';
import { startMqttBroker, startSocketIoServer } from '../helpers/protocol-servers.js';
import { startGraphqlServer } from '../helpers/graphql-server.js';
import { startRabbitMq } from '../helpers/rabbitmq.js';
import { missing } from '../helpers/real-parts.js';
import type { Report } from '../../src/run/report.js';

const dir = tempDir('wsload-protocol-scenarios-');
const track = closeAfterEach();
const SOCKETS = 40;
/** Each shipped scenario spreads its sockets over 5 topics (rooms, topic filters); a publish owes one topic's. */
const PER_PUBLISH = SOCKETS / 5;

beforeAll(() => assertBuilt());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runShipped(file: string): Promise<{ code: number | null; stderr: string; report: Report }> {
  const out = join(dir, `${file}-report.json`);
  const r = await wsload(['run', `scenarios/${file}`, '--out', out, '--quiet', '--connections', String(SOCKETS), '--duration', '2s'], {
    cwd: ROOT,
    timeoutMs: 90_000,
  });
  if (!existsSync(out)) throw new Error(`wsload run ${file} wrote no report (exit ${String(r.code)}): ${r.stderr.slice(-1500)}`);
  return { code: r.code, stderr: r.stderr, report: JSON.parse(readFileSync(out, 'utf8')) as Report };
}

describe('shipped protocol scenarios', () => {
  it('socketio.json against a Socket.IO server: rooms joined with an ack, every event delivered once, exit 0 (or only a latency threshold missed)', async () => {
    track(await startSocketIoServer({ port: 3000, path: '/socket.io' }));
    const { code, stderr, report } = await runShipped('socketio.json');
    expect([0, 3], stderr.slice(-1500)).toContain(code);
    if (code === 3) expect(report.thresholds.filter((t) => !t.pass).map((t) => t.metric)).toEqual(['fanout.p99']);
    expect(report.connections.failed).toBe(0);
    expect(report.fanout.unmatched).toBe(0);
    expectDeliveredExactly(report, PER_PUBLISH);
    expect(report.scenario.protocol?.name).toBe('socket.io');
  });

  it('mqtt.json against an Aedes broker: QoS 1 subscriptions per topic filter, every PUBLISH delivered once', async () => {
    track(await startMqttBroker({ port: 8083 }));
    const { code, stderr, report } = await runShipped('mqtt.json');
    expect([0, 3], stderr.slice(-1500)).toContain(code);
    if (code === 3) expect(report.thresholds.filter((t) => !t.pass).map((t) => t.metric)).toEqual(['fanout.p99']);
    expect(report.connections.failed).toBe(0);
    expect(report.fanout.unmatched).toBe(0);
    expectDeliveredExactly(report, PER_PUBLISH);
    expect(report.scenario.protocol?.name).toBe('mqtt');
  });

  it('mqtt-publish.json: the same through MQTT PUBLISH QoS 1 from the publisher connection, each handled at its PUBACK, every copy delivered once', async () => {
    const broker = track(await startMqttBroker({ port: 8083 }));
    const { code, stderr, report } = await runShipped('mqtt-publish.json');
    expect([0, 3], stderr.slice(-1500)).toContain(code);
    if (code === 3) expect(report.thresholds.filter((t) => !t.pass).map((t) => t.metric)).toEqual(['fanout.p99']);
    expect(report.connections.failed).toBe(0);
    expectDeliveredExactly(report, PER_PUBLISH);
    expect(broker.publishes()).toBe(report.fanout.published);
    expect(report.scenario.publish?.protocol).toMatchObject({ name: 'mqtt', topic: 'prices/{topic}', qos: 1 });
  });

  it('graphql.json against a graphql-ws server: a subscription per topic by its variables, every next delivered once', async () => {
    track(await startGraphqlServer({ port: 4000, path: '/graphql' }));
    const { code, stderr, report } = await runShipped('graphql.json');
    expect([0, 3], stderr.slice(-1500)).toContain(code);
    if (code === 3) expect(report.thresholds.filter((t) => !t.pass).map((t) => t.metric)).toEqual(['fanout.p99']);
    expect(report.connections.failed).toBe(0);
    expect(report.fanout.unmatched).toBe(0);
    expectDeliveredExactly(report, PER_PUBLISH);
    expect(report.scenario.protocol?.name).toBe('graphql-ws');
  });

  it.skipIf(missing('rabbitmq'))(
    'stomp.json against RabbitMQ web-STOMP: a SUBSCRIBE per topic destination with a receipt, every MESSAGE delivered once',
    async () => {
      const broker = await startRabbitMq({ stompPort: 15674, httpPort: 15680 });
      // The shipped file keeps its passcode out of the file as {env.STOMP_PASSCODE}; the CLI inherits this process's env.
      process.env.STOMP_PASSCODE = 'guest';
      try {
        const { code, stderr, report } = await runShipped('stomp.json');
        expect([0, 3], stderr.slice(-1500)).toContain(code);
        if (code === 3) expect(report.thresholds.filter((t) => !t.pass).map((t) => t.metric)).toEqual(['fanout.p99']);
        expect(report.connections.failed).toBe(0);
        expect(report.fanout.unmatched).toBe(0);
        expectDeliveredExactly(report, PER_PUBLISH);
        expect(report.scenario.protocol?.name).toBe('stomp');
        expect(broker.publishes()).toBe(report.fanout.published);
      } finally {
        delete process.env.STOMP_PASSCODE;
        await broker.stop();
      }
    },
    120_000,
  );
});
