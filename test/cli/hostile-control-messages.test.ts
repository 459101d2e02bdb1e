/**
 * The hostile suite, part 1: a fake agent (test/helpers/fake-agent.ts, a real WebSocket client
 * speaking the control protocol) against a real coordinator (`wsload run --agents`), beside a real
 * `wsload agent`. Each case breaks one rule (a malformed, binary, out-of-order or foreign-worker
 * frame, numbers that are not counts) and asserts what a user reads: the coordinator drops that
 * agent with its reason on stderr and in the report, never crashes, writes the report with exact
 * books, and the real agent's part is whole. Also: who is refused at the door (logged), an agent
 * that cannot answer clock probes, and a bug of the coordinator itself (report still written, 70).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type CliResult } from '../helpers/cli.js';
import { startAgent, startCoordinator, targetOf, waitForTarget, whyRun as why } from '../helpers/agents.js';
import { scenarioFiles } from '../helpers/scenario-files.js';
import { FakeAgent } from '../helpers/fake-agent.js';
import { stats } from '../helpers/control-frames.js';
import { expectExactBooks } from '../helpers/books.js';
import type { Report } from '../../src/run/report.js';
import { readReport } from '../../src/report/read.js';
import { injectEnv } from '../helpers/inject.js';

const TOKEN = 'hostile-token-1';
const SOCKETS = 60;
const files = scenarioFiles('hostile-msg', { connections: SOCKETS, connectRate: 1000, duration: '3s', workers: 1, publish: { rate: 5 } });
const dir = files.dir;
const scenario = files.write;

beforeAll(() => assertBuilt());

interface DropOutcome {
  run: CliResult;
  report: Report;
  closed: { code: number; reason: string };
  fakeWorker: number;
  realWorker: number;
}

/**
 * A run over the fake agent and a real one; once the hold began, `act` misbehaves as the fake.
 * Returns what a user gets: the coordinator's exit and output, its report (read through the
 * report reader, so a NaN or a string in it would fail here), and how the fake's connection ended.
 */
async function runWithFake(name: string, act: (fake: FakeAgent, ids: { fake: number; real: number }) => void): Promise<DropOutcome> {
  const out = join(dir, `${name}-report.json`);
  const c = await startCoordinator(scenario(name), 2, ['--token', TOKEN, '--out', out], { cwd: dir });
  const url = `ws://127.0.0.1:${c.port}`;
  const fake = await FakeAgent.connect({ url, token: TOKEN, name: 'fake' });
  const real = startAgent(url, 'real', TOKEN);
  try {
    await fake.waitFor('assign', 30_000);
    const fakeWorker = fake.workerIds![0];
    const realWorker = fakeWorker === 0 ? 1 : 0;
    // The real agent's half of the sockets is open: the hold has begun.
    expect(await waitForTarget(await targetOf(c.cli), SOCKETS / 2, 30_000)).toBe(true);
    act(fake, { fake: fakeWorker, real: realWorker });
    const run = await c.cli.exited;
    const agent = await real.exited;
    expect(agent.code, agent.stderr).toBe(0);
    const closed = await fake.closed;
    const report = await readReport(out).catch((err: Error) => {
      throw new Error(`${err.message}\n${why(run, out)}`);
    });
    return { run, report, closed, fakeWorker, realWorker };
  } finally {
    fake.close();
    real.kill('SIGKILL');
  }
}

/** The fake was dropped for `reason`, said once on stderr and in the report; the real agent's part is whole. */
function expectDropped(o: DropOutcome, reason: RegExp, fakeWorkerFinished = false): void {
  const { run, report } = o;
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).not.toContain('    at ');
  const line = run.stderr.split('\n').find((l) => l.startsWith('wsload: warning: dropped agent fake (fake-host): '));
  expect(line, run.stderr).toBeDefined();
  expect(line!.slice('wsload: warning: dropped agent fake (fake-host): '.length)).toMatch(reason);
  expect(o.closed.code).toBe(4400);
  expect(o.closed.reason.startsWith('dropped by the coordinator: ')).toBe(true);
  const fake = report.shards!.find((s) => s.name === 'fake')!;
  const real = report.shards!.find((s) => s.name === 'real')!;
  expect(fake.lost).toBe(true);
  expect(fake.lostReason!.startsWith('dropped by the coordinator: ')).toBe(true);
  expect(fake.lostReason!.slice('dropped by the coordinator: '.length)).toMatch(reason);
  expect(Number.isFinite(fake.peakRssMb)).toBe(true);
  expect(real.lost).toBe(false);
  expect(real.opened).toBe(SOCKETS / 2);
  // Only the fake's worker ended with it; the real agent's worker was not touched by its frames.
  const worker = (id: number) => report.client.workers.find((w) => w.worker === id)!;
  expect(worker(o.realWorker).crashed).toBeNull();
  if (fakeWorkerFinished) expect(worker(o.fakeWorker).crashed).toBeNull();
  else expect(worker(o.fakeWorker).crashed).toMatch(/^agent fake lost: dropped by the coordinator: /);
  expect(report.connections.peakOpen).toBeLessThanOrEqual(SOCKETS);
  expectExactBooks(report);
  // Every publish reached every socket of the real agent (the fake's never opened).
  const published = report.publish.sent - report.publish.failed;
  expect(published).toBeGreaterThan(0);
  const { latencyMs: _l, completionMs: _c, ...counts } = report.fanout;
  const books = JSON.stringify({
    publish: report.publish,
    counts,
    shards: report.shards?.map((s) => ({ name: s.name, lost: s.lost, fanout: s.fanout })),
    phases: report.phases,
  });
  expect(report.fanout.delivered, books).toBe(published * (SOCKETS / 2));
  expect(report.fanout.lost, books).toBe(0);
  // Every push of this run was recognised (a receipt that raced its publish record is held, not unmatched).
  expect(report.fanout.unmatched, books).toBe(0);
}

describe('a fake agent that sends what no agent may: dropped, the run goes on', () => {
  it('a frame that is not JSON', async () => {
    expectDropped(await runWithFake('not-json', (f) => f.sendRaw('{"type":"worker", oops')), /^not JSON: /);
  }, 90_000);

  it('a binary frame', async () => {
    expectDropped(await runWithFake('binary', (f) => f.sendRaw(Buffer.from([0x82, 0x00, 0xff]))), /^a binary frame/);
  }, 90_000);

  it('a tick for the other agent\'s worker (on main: taken in, that worker\'s counters overwritten, "ok")', async () => {
    expectDropped(
      await runWithFake('foreign-tick', (f, ids) => f.send({ type: 'worker', msg: f.tickOf(ids.real) })),
      /^a "tick" for worker \d, which is not one of its workers \(\d\)$/,
    );
  }, 90_000);

  it('a tick for a worker id the run does not have (on main: an uncaught TypeError, exit 1, no report)', async () => {
    expectDropped(
      await runWithFake('unknown-worker', (f) => f.send({ type: 'worker', msg: f.tickOf(999) })),
      /^a "tick" for worker 999, which is not one of its workers \(\d\)$/,
    );
  }, 90_000);

  it('a `gone` for a worker that is not its own', async () => {
    expectDropped(
      await runWithFake('foreign-gone', (f, ids) => f.send({ type: 'gone', workerId: ids.real, reason: 'forged' })),
      /^a "gone" for worker \d, which is not one of its workers/,
    );
  }, 90_000);

  it('strings in its stats (on main: NaN in wsload_shard_rss_bytes, and a report its own reader refuses)', async () => {
    expectDropped(
      await runWithFake('string-stats', (f) => f.send({ ...stats(), peakRssMb: 'lots', rssMb: 'lots' })),
      /^a "stats" frame at peakRssMb: /,
    );
  }, 90_000);

  it('a counter of Infinity (1e400 in JSON)', async () => {
    expectDropped(
      await runWithFake('infinite', (f, ids) => {
        const text = JSON.stringify({ type: 'worker', msg: f.tickOf(ids.fake), n: f.n++ }).replace('"messages":0', '"messages":1e400');
        f.sendRaw(text);
      }),
      /^a "worker" frame at msg\.counters\.messages: /,
    );
  }, 90_000);

  it('the same tick twice (on main: taken in twice; peakOpen 400 for 200 sockets)', async () => {
    expectDropped(
      await runWithFake('duplicated-tick', (f, ids) => {
        const frame = { type: 'worker', msg: f.tickOf(ids.fake, { openLog: [1, 1] }) };
        const n = f.n++;
        f.send(frame, n);
        f.send(frame, n);
      }),
      /^frame \d+ came again after frame \d+ \(duplicated or replayed\)$/,
    );
  }, 90_000);

  it('a tick replayed under a new frame number: its open log would count more sockets than it holds', async () => {
    expectDropped(
      await runWithFake('replayed-tick', (f, ids) => {
        const openLog = Array.from({ length: SOCKETS / 2 }, (_, i) => [i, 1]).flat();
        f.send({ type: 'worker', msg: f.tickOf(ids.fake, { openLog }) });
        f.send({ type: 'worker', msg: f.tickOf(ids.fake, { openLog }) });
      }),
      /^worker \d's tick: its open log has 31 sockets open of the 30 it holds$/,
    );
  }, 90_000);

  it('a publish judged that was never announced', async () => {
    expectDropped(
      await runWithFake('unannounced', (f, ids) =>
        f.send({
          type: 'worker',
          msg: f.tickOf(ids.fake, { seqResults: [{ seq: 1_000_000, delivered: 0, lost: 0, lastReceiptMs: 0, failed: false }] }),
        }),
      ),
      /^worker \d's tick: publish 1000000 judged, but only \d+ were announced$/,
    );
  }, 90_000);

  it("a tick after its worker's final tick", async () => {
    expectDropped(
      await runWithFake('after-final', (f, ids) => {
        f.speaking = false;
        f.send({ type: 'worker', msg: f.tickOf(ids.fake, { final: true }) });
        f.send({ type: 'worker', msg: f.tickOf(ids.fake) });
      }),
      /^a "tick" for worker \d after that worker had ended$/,
      true,
    );
  }, 90_000);
});

describe('before the run starts', () => {
  it('an agent dropped while the others join frees its place: a well-behaved agent of that name then runs it', async () => {
    const out = join(dir, 'early-drop-report.json');
    const c = await startCoordinator(scenario('early-drop'), 1, ['--token', TOKEN, '--out', out], { cwd: dir });
    const url = `ws://127.0.0.1:${c.port}`;
    const fake = await FakeAgent.connect({ url, token: TOKEN, name: 'pod-0', hello: false });
    // Its hello names another agent than its upgrade did.
    fake.send({ type: 'hello', name: 'pod-1', host: 'fake-host', pid: 1, bootId: null, version: '0.1.0' });
    const closed = await fake.closed;
    expect(closed.code).toBe(4400);
    const real = startAgent(url, 'pod-0', TOKEN);
    const r = await c.cli.exited;
    expect(r.code, why(r, out)).toBe(0);
    expect((await real.exited).code).toBe(0);
    expect(r.stderr).toContain('wsload: warning: dropped agent pod-0 from 127.0.0.1:');
    expect(r.stderr).toContain(': its hello names it pod-1, its upgrade pod-0\n');
    const report = await readReport(out);
    expect(report.shards!.map((s) => [s.name, s.lost])).toEqual([['pod-0', false]]);
    expectExactBooks(report);
    expect(report.fanout.delivered).toBe(report.fanout.expected);
    expect(report.fanout.lost).toBe(0);
  }, 90_000);

  it('a frame about workers before any was assigned drops that agent at once', async () => {
    const c = await startCoordinator(scenario('early-tick'), 2, ['--token', TOKEN, '--agent-wait', '3s'], { cwd: dir });
    const fake = await FakeAgent.connect({ url: `ws://127.0.0.1:${c.port}`, token: TOKEN, name: 'eager' });
    fake.send({ type: 'worker', msg: fake.tickOf(0) });
    expect((await fake.closed).code).toBe(4400);
    const r = await c.cli.exited;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'wsload: warning: dropped agent eager (fake-host): a "tick" for worker 0, which is not one of its workers (it has none yet)\n',
    );
    expect(r.stderr).toContain('wsload: --agent-wait 3s: 2 of 2 agents did not join (none joined)\n');
  }, 60_000);

  it('an agent that is connected but cannot answer clock probes is said to be so, not "did not join"', async () => {
    const c = await startCoordinator(scenario('no-probes'), 1, ['--token', TOKEN, '--agent-wait', '3s'], { cwd: dir });
    const fake = await FakeAgent.connect({ url: `ws://127.0.0.1:${c.port}`, token: TOKEN, name: 'mute', answerProbes: false });
    const r = await c.cli.exited;
    fake.close();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'wsload: --agent-wait 3s: 1 of 1 agents did not join (none joined; connected but did not answer clock probes: mute (fake-host))\n',
    );
    expect(r.stderr).not.toContain('    at ');
  }, 60_000);

  it("logs every agent refused at the door and why: token, version, a live agent's name, one too many", async () => {
    const out = join(dir, 'refusals-report.json');
    const c = await startCoordinator(scenario('refusals', { duration: '30s' }), 1, ['--token', TOKEN, '--out', out], { cwd: dir });
    const url = `ws://127.0.0.1:${c.port}`;
    await expect(FakeAgent.connect({ url, token: 'guess', name: 'intruder' })).rejects.toThrow('HTTP 401: wrong or missing token');
    await expect(FakeAgent.connect({ url, token: TOKEN, name: 'old', version: '0.0.1' })).rejects.toThrow(/^HTTP 412: /);
    const first = await FakeAgent.connect({ url, token: TOKEN, name: 'only' });
    await expect(FakeAgent.connect({ url, token: TOKEN, name: 'only' })).rejects.toThrow(
      'HTTP 409: another agent with this name has already joined',
    );
    await expect(FakeAgent.connect({ url, token: TOKEN, name: 'extra' })).rejects.toThrow(
      'HTTP 503: the coordinator already has all the agents it needs',
    );
    await first.waitFor('assign');
    c.cli.kill('SIGINT');
    const r = await c.cli.exited;
    first.close();
    expect(r.code).toBe(130);
    const refused = r.stderr.split('\n').filter((l) => l.startsWith('wsload: warning: refused agent '));
    expect(refused).toHaveLength(4);
    expect(refused[0]).toMatch(/^wsload: warning: refused agent intruder from 127\.0\.0\.1:\d+: wrong or missing token \(HTTP 401\)$/);
    expect(refused[1]).toMatch(
      /^wsload: warning: refused agent old from 127\.0\.0\.1:\d+: the coordinator runs another wsload version .*: it runs 0\.0\.1, this is \S+ \(HTTP 412\)$/,
    );
    expect(refused[2]).toMatch(
      /^wsload: warning: refused agent only from 127\.0\.0\.1:\d+: another agent with this name has already joined \(HTTP 409\)$/,
    );
    expect(refused[3]).toMatch(
      /^wsload: warning: refused agent extra from 127\.0\.0\.1:\d+: the coordinator already has all the agents it needs \(HTTP 503\)$/,
    );
    expect((await readReport(out)).interrupted).toBe(true);
  }, 60_000);
});

describe('a bug of the coordinator itself still writes the report it has', () => {
  for (const bug of ['message', 'timer'] as const) {
    it(`an exception ${bug === 'message' ? "while taking in a worker's message" : 'thrown by a timer nobody catches'}: report written, interrupted, exit 70`, async () => {
      const out = join(dir, `bug-${bug}-report.json`);
      const c = await startCoordinator(scenario(`bug-${bug}`, { duration: '20s' }), 2, ['--token', TOKEN, '--out', out], {
        cwd: dir,
        env: injectEnv({ coordinatorBug: bug }),
      });
      const url = `ws://127.0.0.1:${c.port}`;
      const agents = [startAgent(url, 'a', TOKEN), startAgent(url, 'b', TOKEN)];
      const r = await c.cli.exited;
      for (const a of agents) await a.exited;
      expect(r.code, why(r, out)).toBe(70);
      const what = bug === 'message' ? 'test fault: taking in a worker message threw' : 'test fault: a timer of the coordinator threw';
      expect(r.stderr).toContain(
        `wsload: internal error (this is a bug, please report it; the report above is what the run had measured): ${what}\n`,
      );
      const report = await readReport(out);
      expect(report.interrupted).toBe(true);
      expect(report.interruptReason).toBe(`internal error: ${what}`);
      // Stopped a second into the hold, not at the end of its 20 s.
      expect(report.phases.holdMs).toBeLessThan(15_000);
      expect(report.connections.opened).toBe(SOCKETS);
      expectExactBooks(report);
    }, 90_000);
  }
});
