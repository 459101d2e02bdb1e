/**
 * Issue 12's features TOGETHER (each was built and tested alone): topics with stages and a
 * subscribe/ack on open over two shards, identities with chat publishes, server streams with
 * stages and topics, publish stages, and the service target behind a real gateway. Real servers
 * on loopback only; every count asserted is known exactly from the scenario.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadScenario } from '../../dist/scenario/load.js';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, startWsload, wsload } from '../helpers/cli.js';
import { scenarioFiles } from '../helpers/scenario-files.js';
import { closeAfterEach, runQuietly, scenarioFrom, sharedRun } from '../helpers/run-helpers.js';
import { startServiceTarget } from '../helpers/service-target.js';
import { expectEveryPublishDelivered } from '../helpers/service-checks.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import { startHaproxy, startNginx, type GatewayOptions, type RunningGateway } from '../helpers/gateways.js';
import { missing } from '../helpers/real-parts.js';
import type { Report } from '../../dist/run/report.js';
import { renderSummary } from '../../dist/render/summary.js';
import { runExitCode, verdictLine } from '../../dist/report/verdict.js';

const files = scenarioFiles('combos', { workers: 2 });
const track = closeAfterEach();

beforeAll(() => assertBuilt());

const SUBSCRIBE = [{ send: { type: 'subscribe', topic: '{topic}' }, ack: { pointer: '/type', equals: 'subscribed' }, timeout: '5s' }];
/** Ramp to 60 in 1 s, hold 1.5 s, down to 24 in 1 s, hold 500 ms: 36 ramp-down closes. */
const STAGES = [
  { duration: '1s', target: 60 },
  { duration: '1500ms', target: 60 },
  { duration: '1s', target: 24 },
  { duration: '500ms', target: 24 },
];

function readReport(file: string): Report {
  return JSON.parse(readFileSync(file, 'utf8')) as Report;
}

/** Combination 1 run twice by the CLI (its reports are also the merge/compare/HTML tests' input). */
const topicStageRuns = sharedRun(async () => {
  const service = track(await startServiceTarget());
  const scenario = files.write('topics-stages', {
    target: { url: service.wsUrl, open: SUBSCRIBE },
    stages: STAGES,
    reconnect: { policy: 'immediate' },
    topics: { count: 3, name: 'room-{n}', assign: 'modulo' },
    publish: {
      rate: 12,
      url: service.publishUrl,
      method: 'POST',
      headers: { Authorization: 'Bearer publish-secret' },
      body: { topic: '{topic}', seq: '{seq}' },
      status: 200,
      match: { sequence: '/data/seq' },
      deadline: '3s',
    },
  });
  const runs: { out: string; code: number | null; stderr: string }[] = [];
  for (const n of [1, 2]) {
    const out = join(files.dir, `topics-stages-${n}.json`);
    const r = await wsload(['run', scenario, '--shards', '2', '--out', out, '--quiet'], { cwd: files.dir, timeoutMs: 60_000 });
    runs.push({ out, code: r.code, stderr: r.stderr });
  }
  // Every subscribe named its socket's topic.
  const subscribed = service.received().flatMap((msgs) => msgs.map((m) => (JSON.parse(m) as { topic: string }).topic));
  return { runs, subscribed, accepted: service.accepted() };
});

/** The reports of combination 1, each checked to have been written by a run that exited 0. */
async function topicStageReports(): Promise<string[]> {
  const { runs } = await topicStageRuns();
  for (const r of runs) expect(r.code, r.stderr.slice(-1500)).toBe(0);
  return runs.map((r) => r.out);
}

describe('topics + stages + POST publish + subscribe/ack on open, --shards 2', () => {
  it('per topic: expected = delivered exactly, lost 0; ramp-down closes are neither lost nor missed', async () => {
    for (const out of await topicStageReports()) {
      const report = readReport(out);
      expect(report.shards).toHaveLength(2);
      expect(report.connections.failed).toBe(0);
      expect(report.connections.firstOpened).toBe(60);
      expect(report.connections.rampDownCloses).toBe(36);
      expect(report.connections.openAtEnd).toBe(24);
      expect(report.disconnects.total).toBe(0);
      expect(report.reconnects.total).toBe(0);
      expect(report.reconnects.missedPublishes).toBe(0);
      expect(report.publish.failed).toBe(0);
      // 12/s over 4 s of stages: 48 publishes, round robin over 3 topics.
      expect(report.publish.sent).toBe(48);
      const f = report.fanout;
      expectDeliveredExactly(report);
      expect(f.misrouted).toBe(0);
      const byTopic = f.byTopic ?? {};
      expect(Object.keys(byTopic)).toEqual(['room-0', 'room-1', 'room-2']);
      let sum = 0;
      for (const name of ['room-0', 'room-1', 'room-2']) {
        const t = byTopic[name];
        expect(t).toMatchObject({ sockets: 20, published: 16, lost: 0, late: 0, duplicated: 0 });
        expect(t.delivered).toBe(t.expected);
        expect(t.latencyMs.count).toBe(t.delivered);
        expect(t.expected).toBeGreaterThan(0);
        sum += t.expected;
      }
      expect(sum).toBe(f.expected);
    }
    // Every subscribe named its socket's topic.
    const { subscribed, accepted } = await topicStageRuns();
    expect(subscribed.length).toBe(accepted);
  }, 150_000);
});

describe('stages ending mid-ramp over 2 shards', () => {
  it('open at end is the count when the shape ended (from the merged open/close logs), not a stale sample', async () => {
    // 40 → 0 over the last second: every socket is closed by the end; the agents' open counts
    // (sent every 500 ms) still said several were open.
    const report = await runQuietly(
      scenarioFrom({
        stages: [
          { duration: '800ms', target: 40 },
          { duration: '400ms', target: 40 },
          { duration: '1s', target: 0 },
        ],
        workers: 2,
        shards: 2,
        publish: { rate: 5 },
      }),
    );
    expect(report.shards).toHaveLength(2);
    expect(report.connections.peakOpen).toBe(40);
    expect(report.connections.rampDownCloses).toBe(40);
    // The last close is due at the very end: it may land just after it.
    expect(report.connections.openAtEnd).toBeLessThanOrEqual(1);
    expectDeliveredExactly(report);
  }, 60_000);
});

describe('topics + identities + chat publish via websocket naming {topic}', () => {
  it('each socket presents its own token and subscribes to its own topic; chat publishes reach only their topic', async () => {
    const N = 30;
    const users = Array.from({ length: N }, (_, i) => `user-${i}`);
    const csv = join(files.dir, 'users.csv');
    writeFileSync(csv, `user,token\n${users.map((u, i) => `${u},tok-${i}`).join('\n')}\n`);
    const service = track(await startServiceTarget({ tokens: [...users.map((_, i) => `tok-${i}`), 'pub-token'] }));
    const scenario = scenarioFrom({
      target: {
        url: `${service.wsUrl}?token={identity.token}`,
        open: [
          {
            send: { type: 'subscribe', topic: '{topic}', user: '{identity.user}', conn: '{conn}' },
            ack: { pointer: '/type', equals: 'subscribed' },
            timeout: '5s',
          },
        ],
      },
      identities: { file: csv },
      connections: N,
      connectRate: 2000,
      duration: '1500ms',
      topics: { count: 3, name: 'chan-{n}', assign: 'block' },
      publish: {
        via: 'websocket',
        rate: 20,
        socket: { url: `${service.wsUrl}?token=pub-token` },
        body: { type: 'publish', topic: '{topic}', seq: '{seq}' },
        match: { sequence: '/data/seq' },
        deadline: '3s',
      },
    });
    const report = await runQuietly(scenario);
    expect(report.connections.failed).toBe(0);
    expect(service.refused()).toBe(0);
    expect(report.publish.failed).toBe(0);
    expect(report.publish.sent).toBe(30);
    // Socket i holds identity i and (block) topic floor(i*3/N): the same index must pick both.
    const tokens = service.tokensSeen();
    const received = service.received();
    let checked = 0;
    for (let a = 0; a < tokens.length; a++) {
      const token = tokens[a];
      if (token === 'pub-token' || token === null) continue;
      const i = Number(token.slice(4));
      const sub = JSON.parse(received[a][0]) as { topic: string; user: string; conn: number | string };
      expect(sub).toMatchObject({ type: 'subscribe', topic: `chan-${Math.floor((i * 3) / N)}`, user: `user-${i}` });
      expect(Number(sub.conn)).toBe(i);
      checked++;
    }
    expect(checked).toBe(N);
    // The publisher socket sent 30 publishes round robin over the 3 topics.
    const pubIndex = tokens.indexOf('pub-token');
    const pubTopics = received[pubIndex].map((m) => (JSON.parse(m) as { topic: string }).topic);
    expect(pubTopics.filter((t) => t === 'chan-1').length).toBe(10);
    expect(service.pushesByTopic()).toEqual({ 'chan-0': 100, 'chan-1': 100, 'chan-2': 100 });
    const f = report.fanout;
    expectEveryPublishDelivered(report, service, 30);
    expect(f.expected).toBe(300);
    for (const name of ['chan-0', 'chan-1', 'chan-2'])
      expect(f.byTopic?.[name]).toMatchObject({ sockets: 10, published: 10, expected: 100, delivered: 100, lost: 0 });
    // The summary names how it published: these were messages on a publisher socket, not HTTP.
    const summary = renderSummary(report, {});
    expect(summary).toContain('Publish (messages on the publisher socket)');
    expect(summary).not.toContain('Publish (HTTP)');
  }, 60_000);
});

/** Calls `tick` every `everyMs` until `stop` resolves or `maxTicks` ran (bounded either way). */
async function pump(tick: (n: number) => void, everyMs: number, maxTicks: number, stop: Promise<unknown>): Promise<number> {
  let done = false;
  void stop.finally(() => (done = true));
  let n = 0;
  while (!done && n < maxTicks) {
    n++;
    tick(n);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return n;
}

const STREAM = { source: 'server', timestamp: '/data/ts', sequence: '/data/seq' };

describe('server stream + stages, server stream + topics', () => {
  it('sockets ramp up, down and up again while the stream flows: no gap, missing or duplicate invented; staleness recorded', async () => {
    const service = track(await startServiceTarget());
    const scenario = scenarioFrom({
      target: {
        url: service.wsUrl,
        open: [{ send: { type: 'subscribe', topic: 'ticks' }, ack: { pointer: '/type', equals: 'subscribed' }, timeout: '5s' }],
      },
      stages: [
        { duration: '600ms', target: 30 },
        { duration: '500ms', target: 30 },
        { duration: '500ms', target: 8 },
        { duration: '400ms', target: 8 },
        { duration: '400ms', target: 30 },
        { duration: '600ms', target: 30 },
      ],
      reconnect: { policy: 'immediate' },
      publish: STREAM,
    });
    const run = runQuietly(scenario);
    const pushes = await pump((n) => service.push('ticks', { seq: n }), 10, 600, run);
    const report = await run;
    expect(pushes).toBeGreaterThan(50);
    expect(report.connections.failed).toBe(0);
    expect(report.connections.rampDownCloses).toBe(22);
    expect(report.connections.reopened).toBe(22);
    expect(report.disconnects.total).toBe(0);
    const s = report.stream!;
    expect(s).toBeDefined();
    expect(s.messages).toBeGreaterThan(0);
    expect(s.messages).toBeLessThanOrEqual(service.delivered());
    expect({ gaps: s.gaps, missing: s.missing, duplicated: s.duplicated, outOfOrder: s.outOfOrder, unmatched: s.unmatched }).toEqual({
      gaps: 0,
      missing: 0,
      duplicated: 0,
      outOfOrder: 0,
      unmatched: 0,
    });
    expect(s.stalenessMs.count).toBe(s.messages);
    expect(s.stalenessMs.p50).toBeLessThan(2000);
    // A ramp-down close is no idle-timeout evidence either.
    expect(report.disconnects.idleTimeout).toBeNull();
  }, 60_000);

  it("sockets subscribed to different topics' streams keep a sequence per socket (each topic counts from 1)", async () => {
    const { report, fast, slow } = await streamTopicsRun();
    expect(fast).toBe(60);
    expect(slow).toBe(20);
    const s = report.stream!;
    expect({ messages: s.messages, gaps: s.gaps, missing: s.missing, duplicated: s.duplicated, outOfOrder: s.outOfOrder }).toEqual({
      messages: 12 * 60 + 8 * 20,
      gaps: 0,
      missing: 0,
      duplicated: 0,
      outOfOrder: 0,
    });
    expect(s.stalenessMs.count).toBe(12 * 60 + 8 * 20);
    expect(report.connections.failed).toBe(0);
  }, 60_000);
});

/** A server stream with topics, run once (its report is also the HTML test's input). */
const streamTopicsRun = sharedRun(async () => {
  const service = track(await startServiceTarget());
  const scenario = scenarioFrom({
    target: {
      url: service.wsUrl,
      open: [{ send: { type: 'subscribe', topic: '{topic}' }, ack: { pointer: '/type', equals: 'subscribed' }, timeout: '5s' }],
    },
    connections: 20,
    connectRate: 2000,
    duration: '2s',
    topics: [
      { name: 'fast', count: 12 },
      { name: 'slow', count: 8 },
    ],
    publish: STREAM,
  });
  const run = runQuietly(scenario);
  // Start once every socket holds its subscription, so each socket sees each topic from 1.
  const start = Date.now();
  while (service.subscribed() < 20 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 100));
  const TICKS = 60;
  let fast = 0;
  let slow = 0;
  await pump(
    (n) => {
      if (n > TICKS) return;
      service.push('fast', { seq: ++fast });
      if (n % 3 === 0) service.push('slow', { seq: ++slow });
    },
    10,
    TICKS,
    run,
  );
  const report = await run;
  const file = join(files.dir, 'stream-topics.json');
  writeFileSync(file, JSON.stringify(report));
  return { report, fast, slow, file };
});

describe('publish.stages with topics and with a publisher socket', () => {
  const written = (wsUrl: string, publish: Record<string, unknown>): Record<string, unknown> => ({
    target: { url: wsUrl, open: SUBSCRIBE },
    connections: 20,
    connectRate: 2000,
    duration: '2s',
    topics: { count: 2, name: 'room-{n}', assign: 'modulo' },
    // 10/s rising to 30/s over 1 s (20 publishes), then 30/s for 1 s (30): 50, 25 per topic.
    publish: { rate: 10, stages: [{ duration: '1s', target: 30 }], match: { sequence: '/data/seq' }, deadline: '3s', ...publish },
  });

  it('POST publishes shaped by publish.stages go round robin over the topics, exactly; --rate is refused (exit 2, one line)', async () => {
    const service = track(await startServiceTarget());
    const post = {
      url: service.publishUrl,
      method: 'POST',
      headers: { Authorization: 'Bearer publish-secret' },
      body: { topic: '{topic}', seq: '{seq}' },
    };
    const report = await runQuietly(scenarioFrom(written(service.wsUrl, post)));
    expectEveryPublishDelivered(report, service, 50);
    expect(service.pushesByTopic()).toEqual({ 'room-0': 250, 'room-1': 250 });
    expect(report.fanout.expected).toBe(500);
    for (const name of ['room-0', 'room-1'])
      expect(report.fanout.byTopic?.[name]).toMatchObject({ sockets: 10, published: 25, expected: 250, delivered: 250, lost: 0 });

    const file = files.write('publish-stages-topics', written(service.wsUrl, post));
    const valid = await wsload(['validate', file], { cwd: files.dir });
    expect(valid.stdout).toBe(`${file}: ok (20 sockets / 2 workers, hold 2s, publish 10/s, then 10→30/s in 1s by POST, 2 topics)\n`);
    for (const cmd of ['validate', 'run']) {
      const r = await wsload(
        [cmd, file, '--rate', '50', '--quiet'].filter((a) => cmd === 'run' || a !== '--quiet'),
        { cwd: files.dir, timeoutMs: 30_000 },
      );
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([
        `wsload: ${file}: --rate: cannot replace publish.rate while publish.stages shapes the rate; remove --rate or publish.stages`,
      ]);
    }
  }, 60_000);

  it("publish.stages shape the publisher socket's chat publishes the same way", async () => {
    const service = track(await startServiceTarget());
    const chat = { via: 'websocket', socket: { url: service.wsUrl }, body: { type: 'publish', topic: '{topic}', seq: '{seq}' } };
    const report = await runQuietly(scenarioFrom(written(service.wsUrl, chat)));
    expectEveryPublishDelivered(report, service, 50);
    expect(service.pushesByTopic()).toEqual({ 'room-0': 250, 'room-1': 250 });
    expect(report.fanout.expected).toBe(500);
    for (const name of ['room-0', 'room-1'])
      expect(report.fanout.byTopic?.[name]).toMatchObject({ published: 25, expected: 250, delivered: 250, lost: 0 });
  }, 60_000);
});

const START_GATEWAY: Record<'nginx' | 'haproxy', (opts: GatewayOptions) => Promise<RunningGateway>> = {
  nginx: startNginx,
  haproxy: startHaproxy,
};

describe.each(['nginx', 'haproxy'] as const)('through %s in front of the service target', (kind) => {
  it.skipIf(missing(kind))(
    'tokens, subscribe/ack, topics, stages and POST publishes all cross the gateway; exact per topic',
    async () => {
      const N = 24;
      const service = track(await startServiceTarget({ tokens: Array.from({ length: N }, (_, i) => `tok-${i}`) }));
      // A long idle timeout: nothing here may be cut by the gateway.
      const gateway = await START_GATEWAY[kind]({ upstream: { host: '127.0.0.1', port: service.port }, idleTimeoutMs: 30_000 });
      track({ close: () => gateway.stop() });
      const csv = join(files.dir, `gw-${kind}.csv`);
      writeFileSync(csv, `token\n${Array.from({ length: N }, (_, i) => `tok-${i}`).join('\n')}\n`);
      const report = await runQuietly(
        scenarioFrom({
          target: { url: `${gateway.wsUrl}?token={identity.token}`, open: SUBSCRIBE },
          identities: { file: csv },
          stages: [
            { duration: '500ms', target: N },
            { duration: '1500ms', target: N },
            { duration: '500ms', target: 12 },
            { duration: '500ms', target: 12 },
          ],
          topics: { count: 2, name: 'room-{n}', assign: 'block' },
          publish: {
            rate: 10,
            url: `${gateway.httpUrl}/publish`,
            method: 'POST',
            headers: { Authorization: 'Bearer publish-secret' },
            body: { topic: '{topic}', seq: '{seq}' },
            status: 200,
            match: { sequence: '/data/seq' },
            deadline: '3s',
          },
        }),
      );
      const logs = await gateway.logs();
      expect(report.connections.failed, logs.slice(-1500)).toBe(0);
      expect(service.accepted()).toBe(N);
      expect(service.refused()).toBe(0);
      expect(new Set(service.tokensSeen())).toEqual(new Set(Array.from({ length: N }, (_, i) => `tok-${i}`)));
      expect(report.connections.rampDownCloses).toBe(12);
      expect(report.disconnects.total).toBe(0);
      expectEveryPublishDelivered(report, service, 30);
      const f = report.fanout;
      for (const name of ['room-0', 'room-1']) {
        const t = f.byTopic?.[name];
        expect(t).toMatchObject({ sockets: 12, published: 15, lost: 0 });
        expect(t?.delivered).toBe(t?.expected);
        expect(t?.expected).toBeGreaterThan(0);
      }
    },
    60_000,
  );

  it.skipIf(missing(kind))(
    'a token header per identity and chat publishes on a publisher socket, both through the gateway',
    async () => {
      const N = 16;
      const service = track(await startServiceTarget({ tokens: [...Array.from({ length: N }, (_, i) => `tok-${i}`), 'pub-token'] }));
      const gateway = await START_GATEWAY[kind]({ upstream: { host: '127.0.0.1', port: service.port }, idleTimeoutMs: 30_000 });
      track({ close: () => gateway.stop() });
      const csv = join(files.dir, `gw-chat-${kind}.csv`);
      writeFileSync(csv, `token\n${Array.from({ length: N }, (_, i) => `tok-${i}`).join('\n')}\n`);
      const report = await runQuietly(
        scenarioFrom({
          target: { url: gateway.wsUrl, headers: { Authorization: 'Bearer {identity.token}' }, open: SUBSCRIBE },
          identities: { file: csv },
          connections: N,
          connectRate: 2000,
          duration: '1500ms',
          topics: { count: 2, name: 'room-{n}', assign: 'modulo' },
          publish: {
            via: 'websocket',
            rate: 10,
            socket: { url: gateway.wsUrl, headers: { Authorization: 'Bearer pub-token' } },
            body: { type: 'publish', topic: '{topic}', seq: '{seq}' },
            match: { sequence: '/data/seq' },
            deadline: '3s',
          },
        }),
      );
      expect(report.connections.failed, (await gateway.logs()).slice(-1500)).toBe(0);
      expect(service.refused()).toBe(0);
      expect(new Set(service.tokensSeen())).toEqual(new Set([...Array.from({ length: N }, (_, i) => `tok-${i}`), 'pub-token']));
      expectEveryPublishDelivered(report, service, 15);
      expect(report.fanout.expected).toBe(15 * 8);
      expect(report.fanout.byTopic?.['room-0']).toMatchObject({ sockets: 8, published: 8, expected: 64, delivered: 64, lost: 0 });
    },
    60_000,
  );
});

describe('merge, compare and HTML of topics + stages reports', () => {
  const PLAIN = join(import.meta.dirname, '../fixtures/reports/after.json');

  it('wsload merge adds the two runs per topic exactly; compare of them and against a plain run does not throw', async () => {
    const reports = await topicStageReports();
    expect(reports).toHaveLength(2);
    const [a, b] = reports.map(readReport);
    const out = join(files.dir, 'merged.json');
    const m = await wsload(['merge', ...reports, '--out', out, '--quiet'], { cwd: files.dir });
    expect(m.code, m.stderr).toBe(0);
    const merged = readReport(out);
    expect(merged.connections.rampDownCloses).toBe(72);
    expect(merged.fanout.expected).toBe(a.fanout.expected + b.fanout.expected);
    expect(merged.fanout.lost).toBe(0);
    for (const name of ['room-0', 'room-1', 'room-2']) {
      const [ta, tb, tm] = [a, b, merged].map((r) => r.fanout.byTopic?.[name]);
      expect(tm).toMatchObject({
        sockets: ta!.sockets + tb!.sockets,
        published: ta!.published + tb!.published,
        expected: ta!.expected + tb!.expected,
        delivered: ta!.delivered + tb!.delivered,
        lost: 0,
      });
      expect(tm!.latencyMs.count).toBe(ta!.latencyMs.count + tb!.latencyMs.count);
    }
    expect(merged.scenario.stages).toEqual(a.scenario.stages);

    const c = await wsload(['compare', ...reports, '--json'], { cwd: files.dir });
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).not.toMatch(/\n\s+at /);
    JSON.parse(c.stdout);
    for (const pair of [
      [PLAIN, reports[0]],
      [reports[0], PLAIN],
    ]) {
      const html = join(files.dir, 'compare.html');
      const r = await wsload(['compare', ...pair, '--html', html], { cwd: files.dir });
      expect(r.code, r.stderr).not.toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(readFileSync(html, 'utf8')).toContain('</html>');
    }
  }, 150_000);

  it('wsload report --html renders the topics table and the stages line; a stream with topics gets no empty fan-out table', async () => {
    const html = join(files.dir, 'topics-stages.html');
    const [first] = await topicStageReports();
    const r = await wsload(['report', first, '--html', html], { cwd: files.dir });
    expect(r.code, r.stderr).toBe(0);
    const page = readFileSync(html, 'utf8');
    // Checked as booleans: a failure must not print the whole page.
    expect(page.includes('Fan-out by topic')).toBe(true);
    for (const name of ['room-0', 'room-1', 'room-2']) expect(page.includes(`<td>${name}</td>`), name).toBe(true);
    const meta = /<p class="meta">[^<]*<code>[^<]*<\/code>[^<]*<\/p>/.exec(page)?.[0] ?? '';
    expect(meta).toContain(
      '60 connections (stages: 0→60 in 1s, hold 1.5s, 60→24 in 1s, hold 500ms) · 36 ramp-down closes by wsload (not disconnects) ·',
    );

    // A server stream has no publishes to fan out: its topics must not render a table of zeros.
    const streamHtml = join(files.dir, 'stream-topics.html');
    const s = await wsload(['report', (await streamTopicsRun()).file, '--html', streamHtml], { cwd: files.dir });
    expect(s.code, s.stderr).not.toBe(2);
    const streamPage = readFileSync(streamHtml, 'utf8');
    expect(streamPage.includes('staleness')).toBe(true);
    expect(streamPage.includes('Fan-out by topic')).toBe(false);
  }, 150_000);
});

describe('scenarios/chat-rooms.json (every new key together) against the service target', () => {
  it('runs as shipped, with only its URLs pointed at the loopback service and its shapes shortened', async () => {
    const shipped = JSON.parse(readFileSync(join(import.meta.dirname, '../../scenarios/chat-rooms.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const users = readFileSync(join(import.meta.dirname, '../../scenarios/users.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    const service = track(await startServiceTarget({ tokens: [...users.map((l) => l.split(',')[1]), 'change-me'] }));
    const target = shipped.target as { url: string };
    const publish = shipped.publish as { socket: { url: string }; stages: unknown };
    const file = join(files.dir, 'chat-rooms.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...shipped,
        $schema: undefined,
        target: { ...target, url: target.url.replace('ws://127.0.0.1:8080/ws', service.wsUrl) },
        identities: { file: join(import.meta.dirname, '../../scenarios/users.csv') },
        stages: [
          { duration: '500ms', target: 100 },
          { duration: '1500ms', target: 100 },
          { duration: '500ms', target: 0 },
        ],
        publish: { ...publish, socket: { ...publish.socket, url: service.wsUrl }, stages: [{ duration: '1s', target: 20 }] },
        workers: 2,
      }),
    );
    const report = await runQuietly(await loadScenario(file, { cpus: 2 }));
    expect(report.connections.failed).toBe(0);
    expect(service.refused()).toBe(0);
    expect(report.connections.rampDownCloses).toBe(100);
    expect(report.disconnects.total).toBe(0);
    expect(report.reconnects.missedPublishes).toBe(0);
    // 2/s → 20/s over 1 s (11), then 20/s for 1.5 s (30): 41 chat publishes over 10 rooms.
    expectEveryPublishDelivered(report, service, 41);
    const f = report.fanout;
    expect(Object.keys(f.byTopic ?? {})).toHaveLength(10);
    expect(Object.values(f.byTopic ?? {}).reduce((s, t) => s + t.published, 0)).toBe(41);
    for (const t of Object.values(f.byTopic ?? {})) expect(t.delivered).toBe(t.expected);
    expect(report.thresholds.map((t) => t.metric)).toContain('fanout.byTopic.room-0.p99');
  }, 60_000);
});

describe('topics behind a gateway that cuts idle sockets', () => {
  it.skipIf(missing('nginx'))(
    "only the quiet topic's sockets are cut; they resubscribe; nothing is missed or lost; the idle timeout is estimated",
    async () => {
      const service = track(await startServiceTarget());
      const gateway = await startNginx({ upstream: { host: '127.0.0.1', port: service.port }, idleTimeoutMs: 1500 });
      track({ close: () => gateway.stop() });
      const report = await runQuietly(
        scenarioFrom({
          target: { url: gateway.wsUrl, open: SUBSCRIBE },
          connections: 20,
          // Spread opens, so the cuts are spread too and read as an idle timeout, not a mass drop.
          connectRate: 10,
          duration: '4s',
          reconnect: { policy: 'immediate' },
          // Quiet first: its sockets open first; the busy ones open last, just before publishing starts.
          topics: [
            { name: 'quiet', count: 10 },
            { name: 'busy', count: 10 },
          ],
          publish: {
            rate: 10,
            topics: ['busy'],
            url: `${gateway.httpUrl}/publish`,
            method: 'POST',
            headers: { Authorization: 'Bearer publish-secret' },
            body: { topic: '{topic}', seq: '{seq}' },
            match: { sequence: '/data/seq' },
            deadline: '3s',
          },
        }),
      );
      expect(report.connections.failed).toBe(0);
      expect(report.disconnects.total).toBeGreaterThanOrEqual(10);
      expect(report.disconnects.byCause['connection-lost']).toBe(report.disconnects.total);
      // Every reopen subscribed again and was acked before it counted as opened (an ack racing the
      // final drain may be sent for a socket never counted).
      expect(report.connections.opened).toBeGreaterThan(20);
      expect(service.subscribed()).toBeGreaterThanOrEqual(report.connections.opened);
      expect(service.subscribed()).toBeLessThanOrEqual(report.connections.opened + 2);
      // The quiet topic got no publish, so its sockets missed none while down; the busy ones were never cut.
      expect(report.reconnects.missedPublishes).toBe(0);
      const busy = report.fanout.byTopic?.busy;
      expect(busy).toMatchObject({ sockets: 10, lost: 0 });
      expect(busy?.expected).toBe((busy?.published ?? 0) * 10);
      expect(report.fanout.byTopic?.quiet).toMatchObject({ sockets: 10, published: 0, expected: 0 });
      expectDeliveredExactly(report);
      const idle = report.disconnects.idleTimeout;
      expect(idle, report.disconnects.idleTimeoutNote ?? '').not.toBeNull();
      expect(idle!.estimateMs).toBeGreaterThan(1300);
      expect(idle!.estimateMs).toBeLessThan(2000);
      // Each quiet socket was cut every 1.5 s of its ~6 s: the verdict says most sockets dropped.
      const total = report.disconnects.total;
      expect(total).toBeGreaterThan(10);
      expect(runExitCode(report)).toBe(1);
      expect(verdictLine(report)).toBe(
        `FAILED: most sockets dropped: ${total} closes before the end for 20 sockets (${total} connection-lost)`,
      );
    },
    60_000,
  );
});

describe('an interrupted server stream with topics and stages over 2 shards', () => {
  it('SIGINT mid-hold still writes the report, with the stream counted and nothing invented', async () => {
    const service = track(await startServiceTarget());
    const file = files.write('stream-sigint', {
      target: { url: service.wsUrl, open: SUBSCRIBE },
      stages: [
        { duration: '1s', target: 20 },
        { duration: '30s', target: 20 },
      ],
      shards: 2,
      topics: { count: 2 },
      publish: STREAM,
    });
    const out = join(files.dir, 'stream-sigint.json');
    const cli = startWsload(['run', file, '--out', out, '--quiet'], { cwd: files.dir, timeoutMs: 60_000 });
    let n = 0;
    // Bounded: at most 20 s of pushes, stopped as soon as the run has exited.
    const timer = setInterval(() => {
      n++;
      service.push('topic-0', { seq: n });
      service.push('topic-1', { seq: n });
      if (n >= 1000) clearInterval(timer);
    }, 20);
    const until = Date.now() + 20_000;
    while (service.subscribed() < 20 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const subscribed = service.subscribed() >= 20;
    await new Promise((r) => setTimeout(r, 1000));
    cli.kill('SIGINT');
    const res = await cli.exited;
    clearInterval(timer);
    expect(subscribed).toBe(true);
    expect(res.code, res.stderr.slice(-800)).toBe(130);
    const report = readReport(out);
    expect(report.interrupted).toBe(true);
    expect(report.shards).toHaveLength(2);
    const s = report.stream!;
    expect(s.messages).toBeGreaterThan(0);
    expect(s.messages).toBeLessThanOrEqual(service.delivered());
    expect({ gaps: s.gaps, missing: s.missing, duplicated: s.duplicated, outOfOrder: s.outOfOrder }).toEqual({
      gaps: 0,
      missing: 0,
      duplicated: 0,
      outOfOrder: 0,
    });
    expect(s.stalenessMs.count).toBe(s.messages);
    expect(res.stderr).toMatch(/^wsload: interrupted \(SIGINT\)$/m);
  }, 60_000);
});
