import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo, LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { makeCertificates, type CertificateSet } from '../helpers/certs.js';
import { startHaproxy, startNginx, type GatewayOptions, type RunningGateway } from '../helpers/gateways.js';
import { missing } from '../helpers/real-parts.js';

// Short enough for a quick suite, long enough that loopback jitter stays far inside ±15 %.
const IDLE_MS = 2_000;
const TOLERANCE = 0.15;
const PING_EVERY_MS = 500;
const SERVER_NAME = 'a.aliyun.com';
const CONNECT_TIMEOUT_MS = 5_000;
// 8 pings fit in 2× the idle timeout; ask for half so a busy shared CPU can't fail the test, while
// still proving traffic crossed the gateway.
const MIN_ROUND_TRIPS = Math.floor((IDLE_MS * 2) / PING_EVERY_MS / 2);

type GatewayKind = 'nginx' | 'haproxy';
const START: Record<GatewayKind, (opts: GatewayOptions) => Promise<RunningGateway>> = { nginx: startNginx, haproxy: startHaproxy };

/** Client-side TLS settings: which CA to trust (none = system store) and which client cert to show. */
interface ClientTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
}

// The certificate's name resolves to loopback for these clients only; nothing else resolves, so a
// typo cannot send traffic off the machine.
const loopbackLookup: LookupFunction = (hostname, options, callback) => {
  if (hostname !== SERVER_NAME && hostname !== '127.0.0.1') {
    callback(Object.assign(new Error(`test lookup only knows ${SERVER_NAME}, not ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
    return;
  }
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

const sockets = new Set<WebSocket>();

function openSocket(url: string, tls?: ClientTls): Promise<WebSocket> {
  const ws = new WebSocket(url, { lookup: loopbackLookup, handshakeTimeout: CONNECT_TIMEOUT_MS, ...tls });
  sockets.add(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

interface Closed {
  code: number;
  /** Milliseconds from 'open' to 'close'. */
  afterMs: number;
}

function closedAfterOpen(ws: WebSocket, openedAt: number, limitMs: number): Promise<Closed | 'still-open'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still-open'), limitMs);
    ws.once('close', (code: number) => {
      clearTimeout(timer);
      resolve({ code, afterMs: performance.now() - openedAt });
    });
  });
}

function firstMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message within 5 s')), CONNECT_TIMEOUT_MS);
    ws.once('message', (data: Buffer) => {
      clearTimeout(timer);
      resolve(data.toString('utf8'));
    });
  });
}

function httpGet(url: string, tls?: ClientTls): Promise<{ status: number; body: string }> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { lookup: loopbackLookup, timeout: CONNECT_TIMEOUT_MS, agent: false, ...tls }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.once('error', reject);
    req.end();
  });
}

afterEach(() => {
  for (const ws of sockets) ws.terminate();
  sockets.clear();
});

let certDir: string;
let certs: CertificateSet;
let target: RunningTarget;

beforeAll(async () => {
  certDir = await mkdtemp(join(tmpdir(), 'wsload-certs-'));
  // Without openssl every gateway block below is skipped (or, in CI, the file failed already).
  if (!missing('openssl')) certs = await makeCertificates(certDir, { name: SERVER_NAME });
  target = await startTarget({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await target?.close();
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

for (const kind of ['nginx', 'haproxy'] as const) {
  // In CI a missing gateway fails the file naming it; elsewhere the skip is named on stderr.
  describe.skipIf(missing(kind, 'openssl'))(kind, () => {
    for (const mode of ['plain', 'tls'] as const) {
      describe(mode === 'tls' ? 'with TLS terminated at the gateway' : 'plain HTTP', () => {
        let gateway: RunningGateway;
        let clientTls: ClientTls | undefined;

        beforeAll(async () => {
          const tls = mode === 'tls' ? { certFile: certs.serverCert, keyFile: certs.serverKey, serverName: SERVER_NAME } : undefined;
          gateway = await START[kind]({ upstream: { host: target.host, port: target.port }, idleTimeoutMs: IDLE_MS, tls });
          clientTls = mode === 'tls' ? { ca: await readFile(certs.caCert), servername: SERVER_NAME } : undefined;
        });

        afterAll(async () => {
          await gateway?.stop();
        });

        it('delivers an /api publish made through the gateway to 3 sockets opened through it', async () => {
          expect(gateway.wsUrl).toBe(`${mode === 'tls' ? 'wss' : 'ws'}://${mode === 'tls' ? SERVER_NAME : '127.0.0.1'}:${gateway.port}/ws`);
          const clients = await Promise.all([1, 2, 3].map(() => openSocket(gateway.wsUrl, clientTls)));
          const received = clients.map(firstMessage);

          const res = await httpGet(`${gateway.httpUrl}/api?id=8&value=300`, clientTls);

          expect(res.status).toBe(200);
          expect(await Promise.all(received)).toEqual(Array(3).fill('{"id":"8","value":"300"}'));
        });

        it(`closes a silent socket after the idle timeout (${IDLE_MS} ms) without a close frame (1006)`, async () => {
          const ws = await openSocket(gateway.wsUrl, clientTls);
          const closed = await closedAfterOpen(ws, performance.now(), IDLE_MS * 3);

          expect(closed).not.toBe('still-open');
          if (closed === 'still-open') return;
          expect(closed.code).toBe(1006);
          expect(closed.afterMs).toBeGreaterThanOrEqual(IDLE_MS * (1 - TOLERANCE));
          expect(closed.afterMs).toBeLessThanOrEqual(IDLE_MS * (1 + TOLERANCE));
        });

        it(`keeps a socket that pings every ${PING_EVERY_MS} ms open for twice the idle timeout`, async () => {
          const ws = await openSocket(gateway.wsUrl, clientTls);
          let pongs = 0;
          ws.on('pong', () => pongs++);
          const pinger = setInterval(() => ws.ping(), PING_EVERY_MS);
          try {
            const closed = await closedAfterOpen(ws, performance.now(), IDLE_MS * 2);
            expect(closed).toBe('still-open');
            expect(ws.readyState).toBe(WebSocket.OPEN);
            // The pongs are the upstream's answers relayed back: proof the pings crossed the gateway.
            expect(pongs).toBeGreaterThanOrEqual(MIN_ROUND_TRIPS);
          } finally {
            clearInterval(pinger);
          }
        });

        if (mode === 'tls') {
          it('rejects a client that does not trust the CA with a certificate error', async () => {
            const err = await openSocket(gateway.wsUrl, { servername: SERVER_NAME }).then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(err).toBeInstanceOf(Error);
            expect((err as NodeJS.ErrnoException).code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
          });

          it('rejects a client that trusts only an unrelated CA', async () => {
            const err = await openSocket(gateway.wsUrl, { ca: await readFile(certs.otherCaCert), servername: SERVER_NAME }).then(
              () => undefined,
              (e: unknown) => e,
            );
            expect((err as NodeJS.ErrnoException | undefined)?.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
          });
        }
      });
    }

    describe('which traffic resets the idle timer', () => {
      let quietUpstream: WebSocketServer;
      let pushTarget: RunningTarget;
      let toQuiet: RunningGateway;
      let toPushTarget: RunningGateway;

      beforeAll(async () => {
        // An upstream that never answers: no pongs, no data, so only client -> upstream bytes flow.
        quietUpstream = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: false });
        await new Promise<void>((resolve) => quietUpstream.once('listening', resolve));
        const quietPort = (quietUpstream.address() as AddressInfo).port;
        // A target of its own, so its broadcasts reach only the socket under test.
        pushTarget = await startTarget({ host: '127.0.0.1', port: 0 });
        [toQuiet, toPushTarget] = await Promise.all([
          START[kind]({ upstream: { host: '127.0.0.1', port: quietPort }, idleTimeoutMs: IDLE_MS }),
          START[kind]({ upstream: { host: pushTarget.host, port: pushTarget.port }, idleTimeoutMs: IDLE_MS }),
        ]);
      });

      afterAll(async () => {
        await Promise.all([toQuiet?.stop(), toPushTarget?.stop()]);
        await pushTarget?.close();
        for (const client of quietUpstream?.clients ?? []) client.terminate();
        await new Promise<void>((resolve) => (quietUpstream ? quietUpstream.close(() => resolve()) : resolve()));
      });

      it('counts bytes in either direction: client-only pings and upstream-only pushes both keep a socket open', async () => {
        const [clientTalks, upstreamTalks] = await Promise.all([openSocket(toQuiet.wsUrl), openSocket(toPushTarget.wsUrl)]);
        let pongs = 0;
        let pushes = 0;
        clientTalks.on('pong', () => pongs++);
        upstreamTalks.on('message', () => pushes++);
        const ticker = setInterval(() => {
          clientTalks.ping();
          void httpGet(`${pushTarget.httpUrl}/api?id=tick&value=1`).catch(() => undefined);
        }, PING_EVERY_MS);
        try {
          const openedAt = performance.now();
          const [a, b] = await Promise.all([
            closedAfterOpen(clientTalks, openedAt, IDLE_MS * 2),
            closedAfterOpen(upstreamTalks, openedAt, IDLE_MS * 2),
          ]);
          expect({ clientOnly: a, upstreamOnly: b }).toEqual({ clientOnly: 'still-open', upstreamOnly: 'still-open' });
          expect(pongs).toBe(0);
          expect(pushes).toBeGreaterThanOrEqual(MIN_ROUND_TRIPS);
        } finally {
          clearInterval(ticker);
        }
      });
    });

    describe('TLS edge cases', () => {
      const started: RunningGateway[] = [];
      afterEach(async () => {
        await Promise.all(started.splice(0).map((g) => g.stop()));
      });

      it('serves an expired certificate that a client trusting the CA rejects as expired', async () => {
        const gateway = await START[kind]({
          upstream: { host: target.host, port: target.port },
          idleTimeoutMs: IDLE_MS,
          tls: { certFile: certs.expiredCert, keyFile: certs.expiredKey, serverName: SERVER_NAME },
        });
        started.push(gateway);
        const err = await openSocket(gateway.wsUrl, { ca: await readFile(certs.caCert), servername: SERVER_NAME }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect((err as NodeJS.ErrnoException | undefined)?.code).toBe('CERT_HAS_EXPIRED');
      });

      it('with a client CA, admits a client with a CA-signed certificate and refuses one without', async () => {
        const gateway = await START[kind]({
          upstream: { host: target.host, port: target.port },
          idleTimeoutMs: IDLE_MS,
          tls: { certFile: certs.serverCert, keyFile: certs.serverKey, clientCaFile: certs.caCert, serverName: SERVER_NAME },
        });
        started.push(gateway);
        const ca = await readFile(certs.caCert);
        const withCert: ClientTls = {
          ca,
          servername: SERVER_NAME,
          cert: await readFile(certs.clientCert),
          key: await readFile(certs.clientKey),
        };

        const ws = await openSocket(gateway.wsUrl, withCert);
        expect(ws.readyState).toBe(WebSocket.OPEN);

        const refused = await openSocket(gateway.wsUrl, { ca, servername: SERVER_NAME }).then(
          () => undefined,
          (e: unknown) => e as NodeJS.ErrnoException,
        );
        // What each gateway does without a client certificate: nginx finishes the handshake and
        // answers 400 ("No required SSL certificate was sent"); HAProxy aborts TLS 1.3 with alert 116.
        if (kind === 'nginx') expect(refused?.message).toBe('Unexpected server response: 400');
        else expect(refused?.code).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
      });
    });
  });
}
