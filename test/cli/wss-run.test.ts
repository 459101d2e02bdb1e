/**
 * `wsload run` / `wsload validate` over wss:// as a user types them: the built CLI against HAProxy
 * ending TLS for a.aliyun.com in front of the built-in target, the name mapped to 127.0.0.1 by
 * the scenario's `resolve` or by `--resolve`, TLS set by the scenario or by flags.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, wsload, type CliResult } from '../helpers/cli.js';
import type { Report } from '../../src/run/report.js';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { makeCertificates, type CertificateSet } from '../helpers/certs.js';
import { startHaproxy, type RunningGateway } from '../helpers/gateways.js';
import { missing } from '../helpers/real-parts.js';
import { expectDeliveredExactly } from '../helpers/books.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const NAME = 'a.aliyun.com';
const CONNECTIONS = 20;
// In CI a missing part fails the file naming it; elsewhere the skip is named on stderr.
const skip = missing('haproxy', 'openssl');

let dir: string;
let certs: CertificateSet;
let target: RunningTarget;
let gateway: RunningGateway;
let mtlsGateway: RunningGateway;

function run(args: string[]): Promise<CliResult> {
  return wsload(args, { cwd: dir, timeoutMs: 20_000 });
}

/** Writes a scenario for `gateway` into the test directory; `extra` replaces keys. */
function scenario(file: string, g: RunningGateway, extra: Record<string, unknown> = {}): string {
  writeFileSync(
    join(dir, file),
    JSON.stringify({
      name: file.replace(/\.json$/, ''),
      target: { url: g.wsUrl },
      connections: CONNECTIONS,
      connectRate: 1000,
      handshakeTimeout: '5s',
      duration: '1s',
      workers: 1,
      publish: { rate: 10, deadline: '1s' },
      ...extra,
    }),
  );
  return file;
}

function readReport(file: string): Report {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as Report;
}

const STACK = /\n\s+at /;

beforeAll(async () => {
  assertBuilt();
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'wsload-wss-cli-'));
  certs = await makeCertificates(join(dir, 'pki'), { name: NAME });
  // Where the shipped fanout-wss.json expects the CA: certs/ca.pem beside the scenario.
  mkdirSync(join(dir, 'certs'));
  copyFileSync(certs.caCert, join(dir, 'certs', 'ca.pem'));
  target = await startTarget({ host: '127.0.0.1', port: 0 });
  const upstream = { host: target.host, port: target.port };
  [gateway, mtlsGateway] = await Promise.all([
    startHaproxy({ upstream, idleTimeoutMs: 30_000, tls: { certFile: certs.serverCert, keyFile: certs.serverKey, serverName: NAME } }),
    startHaproxy({
      upstream,
      idleTimeoutMs: 30_000,
      tls: { certFile: certs.serverCert, keyFile: certs.serverKey, serverName: NAME, clientCaFile: certs.caCert },
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([gateway?.stop(), mtlsGateway?.stop()]);
  await target?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip)('wsload run over wss:// through a TLS-terminating gateway', () => {
  it('succeeds with resolve and tls.ca in the scenario (path relative to the scenario file): exit 0, every delivery', async () => {
    const file = scenario('wss-ok.json', gateway, { resolve: { [NAME]: '127.0.0.1' }, tls: { ca: 'certs/ca.pem' } });
    const r = await run(['run', file, '--out', 'wss-ok.report.json', '--quiet']);

    expect(r.stderr).toBe('wsload: ok\n');
    expect(r.code).toBe(0);
    const report = readReport('wss-ok.report.json');
    expect(report.scenario.tls.ca).toBe(join(dir, 'certs', 'ca.pem'));
    expect(report.connections.opened).toBe(CONNECTIONS);
    expectDeliveredExactly(report, CONNECTIONS);
    expect(report.handshake.tlsMs.count).toBe(CONNECTIONS);
  });

  it('without the CA: exit 5 (no socket connected), the report is written, one line names "certificate untrusted", no stack trace', async () => {
    const file = scenario('wss-no-ca.json', gateway, { resolve: { [NAME]: '127.0.0.1' } });
    const r = await run(['run', file, '--out', 'wss-no-ca.report.json', '--quiet']);

    expect(r.code).toBe(5);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr.trim().split('\n')).toEqual([
      `wsload: no socket connected to ${gateway.wsUrl} after ${CONNECTIONS} attempts: ${CONNECTIONS} certificate untrusted`,
    ]);
    const report = readReport('wss-no-ca.report.json');
    expect(report.connections.failures).toEqual({ 'cert-untrusted': CONNECTIONS });
  });

  it('takes --resolve and --ca instead (CA path relative to the current directory)', async () => {
    const file = scenario('wss-bare.json', gateway);
    const r = await run([
      'run',
      file,
      '--resolve',
      `${NAME}:127.0.0.1`,
      '--ca',
      'certs/ca.pem',
      '--out',
      'wss-flags.report.json',
      '--quiet',
    ]);

    expect(r.stderr).toBe('wsload: ok\n');
    expect(r.code).toBe(0);
    const report = readReport('wss-flags.report.json');
    expect(report.scenario.resolve).toEqual({ [NAME]: '127.0.0.1' });
    expect(report.scenario.tls.ca).toBe(join(dir, 'certs', 'ca.pem'));
    expectDeliveredExactly(report, CONNECTIONS);
  });

  it('--insecure connects without a CA and the summary says so loudly', async () => {
    const file = scenario('wss-bare2.json', gateway);
    const r = await run(['run', file, '--resolve', `${NAME}:127.0.0.1`, '--insecure', '--out', 'wss-insecure.report.json']);

    expect(r.code).toBe(0);
    expect(r.stdout).toContain('!! TLS VERIFICATION DISABLED');
    const report = readReport('wss-insecure.report.json');
    expect(report.target.tlsInsecure).toBe(true);
    expect(report.scenario.tls.insecure).toBe(true);
    expect(report.connections.opened).toBe(CONNECTIONS);
  });

  it('--servername the certificate does not name: exit 5 (no socket connected) with "host name mismatch"', async () => {
    const file = scenario('wss-sni.json', gateway, { resolve: { [NAME]: '127.0.0.1' }, tls: { ca: 'certs/ca.pem' } });
    const r = await run(['run', file, '--servername', 'b.aliyun.com', '--out', 'wss-sni.report.json', '--quiet']);

    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`after ${CONNECTIONS} attempts: ${CONNECTIONS} host name mismatch`);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('mutual TLS: --cert/--key connect to a gateway that requires a client certificate; without them exit 5 (no socket connected) naming it', async () => {
    const file = scenario('wss-mtls.json', mtlsGateway, { resolve: { [NAME]: '127.0.0.1' }, tls: { ca: 'certs/ca.pem' } });
    const ok = await run(['run', file, '--cert', certs.clientCert, '--key', certs.clientKey, '--out', 'wss-mtls.report.json', '--quiet']);
    expect(ok.stderr).toBe('wsload: ok\n');
    expect(ok.code).toBe(0);

    const refused = await run(['run', file, '--out', 'wss-mtls-none.report.json', '--quiet']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(`after ${CONNECTIONS} attempts: ${CONNECTIONS} client certificate required`);
    expect(readReport('wss-mtls-none.report.json').connections.failures).toEqual({ 'client-cert-required': CONNECTIONS });
  });
});

describe.skipIf(skip)('wsload validate with TLS and upgrade flags', () => {
  it('accepts every flag on a URL target', async () => {
    const file = scenario('wss-validate.json', gateway);
    const r = await run([
      'validate',
      file,
      '--ca',
      'certs/ca.pem',
      '--servername',
      NAME,
      '--cert',
      certs.clientCert,
      '--key',
      certs.clientKey,
      '--resolve',
      `${NAME}:127.0.0.1`,
      '--resolve',
      'b.aliyun.com:::1',
      '--header',
      'Authorization: Bearer abc',
      '--header',
      'X-Tenant:seed',
      '--origin',
      `https://${NAME}`,
      '--subprotocol',
      'v2',
      '--subprotocol',
      'chat',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('exits 2 naming each bad flag, every problem at once', async () => {
    const file = scenario('wss-validate-bad.json', gateway);
    const r = await run([
      'validate',
      file,
      '--resolve',
      `${NAME}=127.0.0.1`,
      '--header',
      'no colon here',
      '--ca',
      'missing.pem',
      '--subprotocol',
      'a b',
    ]);

    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(STACK);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines).toContain(`wsload: ${file}: --resolve: expected "host:address" like "a.aliyun.com:127.0.0.1", got "${NAME}=127.0.0.1"`);
    expect(lines.find((l) => l.includes('--header:'))).toContain('expected "Name: value"');
    expect(lines.find((l) => l.includes('--ca:'))).toContain(`file not found: ${join(dir, 'missing.pem')}`);
    expect(lines.find((l) => l.includes('--subprotocol:'))).toContain('got "a b"');
  });

  it('refuses upgrade options for the embedded target', async () => {
    writeFileSync(join(dir, 'embedded.json'), JSON.stringify({ name: 'embedded', connections: 10, duration: '1s' }));
    const r = await run(['validate', 'embedded.json', '--header', 'X-A: 1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'wsload: embedded.json: --header: the embedded target takes no upgrade options; expected --url or a target URL in the scenario\n',
    );
  });

  it('the shipped scenarios/fanout-wss.json validates once its certs/ca.pem exists', async () => {
    const shipped = join(dir, 'fanout-wss.json');
    copyFileSync(join(root, 'scenarios', 'fanout-wss.json'), shipped);
    const r = await run(['validate', 'fanout-wss.json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^fanout-wss\.json: ok \(/);
  });
});
