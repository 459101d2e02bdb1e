/**
 * prom-client is loaded only for a run with a metrics endpoint (src/driver/metrics-endpoint.ts):
 * every module the main thread holds while sockets are open is RSS the raw client has not (issue
 * 22). Checked in a fresh worker thread by the CommonJS modules its loader holds: after importing
 * everything `wsload run` loads before a run (dist/cli/main.js), and after an endpoint is bound.
 */
import { describe, expect, it } from 'vitest';
import { loadedModulesOf, probeWorker } from '../helpers/module-probe.js';

const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
${loadedModulesOf('prom-client')}
(async () => {
  await import(workerData.dist + 'cli/main.js');
  const cli = loaded();
  const { MetricsEndpoint } = await import(workerData.dist + 'driver/metrics-endpoint.js');
  const endpoint = await MetricsEndpoint.listen({ host: '127.0.0.1', port: 0 }, 'metrics.listen');
  const served = loaded();
  endpoint.close();
  parentPort.postMessage({ cli, served });
})().catch((err) => parentPort.postMessage({ error: String(err) }));
`;

describe('prom-client loads on demand', () => {
  it('is not loaded by the CLI and the driver, and is once a metrics endpoint listens', async () => {
    const [got] = await probeWorker(PROBE);
    expect(got).toEqual({ cli: 0, served: expect.any(Number) });
    expect((got as { served: number }).served).toBeGreaterThan(0);
  });
});
