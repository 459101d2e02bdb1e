/**
 * `observe` over HTTPS with an openssl-made CA: an endpoint's own `tls`, or the scenario's when it
 * has none, verifies the scrape. With the CA the series are read; without it every scrape is a
 * counted `tls` failure and the run still keeps exact books. Also the one-line errors at
 * `observe[i].tls.*`.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReport } from '../../dist/report/read.js';
import { renderSummary } from '../../dist/render/summary.js';
import type { Report } from '../../dist/run/report.js';
import { validateScenario } from '../../dist/scenario/validate.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import { makeCertificates, type CertificateSet } from '../helpers/certs.js';
import { missing } from '../helpers/real-parts.js';
import { runQuietly, scenarioFrom, sharedRun } from '../helpers/run-helpers.js';

// The name the server certificate is issued for; the URL dials 127.0.0.1 and `servername` checks this.
const NAME = 'metrics.wsload.test';
const BODY = '# TYPE demo_gauge gauge\ndemo_gauge 42\n# TYPE demo_requests_total counter\ndemo_requests_total 7\n';
// In CI a missing part fails the file naming it; elsewhere the skip is named on stderr.
const skip = missing('openssl');

let certDir: string;
let certs: CertificateSet;
let server: Server;
let url: string;
/** Requests that got through the handshake, and handshakes the server saw fail. */
const seen = { requests: 0, handshakeFailures: 0 };

beforeAll(async () => {
  if (skip) return;
  certDir = await mkdtemp(join(tmpdir(), 'wsload-observe-tls-'));
  certs = await makeCertificates(certDir, { name: NAME });
  const [cert, key] = await Promise.all([readFile(certs.serverCert), readFile(certs.serverKey)]);
  server = createServer({ cert, key }, (_req, res) => {
    seen.requests++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(BODY);
  });
  server.on('tlsClientError', () => seen.handshakeFailures++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

const endpointOf = (r: Report, name: string) => {
  const e = r.observe?.find((o) => o.name === name);
  if (!e) throw new Error(`no observed endpoint "${name}" in the report`);
  return e;
};

/** A short embedded run observing the HTTPS endpoint as `endpoints` say, the report read back as a user's file. */
async function runObserving(written: Record<string, unknown>): Promise<Report> {
  const scenario = scenarioFrom({ connections: 10, duration: '3s', publish: { rate: 10 }, report: { interval: '500ms' }, ...written });
  const report = await runQuietly(scenario);
  return parseReport(JSON.parse(JSON.stringify(report)), 'run.json');
}

describe.skipIf(skip)('observe over HTTPS: the endpoint is verified with its own tls, else the scenario tls', () => {
  // The scenario has no tls: "own" carries the CA, "system" only has the system's CAs.
  const ownRun = sharedRun(() =>
    runObserving({
      observe: [
        { name: 'own', url, series: ['demo_gauge'], tls: { ca: certs.caCert, servername: NAME } },
        { name: 'system', url, series: ['demo_gauge'] },
        { name: 'wrongname', url, series: ['demo_gauge'], tls: { ca: certs.caCert, servername: 'other.wsload.test' } },
      ],
    }),
  );
  // The scenario's tls has the CA: "inherits" uses it; "otherca" has its own tls, which replaces it.
  const inheritRun = sharedRun(() =>
    runObserving({
      tls: { ca: certs.caCert, servername: NAME },
      observe: [
        { name: 'inherits', url, series: ['demo_gauge'] },
        { name: 'otherca', url, series: ['demo_gauge'], tls: { ca: certs.otherCaCert, servername: NAME } },
      ],
    }),
  );

  it('reads the series of an endpoint whose own tls trusts the CA', async () => {
    const report = await ownRun();
    const own = endpointOf(report, 'own');
    expect(own.scrapes, JSON.stringify(own)).toBeGreaterThanOrEqual(3);
    expect(own.failures, JSON.stringify(own)).toEqual({ timeout: 0, status: 0, unparsable: 0, tooLarge: 0, connection: 0, tls: 0 });
    const gauge = own.series.find((s) => s.name === 'demo_gauge');
    expect(gauge?.last, JSON.stringify(own)).toBe(42);
    expect(gauge?.samples).toBe(own.scrapes);
  });

  it('counts every scrape of an endpoint checked against the system CAs as a tls failure, and the run keeps its books', async () => {
    const report = await ownRun();
    const system = endpointOf(report, 'system');
    expect(system.scrapes, JSON.stringify(system)).toBeGreaterThanOrEqual(3);
    expect(system.failures, JSON.stringify(system)).toEqual({
      timeout: 0,
      status: 0,
      unparsable: 0,
      tooLarge: 0,
      connection: 0,
      tls: system.scrapes,
    });
    // The words name the certificate problem, as Node's TLS says it.
    expect(system.firstFailure).toMatch(/certificate/i);
    expect(system.series.find((s) => s.name === 'demo_gauge')?.samples ?? 0).toBe(0);
    expect(seen.handshakeFailures).toBeGreaterThanOrEqual(system.scrapes);
    // A failed scrape costs the run nothing: every publish reached every socket, the verdict passes.
    expectDeliveredExactly(report);
    // A trusted certificate for another name than servername fails the same way.
    const wrongName = endpointOf(report, 'wrongname');
    expect(wrongName.failures.tls, JSON.stringify(wrongName)).toBe(wrongName.scrapes);
    expect(wrongName.firstFailure).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
    expect(renderSummary(report)).toMatch(/system https:\/\/127\.0\.0\.1:\d+\/metrics: \d+ scrapes, \d+ failed \(tls \d+; first: /);
  });

  it("uses the scenario's tls for an endpoint without its own, and an endpoint's own tls replaces it", async () => {
    const report = await inheritRun();
    const inherits = endpointOf(report, 'inherits');
    expect(inherits.scrapes, JSON.stringify(inherits)).toBeGreaterThanOrEqual(3);
    expect(inherits.failures.tls, JSON.stringify(inherits)).toBe(0);
    expect(inherits.series.find((s) => s.name === 'demo_gauge')?.last).toBe(42);
    const other = endpointOf(report, 'otherca');
    expect(other.scrapes, JSON.stringify(other)).toBeGreaterThanOrEqual(3);
    expect(other.failures.tls, JSON.stringify(other)).toBe(other.scrapes);
    expectDeliveredExactly(report);
  });

  it('gives one-line errors at observe[i].tls.* for a lone cert, a missing file and an unknown key', () => {
    const issues = (tls: Record<string, unknown>): string[] => {
      const result = validateScenario({ name: 'test', connections: 1, duration: '1s', observe: [{ name: 'gw', url, tls }] }, { cpus: 2 });
      return 'issues' in result ? result.issues.map((i) => `${i.path}: ${i.message}`) : [];
    };
    expect(issues({ cert: certs.clientCert })).toEqual([
      'observe[0].tls.key: required with observe[0].tls.cert; expected a client certificate and key together',
    ]);
    const absent = join(certDir, 'absent.pem');
    expect(issues({ ca: absent })).toEqual([
      `observe[0].tls.ca: file not found: ${absent}; expected a PEM file (paths are relative to the scenario file)`,
    ]);
    expect(issues({ ca: certs.caKey })[0]).toMatch(/^observe\[0\]\.tls\.ca: no certificate in /);
    expect(issues({ insecure: 'yes' })[0]).toMatch(/^observe\[0\]\.tls\.insecure: /);
    expect(issues({ cafile: certs.caCert })[0]).toMatch(/^observe\[0\]\.tls/);
    expect(issues({ ca: certs.caCert, servername: NAME })).toEqual([]);
  });
});
