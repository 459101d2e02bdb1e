/**
 * Topics (issue 12, item 3) against the service target: sockets subscribe to their topic by an
 * open message with an ack, each publish is a POST naming one topic, and only that topic's sockets
 * are expected to receive it. Accounting must stay exact per topic; a service that pushes a topic
 * to everyone is caught as misrouted.
 */
import { describe, expect, it } from 'vitest';
import { startServiceTarget } from '../helpers/service-target.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { runExitCode, verdictLine } from '../../dist/report/verdict.js';
import { expectDeliveredExactly, expectExactBooks } from '../helpers/books.js';
import { expectEveryPublishDelivered } from '../helpers/service-checks.js';
import { parseReport } from '../../dist/report/read.js';
import { mergeReports } from '../../dist/report/merge.js';

const track = closeAfterEach();

/** A scenario of `connections` sockets subscribing to "{topic}" and POSTing each publish to its topic. */
function topicScenario(wsUrl: string, publishUrl: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    target: {
      url: wsUrl,
      open: [{ send: { type: 'subscribe', topic: '{topic}' }, ack: { pointer: '/type', equals: 'subscribed' }, timeout: '5s' }],
    },
    connectRate: 2000,
    duration: '1500ms',
    workers: 2,
    publish: {
      rate: 20,
      url: publishUrl,
      headers: { Authorization: 'Bearer publish-secret' },
      body: { topic: '{topic}', seq: '{seq}' },
      status: 200,
      match: { sequence: '/data/seq' },
      deadline: '3s',
    },
    ...extra,
  };
}

describe('topics against the service target', () => {
  it('3 topics × 40 sockets: each publish is expected only of its topic, exactly, per topic too', async () => {
    const service = track(await startServiceTarget());
    const scenario = scenarioFrom(
      topicScenario(service.wsUrl, service.publishUrl, {
        connections: 120,
        topics: [
          { name: 'news', count: 40 },
          { name: 'sport', count: 40 },
          { name: 'weather', count: 40 },
        ],
      }),
    );
    const report = await runQuietly(scenario);
    const f = report.fanout;
    expect(report.connections.failed).toBe(0);
    expect(report.publish.failed).toBe(0);
    // 30 publishes round robin: 10 per topic, each to its 40 sockets.
    expect(report.publish.sent).toBe(30);
    expect(f.expected).toBe(3 * 10 * 40);
    expectDeliveredExactly(report);
    expect(f.misrouted).toBe(0);
    expect(service.pushesByTopic()).toEqual({ news: 400, sport: 400, weather: 400 });
    const byTopic = f.byTopic ?? {};
    expect(Object.keys(byTopic)).toEqual(['news', 'sport', 'weather']);
    for (const name of ['news', 'sport', 'weather']) {
      const t = byTopic[name];
      expect(t).toMatchObject({ sockets: 40, published: 10, expected: 400, delivered: 400, lost: 0, late: 0, duplicated: 0 });
      expect(t.latencyMs.count).toBe(400);
      expect(t.completionMs?.count).toBe(10);
    }
    // Every socket subscribed to its own topic ("{topic}" filled per socket): 40 of each.
    const subs = service.received().map((msgs) => (JSON.parse(msgs[0]) as { topic: string }).topic);
    expect(subs.filter((t) => t === 'news').length).toBe(40);
    expect(subs.filter((t) => t === 'weather').length).toBe(40);
    expect(runExitCode(report)).toBe(0);
    // The written report reads back, and merging it with itself adds per topic exactly.
    const back = parseReport(JSON.parse(JSON.stringify(report)), 'topics.json');
    const merged = mergeReports([back, back]);
    expect(merged.fanout.byTopic?.sport).toMatchObject({ sockets: 80, expected: 800, delivered: 800, lost: 0 });
    expect(merged.fanout.byTopic?.sport.latencyMs.count).toBe(800);
  });

  it('generated topics with publish.topics: publishes go only to the named topics', async () => {
    const service = track(await startServiceTarget());
    const scenario = scenarioFrom(
      topicScenario(service.wsUrl, service.publishUrl, {
        connections: 60,
        topics: { count: 4, name: 'room-{n}', assign: 'modulo' },
      }),
    );
    const publish = scenario.publish;
    if (!publish) throw new Error('no publish');
    publish.topics = ['room-1', 'room-3'];
    const report = await runQuietly(scenario);
    const byTopic = report.fanout.byTopic ?? {};
    expect(byTopic['room-0']).toMatchObject({ sockets: 15, published: 0, expected: 0, delivered: 0 });
    expect(byTopic['room-1']).toMatchObject({ sockets: 15, published: 15, expected: 225, delivered: 225, lost: 0 });
    expect(byTopic['room-3']).toMatchObject({ sockets: 15, published: 15, expected: 225, delivered: 225, lost: 0 });
    expect(report.fanout.expected).toBe(450);
    expectDeliveredExactly(report);
  });

  it('a service pushing every topic to everyone: the extra copies are misrouted, and the run fails', async () => {
    const service = track(await startServiceTarget({ misroute: true }));
    const scenario = scenarioFrom(
      topicScenario(service.wsUrl, service.publishUrl, {
        connections: 30,
        topics: [
          { name: 'a', share: 0.5 },
          { name: 'b', share: 0.5 },
        ],
      }),
    );
    const report = await runQuietly(scenario);
    const f = report.fanout;
    expectExactBooks(report);
    expect(f.lost).toBe(0);
    expect(f.expected).toBe(30 * 15);
    expect(f.delivered).toBe(30 * 15);
    // Every publish also reached the other topic's 15 sockets.
    expect(f.misrouted).toBe(30 * 15);
    expect(runExitCode(report)).toBe(1);
    expect(verdictLine(report)).toBe(`FAILED: ${30 * 15} messages of a topic reached sockets not in that topic (fanout.misrouted)`);
  });

  it('chat-style publishes on a publisher socket carry their topic: each reaches only its topic', async () => {
    const service = track(await startServiceTarget());
    const scenario = scenarioFrom({
      ...topicScenario(service.wsUrl, service.publishUrl, { connections: 40, topics: { count: 2, name: 'chan-{n}', assign: 'block' } }),
      publish: {
        via: 'websocket',
        rate: 20,
        socket: { url: service.wsUrl },
        body: { type: 'publish', topic: '{topic}', seq: '{seq}' },
        match: { sequence: '/data/seq' },
        deadline: '3s',
      },
    });
    const report = await runQuietly(scenario);
    expectEveryPublishDelivered(report, service, 30);
    expect(service.pushesByTopic()).toEqual({ 'chan-0': 300, 'chan-1': 300 });
    expect(report.fanout.byTopic?.['chan-0']).toMatchObject({ sockets: 20, published: 15, expected: 300, delivered: 300, lost: 0 });
    expect(report.fanout.byTopic?.['chan-1']).toMatchObject({ sockets: 20, published: 15, expected: 300, delivered: 300, lost: 0 });
    expect(report.fanout.misrouted).toBe(0);
  });

  it('an interrupted run still builds its report with exact per-topic counts', async () => {
    const service = track(await startServiceTarget());
    const scenario = scenarioFrom(
      topicScenario(service.wsUrl, service.publishUrl, { connections: 30, duration: '30s', topics: { count: 3 } }),
    );
    const stop = new AbortController();
    // Stopped once publishing is under way (a fixed delay may fall in a slow ramp).
    let stoppedAt = 0;
    const report = await runQuietly(scenario, {
      signal: stop.signal,
      onProgress: (p) => {
        if (stoppedAt === 0 && p.phase === 'hold' && p.published >= 6) {
          stoppedAt = Date.now();
          stop.abort('SIGINT');
        }
      },
    });
    expect(stoppedAt).toBeGreaterThan(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    expect(report.interrupted).toBe(true);
    expect(Object.values(report.fanout.byTopic ?? {})).toHaveLength(3);
    // Per topic and overall, what was judged before the stop was delivered, every copy.
    expectDeliveredExactly(report);
    expect(verdictLine(report)).toBe('interrupted (SIGINT)');
  });
});
