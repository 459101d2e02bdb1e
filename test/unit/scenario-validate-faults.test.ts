/**
 * Values that used to pass validation and then fail at run time (every socket, or a crash):
 * each must now be one issue naming its JSON path.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLocalAddress } from '../../src/net/local-addresses.js';
import { OPEN_FILES_PER_WORKER, RESERVED_OPEN_FILES } from '../../src/run/shard-sizing.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { validation, type ValidateOptions } from '../helpers/validation.js';
import { makeCertificates, type CertificateSet } from '../helpers/certs.js';
import { missing } from '../helpers/real-parts.js';

const base = { name: 't', connections: 10, duration: '30s' };
const url = 'ws://127.0.0.1:8080/ws';
/** Interfaces of a made-up machine, so the localAddresses check does not depend on this one. */
const interfaces = ['127.0.0.1', '::1', '10.1.2.3', 'fe80::1'];

const { ok, issues } = validation({ cpus: 2, interfaces });

let dir: string;
let certs: CertificateSet;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wsload-validate-faults-'));
  if (!missing('openssl')) certs = await makeCertificates(join(dir, 'pki'), { name: 'a.example' });
  mkdirSync(join(dir, 'a-directory'));
  writeFileSync(join(dir, 'garbage.pem'), 'not a certificate\n');
  writeFileSync(join(dir, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
}, 30_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(missing('openssl'))('validateScenario: what the run would choke on', () => {
  // Files are named relative to `dir` (the scenario's directory); the PKI is generated in beforeAll.
  const cases: { name: string; value: () => unknown; path: string; fragment: string; opts?: ValidateOptions }[] = [
    {
      name: 'header name with a space',
      value: () => ({ ...base, target: { url, headers: { 'X Token': 'a' } } }),
      path: 'target.headers["X Token"]',
      fragment: 'expected a header name',
    },
    {
      name: 'header name with a colon',
      value: () => ({ ...base, target: { url, headers: { 'X:Token': 'a' } } }),
      path: 'target.headers["X:Token"]',
      fragment: 'no spaces',
    },
    {
      name: 'empty header name',
      value: () => ({ ...base, target: { url, headers: { '': 'a' } } }),
      path: 'target.headers[""]',
      fragment: 'expected a header name',
    },
    {
      name: 'header value with CR LF',
      value: () => ({ ...base, target: { url, headers: { 'X-Token': 'a\r\nX-Evil: 1' } } }),
      path: 'target.headers["X-Token"]',
      fragment: 'without CR, LF',
    },
    {
      name: 'header value with a NUL',
      value: () => ({ ...base, target: { url, headers: { 'X-Token': 'a\u0000b' } } }),
      path: 'target.headers["X-Token"]',
      fragment: 'without CR, LF',
    },
    {
      name: 'origin with LF',
      value: () => ({ ...base, target: { url, origin: 'https://a\nb' } }),
      path: 'target.origin',
      fragment: 'without CR, LF',
    },
    {
      name: 'subprotocol with a space',
      value: () => ({ ...base, target: { url, subprotocols: ['chat v2'] } }),
      path: 'target.subprotocols[0]',
      fragment: 'subprotocol name',
    },
    {
      name: 'subprotocol with a comma',
      value: () => ({ ...base, target: { url, subprotocols: ['a,b'] } }),
      path: 'target.subprotocols[0]',
      fragment: 'no spaces or commas',
    },
    {
      name: 'empty subprotocol',
      value: () => ({ ...base, target: { url, subprotocols: [''] } }),
      path: 'target.subprotocols[0]',
      fragment: 'subprotocol name',
    },
    {
      name: 'duplicate subprotocol',
      value: () => ({ ...base, target: { url, subprotocols: ['chat', 'json', 'chat'] } }),
      path: 'target.subprotocols[2]',
      fragment: 'each subprotocol once, got "chat" again (also [0])',
    },
    {
      name: 'target URL with a fragment',
      value: () => ({ ...base, target: { url: 'ws://127.0.0.1:8080/ws#top' } }),
      path: 'target.url',
      fragment: 'without a "#fragment"',
    },
    {
      name: 'publish URL with a fragment',
      value: () => ({ ...base, publish: { url: 'http://127.0.0.1/api?v={seq}#x' } }),
      path: 'publish.url',
      fragment: 'without a "#fragment"',
    },
    {
      name: '{id} in the port with a non-numeric id',
      value: () => ({ ...base, publish: { url: 'http://127.0.0.1:{id}/api?v={seq}', ids: [8080, 'room-2'] } }),
      path: 'publish.url',
      fragment: 'with id "room-2" (publish.ids[1]) it becomes "http://127.0.0.1:room-2/api?v=1", not a valid URL',
    },
    {
      name: '{id} in the port above 65535',
      value: () => ({ ...base, publish: { url: 'http://127.0.0.1:{id}/api?v={seq}', ids: [70000] } }),
      path: 'publish.url',
      fragment: 'a port takes a number up to 65535',
    },
    {
      name: '{conn} in the port above 65535',
      value: () => ({ ...base, connections: 100, target: { url: 'ws://127.0.0.1:655{conn}/ws' } }),
      path: 'target.url',
      fragment: 'for socket 99 it becomes "ws://127.0.0.1:65599/ws"',
    },
    {
      name: 'duration of 400 digits (Infinity)',
      value: () => ({ ...base, duration: `1${'0'.repeat(400)}s` }),
      path: 'duration',
      fragment: 'at most "24d"',
    },
    {
      name: 'duration above 24 days',
      value: () => ({ ...base, duration: '25d' }),
      path: 'duration',
      fragment: 'expected a duration at most "24d" (longer waits overflow Node\'s timers), got "25d"',
    },
    {
      name: "handshake timeout above Node's timer limit",
      value: () => ({ ...base, handshakeTimeout: '600h' }),
      path: 'handshakeTimeout',
      fragment: 'greater than 0 and at most "24d"',
    },
    {
      name: 'ping interval of Infinity',
      value: () => ({ ...base, cohorts: [{ name: 'a', count: 10, pingInterval: `9${'9'.repeat(320)}ms` }] }),
      path: 'cohorts[0].pingInterval',
      fragment: 'at most "24d"',
    },
    {
      name: 'publish timeout above 24 days',
      value: () => ({ ...base, publish: { timeout: '30d' } }),
      path: 'publish.timeout',
      fragment: 'at most "24d"',
    },
    {
      name: 'duration as the JSON number 1e400',
      value: () => ({ ...base, duration: Number.POSITIVE_INFINITY }),
      path: 'duration',
      fragment: 'got Infinity',
    },
    {
      name: 'connect rate of Infinity',
      value: () => ({ ...base, connectRate: Number.POSITIVE_INFINITY }),
      path: 'connectRate',
      fragment: 'got Infinity',
    },
    {
      name: 'a ramp-up longer than 24 days',
      value: () => ({ ...base, connections: 1000, connectRate: 0.0001 }),
      path: 'connectRate',
      fragment: '1000 sockets at 0.0001/s take longer than 24d to connect; expected at least 0.00048 sockets per second',
    },
    {
      name: 'publishes more than 24 days apart',
      value: () => ({ ...base, publish: { rate: 1e-9 } }),
      path: 'publish.rate',
      fragment: 'longer than 24d apart; expected at least 4.8e-7 publishes per second',
    },
    {
      name: 'backoff max that jitter stretches past the timer limit',
      value: () => ({ ...base, reconnect: { policy: 'backoff', max: '24d', jitter: 0.5 } }),
      path: 'reconnect.max',
      fragment:
        'with jitter 0.5 a delay of "24d" can reach 36d, longer than a timer can wait (24d20h31m23s); expected at most 16d13h40m55s',
    },
    {
      name: "a cohort's jitter stretching the top-level max",
      value: () => ({
        ...base,
        reconnect: { policy: 'backoff', max: '24d', jitter: 0 },
        cohorts: [{ name: 'a', count: 10, reconnect: { jitter: 1 } }],
      }),
      path: 'cohorts[0].reconnect.max',
      fragment: 'with jitter 1 a delay of "24d" can reach 48d',
    },
    {
      name: 'tls.ca naming a directory',
      value: () => ({ ...base, tls: { ca: 'a-directory' } }),
      path: 'tls.ca',
      fragment: 'is a directory, not a file',
    },
    {
      name: 'tls.ca without a certificate',
      value: () => ({ ...base, tls: { ca: 'garbage.pem' } }),
      path: 'tls.ca',
      fragment: 'no certificate in',
    },
    {
      name: 'tls.ca with a broken certificate',
      value: () => ({ ...base, tls: { ca: 'broken.pem' } }),
      path: 'tls.ca',
      fragment: 'certificate 1 of 1 in',
    },
    {
      name: 'tls.ca naming a private key',
      value: () => ({ ...base, tls: { ca: certs.caKey } }),
      path: 'tls.ca',
      fragment: 'no certificate in',
    },
    {
      name: 'tls.cert that is not a certificate',
      value: () => ({ ...base, tls: { cert: 'garbage.pem', key: certs.clientKey } }),
      path: 'tls.cert',
      fragment: 'does not parse as a PEM certificate (no start line)',
    },
    {
      name: 'tls.key that is not a key',
      value: () => ({ ...base, tls: { cert: certs.clientCert, key: 'garbage.pem' } }),
      path: 'tls.key',
      fragment: 'does not parse as an unencrypted PEM private key',
    },
    {
      name: 'tls.key that is a certificate',
      value: () => ({ ...base, tls: { cert: certs.clientCert, key: certs.caCert } }),
      path: 'tls.key',
      fragment: 'does not parse',
    },
    {
      name: 'tls.key of another certificate',
      value: () => ({ ...base, tls: { cert: certs.clientCert, key: certs.serverKey } }),
      path: 'tls.key',
      fragment: 'is not the private key of tls.cert',
    },
    {
      name: 'tls.cert naming a directory',
      value: () => ({ ...base, tls: { cert: 'a-directory', key: certs.clientKey } }),
      path: 'tls.cert',
      fragment: 'is a directory',
    },
    {
      name: 'local address not on this machine',
      value: () => ({ ...base, localAddresses: ['127.0.0.2', '192.0.2.7'] }),
      path: 'localAddresses[1]',
      fragment: '192.0.2.7 is not an address of this machine (its interfaces have 127.0.0.1, ::1, 10.1.2.3, fe80::1)',
    },
    {
      name: 'IPv6 source address towards an IPv4 target',
      value: () => ({ ...base, target: { url }, localAddresses: ['127.0.0.2', '::1'] }),
      path: 'localAddresses[1]',
      fragment: '::1 is IPv6 but the target address 127.0.0.1 is IPv4; expected IPv4 source addresses',
    },
    {
      name: 'IPv6 source address towards the embedded target',
      value: () => ({ ...base, localAddresses: ['::1'] }),
      path: 'localAddresses[0]',
      fragment: 'is IPv6 but the target address 127.0.0.1 is IPv4',
    },
    {
      name: 'IPv4 source address towards a name resolved to IPv6',
      value: () => ({ ...base, target: { url: 'ws://a.example:8080/ws' }, resolve: { 'a.example': '::1' }, localAddresses: ['127.0.0.1'] }),
      path: 'localAddresses[0]',
      fragment: '127.0.0.1 is IPv4 but the target address ::1 is IPv6',
    },
    {
      name: 'IPv6 local address not on this machine',
      value: () => ({ ...base, localAddresses: ['2001:db8::1'] }),
      path: 'localAddresses[0]',
      fragment: 'not an address of this machine',
    },
  ];

  it.each(cases)('$name → $path', ({ value, path, fragment, opts }) => {
    const found = issues(value(), { baseDir: dir, ...opts });
    expect(
      found.map((i) => i.path),
      `issues were:\n${found.map((i) => `${i.path}: ${i.message}`).join('\n')}`,
    ).toEqual([path]);
    expect(found[0].message).toContain(fragment);
  });

  const fine: { name: string; value: () => unknown }[] = [
    {
      name: 'token header names and printable values',
      value: () => ({
        ...base,
        target: { url, headers: { Authorization: 'Bearer a.b-c', "X-Odd!#$%&'*+.^_`|~": 'v é' }, origin: 'https://a.example' },
      }),
    },
    { name: 'subprotocols that are tokens', value: () => ({ ...base, target: { url, subprotocols: ['v2.chat', 'mqtt'] } }) },
    {
      name: 'numeric ids in the publish URL port',
      value: () => ({ ...base, publish: { url: 'http://127.0.0.1:{id}/api?v={seq}', ids: [8080, '8081'] } }),
    },
    { name: '{conn} in the path', value: () => ({ ...base, connections: 100_000, target: { url: 'ws://127.0.0.1:8080/ws/{conn}' } }) },
    { name: 'a duration of exactly 24 days', value: () => ({ ...base, duration: '24d' }) },
    {
      name: 'a readable CA, client cert and its key',
      value: () => ({ ...base, tls: { ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey } }),
    },
    {
      name: "loopback range, wildcard and the machine's own IPv4 addresses",
      value: () => ({ ...base, localAddresses: ['127.0.0.1', '127.5.6.7', '0.0.0.0', '10.1.2.3'] }),
    },
    {
      name: "::1 and the machine's own IPv6 addresses towards an IPv6 target",
      value: () => ({ ...base, target: { url: 'ws://[::1]:8080/ws' }, localAddresses: ['::1', 'FE80::1', '::'] }),
    },
    {
      name: 'any family towards a host name (resolved at run time)',
      value: () => ({ ...base, target: { url: 'ws://a.example/ws' }, localAddresses: ['::1', '127.0.0.2'] }),
    },
  ];

  it.each(fine)('accepts $name', ({ value }) => {
    expect(ok(value(), { baseDir: dir }).name).toBe('t');
  });

  it('checks localAddresses against os.networkInterfaces() by default, and not at all with interfaces: null', () => {
    expect(validateScenario({ ...base, localAddresses: ['192.0.2.7'] }, { cpus: 2 })).toHaveProperty('issues');
    expect(validateScenario({ ...base, localAddresses: ['192.0.2.7'] }, { cpus: 2, interfaces: null })).toHaveProperty('scenario');
  });

  it('counts 127.0.0.0/8 as local only where the kernel routes it to loopback', () => {
    expect(isLocalAddress('127.9.9.9', [], true)).toBe(true);
    expect(isLocalAddress('127.9.9.9', [], false)).toBe(false);
    expect(isLocalAddress('127.0.0.1', [], false)).toBe(true);
  });
});

// Past one process's limit a run spreads over local shards by itself; one pinned to a single
// process (shards: 1) is refused, and the reserve decides where that starts.
describe('validateScenario: the open-files reserve counts the workers', () => {
  const limits = { openFiles: 20_000, ephemeralPorts: 1_000_000 };

  it.each([1, 2, 16, 64])('with %i workers it keeps 256 + 8 per worker', (workers) => {
    const most = limits.openFiles - RESERVED_OPEN_FILES - workers * OPEN_FILES_PER_WORKER;
    expect(ok({ ...base, connections: most, workers, shards: 1 }, { limits }).connections).toBe(most);
    const [issue, ...rest] = issues({ ...base, connections: most + 1, workers, shards: 1 }, { limits });
    expect(rest).toEqual([]);
    expect(issue.path).toBe('shards');
    expect(issue.message).toContain(
      `1 shard would hold ${most + 1} sockets each but a process may open 20000 files (ulimit -n; ${20_000 - most} kept for wsload itself)`,
    );
  });

  it('uses the default worker count (the CPU count) when workers is absent', () => {
    const most = limits.openFiles - RESERVED_OPEN_FILES - 8 * OPEN_FILES_PER_WORKER;
    expect(issues({ ...base, connections: most + 1, shards: 1 }, { limits, cpus: 8 })[0].message).toContain(
      `${20_000 - most} kept for wsload itself`,
    );
    expect(ok({ ...base, connections: most, shards: 1 }, { limits, cpus: 8 }).workers).toBe(8);
  });
});
