/**
 * STOMP heart-beats against a gateway's idle timeout, through real nginx and HAProxy in front of a
 * real RabbitMQ web-STOMP (one broker for the file): with the gateway's timeout shorter than the
 * heart-beat, the gateway cuts every socket (connection-lost, idle at close ≈ the timeout, no
 * stomp-* reason); with it longer, the heart-beats both ways are traffic and no socket is cut.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BEAT_MS,
  expectCutByGateway,
  GATEWAY_KINDS,
  GATEWAY_SOCKETS,
  gatewayPerTest,
  idleRun,
  LONG_IDLE_MS,
  LONG_RUN,
  SHORT_IDLE_MS,
  SHORT_RUN,
} from '../helpers/protocol-gateway.js';
import { startRabbitMq, type RabbitMq } from '../helpers/rabbitmq.js';
import { missing } from '../helpers/real-parts.js';

const gw = gatewayPerTest();
/** The heart-beat when it is the longer one. */
const HEARTBEAT_MS = 3_000;

const stomp = (ms: number): unknown => ({
  name: 'stomp',
  destinations: ['/topic/news'],
  heartbeat: { send: `${ms}ms`, receive: `${ms}ms` },
});

describe.skipIf(missing('rabbitmq'))('STOMP heart-beat vs gateway idle timeout', () => {
  let broker: RabbitMq;
  beforeAll(async () => {
    broker = await startRabbitMq();
  }, 180_000);
  afterAll(async () => {
    await broker?.stop();
  }, 30_000);

  describe.each(GATEWAY_KINDS)('%s', (kind) => {
    it.skipIf(missing(kind))(
      'gateway idle 1 s < heart-beat 3 s → the gateway cuts every socket at ~1 s idle',
      async () => {
        const report = await idleRun(await gw.behind(kind, broker.wsUrl, SHORT_IDLE_MS), stomp(HEARTBEAT_MS), SHORT_RUN);
        expectCutByGateway(kind, report, HEARTBEAT_MS, 'stomp', await gw.logs());
      },
      60_000,
    );

    it.skipIf(missing(kind))(
      'gateway idle 4 s > heart-beat 1.5 s → the heart-beats are traffic, nobody is cut',
      async () => {
        const report = await idleRun(await gw.behind(kind, broker.wsUrl, LONG_IDLE_MS), stomp(BEAT_MS), LONG_RUN);
        expect(report.connections.firstOpened, await gw.logs()).toBe(GATEWAY_SOCKETS);
        expect(report.disconnects.total, JSON.stringify(report.disconnects.byError)).toBe(0);
        expect(report.connections.openAtEnd).toBe(GATEWAY_SOCKETS);
      },
      60_000,
    );
  });
});
