/**
 * A worker loads only the protocol its slice speaks (src/protocols/table.ts): every module a worker
 * thread loads is RSS of its own isolate for the whole run, and MQTT's codec (mqtt-packet and the
 * stream packages it requires) was most of a plain run's worker code. Checked in a real worker
 * thread importing the built worker modules, by the CommonJS modules its loader holds.
 */
import { describe, expect, it } from 'vitest';
import { loadedModulesOf, probeWorker } from '../helpers/module-probe.js';

/** Runs in a fresh worker: imports the socket pool and the table, loads `protocols` one by one, says what was loaded after each step. */
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
${loadedModulesOf('mqtt-packet')}
(async () => {
  await import(workerData.dist + 'worker/socket-pool.js');
  const plain = loaded();
  parentPort.postMessage({ step: 'plain', mqttModules: plain });
  const table = await import(workerData.dist + 'protocols/table.js');
  const steps = [{ step: 'plain', mqttModules: plain, offered: table.offeredSubprotocols(await table.loadProtocol(undefined), []) }];
  for (const name of workerData.protocols) {
    const p = await table.loadProtocol({ name });
    steps.push({ step: name, mqttModules: loaded(), offered: table.offeredSubprotocols(p, []) });
  }
  parentPort.postMessage(steps);
})().catch((err) => parentPort.postMessage({ error: String(err) }));
`;

/** The first message is what the socket pool's imports loaded, before anything of the table is called. */
const probe = (protocols: string[]): Promise<unknown[]> => probeWorker(PROBE, { protocols }, 2);

describe('protocol modules load on demand', () => {
  it('a plain run loads no MQTT codec; a run speaking MQTT loads it, and each protocol offers its own subprotocols', async () => {
    const [first, steps] = (await probe(['socket.io', 'stomp', 'mqtt'])) as [unknown, unknown];
    expect(first).toEqual({ step: 'plain', mqttModules: 0 });
    expect(steps).toEqual([
      { step: 'plain', mqttModules: 0, offered: [] },
      { step: 'socket.io', mqttModules: 0, offered: [] },
      { step: 'stomp', mqttModules: 0, offered: expect.arrayContaining(['v12.stomp']) },
      { step: 'mqtt', mqttModules: expect.any(Number), offered: ['mqtt'] },
    ]);
    const last = (steps as { mqttModules: number }[])[3];
    expect(last.mqttModules).toBeGreaterThan(0);
  });
});
