/**
 * A shard lost at each phase of a run leaves exact books: what its snapshots reported is
 * delivered, what it owed after its last one (publishes it had not judged, and those sent until
 * it was declared lost) is lost and named unconfirmed, and `expected = delivered + lost` holds
 * overall, per shard and per topic. Agents are local `wsload agent` processes; the faults are real:
 * kill -9 during the ramp and during the drain, an agent killed after joining but before the
 * assignment, and final ticks dropped on the way by a relay (test/helpers/control-relay.ts).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/cli.js';
import { AGENTS_SCENARIO, readReportJson as read, startAgent, startTwoAgentRun, whyRun as why } from '../helpers/agents.js';
import { scenarioFiles } from '../helpers/scenario-files.js';
import { expectDeliveredExactly, expectExactBooks } from '../helpers/books.js';
import { startRelayedCoordinator } from '../helpers/control-relay.js';
import { startDelayedTarget, startPublishTarget } from '../helpers/servers.js';
import { until } from '../helpers/wait.js';

const TOKEN = 'lost-books-5c1e';
const files = scenarioFiles('lost-books', AGENTS_SCENARIO);
const dir = files.dir;
const scenario = files.write;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(() => {
  assertBuilt();
});
afterAll(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('a shard lost during the ramp', () => {
  it('owes nothing published after it was lost: exact books, only live sockets open at the end, exit 1', async () => {
    const target = await startPublishTarget();
    cleanups.push(() => target.close());
    // 100 sockets over 5 s: the agent is killed about halfway, a tick after a fifth of them were up.
    const file = scenario('ramp-kill', { target: { url: target.wsUrl }, connectRate: 20 });
    const out = join(dir, 'ramp-kill-report.json');
    const run = await startTwoAgentRun(file, out, TOKEN, ['keep', 'doomed'], { cwd: dir });
    const [keep, doomed] = run.agents;
    expect(await until(() => target.clients() >= 20, 40_000), 'sockets opening').toBe(true);
    await new Promise((r) => setTimeout(r, 1_500));
    process.kill(doomed.pid, 'SIGKILL');
    const r = await run.coordinator.exited;
    expect(r.code, why(r, out)).toBe(1);
    const report = read(out);
    const lost = report.shards!.find((s) => s.name === 'doomed')!;
    expect(lost.lost).toBe(true);
    // Killed mid-ramp: some of its sockets had opened, not all.
    expect(lost.opened, why(r, out)).toBeGreaterThan(0);
    expect(lost.opened).toBeLessThan(50);
    expectExactBooks(report);
    // Only the live shard's sockets were open when the hold ended; at most all of both at once before.
    expect(report.connections.openAtEnd, why(r, out)).toBe(50);
    expect(report.connections.peakOpen).toBeGreaterThanOrEqual(50);
    expect(report.connections.peakOpen).toBeLessThan(100);
    // Its sockets died with it before the first publish: it owed nothing, and the run's books are the other shard's.
    expect(lost.fanout).toMatchObject({ expected: 0, delivered: 0, lost: 0, unconfirmed: 0 });
    const kept = report.shards!.find((s) => s.name === 'keep')!;
    expect(kept.fanout!.expected).toBe(report.fanout.published * 50);
    expect(report.fanout.expected).toBe(kept.fanout!.expected);
    expect(r.stderr).toMatch(/wsload: FAILED: .*shard doomed \(.*\) lost mid-run \(its control connection closed\)/);
    expect((await keep.exited).code).toBe(0);
  }, 90_000);
});

describe('a shard lost during the drain', () => {
  it('books the publishes still unanswered when it was lost once they are answered: exact books, exit 1', async () => {
    // Each publish is pushed and answered 2 s after its request: the drain waits for the last ones.
    const target = await startDelayedTarget(2_000);
    cleanups.push(() => target.close());
    const file = scenario('drain-kill', {
      target: { url: target.wsUrl },
      publish: { rate: 5, url: `${target.httpUrl}/api?id={id}&value={value}` },
    });
    const out = join(dir, 'drain-kill-report.json');
    // The doomed agent's control frames pass a relay, which sees the coordinator tell it to drain:
    // the kill lands in the drain by that event, not 400 ms after the last publish (a guess at the
    // hold's end, 0.2 s after it, that a loaded coordinator can miss).
    const c = await startRelayedCoordinator(file, 2, ['--token', TOKEN, '--out', out], { cwd: dir });
    cleanups.push(() => c.relay.close());
    let draining = false;
    c.relay.hooks['to-agent'] = (f, who) => {
      if (who === 'doomed' && (JSON.parse(f) as { msg?: { type?: string } }).msg?.type === 'drain') draining = true;
      return [f];
    };
    const keep = startAgent(c.direct, 'keep', TOKEN);
    const doomed = startAgent(c.relay.url, 'doomed', TOKEN);
    expect(await until(() => target.publishes() >= 15, 60_000), 'every publish sent').toBe(true);
    expect(await until(() => draining, 30_000), 'the coordinator told the doomed agent to drain').toBe(true);
    // Its answers come 2 s after each request: the last publishes are still unanswered now.
    process.kill(doomed.pid, 'SIGKILL');
    const r = await c.cli.exited;
    expect(r.code, why(r, out)).toBe(1);
    const report = read(out);
    expect(report.publish.sent).toBe(15);
    const lost = report.shards!.find((s) => s.name === 'doomed')!;
    expect(lost.lost).toBe(true);
    expectExactBooks(report);
    // Its last publishes were answered after it was lost, and they are owed all the same.
    expect(lost.fanout!.unconfirmed, why(r, out)).toBeGreaterThan(0);
    expect(lost.fanout!.expected).toBeLessThanOrEqual(15 * 50);
    const kept = report.shards!.find((s) => s.name === 'keep')!;
    expect(kept.fanout!.expected).toBe(15 * 50);
    expect(report.fanout.expected).toBe(kept.fanout!.expected + lost.fanout!.expected);
    expect((await keep.exited).code).toBe(0);
  }, 90_000);
});

describe('an agent lost before the assignment', () => {
  it('frees its place: the run goes on with the agents that came, every delivery exact, exit 0', async () => {
    const out = join(dir, 'before-assign-report.json');
    // Three agents start one after another before the run: over the default 60 s kill bound at load 25.
    const c = await startRelayedCoordinator(scenario('before-assign', {}), 2, ['--token', TOKEN, '--out', out], {
      cwd: dir,
      timeoutMs: 120_000,
    });
    cleanups.push(() => c.relay.close());
    const early = startAgent(c.relay.url, 'early', TOKEN);
    // It joined (said hello and answered) and is killed while the coordinator waits for the second.
    expect(await until(() => c.relay.counts['to-coordinator'] >= 1, 30_000), 'the early agent said hello').toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    process.kill(early.pid, 'SIGKILL');
    await early.exited;
    const agents = [startAgent(c.direct, 'a', TOKEN), startAgent(c.direct, 'b', TOKEN)];
    const r = await c.cli.exited;
    expect(r.code, why(r, out)).toBe(0);
    for (const a of agents) expect((await a.exited).code).toBe(0);
    const report = read(out);
    expect(report.shards!.map((s) => s.name).sort()).toEqual(['a', 'b']);
    expectDeliveredExactly(report);
    expect(report.fanout.unconfirmed).toBe(0);
    expect(r.stderr).toMatch(/wsload: ok/);
  }, 150_000);
});

describe('final ticks lost on the way', () => {
  it('closes the books of a worker whose final tick never came from its last snapshot: exact books, exit 1', async () => {
    // A 4 s deadline: at its last tick before the drain, the worker had judged none of the 3 s hold's publishes.
    const file = scenario('dropped-final', { publish: { rate: 5, deadline: '4s' } });
    const out = join(dir, 'dropped-final-report.json');
    const c = await startRelayedCoordinator(file, 2, ['--token', TOKEN, '--out', out], { cwd: dir }, { dropFinalTicks: true });
    cleanups.push(() => c.relay.close());
    const keep = startAgent(c.direct, 'keep', TOKEN);
    const dropper = startAgent(c.relay.url, 'dropper', TOKEN);
    const r = await c.cli.exited;
    expect(r.code, why(r, out)).toBe(1);
    expect(c.relay.counts.dropped).toBeGreaterThanOrEqual(1);
    const report = read(out);
    const shard = report.shards!.find((s) => s.name === 'dropper')!;
    // Its worker is gone without a final tick (terminated after the drain's bound, or its agent dropped).
    const worker = report.client.workers[report.shards!.find((s) => s.name === 'dropper')!.index];
    expect(worker.crashed !== null || shard.lost, why(r, out)).toBe(true);
    expectExactBooks(report);
    // What it had received but not judged at its last snapshot is delivered, and expected with what it still owed then.
    expect(shard.fanout!.delivered, why(r, out)).toBeGreaterThan(0);
    expect(report.fanout.unconfirmed).toBe(shard.fanout!.unconfirmed);
    await keep.exited;
    await dropper.exited;
  }, 90_000);
});
