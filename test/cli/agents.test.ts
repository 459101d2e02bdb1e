/**
 * `wsload run --agents N` with `wsload agent`s as local processes against the built-in target: the
 * happy path into one exact report, a wrong token, an agent killed mid-run, an agent that never
 * comes, TLS on the control channel with the clock estimator forced on, and publish records that
 * reach the agent after the pushes they describe.
 */
import { copyFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, startWsload } from '../helpers/cli.js';
import {
  AGENTS_SCENARIO,
  readReportJson as read,
  startAgent,
  startCoordinator,
  startTwoAgentRun,
  whyRun as why,
} from '../helpers/agents.js';
import { scenarioFiles } from '../helpers/scenario-files.js';
import { makeCertificates, type CertificateSet } from '../helpers/certs.js';
import type { Report } from '../../src/run/report.js';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { startHaproxy, type RunningGateway } from '../helpers/gateways.js';
import { missing } from '../helpers/real-parts.js';
import { expectDeliveredExactly, expectExactBooks } from '../helpers/books.js';
import { startPublishTarget, type TestTarget } from '../helpers/servers.js';
import { injectEnv } from '../helpers/inject.js';

const TOKEN = 'test-token-7f3a';
const files = scenarioFiles('agents', { ...AGENTS_SCENARIO, duration: '2s' });
const dir = files.dir;
const scenario = files.write;

beforeAll(() => {
  assertBuilt();
});
const targets: TestTarget[] = [];
afterAll(async () => {
  for (const t of targets.splice(0)) await t.close();
});

/**
 * A target for the agents' sockets whose first publish marks the start of the hold (off a
 * terminal, progress lines come only every 10 s: on a loaded machine the hold may end between two).
 */
async function holdTarget(): Promise<TestTarget> {
  const t = await startPublishTarget();
  targets.push(t);
  return t;
}

/** Resolves once the hold has begun (the target got its first publish). */
async function holdStarted(target: TestTarget): Promise<void> {
  const end = Date.now() + 40_000;
  while (target.publishes() === 0) {
    if (Date.now() > end) throw new Error('the hold did not start within 40 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every publish reached every socket once, on the agents' sockets, judged on one clock. */
function expectAllDelivered(report: Report, connections: number): void {
  expect(report.connections.opened).toBe(connections);
  expectDeliveredExactly(report, connections);
  expect(report.fanout.published).toBe(report.publish.sent);
  expect(report.fanout.unmatched).toBe(0);
  expect(report.shards!.reduce((a, s) => a + s.sockets, 0)).toBe(connections);
  expect(report.shards!.reduce((a, s) => a + s.opened, 0)).toBe(report.connections.opened);
}

describe('wsload run --agents', () => {
  it('coordinates 2 agents into one exact report; the agents exit 0', async () => {
    const out = join(dir, 'happy-report.json');
    const { coordinator, agents } = await startTwoAgentRun(scenario('happy'), out, TOKEN, ['a', 'b'], { cwd: dir });
    const r = await coordinator.exited;
    expect(r.code, why(r, out)).toBe(0);
    for (const a of agents) expect((await a.exited).code).toBe(0);
    const report = read(out);
    expect(report.shards!.map((s) => s.name).sort()).toEqual(['a', 'b']);
    for (const s of report.shards!) {
      expect(s.sockets).toBe(50);
      expect(s.lost).toBe(false);
      // Same host and boot: the same CLOCK_MONOTONIC, exactly.
      expect(s.clockOffsetMs).toBe(0);
      expect(s.clockUncertaintyMs).toBe(0);
    }
    expectAllDelivered(report, 100);
  }, 60_000);

  it('requires a token with --agents: one line naming the flag, exit 2, before anything starts', async () => {
    const r = await startWsload(['run', scenario('no-token'), '--agents', '2', '--listen', '127.0.0.1:0'], {
      cwd: dir,
      timeoutMs: 20_000,
      env: { WSLOAD_TOKEN: '' },
    }).exited;
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('wsload: --token: required with --agents (--token or env WSLOAD_TOKEN)\n');
    const agent = await startWsload(['agent', '--coordinator', 'ws://127.0.0.1:9'], {
      cwd: dir,
      timeoutMs: 20_000,
      env: { WSLOAD_TOKEN: '' },
    }).exited;
    expect(agent.code).toBe(2);
    expect(agent.stderr).toBe('wsload: --token: a token is required (--token or env WSLOAD_TOKEN)\n');
  }, 30_000);

  it('refuses an agent with a wrong token: one line, exit 2', async () => {
    const c = await startCoordinator(scenario('token'), 1, ['--token', TOKEN, '--agent-wait', '3s'], { cwd: dir });
    const bad = await startAgent(`ws://127.0.0.1:${c.port}`, 'intruder', 'not-the-token').exited;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`wsload: agent intruder: refused by the coordinator at ws://127.0.0.1:${c.port}: wrong or missing token\n`);
    const r = await c.cli.exited;
    expect(r.code).toBe(2);
    // Two CLI start-ups in turn: over 30 s on a machine loaded 25 deep; the bound is for a hang.
  }, 60_000);

  it('fails within --agent-wait naming who is missing when an agent never comes', async () => {
    const c = await startCoordinator(
      scenario('missing'),
      2,
      // Long enough for one agent to start and join on a loaded machine (a cold `wsload agent` takes seconds there).
      ['--token', TOKEN, '--agent-wait', '10s', '--out', join(dir, 'missing-report.json')],
      { cwd: dir },
    );
    const startedAt = Date.now();
    const one = startAgent(`ws://127.0.0.1:${c.port}`, 'only-one', TOKEN);
    const r = await c.cli.exited;
    expect(r.code).toBe(2);
    expect(r.at - startedAt).toBeLessThan(25_000);
    expect(r.stderr).toContain('wsload: --agent-wait 10s: 1 of 2 agents did not join (joined: only-one (');
    expect(r.stderr).not.toContain('    at ');
    await one.exited;
  }, 60_000);

  it('honours SIGINT while waiting for agents: the interrupted report is written, exit 130', async () => {
    const out = join(dir, 'wait-interrupted-report.json');
    const c = await startCoordinator(scenario('wait-interrupted'), 2, ['--token', TOKEN, '--out', out], { cwd: dir });
    const sentAt = Date.now();
    c.cli.kill('SIGINT');
    const r = await c.cli.exited;
    expect(r.code).toBe(130);
    expect(r.at - sentAt).toBeLessThan(10_000);
    expect(read(out).interrupted).toBe(true);
  }, 30_000);

  it('reports an agent killed mid-run as lost, keeps its last snapshot and exits 1 within bounds', async () => {
    const out = join(dir, 'killed-report.json');
    const target = await holdTarget();
    const run = await startTwoAgentRun(
      scenario('killed', { duration: '6s', target: { url: target.wsUrl } }),
      out,
      TOKEN,
      ['keep', 'doomed'],
      { cwd: dir },
    );
    const [keep, doomed] = run.agents;
    await holdStarted(target);
    await new Promise((r) => setTimeout(r, 2_000));
    const killedAt = Date.now();
    process.kill(doomed.pid, 'SIGKILL');
    const r = await run.coordinator.exited;
    expect(r.code, why(r, out)).toBe(1);
    // The hold had ~4 s left; the drain is bounded: no wait on the dead agent.
    expect(r.at - killedAt).toBeLessThan(20_000);
    expect(r.stderr).toMatch(/shard doomed \(.*\) lost mid-run/);
    const report = read(out);
    const lost = report.shards!.find((s) => s.name === 'doomed')!;
    const kept = report.shards!.find((s) => s.name === 'keep')!;
    expect(lost.lost).toBe(true);
    expect(kept.lost).toBe(false);
    // Its last snapshot is kept: its sockets had opened and are counted.
    expect(lost.opened).toBe(50);
    expect(report.connections.opened).toBe(100);
    expect(report.warnings.join('\n')).toContain('agent doomed was lost during the run');
    // The books: what it received before its last snapshot is delivered (~2 s of the hold at 5/s to
    // 50 sockets, none judged yet: the deadline is 10 s), and expected with what it still owed then
    // (lost, unconfirmed). Before, its receipts were delivered and never expected.
    expectExactBooks(report);
    expect(lost.fanout!.delivered, why(r, out)).toBeGreaterThanOrEqual(250);
    expect(report.fanout.unconfirmed).toBe(lost.fanout!.unconfirmed);
    expect(report.fanout.lost).toBe(lost.fanout!.lost);
    expect(kept.fanout).toMatchObject({ lost: 0, unconfirmed: 0 });
    expect(kept.fanout!.delivered).toBe(kept.fanout!.expected);
    expect(report.fanout.expected).toBe(kept.fanout!.expected + lost.fanout!.expected);
    const n = lost.fanout!.unconfirmed;
    const owed =
      n === 0
        ? ''
        : `, and the ${n} ${n === 1 ? 'delivery' : 'deliveries'} it owed after it ${n === 1 ? 'is' : 'are'} booked lost, unconfirmed`;
    expect(r.stderr).toContain(
      `shard doomed (${lost.host}) lost mid-run (its control connection closed): its last snapshot is kept${owed}`,
    );
    // Only the live agent's sockets were open when the hold ended.
    expect(report.connections.openAtEnd).toBe(50);
    expect((await keep.exited).code).toBe(0);
  }, 60_000);
});

describe('an agent that goes silent', () => {
  it('is lost once silent past the bound (SIGSTOP), the run ends within bounds with exit 1', async () => {
    const out = join(dir, 'silent-report.json');
    const target = await holdTarget();
    const run = await startTwoAgentRun(
      scenario('silent', { duration: '6s', target: { url: target.wsUrl } }),
      out,
      TOKEN,
      ['keep', 'frozen'],
      { cwd: dir, flags: ['--agent-silence', '2s'] },
    );
    const [keep, frozen] = run.agents;
    await holdStarted(target);
    // Stopped 2 s into the hold: what it received meanwhile is not judged yet (10 s deadline).
    await new Promise((r) => setTimeout(r, 2_000));
    frozen.kill('SIGSTOP');
    try {
      const r = await run.coordinator.exited;
      expect(r.code, why(r, out)).toBe(1);
      const report = read(out);
      const lost = report.shards!.find((s) => s.name === 'frozen')!;
      expect(lost.lost).toBe(true);
      expect(lost.lostReason).toMatch(/^silent for \d/);
      expect(lost.opened).toBe(50);
      // Silent ~2 s while publishing at 5/s: what it owed since its last snapshot is lost, unconfirmed.
      expectExactBooks(report);
      expect(lost.fanout!.unconfirmed, why(r, out)).toBeGreaterThanOrEqual(250);
      expect(report.fanout.unconfirmed).toBe(lost.fanout!.unconfirmed);
      expect(r.stderr).toMatch(
        /wsload: FAILED: \d+ of \d+ deliveries lost \(\d+ of them unconfirmed.*shard frozen \(.*\) lost mid-run \(silent for/,
      );
    } finally {
      frozen.kill('SIGKILL');
    }
    expect((await keep.exited).code).toBe(0);
  }, 60_000);
});

describe('an agent stopped by SIGTERM', () => {
  it('closes its sockets, sends what it measured and exits 0; the run reports the shard as gone early (exit 1)', async () => {
    const out = join(dir, 'sigterm-report.json');
    const target = await holdTarget();
    const run = await startTwoAgentRun(
      scenario('sigterm', { duration: '5s', target: { url: target.wsUrl } }),
      out,
      TOKEN,
      ['keep', 'stopped'],
      { cwd: dir },
    );
    const [keep, stopped] = run.agents;
    await holdStarted(target);
    await new Promise((r) => setTimeout(r, 1_000));
    stopped.kill('SIGTERM');
    const s = await stopped.exited;
    expect(s.code).toBe(0);
    expect(s.stderr).toContain('wsload: agent stopped: SIGTERM received, closing its sockets and sending what it measured');
    const r = await run.coordinator.exited;
    expect(r.code, why(r, out)).toBe(1);
    const report = read(out);
    const gone = report.shards!.find((x) => x.name === 'stopped')!;
    expect(gone.lost).toBe(true);
    expect(gone.lostReason).toBe('it stopped before the run ended');
    // Its final snapshot arrived: its sockets opened and were closed by the client, not dropped.
    expect(gone.opened).toBe(50);
    expect(report.client.workers.every((w) => w.crashed === null)).toBe(true);
    // It judged what it could before leaving: nothing is unconfirmed, and the books add up.
    expectExactBooks(report);
    expect(gone.fanout!.unconfirmed).toBe(0);
    expect(report.fanout.unconfirmed).toBe(0);
    expect(r.stderr).toContain('shard stopped (');
    expect(r.stderr).toContain('lost mid-run (it stopped before the run ended)');
    expect((await keep.exited).code).toBe(0);
  }, 60_000);
});

describe.skipIf(missing('openssl'))('control channel over TLS, clock estimated over it', () => {
  let certs: CertificateSet;
  beforeAll(async () => {
    certs = await makeCertificates(join(dir, 'certs'), { name: 'localhost' });
  });

  it('runs over wss:// with the estimator path forced, the estimate within its stated uncertainty of the true offset (0)', async () => {
    const out = join(dir, 'tls-report.json');
    const c = await startCoordinator(
      scenario('tls'),
      2,
      ['--token', TOKEN, '--control-cert', certs.serverCert, '--control-key', certs.serverKey, '--out', out],
      {
        cwd: dir,
        env: injectEnv({ coordinatorOtherClock: true }),
      },
    );
    const url = `wss://localhost:${c.port}`;
    const untrusting = await startAgent(url, 'untrusting', TOKEN).exited;
    expect(untrusting.code).toBe(2);
    expect(untrusting.stderr).toMatch(/^wsload: agent untrusting: refused by the coordinator at wss:\/\/localhost:\d+: TLS: .*\n$/);
    const agents = [
      startAgent(url, 'x', TOKEN, ['--control-ca', certs.caCert]),
      startAgent(url, 'y', TOKEN, ['--control-ca', certs.caCert]),
    ];
    const r = await c.cli.exited;
    expect(r.code, why(r, out)).toBe(0);
    for (const a of agents) expect((await a.exited).code).toBe(0);
    const report = read(out);
    for (const s of report.shards!) {
      expect(s.clockUncertaintyMs).toBeGreaterThan(0);
      expect(s.clockUncertaintyMs).toBeLessThan(50);
      // Same machine, so the true offset is 0: the estimate must be within its uncertainty of it.
      expect(Math.abs(s.clockOffsetMs)).toBeLessThanOrEqual(s.clockUncertaintyMs + 0.001);
    }
    expect(r.stdout).toMatch(/fan-out latency ±[\d.]+ [µm]?s \(clock offset uncertainty of [xy]\)/);
    expectAllDelivered(report, 100);
  }, 60_000);
});

describe('publish records that arrive after the pushes', () => {
  it('holds the early receipts and judges them when the record comes: nothing lost or unmatched', async () => {
    const out = join(dir, 'late-records-report.json');
    const c = await startCoordinator(scenario('late-records'), 1, ['--token', TOKEN, '--out', out], { cwd: dir });
    const agent = startAgent(`ws://127.0.0.1:${c.port}`, 'slow-records', TOKEN, [], injectEnv({ publishDelayMs: 300 }));
    const r = await c.cli.exited;
    expect(r.code, why(r, out)).toBe(0);
    expect((await agent.exited).code).toBe(0);
    const report = read(out);
    expectAllDelivered(report, 100);
    // Judged with their own receipt times, not the record's arrival: well under the 300 ms delay.
    expect(report.fanout.latencyMs.p50).toBeLessThan(250);
  }, 60_000);
});

describe.skipIf(missing('haproxy', 'openssl'))('a wss:// target whose CA file the agents do not have', () => {
  const NAME = 'a.aliyun.com';
  let certs: CertificateSet;
  let target: RunningTarget;
  let gateway: RunningGateway;
  beforeAll(async () => {
    certs = await makeCertificates(join(dir, 'gw-certs'), { name: NAME });
    target = await startTarget({ host: '127.0.0.1', port: 0 });
    gateway = await startHaproxy({
      upstream: { host: target.host, port: target.port },
      idleTimeoutMs: 30_000,
      tls: { certFile: certs.serverCert, keyFile: certs.serverKey, serverName: NAME },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await target?.close();
  });

  it("ships the scenario's TLS files to the agents over the control channel", async () => {
    const ca = join(dir, 'shipped-ca.pem');
    copyFileSync(certs.caCert, ca);
    const file = scenario('shipped-tls', {
      target: { url: gateway.wsUrl },
      resolve: { [NAME]: '127.0.0.1' },
      tls: { ca },
      // Published straight to the target: the coordinator's own publisher must not need the CA file.
      publish: { rate: 5, url: `http://127.0.0.1:${target.port}/api?id={id}&value={value}` },
    });
    const out = join(dir, 'shipped-tls-report.json');
    const c = await startCoordinator(file, 1, ['--token', TOKEN, '--out', out], { cwd: dir });
    // Validated and read by the coordinator; gone before the agent joins, as on another machine.
    unlinkSync(ca);
    const agent = startAgent(`ws://127.0.0.1:${c.port}`, 'elsewhere', TOKEN);
    const r = await c.cli.exited;
    expect(r.code, why(r, out)).toBe(0);
    expect((await agent.exited).code).toBe(0);
    expectAllDelivered(read(out), 100);
  }, 60_000);
});
