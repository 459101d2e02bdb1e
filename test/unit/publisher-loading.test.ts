/**
 * The protocol publish sender (publisher/methods/protocol.js: the MQTT, STOMP, Socket.IO and
 * graphql-ws codecs and mqtt-packet) loads only for a run that publishes through a protocol
 * (src/publisher/methods/table.ts): on the main thread of a plain HTTP run it was 1.6–2.0 MB of
 * RSS the raw client has not (issue 22). Checked in a fresh worker thread by the scripts its
 * isolate compiled and the mqtt-packet modules its loader holds: after importing what `wsload run`
 * loads (dist/cli/main.js and the hold that makes the publisher), after an HTTP publisher is made
 * and ready, and after a protocol (MQTT) publisher is ready; its connection goes to a closed
 * loopback port, so its open fails at once and ready() still resolves. A publisher started before
 * ready() keeps the publish due meanwhile in its queue until the sender has loaded.
 */
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/wait.js';
import { loadedModulesOf, PARSED_SCRIPTS, probeWorker } from '../helpers/module-probe.js';

const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
${loadedModulesOf('mqtt-packet')}
${PARSED_SCRIPTS}
const senders = () => parsedScripts().filter((u) => /\\/dist\\/publisher\\/methods\\/(protocol|protocol\\/.*)\\.js$/.test(u)).length;
const step = (name) => ({ step: name, senders: senders(), mqttModules: loaded() });
(async () => {
  await import(workerData.dist + 'cli/main.js');
  await import(workerData.dist + 'driver/phases/hold.js');
  const steps = [step('cli')];
  const { validateScenario } = await import(workerData.dist + 'scenario/validate.js');
  const { Publisher } = await import(workerData.dist + 'publisher/publisher.js');
  const { createRing } = await import(workerData.dist + 'run/publish-ring.js');
  const closed = 'ws://127.0.0.1:' + workerData.port + '/ws';
  const base = { target: { url: closed }, connections: 1, duration: '1s' };
  const made = (written, template) => {
    const r = validateScenario({ name: 'probe', ...base, ...written }, { cpus: 2 });
    if (r.issues) throw new Error(JSON.stringify(r.issues));
    return new Publisher(r.scenario, template, createRing(1024), 'probe');
  };
  const api = 'http://127.0.0.1:' + workerData.port + '/api';
  const http = made({ publish: { rate: 1, url: api + '?id={id}&value={value}' } }, api);
  await http.ready();
  await http.stop();
  steps.push(step('http'));
  // Started before ready(): the publish due at once waits in the queue for the sender, then goes.
  const early = made({ publish: { rate: 1, url: api + '?id={id}&value={value}' } }, api);
  early.start();
  await early.ready();
  await early.stop();
  const { sent, queued, skipped } = early.stats;
  steps.push({ step: 'early', sent, queued, skipped });
  const viaMqtt = { protocol: { name: 'mqtt', topics: ['news'] }, publish: { rate: 1, via: 'protocol', protocol: { topic: 'news' } } };
  const mqtt = made(viaMqtt, closed);
  await mqtt.ready();
  await mqtt.stop();
  steps.push(step('mqtt'));
  parentPort.postMessage(steps);
})().catch((err) => parentPort.postMessage({ error: String(err && err.stack || err) }));
`;

describe('the protocol publish sender loads on demand', () => {
  it('is not loaded by the CLI, the hold or an HTTP publisher, and is once a protocol publisher is ready; a publish due before the sender loaded waits for it', async () => {
    const [steps] = await probeWorker(PROBE, { port: await freePort() });
    expect(steps).toEqual([
      { step: 'cli', senders: 0, mqttModules: 0 },
      { step: 'http', senders: 0, mqttModules: 0 },
      { step: 'early', sent: 1, queued: 1, skipped: 0 },
      { step: 'mqtt', senders: expect.any(Number), mqttModules: expect.any(Number) },
    ]);
    const mqtt = (steps as { senders: number; mqttModules: number }[])[3];
    // protocol.js and its four codecs.
    expect(mqtt.senders).toBe(5);
    expect(mqtt.mqttModules).toBeGreaterThan(0);
  });
});
