/**
 * prom-client is loaded only for a run with a metrics endpoint (src/driver/metrics-endpoint.ts):
 * every module the main thread holds while sockets are open is RSS the raw client has not (issue
 * 22). Checked in a fresh worker thread by the CommonJS modules its loader holds: after importing
 * everything `wsload run` loads before a run (dist/cli/main.js), and after an endpoint is bound.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

const DIST = new URL('../../dist/', import.meta.url).href;

const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const loaded = () => Object.keys(createRequire(workerData.dist).cache).filter((p) => /[\\\\/]node_modules[\\\\/]prom-client[\\\\/]/.test(p)).length;
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
    const got = await new Promise((resolve, reject) => {
      const w = new Worker(PROBE, { eval: true, workerData: { dist: DIST } });
      w.once('message', (m) => {
        resolve(m);
        void w.terminate();
      });
      w.once('error', reject);
    });
    expect(got).toEqual({ cli: 0, served: expect.any(Number) });
    expect((got as { served: number }).served).toBeGreaterThan(0);
  });
});
