/**
 * Topics across processes (`wsload run --shards 2`): each publish's topic travels from the
 * coordinator's publish ring to each shard's own ring with its publish record, so the shards'
 * workers judge only that topic's sockets; per-topic counters and histograms merge exactly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, wsload } from '../helpers/cli.js';
import { scenarioFiles } from '../helpers/scenario-files.js';
import { closeAfterEach } from '../helpers/run-helpers.js';
import { startServiceTarget } from '../helpers/service-target.js';
import type { Report } from '../../src/run/report.js';
import { expectDeliveredExactly } from '../helpers/books.js';

const files = scenarioFiles('topics-shards', { connections: 60, connectRate: 2000, duration: '2s', workers: 2 });
const track = closeAfterEach();

beforeAll(() => assertBuilt());

describe('topics over 2 local shards', () => {
  it('each topic is expected only of its sockets, on every shard, exactly', async () => {
    const service = track(await startServiceTarget());
    const scenario = files.write('topics-shards', {
      target: {
        url: service.wsUrl,
        open: [{ send: { type: 'subscribe', topic: '{topic}' }, ack: { pointer: '/type', equals: 'subscribed' }, timeout: '5s' }],
      },
      topics: { count: 3, name: 'room:{n}', assign: 'block' },
      publish: {
        rate: 15,
        url: service.publishUrl,
        headers: { Authorization: 'Bearer publish-secret' },
        body: { topic: '{topic}', seq: '{seq}' },
        match: { sequence: '/data/seq' },
        deadline: '3s',
        topics: ['room:0', 'room:2'],
      },
    });
    const out = join(files.dir, 'topics-shards.json');
    const r = await wsload(['run', scenario, '--shards', '2', '--out', out, '--quiet'], { cwd: files.dir, timeoutMs: 60_000 });
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(r.code, r.stderr.slice(-800)).toBe(0);
    expect(report.shards).toHaveLength(2);
    expect(report.publish.failed).toBe(0);
    const f = report.fanout;
    const byTopic = f.byTopic ?? {};
    // 30 publishes alternate room:0 and room:2, 20 sockets each; room:1 gets none.
    expect(byTopic['room:0']).toMatchObject({ sockets: 20, published: 15, expected: 300, delivered: 300, lost: 0, duplicated: 0 });
    expect(byTopic['room:1']).toMatchObject({ sockets: 20, published: 0, expected: 0, delivered: 0 });
    expect(byTopic['room:2']).toMatchObject({ sockets: 20, published: 15, expected: 300, delivered: 300, lost: 0 });
    expect(byTopic['room:0'].latencyMs.count).toBe(300);
    expect(byTopic['room:2'].completionMs?.count).toBe(15);
    expect(f.expected).toBe(600);
    expectDeliveredExactly(report);
    expect(f.misrouted).toBe(0);
    expect(service.pushesByTopic()).toEqual({ 'room:0': 300, 'room:2': 300 });
    // The summary names every topic in its table.
    const summary = await wsload(['report', out], { cwd: files.dir });
    expect(summary.stdout).toMatch(/by topic[\s\S]*room:0[\s\S]*room:1[\s\S]*room:2/);
  });
});

describe('wsload validate with topics', () => {
  it('names the topics of a valid scenario, and every mistake in them on one line each with exit 2', async () => {
    const ok = await wsload(['validate', join(import.meta.dirname, '../../scenarios/topics.json')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('publish 10/s by POST, 3 topics)');
    const bad = files.write('bad-topics', {
      topics: [
        { name: 'news', share: 0.5 },
        { name: 'news', share: 0.4 },
      ],
      publish: { topics: ['nope'] },
    });
    const r = await wsload(['validate', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('topics[1].name: duplicate topic name "news" (also topics[0]); expected unique names');
    expect(r.stderr).toContain('publish.topics[0]: unknown topic "nope"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
