/** Validation and normalization of `topics`, `publish.topics` and "{topic}" (issue 12, item 3): every mistake at its JSON path. */
import { describe, expect, it } from 'vitest';
import { validation } from '../helpers/validation.js';
import type { Scenario } from '../../src/run/scenario.js';
import { publishTopicIndex, topicIndexTable } from '../../src/run/topics.js';
import { fillBody, fillPublishUrl } from '../../src/run/publish-url.js';
import { bodyTemplate } from '../../src/run/publish-url.js';
import { planWorkers, workerSlices } from '../../src/driver/plan.js';

const base = { name: 't', connections: 10, duration: '30s' };
const target = { url: 'ws://127.0.0.1:9/ws' };

const v = validation({ cpus: 4 });
const ok = (value: Record<string, unknown>): Scenario => v.ok({ ...base, ...value });
const issues = (value: Record<string, unknown>): string[] => v.lines({ ...base, ...value });

describe('topics: normalization and assignment', () => {
  it('absent: no topics, the Scenario and publish as before', () => {
    const s = ok({ publish: {} });
    expect(s.topics).toBeUndefined();
    expect(s.publish?.topics).toBeUndefined();
  });

  it('a list by share or count; publishes cycle every topic by default', () => {
    const s = ok({
      topics: [
        { name: 'news', share: 0.3 },
        { name: 'sport', share: 0.7 },
      ],
      publish: {},
    });
    expect(s.topics).toEqual({ names: ['news', 'sport'], counts: [3, 7], assign: 'ranges' });
    expect(s.publish?.topics).toEqual(['news', 'sport']);
    expect([...topicIndexTable(s.topics!, 10)]).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1, 1]);
    const counts = ok({
      topics: [
        { name: 'a', count: 4 },
        { name: 'b', count: 6 },
      ],
    });
    expect(counts.topics?.counts).toEqual([4, 6]);
  });

  it('generated from the socket index: modulo and block', () => {
    const mod = ok({ topics: { count: 3, name: 'room-{n}' }, publish: { topics: ['room-2', 'room-0'] } });
    expect(mod.topics).toEqual({ names: ['room-0', 'room-1', 'room-2'], counts: [4, 3, 3], assign: 'modulo' });
    expect([...topicIndexTable(mod.topics!, 10)]).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
    expect(mod.publish?.topics).toEqual(['room-2', 'room-0']);
    const block = ok({ topics: { count: 3, assign: 'block' } });
    expect(block.topics?.names).toEqual(['topic-0', 'topic-1', 'topic-2']);
    expect([...topicIndexTable(block.topics!, 10)]).toEqual([0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(block.topics?.counts).toEqual([4, 3, 3]);
  });

  it("each worker slice carries its sockets' topics, interleaved over workers like cohorts", () => {
    const s = ok({
      workers: 2,
      topics: [
        { name: 'a', count: 4 },
        { name: 'b', count: 6 },
      ],
    });
    const slices = workerSlices(s, planWorkers(s), {
      url: 'ws://x/ws',
      runTag: null,
      checkIds: false,
      ring: new SharedArrayBuffer(8),
      ringSize: 1024,
      tickMs: 1000,
      timeline: null,
    });
    expect(slices.map((w) => w.topics)).toEqual([
      { names: ['a', 'b'], of: [0, 0, 1, 1, 1] },
      { names: ['a', 'b'], of: [0, 0, 1, 1, 1] },
    ]);
    expect(
      workerSlices(ok({}), planWorkers(ok({})), {
        url: 'ws://x/ws',
        runTag: null,
        checkIds: false,
        ring: new SharedArrayBuffer(8),
        ringSize: 1024,
        tickMs: 1000,
        timeline: null,
      })[0].topics,
    ).toBeUndefined();
  });

  it('a publish\'s topic fills "{topic}" in the URL (encoded), the headers and the body', () => {
    expect(publishTopicIndex([2, 0], 1)).toBe(2);
    expect(publishTopicIndex([2, 0], 4)).toBe(0);
    expect(fillPublishUrl('http://h/t/{topic}?s={seq}', ['1'], 3, 'tag', 'a:b')).toBe('http://h/t/a%3Ab?s=3');
    expect(fillBody(bodyTemplate({ topic: '{topic}', seq: '{seq}' }), ['1'], 3, 'tag', 'news')).toBe('{"topic":"news","seq":3}');
  });
});

describe('topics: every mistake at its JSON path', () => {
  it('the list form: names, share or count, sums', () => {
    expect(issues({ topics: [{ name: 'a b', count: 10 }] })).toEqual([expect.stringMatching(/^topics\[0\]\.name: expected a topic name/)]);
    expect(
      issues({
        topics: [
          { name: 'a', count: 5 },
          { name: 'a', count: 5 },
        ],
      }),
    ).toEqual(['topics[1].name: duplicate topic name "a" (also topics[0]); expected unique names']);
    expect(issues({ topics: [{ name: 'a' }] })).toEqual(['topics[0]: expected exactly one of "share" or "count", got neither']);
    expect(
      issues({
        topics: [
          { name: 'a', share: 0.5 },
          { name: 'b', count: 5 },
        ],
      }),
    ).toEqual([expect.stringMatching(/^topics: expected every topic to have a share or every topic to have a count/)]);
    expect(
      issues({
        topics: [
          { name: 'a', share: 0.5 },
          { name: 'b', share: 0.4 },
        ],
      }),
    ).toEqual(['topics: expected shares summing to 1, got 0.9']);
    expect(
      issues({
        topics: [
          { name: 'a', count: 5 },
          { name: 'b', count: 4 },
        ],
      }),
    ).toEqual(['topics: expected counts summing to connections (10), got 9']);
    expect(issues({ topics: [{ name: 'a', count: 10, color: 'red' }] })[0]).toMatch(/^topics\[0\]/);
    expect(issues({ topics: [] })[0]).toMatch(/^topics: /);
    expect(issues({ topics: 'news' })[0]).toMatch(/^topics: expected a list like/);
  });

  it('the generated form: count bounds, the name template, assign', () => {
    expect(issues({ topics: { count: 0 } })[0]).toMatch(/^topics\.count: expected an integer from 1 to 200/);
    expect(issues({ topics: { count: 201 } })[0]).toMatch(/^topics\.count: expected an integer from 1 to 200/);
    expect(
      issues({ connections: 500, topics: Array.from({ length: 201 }, (_, i) => ({ name: `t${i}`, count: i === 0 ? 300 : 1 })) })[0],
    ).toMatch(/^topics: expected a list like .*, at most 200 topics/);
    expect(issues({ topics: { count: 11 } })).toEqual([
      'topics.count: expected at most one topic per connection (10), got 11: topics beyond that would have no socket',
    ]);
    expect(issues({ topics: { count: 2, name: 'room' } })[0]).toMatch(/^topics\.name: expected a name template with "\{n\}"/);
    expect(issues({ topics: { count: 2, name: 'room {n}' } })[0]).toMatch(/^topics\.name: /);
    expect(issues({ topics: { count: 2, assign: 'random' } })[0]).toMatch(/^topics\.assign: expected "modulo" or "block"/);
  });

  it('publish.topics: known names only, and only with topics', () => {
    expect(issues({ topics: [{ name: 'news', count: 10 }], publish: { topics: ['news', 'nwes'] } })).toEqual([
      'publish.topics[1]: unknown topic "nwes" (did you mean "news"?); expected one of the names in topics',
    ]);
    expect(issues({ publish: { topics: ['news'] } })).toEqual([
      'publish.topics: names topics but the scenario has none; expected a top-level "topics" key (or no publish.topics)',
    ]);
    expect(issues({ topics: [{ name: 'news', count: 10 }], publish: { topics: [] } })[0]).toMatch(
      /^publish\.topics: expected a non-empty array/,
    );
    expect(issues({ topics: [{ name: 'news', count: 10 }], publish: { topics: ['bad name'] } })[0]).toMatch(
      /^publish\.topics\[0\]: expected a topic name/,
    );
  });

  it('"{topic}" is allowed in the target and publish templates with topics, and refused naming topics without', () => {
    const templated = {
      target: {
        ...target,
        url: 'ws://127.0.0.1:9/ws/{topic}',
        headers: { 'X-Topic': '{topic}' },
        open: [{ send: { type: 'subscribe', topic: '{topic}' } }],
      },
      publish: { url: 'http://127.0.0.1:9/p/{topic}', headers: { 'X-Topic': '{topic}' }, body: { topic: '{topic}', seq: '{seq}' } },
    };
    expect(ok({ ...templated, topics: { count: 2 } }).topics?.names).toEqual(['topic-0', 'topic-1']);
    const refused = issues(templated);
    for (const path of [
      'target.url',
      'target.headers["X-Topic"]',
      'target.open[0].send',
      'publish.url',
      'publish.headers["X-Topic"]',
      'publish.body',
    ]) {
      expect(
        refused.some((m) => m.startsWith(`${path}: "{topic}" is not available`) && m.includes('"topics" key')),
        path,
      ).toBe(true);
    }
  });
});

describe('per-topic thresholds', () => {
  const topics = [
    { name: 'news', count: 5 },
    { name: 'sport', count: 5 },
  ];

  it('fanout.byTopic.<topic>.<aggregation or counter> is a metric of a known topic', () => {
    expect(
      ok({
        topics,
        thresholds: { 'fanout.byTopic.news.p99': '< 250ms', 'fanout.byTopic.sport.lost': '< 0.1%', 'fanout.byTopic.news.delivered': '> 0' },
      }).thresholds,
    ).toHaveProperty(['fanout.byTopic.news.p99']);
    expect(issues({ topics, thresholds: { 'fanout.byTopic.nwes.p99': '< 250ms' } })).toEqual([
      'thresholds["fanout.byTopic.nwes.p99"]: unknown topic "nwes" (did you mean "news"?); expected fanout.byTopic.<a name in topics>.<metric>',
    ]);
    expect(issues({ thresholds: { 'fanout.byTopic.news.lost': '== 0' } })).toEqual([
      'thresholds["fanout.byTopic.news.lost"]: a per-topic metric but the scenario has no topics; expected a top-level "topics" key',
    ]);
    // Any percentile of a topic's fan-out (read off its histogram); a name that is none is refused.
    expect(
      Object.keys(ok({ topics, thresholds: { 'fanout.byTopic.news.p98': '< 1s', 'fanout.byTopic.news.p99.9': '< 1s' } }).thresholds),
    ).toEqual(['fanout.byTopic.news.p98', 'fanout.byTopic.news.p99.9']);
    expect(issues({ topics, thresholds: { 'fanout.byTopic.news.q98': '< 1s' } })[0]).toMatch(
      /^thresholds\["fanout\.byTopic\.news\.q98"\]: unknown metric .*a per-topic metric is fanout\.byTopic\.<topic>\.</,
    );
    expect(issues({ topics, thresholds: { 'fanout.byTopic.news.p100': '< 1s' } })[0]).toContain('"p100" is no percentile');
    expect(issues({ topics, thresholds: { 'fanout.byTopic.news.p99': '== 0%' } })[0]).toMatch(
      /unit "%" is not allowed for fanout\.byTopic\.news\.p99/,
    );
    expect(issues({ topics, thresholds: { 'fanout.byTopic.news.duplicated': '< 1%' } })[0]).toMatch(/has no base to take a percentage of/);
  });
});

describe('"{topic}" on the publisher socket', () => {
  it('is refused in its URL, headers and open messages (one socket serves every topic), allowed in the message', () => {
    const publish = {
      via: 'websocket',
      socket: { url: 'ws://127.0.0.1:9/chat/{topic}', headers: { 'X-Room': '{topic}' }, open: [{ send: { join: '{topic}' } }] },
      body: { type: 'publish', topic: '{topic}', seq: '{seq}' },
    };
    const found = issues({ topics: { count: 2 }, publish });
    expect(found).toEqual([
      'publish.socket.url: "{topic}" is not available here: one publisher socket serves every topic; expected "{topic}" in publish.body (the message of each publish)',
      'publish.socket.headers["X-Room"]: "{topic}" is not available here: one publisher socket serves every topic; expected "{topic}" in publish.body (the message of each publish)',
      'publish.socket.open[0].send: "{topic}" is not available here: one publisher socket serves every topic; expected "{topic}" in publish.body (the message of each publish)',
    ]);
    expect(
      ok({ topics: { count: 2 }, publish: { ...publish, socket: { url: 'ws://127.0.0.1:9/chat' } } }).publish?.websocket?.message.template,
    ).toContain('{topic}');
  });
});
