/**
 * Bad agent and control flags, each one line and exit 2 before anything listens, dials or starts
 * (issue 21): tokens that an HTTP header cannot carry as given, agent names that are not one
 * printable line, a coordinator URL with a fragment, control TLS files that are not PEM, shards
 * with agents; and `--listen [::1]:0`, printed bracketed and reachable by an agent at that URL.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, startWsload, type CliResult } from '../helpers/cli.js';
import { startAgent } from '../helpers/agents.js';
import { makeCertificates, type CertificateSet } from '../helpers/certs.js';
import { scenarioFiles } from '../helpers/scenario-files.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import { readReport } from '../../dist/report/read.js';
import { missing } from '../helpers/real-parts.js';

const scenarios = scenarioFiles('edges-flags', {
  target: 'embedded',
  connections: 20,
  connectRate: 500,
  duration: '2s',
  workers: 1,
  publish: { rate: 5 },
});
const dir = scenarios.dir;
let certs: CertificateSet;
let notPem: string;
// The control TLS cases need certificates made by a real openssl.
const noOpenssl = missing('openssl');

beforeAll(async () => {
  assertBuilt();
  if (!noOpenssl) certs = await makeCertificates(join(dir, 'certs'), { name: 'coordinator.test' });
  notPem = join(dir, 'not.pem');
  writeFileSync(notPem, 'this is not a PEM file\n');
}, 30_000);

/** Exactly one line on stderr, this one, exit 2, nothing on stdout: no stack trace, nothing started. */
function expectOneLine(r: CliResult, line: string): void {
  expect(r.stderr, r.stderr).toBe(`wsload: ${line}\n`);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
}

const run = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
  startWsload(['run', scenarios.write('flags'), '--agents', '1', '--listen', '127.0.0.1:0', ...args], { cwd: dir, env, timeoutMs: 40_000 })
    .exited;

const agent = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
  startWsload(['agent', '--connect-timeout', '1s', ...args], { cwd: dir, env: { WSLOAD_TOKEN: 'agent-token', ...env }, timeoutMs: 40_000 })
    .exited;

const NOT_VISIBLE = 'expected visible ASCII characters only (no spaces, control characters or non-ASCII)';

describe('wsload run --agents: bad control flags', () => {
  it.each([
    [['--token', 'tök'], {}, `--token: character 2 of 3 is not ASCII; ${NOT_VISIBLE}`],
    [['--token', 'a\nb'], {}, `--token: character 2 of 3 is a line break; ${NOT_VISIBLE}`],
    [['--token', ''], {}, '--token: empty; a token is required (agents without it would be sent the targets, TLS files and identities)'],
    [[], { WSLOAD_TOKEN: 'tök' }, `env WSLOAD_TOKEN: character 2 of 3 is not ASCII; ${NOT_VISIBLE}`],
    [
      ['--token', 'ok', '--shards', '2'],
      {},
      "--shards: not with --agents (each agent holds its share of the sockets with the scenario's workers; run more agents instead)",
    ],
    [['--token', 'ok', '--agent-silence', 'soon'], {}, '--agent-silence: expected a duration like "30s" or "2m", got "soon"'],
    [['--token', 'ok', '--agent-silence', '0s'], {}, '--agent-silence: expected a duration like "30s" or "2m", got "0s"'],
  ] as const)('%j %j: one line, exit 2', async (args, env, line) => {
    expectOneLine(await run([...args], env), line);
  });

  it('--token " " is refused at once, not after the whole --agent-wait', async () => {
    const started = Date.now();
    const r = await run(['--token', ' ', '--agent-wait', '60s']);
    expectOneLine(r, '--token: only white space; expected visible ASCII characters');
    // Before the fix it waited the 60 s for agents that could never present it.
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 45_000);

  it('--listen that is not HOST:PORT (an IPv6 host needs brackets): one line', async () => {
    const r = await startWsload(['run', scenarios.write('listen'), '--agents', '1', '--listen', '::1:0', '--token', 'ok'], {
      cwd: dir,
      timeoutMs: 40_000,
    }).exited;
    expectOneLine(r, '--listen: expected HOST:PORT like 0.0.0.0:7070 or [::1]:7070 (port 0: any free port), got "::1:0"');
  });

  it('a scenario with shards and --agents: one line naming the file and key', async () => {
    const file = scenarios.write('sharded', { shards: 2 });
    const r = await startWsload(['run', file, '--agents', '1', '--listen', '127.0.0.1:0', '--token', 'ok'], { cwd: dir, timeoutMs: 40_000 })
      .exited;
    expectOneLine(
      r,
      `${file}: shards: local shards (2) do not mix with --agents (each agent holds its share of the sockets with the scenario's workers); remove "shards" or run without --agents`,
    );
  });

  it.skipIf(noOpenssl)(
    "control TLS files that are not PEM, or a key that is not the certificate's: one line naming the flag",
    async () => {
      expectOneLine(
        await run(['--token', 'ok', '--control-cert', notPem, '--control-key', certs.serverKey]),
        `--control-cert: ${notPem} does not parse as a PEM certificate (no start line)`,
      );
      const badKey = await run(['--token', 'ok', '--control-cert', certs.serverCert, '--control-key', notPem]);
      expect(badKey.stderr).toMatch(
        new RegExp(
          `^wsload: --control-key: ${notPem.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} does not parse as an unencrypted PEM private key \\(.+\\)\\n$`,
        ),
      );
      expect(badKey.code).toBe(2);
      const mismatch = await run(['--token', 'ok', '--control-cert', certs.serverCert, '--control-key', certs.clientKey]);
      expect(mismatch.stderr).toMatch(
        /^wsload: --control-key: .+client\.key is not the private key of --control-cert .+server\.crt \(.+\)\n$/,
      );
      expect(mismatch.code).toBe(2);
      expectOneLine(
        await run(['--token', 'ok', '--control-cert', join(dir, 'missing.pem'), '--control-key', certs.serverKey]),
        `--control-cert: file not found: ${join(dir, 'missing.pem')}; expected a PEM file (paths are relative to the working directory)`,
      );
    },
    60_000,
  );
});

describe('wsload agent: bad flags', () => {
  it.each([
    [['--coordinator', 'ws://127.0.0.1:9', '--token', 'tök'], `--token: character 2 of 3 is not ASCII; ${NOT_VISIBLE}`],
    [['--coordinator', 'ws://127.0.0.1:9', '--token', 'a\nb'], `--token: character 2 of 3 is a line break; ${NOT_VISIBLE}`],
    [['--coordinator', 'ws://127.0.0.1:9', '--token', ' '], '--token: only white space; expected visible ASCII characters'],
    [
      ['--coordinator', 'ws://127.0.0.1:9', '--name', 'a\nb'],
      '--name: "a\\nb" has characters other than letters, digits, ".", "_", ":" and "-"',
    ],
    [
      ['--coordinator', 'ws://127.0.0.1:9', '--name', 'agent-😀'],
      '--name: "agent-😀" has characters other than letters, digits, ".", "_", ":" and "-"',
    ],
    [
      ['--coordinator', 'ws://127.0.0.1:9', '--name', ''],
      '--name: empty; expected a name like "agent-1" (letters, digits, ".", "_", ":" and "-")',
    ],
    [
      ['--coordinator', 'ws://127.0.0.1:9/#frag'],
      '--coordinator: expected ws://HOST:PORT or wss://HOST:PORT, got "ws://127.0.0.1:9/#frag": a #fragment is not part of an address',
    ],
    [
      ['--coordinator', 'http://127.0.0.1:9'],
      '--coordinator: expected ws://HOST:PORT or wss://HOST:PORT, got "http://127.0.0.1:9" (scheme http)',
    ],
  ] as const)('%j: one line, exit 2', async (args, line) => {
    expectOneLine(await agent([...args]), line);
  });

  it('env JOB_COMPLETION_INDEX that is not a name: one line naming it', async () => {
    expectOneLine(
      await agent(['--coordinator', 'ws://127.0.0.1:9'], { JOB_COMPLETION_INDEX: 'a b' }),
      'env JOB_COMPLETION_INDEX: "a b" has characters other than letters, digits, ".", "_", ":" and "-"',
    );
  });

  it('--control-ca that is not PEM: one line', async () => {
    expectOneLine(
      await agent(['--coordinator', 'wss://127.0.0.1:9', '--control-ca', notPem]),
      `--control-ca: no certificate in ${notPem}; expected a PEM bundle of "-----BEGIN CERTIFICATE-----" blocks`,
    );
  });
});

describe('wsload run --listen [::1]:0', () => {
  it('prints ws://[::1]:PORT, and an agent given that URL joins: one exact report', async () => {
    const out = join(dir, 'v6.json');
    const c = startWsload(['run', scenarios.write('v6'), '--agents', '1', '--listen', '[::1]:0', '--token', 'v6-token', '--out', out], {
      cwd: dir,
      timeoutMs: 60_000,
    });
    expect(await c.waitForStderr(/waiting for 1 agent on ws:\/\/\[::1\]:\d+\n/, 20_000), c.stderr()).toBe(true);
    const url = /waiting for 1 agent on (ws:\/\/\[::1\]:\d+)/.exec(c.stderr())![1];
    const a = startAgent(url, 'v6-agent', 'v6-token');
    const r = await c.exited;
    expect(r.code, r.stderr).toBe(0);
    expect((await a.exited).code).toBe(0);
    const report = await readReport(out);
    expect(report.shards!.map((s) => s.name)).toEqual(['v6-agent']);
    expect(report.connections.opened).toBe(20);
    expectDeliveredExactly(report);
  }, 60_000);
});

describe('wsload run --agents interrupted before any agent joined', () => {
  it('says interrupted, never "worker N crashed": no worker started', async () => {
    const out = join(dir, 'unjoined.json');
    const c = startWsload(
      ['run', scenarios.write('unjoined', { workers: 2 }), '--agents', '2', '--listen', '127.0.0.1:0', '--token', 'ok', '--out', out],
      { cwd: dir, timeoutMs: 60_000 },
    );
    // The plan line comes once the target is up; the run then waits for agents that never come.
    expect(await c.waitForStderr(/over 2 agents \(waiting up to 1m for them\)\n/, 30_000), c.stderr()).toBe(true);
    c.kill('SIGINT');
    const r = await c.exited;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).not.toMatch(/crash/i);
    expect(r.stderr).toMatch(/^wsload: interrupted \(SIGINT\)$/m);
    const report = await readReport(out);
    expect(report.interrupted).toBe(true);
    // Each agent runs the scenario's 2 workers: 4 planned, none of them crashed.
    expect(report.client.workers.map((w) => w.crashed)).toEqual([null, null, null, null]);
    expect(report.warnings).toContain('the run was interrupted before the agents joined: no worker started and no socket was opened');
    expect(report.warnings.join('\n')).not.toMatch(/crash/);
    expect(report.connections.opened).toBe(0);
  }, 60_000);
});
