/**
 * wss:// through a real TLS-terminating gateway (HAProxy, nginx) in front of the built-in target,
 * as in the seed's second half: the certificate is issued for a.aliyun.com and that name is mapped
 * to 127.0.0.1 with `resolve` (the hosts-file entry), so URLs, Host headers and SNI keep the name.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { renderSummary } from '../../dist/render/summary.js';
import { makeCertificates, type CertificateSet } from '../helpers/certs.js';
import { startHaproxy, startNginx, type GatewayTls, type RunningGateway } from '../helpers/gateways.js';
import { missing } from '../helpers/real-parts.js';
import { runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import { runExitCode, verdictLine } from '../../dist/report/verdict.js';
import type { Report } from '../../dist/run/report.js';

const NAME = 'a.aliyun.com';
const IDLE_MS = 30_000;
const CONNECTIONS = 40;
// In CI a missing part fails the file naming it; elsewhere the skip is named on stderr.
const skip = missing('haproxy', 'nginx', 'openssl');

/** What the user reads when no socket could connect: exit 5, the verdict naming the URL, the attempts and every socket's reason. */
function expectNoSocketVerdict(report: Report): void {
  expect(runExitCode(report)).toBe(5);
  expect(
    verdictLine(report).startsWith(`no socket connected to ${report.target.url} after ${CONNECTIONS} attempts: ${CONNECTIONS} `),
    verdictLine(report),
  ).toBe(true);
}

let certDir: string;
let certs: CertificateSet;
let target: RunningTarget;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  certDir = await mkdtemp(join(tmpdir(), 'wsload-wss-certs-'));
  if (!skip) certs = await makeCertificates(certDir, { name: NAME });
  target = await startTarget({ host: '127.0.0.1', port: 0 });
});

afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.stop()));
});

afterAll(async () => {
  await target?.close();
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

/** A gateway ending TLS with `tls` (default: the valid server certificate) in front of the target. */
async function gateway(kind: 'haproxy' | 'nginx', tls: Partial<GatewayTls> = {}): Promise<RunningGateway> {
  const start = kind === 'haproxy' ? startHaproxy : startNginx;
  const g = await start({
    upstream: { host: target.host, port: target.port },
    idleTimeoutMs: IDLE_MS,
    tls: { certFile: certs.serverCert, keyFile: certs.serverKey, serverName: NAME, ...tls },
  });
  gateways.push(g);
  return g;
}

/** The scenario a user writes for the seed's wss demo, with `tls` as given. */
function wssScenario(
  g: RunningGateway,
  tls: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): ReturnType<typeof scenarioFrom> {
  return scenarioFrom({
    target: { url: g.wsUrl },
    resolve: { [NAME]: '127.0.0.1' },
    tls,
    connections: CONNECTIONS,
    connectRate: 2000,
    handshakeTimeout: '5s',
    duration: '1s',
    workers: 2,
    publish: { rate: 10, ids: [8, 5, 1, 3], deadline: '1s' },
    ...extra,
  });
}

describe.skipIf(skip)('wss:// through a TLS-terminating gateway, name mapped with resolve', () => {
  for (const kind of ['haproxy', 'nginx'] as const) {
    it(`${kind}: fans out to every socket over wss with tls.ca, publishing over https with the same options`, async () => {
      const g = await gateway(kind);
      expect(g.wsUrl).toBe(`wss://${NAME}:${g.port}/ws`);
      const report = await runQuietly(wssScenario(g, { ca: certs.caCert }));

      expect(report.target.url).toBe(g.wsUrl);
      expect(report.target.publishUrl).toBe(`https://${NAME}:${g.port}/api?id={id}&value={value}`);
      expect(report.target.tlsInsecure).toBe(false);
      expect(report.connections.opened).toBe(CONNECTIONS);
      expect(report.connections.failed).toBe(0);
      expect(report.publish.failed).toBe(0);
      expect(report.publish.sent).toBeGreaterThanOrEqual(5);
      expect(report.fanout.published).toBe(report.publish.sent);
      expectDeliveredExactly(report, CONNECTIONS);
      // Every handshake went through TCP, then TLS, then the HTTP upgrade.
      expect(report.handshake.tcpMs.count).toBe(CONNECTIONS);
      expect(report.handshake.tlsMs.count).toBe(CONNECTIONS);
      expect(report.handshake.upgradeMs.count).toBe(CONNECTIONS);
      expect(report.handshake.tlsMs.max).toBeGreaterThan(0);
      expect(report.warnings.filter((w) => /TLS/.test(w))).toEqual([]);
    });
  }

  it('treats URL schemes and host names case-insensitively (WSS://A.ALIYUN.COM, HTTPS:// publish)', async () => {
    const g = await gateway('haproxy');
    const upper = NAME.toUpperCase();
    const report = await runQuietly(
      wssScenario(
        g,
        { ca: certs.caCert },
        {
          target: { url: `WSS://${upper}:${g.port}/ws` },
          publish: { rate: 10, deadline: '1s', url: `HTTPS://${upper}:${g.port}/api?id={id}&value={seq}` },
        },
      ),
    );
    expect(report.connections.opened).toBe(CONNECTIONS);
    expect(report.handshake.tlsMs.count).toBe(CONNECTIONS);
    expect(report.publish.failed).toBe(0);
    expect(report.publish.sent).toBeGreaterThanOrEqual(5);
    expectDeliveredExactly(report, CONNECTIONS);
  });

  it('without the CA, every connection fails as cert-untrusted and nothing is published', async () => {
    const g = await gateway('haproxy');
    const report = await runQuietly(wssScenario(g, {}));

    expect(report.connections.opened).toBe(0);
    expect(report.connections.failed).toBe(CONNECTIONS);
    expect(report.connections.failures).toEqual({ 'cert-untrusted': CONNECTIONS });
    expect(report.handshake.tlsMs.count).toBe(0);
    expect(report.publish.sent).toBe(0);
    expectNoSocketVerdict(report);
  });

  it('trusting only an unrelated CA also fails as cert-untrusted', async () => {
    const g = await gateway('haproxy');
    const report = await runQuietly(wssScenario(g, { ca: certs.otherCaCert }));
    expect(report.connections.failures).toEqual({ 'cert-untrusted': CONNECTIONS });
    expectNoSocketVerdict(report);
  });

  it('with a servername the certificate does not name, fails as cert-hostname-mismatch', async () => {
    const g = await gateway('haproxy');
    const report = await runQuietly(wssScenario(g, { ca: certs.caCert, servername: 'b.aliyun.com' }));
    expect(report.connections.failures).toEqual({ 'cert-hostname-mismatch': CONNECTIONS });
    expectNoSocketVerdict(report);
  });

  it('with a URL host the certificate does not name (mapped like the right one), fails as cert-hostname-mismatch', async () => {
    const g = await gateway('haproxy');
    const other = 'b.aliyun.com';
    const report = await runQuietly(
      wssScenario(
        g,
        { ca: certs.caCert },
        { target: { url: `wss://${other}:${g.port}/ws` }, resolve: { [other]: '127.0.0.1' }, publish: null },
      ),
    );
    expect(report.connections.failures).toEqual({ 'cert-hostname-mismatch': CONNECTIONS });
    expectNoSocketVerdict(report);
  });

  it('an expired server certificate fails as cert-expired', async () => {
    const g = await gateway('haproxy', { certFile: certs.expiredCert, keyFile: certs.expiredKey });
    const report = await runQuietly(wssScenario(g, { ca: certs.caCert }));
    expect(report.connections.failures).toEqual({ 'cert-expired': CONNECTIONS });
    expectNoSocketVerdict(report);
  });

  it('insecure: true connects without the CA (like curl -k) and is flagged in the report and the summary', async () => {
    const g = await gateway('haproxy');
    const report = await runQuietly(wssScenario(g, { insecure: true }));

    expect(report.connections.opened).toBe(CONNECTIONS);
    expectDeliveredExactly(report, CONNECTIONS);
    expect(report.target.tlsInsecure).toBe(true);
    expect(report.warnings.some((w) => /TLS certificate verification was OFF/.test(w))).toBe(true);
    const summary = renderSummary(report);
    expect(summary).toContain('!! TLS VERIFICATION DISABLED');
  });

  for (const kind of ['haproxy', 'nginx'] as const) {
    it(`${kind} requiring a client certificate: tls.cert/key connect, without them every socket fails (classified)`, async () => {
      const g = await gateway(kind, { clientCaFile: certs.caCert });
      const withCert = await runQuietly(wssScenario(g, { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey }));
      expect(withCert.connections.opened).toBe(CONNECTIONS);
      expectDeliveredExactly(withCert, CONNECTIONS);

      const without = await runQuietly(wssScenario(g, { ca: certs.caCert }, { publish: null }));
      expect(without.connections.opened).toBe(0);
      // nginx finishes the TLS handshake and answers 400; HAProxy aborts TLS with "certificate required".
      expect(without.connections.failures).toEqual(
        kind === 'nginx' ? { 'http-400': CONNECTIONS } : { 'client-cert-required': CONNECTIONS },
      );
      expectNoSocketVerdict(without);
    });
  }
});

/** What an upstream saw of one upgrade request, after the gateway. */
interface SeenUpgrade {
  url: string;
  headers: IncomingHttpHeaders;
  /** The subprotocol the server picked (false: none). */
  picked: string | false;
}

describe.skipIf(skip)('upgrade request options through the gateway', () => {
  let upstream: WebSocketServer | null = null;
  afterEach(async () => {
    for (const c of upstream?.clients ?? []) c.terminate();
    await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
    upstream = null;
  });

  it('custom headers, Origin and subprotocols reach the upstream, and {conn} gives each socket its own query', async () => {
    const seen: SeenUpgrade[] = [];
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      handleProtocols: (protocols) => (protocols.has('wsload.v2') ? 'wsload.v2' : false),
    });
    upstream = server;
    await new Promise<void>((resolve) => server.once('listening', resolve));
    server.on('connection', (ws, req) => seen.push({ url: req.url ?? '', headers: req.headers, picked: ws.protocol || false }));
    const g = await startHaproxy({
      upstream: { host: '127.0.0.1', port: (server.address() as AddressInfo).port },
      idleTimeoutMs: IDLE_MS,
      tls: { certFile: certs.serverCert, keyFile: certs.serverKey, serverName: NAME },
    });
    gateways.push(g);

    const n = 20;
    const report = await runQuietly(
      scenarioFrom({
        target: {
          url: `wss://${NAME}:${g.port}/ws?user={conn}&room=seed`,
          headers: { Authorization: 'Bearer t0k3n', 'X-Tenant': 'seed-demo' },
          origin: `https://${NAME}`,
          subprotocols: ['wsload.v2', 'chat'],
        },
        resolve: { [NAME]: '127.0.0.1' },
        tls: { ca: certs.caCert },
        connections: n,
        connectRate: 2000,
        duration: '300ms',
        workers: 2,
      }),
    );

    expect(report.connections.opened).toBe(n);
    expect(report.connections.failed).toBe(0);
    expect(seen).toHaveLength(n);
    expect(seen.map((s) => s.url).sort()).toEqual(Array.from({ length: n }, (_, i) => `/ws?user=${i}&room=seed`).sort());
    for (const s of seen) {
      expect(s.headers.host).toBe(`${NAME}:${g.port}`);
      expect(s.headers.authorization).toBe('Bearer t0k3n');
      expect(s.headers['x-tenant']).toBe('seed-demo');
      expect(s.headers.origin).toBe(`https://${NAME}`);
      expect(s.headers['sec-websocket-protocol']?.split(/,\s*/)).toEqual(['wsload.v2', 'chat']);
      expect(s.picked).toBe('wsload.v2');
    }
  });
});
