/**
 * A protocol heartbeat timeout is the server's fault only when the server said nothing: after
 * wsload's own worker stalled, the reply that arrived during the stall is read before the timeout is
 * called (src/protocols/heartbeat.ts). Known fault (test/helpers/inject/faults.mjs `probeStall`):
 * right after a sweep sends graphql-ws pings, the worker's loop is held busy 1.5 s (outside the
 * timers phase, as a long GC or an I/O burst would be), longer than the 1 s the server has to answer;
 * the server (on the test's thread, not stalled) answers at once. When the loop comes out of the
 * stall its overdue sweep runs before it reads the sockets. graphql-ws because its server has no
 * keepalive of its own: an MQTT broker drops a client silent for 1.5 × keepalive, which the stall
 * would have to stay under. The silence watch likewise (`sweepStall`): a STOMP server's heart-beats
 * every 200 ms (silence limit 400 ms) through a 1 s stall.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { INJECT_ENV } from '../helpers/inject.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { startPingingServer } from '../helpers/graphql-server.js';
import { startScriptedStomp } from '../helpers/stomp-scripted.js';
import type { Report } from '../../dist/run/report.js';

const track = closeAfterEach();
const SOCKETS = 20;
/** The client's ping after 1 s of silence; no pong within 1 s more times out. */
const PING = '1s';
/** Half as long again as the server has to answer. */
const STALL_MS = 1_500;

afterEach(() => {
  delete process.env[INJECT_ENV];
});

/** No publishes; the worker stalls after its first two sweeps that send pings. */
function stalledRun(wsUrl: string): Promise<Report> {
  process.env[INJECT_ENV] = JSON.stringify({ probeStall: `${STALL_MS}x2` });
  return runQuietly(
    scenarioFrom({
      target: { url: wsUrl },
      protocol: { name: 'graphql-ws', query: 'subscription { news { id value } }', ping: PING },
      connections: SOCKETS,
      connectRate: 500,
      duration: '5s',
      workers: 1,
      publish: null,
    }),
  );
}

/** The stall happened (a pass is not a run that never stalled). */
function expectStalled(report: Report): void {
  const lag = report.client.workers[0].eventLoopLagMs;
  expect(lag.max, JSON.stringify(lag)).toBeGreaterThanOrEqual(STALL_MS - 100);
}

describe('graphql-ws client pings after a stall of the worker', () => {
  it('the server answered every ping in time: no socket is closed as graphql-ws-pong-timeout', async () => {
    const server = track(await startPingingServer({ pingEveryMs: 0, answerPings: true }));
    const report = await stalledRun(server.wsUrl);
    expectStalled(report);
    expect(report.connections.firstOpened).toBe(SOCKETS);
    const disconnects = JSON.stringify(report.disconnects);
    expect(report.disconnects.byError, disconnects).toEqual({});
    expect(report.disconnects.total, disconnects).toBe(0);
    expect(report.connections.openAtEnd).toBe(SOCKETS);
  });

  it('a server that stops answering pings is still called graphql-ws-pong-timeout on every socket, stall or not', async () => {
    const server = track(await startPingingServer({ pingEveryMs: 0, answerPings: false }));
    const report = await stalledRun(server.wsUrl);
    expectStalled(report);
    expect(report.connections.firstOpened).toBe(SOCKETS);
    expect(report.disconnects.byError).toEqual({ 'graphql-ws-pong-timeout': SOCKETS });
    expect(report.disconnects.byCause).toEqual({ 'client-close': SOCKETS });
  });
});

/** The server promises and (with `beatEveryMs`) sends heart-beats every 200 ms: silence for 400 ms times out; the worker stalls 1 s, twice. */
function stalledStompRun(wsUrl: string): Promise<Report> {
  process.env[INJECT_ENV] = JSON.stringify({ sweepStall: `${STOMP_STALL_MS}x2` });
  return runQuietly(
    scenarioFrom({
      target: { url: wsUrl },
      protocol: { name: 'stomp', destinations: ['/topic/news'], heartbeat: { send: '0s', receive: '200ms' } },
      connections: SOCKETS,
      connectRate: 500,
      duration: '3s',
      workers: 1,
      publish: null,
    }),
  );
}
const STOMP_STALL_MS = 1_000;

describe('STOMP heart-beat silence watch after a stall of the worker', () => {
  it('the server kept beating through the stall: no socket is closed as stomp-heartbeat-timeout', async () => {
    const server = track(await startScriptedStomp({ heartBeat: '200,0', beatEveryMs: 200 }));
    const report = await stalledStompRun(server.wsUrl);
    const lag = report.client.workers[0].eventLoopLagMs;
    expect(lag.max, JSON.stringify(lag)).toBeGreaterThanOrEqual(STOMP_STALL_MS - 100);
    expect(report.connections.firstOpened).toBe(SOCKETS);
    const disconnects = JSON.stringify(report.disconnects);
    expect(report.disconnects.byError, disconnects).toEqual({});
    expect(report.disconnects.total, disconnects).toBe(0);
    expect(report.connections.openAtEnd).toBe(SOCKETS);
  });

  it('a server whose heart-beats stop during the stall is still called stomp-heartbeat-timeout on every socket', async () => {
    // Beats until 1.5 s after CONNECTED: the stall starts about 1 s after and lasts 1 s.
    const server = track(await startScriptedStomp({ heartBeat: '200,0', beatEveryMs: 200, beatForMs: 1_500 }));
    const report = await stalledStompRun(server.wsUrl);
    const lag = report.client.workers[0].eventLoopLagMs;
    expect(lag.max, JSON.stringify(lag)).toBeGreaterThanOrEqual(STOMP_STALL_MS - 100);
    expect(report.connections.firstOpened).toBe(SOCKETS);
    // Each socket is called at least once (a reconnect may be called again); nothing else ends them.
    expect(Object.keys(report.disconnects.byError)).toEqual(['stomp-heartbeat-timeout']);
    expect(report.disconnects.byError['stomp-heartbeat-timeout']).toBeGreaterThanOrEqual(SOCKETS);
    expect(Object.keys(report.disconnects.byCause)).toEqual(['client-close']);
  });
});
