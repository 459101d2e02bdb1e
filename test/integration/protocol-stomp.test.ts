/**
 * STOMP 1.2 over WebSocket against a real RabbitMQ (Debian's rabbitmq-server, web-STOMP plugin),
 * started once for the file (test/helpers/rabbitmq.ts): CONNECT → CONNECTED, a SUBSCRIBE per
 * destination whose RECEIPT counts the socket subscribed, MESSAGE bodies judged exactly per topic,
 * heart-beats both ways. What the broker will not do on cue (promise heart-beats and fall silent, an
 * ERROR frame mid-run, a SEND's RECEIPT that never comes) comes from a scripted STOMP server; another
 * protocol from a Socket.IO server. Publishes via "protocol" are SENDs from wsload's publisher connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectDeliveredExactly, expectExactBooks } from '../helpers/books.js';
import { startRabbitMq, type RabbitMq } from '../helpers/rabbitmq.js';
import { missing } from '../helpers/real-parts.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { startSocketIoServer } from '../helpers/protocol-servers.js';
import { startScriptedStomp } from '../helpers/stomp-scripted.js';

const track = closeAfterEach();
const SOCKETS = 20;

function base(url: string, protocol: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { target: { url }, protocol, connections: SOCKETS, connectRate: 500, duration: '2s', workers: 1, publish: null, ...extra };
}

describe.skipIf(missing('rabbitmq'))('STOMP against RabbitMQ web-STOMP', () => {
  let broker: RabbitMq;
  beforeAll(async () => {
    broker = await startRabbitMq();
  }, 180_000);
  afterAll(async () => {
    await broker?.stop();
  }, 30_000);

  it('subscribes per topic destination at the RECEIPT, and every MESSAGE is judged exactly with its fan-out latency', async () => {
    // The broker is the file's: its count from before this run (a retry's, after the first try's).
    const bridgedBefore = broker.publishes();
    const report = await runQuietly(
      scenarioFrom(
        base(
          broker.wsUrl,
          { name: 'stomp', login: 'guest', passcode: 'guest' },
          {
            topics: { count: 2, name: 'room-{n}', assign: 'modulo' },
            publish: { rate: 10, url: `${broker.httpUrl}/api?id={id}&value={value}&topic={topic}` },
          },
        ),
      ),
    );
    expect(report.connections.firstOpened, broker.log().slice(-1500)).toBe(SOCKETS);
    expect(report.connections.failed).toBe(0);
    // Each publish goes to one topic's destination: half the sockets owe it, and no publish right after the ramp is lost.
    expectDeliveredExactly(report, SOCKETS / 2);
    expectExactBooks(report);
    expect(report.fanout.lost).toBe(0);
    expect(report.fanout.unmatched).toBe(0);
    expect(report.fanout.latencyMs.count).toBe(report.fanout.delivered);
    expect(broker.publishes() - bridgedBefore).toBe(report.fanout.published);
  }, 60_000);

  it('heart-beats both ways at 500 ms: RabbitMQ keeps every socket (it drops a client silent for ~3 s) and wsload never times the broker out', async () => {
    const report = await runQuietly(
      scenarioFrom(
        base(
          broker.wsUrl,
          { name: 'stomp', destinations: ['/topic/news'], heartbeat: { send: '500ms', receive: '500ms' } },
          { duration: '4s' },
        ),
      ),
    );
    expect(report.connections.firstOpened).toBe(SOCKETS);
    expect(report.disconnects.total, JSON.stringify(report.disconnects.byError)).toBe(0);
    expect(report.connections.openAtEnd).toBe(SOCKETS);
  }, 60_000);

  it('a SUBSCRIBE the broker refuses with an ERROR (not a valid destination) fails every socket before its receipt as subscribe-rejected', async () => {
    const report = await runQuietly(scenarioFrom(base(broker.wsUrl, { name: 'stomp', destinations: ['/bogus/news'] }, { duration: '1s' })));
    expect(report.connections.firstOpened).toBe(0);
    expect(Object.keys(report.connections.failures)).toEqual(['subscribe-rejected']);
  }, 60_000);

  it('a SUBSCRIBE to a queue that does not exist: RabbitMQ closes without an ERROR ("STOMP died"), so subscribe-closed', async () => {
    const report = await runQuietly(
      scenarioFrom(base(broker.wsUrl, { name: 'stomp', destinations: ['/amq/queue/wsload-no-such-queue'] }, { duration: '1s' })),
    );
    expect(report.connections.firstOpened).toBe(0);
    expect(Object.keys(report.connections.failures)).toEqual(['subscribe-closed']);
  }, 60_000);

  it('publish via "protocol": a SEND per publish to its topic\'s destination, handled at its RECEIPT, books exact', async () => {
    const bridged = broker.publishes();
    const report = await runQuietly(
      scenarioFrom(
        base(
          broker.wsUrl,
          { name: 'stomp', login: 'guest', passcode: 'guest' },
          {
            topics: { count: 2, name: 'room-{n}', assign: 'modulo' },
            publish: { rate: 10, via: 'protocol', protocol: { receipt: true } },
          },
        ),
      ),
    );
    expect(report.connections.failed, broker.log().slice(-1500)).toBe(0);
    expect(report.publish.sent).toBeGreaterThan(0);
    expect(report.publish.failed, JSON.stringify(report.publish.failures)).toBe(0);
    expect(report.publish.sent).toBe(report.fanout.published);
    expectDeliveredExactly(report, SOCKETS / 2);
    expectExactBooks(report);
    // The HTTP bridge published nothing: every delivery came from the publisher connection's SENDs.
    expect(broker.publishes()).toBe(bridged);
    expect(report.scenario.publish?.protocol).toEqual({
      name: 'stomp',
      destination: '/topic/{topic}',
      receipt: true,
      message: { template: '{"id":"{id}","value":"{value}"}', json: true },
    });
  }, 60_000);

  it('publish via "protocol" without a receipt and without topics: written is done, every socket receives every SEND', async () => {
    const report = await runQuietly(
      scenarioFrom(
        base(
          broker.wsUrl,
          { name: 'stomp', destinations: ['/topic/news'] },
          { publish: { rate: 10, via: 'protocol', protocol: { destination: '/topic/news' } } },
        ),
      ),
    );
    expect(report.publish.failed, JSON.stringify(report.publish.failures)).toBe(0);
    expectDeliveredExactly(report, SOCKETS);
    expectExactBooks(report);
  }, 60_000);

  it('a SEND to a destination the broker refuses: its ERROR fails every publish as stomp-error, nothing is owed for them', async () => {
    const report = await runQuietly(
      scenarioFrom(
        base(
          broker.wsUrl,
          { name: 'stomp', destinations: ['/topic/news'] },
          { duration: '1500ms', publish: { rate: 5, via: 'protocol', protocol: { destination: '/bogus/news', receipt: true } } },
        ),
      ),
    );
    expect(report.connections.firstOpened).toBe(SOCKETS);
    expect(report.publish.sent).toBeGreaterThan(0);
    expect(report.publish.failed, JSON.stringify(report.publish.failures)).toBe(report.publish.sent);
    const reasons = Object.keys(report.publish.failures);
    expect(reasons.length, JSON.stringify(report.publish.failures)).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason).toMatch(/^stomp-error/);
    expect(report.fanout.delivered).toBe(0);
    expectExactBooks(report);
  }, 60_000);

  it("wrong credentials: the broker's ERROR to CONNECT fails every socket as subscribe-rejected", async () => {
    const report = await runQuietly(
      scenarioFrom(
        base(broker.wsUrl, { name: 'stomp', destinations: ['/topic/news'], login: 'guest', passcode: 'wrong' }, { duration: '1s' }),
      ),
    );
    expect(report.connections.firstOpened).toBe(0);
    expect(Object.keys(report.connections.failures)).toEqual(['subscribe-rejected']);
  }, 60_000);
});

describe('STOMP against a scripted server and another protocol', () => {
  it('a server that promised heart-beats every 200 ms and sends none: every socket ends as stomp-heartbeat-timeout (client-close)', async () => {
    const server = track(await startScriptedStomp({ heartBeat: '200,0' }));
    const report = await runQuietly(
      scenarioFrom(
        base(
          server.wsUrl,
          { name: 'stomp', destinations: ['/topic/news'], heartbeat: { send: '0s', receive: '200ms' } },
          { duration: '2s' },
        ),
      ),
    );
    expect(report.connections.firstOpened).toBe(SOCKETS);
    expect(report.disconnects.byError['stomp-heartbeat-timeout']).toBeGreaterThanOrEqual(SOCKETS);
    expect(report.disconnects.byCause['client-close']).toBe(report.disconnects.total);
  });

  it("an ERROR frame after the subscribe is the close's reason, with its message header", async () => {
    const server = track(await startScriptedStomp({ errorAfterMs: { ms: 300, message: 'Processing error: queue gone' } }));
    const report = await runQuietly(
      scenarioFrom(base(server.wsUrl, { name: 'stomp', destinations: ['/topic/news'] }, { duration: '1500ms' })),
    );
    expect(report.connections.firstOpened).toBe(SOCKETS);
    // Reconnects meet the same ERROR: at least one per socket, and no other reason.
    expect(report.disconnects.byError).toEqual({ 'stomp-error: processing-error-queue-gone': expect.any(Number) as number });
    expect(report.disconnects.byError['stomp-error: processing-error-queue-gone']).toBeGreaterThanOrEqual(SOCKETS);
  });

  it('publish via "protocol" with a receipt: a broker that never sends the RECEIPT fails every SEND as timeout', async () => {
    // The scripted server answers CONNECT and SUBSCRIBE but not a SEND's receipt: written is not handled.
    const server = track(await startScriptedStomp());
    const report = await runQuietly(
      scenarioFrom(
        base(
          server.wsUrl,
          { name: 'stomp', destinations: ['/topic/news'] },
          {
            duration: '1500ms',
            publish: { rate: 5, timeout: '1s', via: 'protocol', protocol: { destination: '/topic/news', receipt: true } },
          },
        ),
      ),
    );
    expect(report.connections.firstOpened).toBe(SOCKETS);
    expect(report.publish.sent).toBeGreaterThan(0);
    expect(report.publish.failures).toEqual({ timeout: report.publish.sent });
    expectExactBooks(report);
  });

  it('a server of another protocol (Socket.IO, which speaks first) fails every socket as protocol-mismatch', async () => {
    const server = track(await startSocketIoServer());
    const report = await runQuietly(scenarioFrom(base(server.wsUrl, { name: 'stomp', destinations: ['/topic/news'] }, { duration: '1s' })));
    expect(report.connections.firstOpened).toBe(0);
    expect(Object.keys(report.connections.failures)).toEqual(['protocol-mismatch']);
  });
});
