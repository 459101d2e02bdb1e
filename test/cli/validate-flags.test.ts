/**
 * Flags and keys that used to pass `wsload validate` and then fail mid-run: each is refused before
 * the run with exit 2 and one line naming the flag (or the JSON path), no stack trace.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, wsload } from '../helpers/cli.js';
import { makeCertificates, type CertificateSet } from '../helpers/certs.js';
import { missing } from '../helpers/real-parts.js';

const dir = mkdtempSync(join(tmpdir(), 'wsload-validate-flags-'));
const scenario = join(dir, 's.json');
let certs: CertificateSet;

beforeAll(async () => {
  assertBuilt();
  writeFileSync(scenario, JSON.stringify({ name: 's', connections: 10, duration: '2s', target: { url: 'ws://127.0.0.1:9/ws' } }));
  mkdirSync(join(dir, 'certs-dir'));
  writeFileSync(join(dir, 'garbage.pem'), 'not a certificate\n');
  if (!missing('openssl')) certs = await makeCertificates(join(dir, 'pki'), { name: 'a.example' });
}, 30_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(missing('openssl'))('override flags the run would choke on', () => {
  const cases: { name: string; args: () => string[]; line: () => string }[] = [
    {
      name: 'header name with a space',
      args: () => ['--header', 'X Token: a'],
      line: () =>
        '--header: expected "Name: value" (a header name without spaces, a colon, a value) like "Authorization: Bearer abc", got "X Token: a"',
    },
    {
      name: 'header value with CR LF',
      args: () => ['--header', 'X-Token: a\r\nX-Evil: 1'],
      line: () =>
        '--header: expected "Name: value" (a header name without spaces, a colon, a value) like "Authorization: Bearer abc", got "X-Token: a\\r\\nX-Evil: 1"',
    },
    {
      name: 'origin with LF',
      args: () => ['--origin', 'https://a\nb'],
      line: () => '--origin: expected an Origin header value like "https://a.aliyun.com", got "https://a\\nb"',
    },
    {
      name: 'subprotocol with a space',
      args: () => ['--subprotocol', 'chat v2'],
      line: () => '--subprotocol: expected a subprotocol name (letters, digits and !#$%&\'*+.^_`|~-), got "chat v2"',
    },
    {
      name: 'URL with a fragment',
      args: () => ['--url', 'ws://127.0.0.1:9/ws#top'],
      line: () => '--url: expected a URL without a "#fragment" (it is never sent to the server), got "ws://127.0.0.1:9/ws#top"',
    },
    {
      name: 'duration of 400 digits',
      args: () => ['--duration', `1${'0'.repeat(400)}s`],
      line: () => `--duration: expected a duration at most "24d" (longer waits overflow Node's timers), got "1${'0'.repeat(55)}…`,
    },
    {
      name: 'duration above 24 days',
      args: () => ['--duration', '30d'],
      line: () => '--duration: expected a duration at most "24d" (longer waits overflow Node\'s timers), got "30d"',
    },
    {
      name: 'CA naming a directory',
      args: () => ['--ca', join(dir, 'certs-dir')],
      line: () =>
        `--ca: ${join(dir, 'certs-dir')} is a directory, not a file; expected a PEM file (paths are relative to the scenario file)`,
    },
    {
      name: 'CA without a certificate',
      args: () => ['--ca', join(dir, 'garbage.pem')],
      line: () => `--ca: no certificate in ${join(dir, 'garbage.pem')}; expected a PEM bundle of "-----BEGIN CERTIFICATE-----" blocks`,
    },
    {
      name: 'client certificate that does not parse',
      args: () => ['--cert', join(dir, 'garbage.pem'), '--key', certs.clientKey],
      line: () => `--cert: ${join(dir, 'garbage.pem')} does not parse as a PEM certificate (no start line)`,
    },
    {
      name: 'key of another certificate',
      args: () => ['--cert', certs.clientCert, '--key', certs.serverKey],
      line: () => `--key: ${certs.serverKey} is not the private key of tls.cert ${certs.clientCert} (key values mismatch)`,
    },
  ];

  it.each(cases)('validate: $name → exit 2, one line', async ({ args, line }) => {
    const r = await wsload(['validate', scenario, ...args()], { cwd: dir, timeoutMs: 20_000 });
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`wsload: ${scenario}: ${line()}\n`);
    expect(r.code).toBe(2);
  });

  it('run refuses the same before starting: no plan line, no report', async () => {
    const out = join(dir, 'never.json');
    const r = await wsload(['run', scenario, '--header', 'X Token: a', '--out', out], { cwd: dir, timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--header: expected "Name: value"');
  });
});

describe('scenario keys the run would choke on, named by JSON path', () => {
  it('refuses a localAddresses entry that is not on this machine, every problem on its own line', async () => {
    const file = join(dir, 'keys.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'keys',
        connections: 10,
        duration: '2s',
        target: { url: 'ws://127.0.0.1:9/ws', headers: { 'Bad Name': 'x' }, subprotocols: ['a b'] },
        localAddresses: ['127.0.0.2', '192.0.2.7'],
        publish: { url: 'http://127.0.0.1:{id}/api?v={seq}', ids: ['room-2'] },
      }),
    );
    const r = await wsload(['run', file, '--out', join(dir, 'never.json')], { cwd: dir, timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.map((l) => l.slice(`wsload: ${file}: `.length).replace(/:.*$/, ''))).toEqual([
      'target.headers["Bad Name"]',
      'target.subprotocols[0]',
      'localAddresses[1]',
      'publish.url',
    ]);
    expect(lines[2]).toContain('192.0.2.7 is not an address of this machine');
    expect(lines[3]).toContain('with id "room-2" (publish.ids[0]) it becomes "http://127.0.0.1:room-2/api?v=1", not a valid URL');
    expect(r.stderr).not.toContain('    at ');
  });
});
