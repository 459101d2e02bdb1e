import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';

const dir = fileURLToPath(new URL('../../scenarios/', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();
// Shipped without its certificate (users bring their own CA): file existence is not checked.
const withoutFiles = new Set(['fanout-wss.json']);
// The limits of the machine wsload is documented for; the shipped scenarios must fit in one process.
const limits = { openFiles: 20_000, ephemeralPorts: 28_232 };

describe('shipped scenarios', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('ships the documented set', () => {
    expect(files).toEqual([
      'chat-publish.json',
      'chat-rooms.json',
      'fanout-wss.json',
      'fanout.json',
      'graphql.json',
      'idle-timeout.json',
      'match-nested.json',
      'mqtt-publish.json',
      'mqtt.json',
      'post-publish.json',
      'server-stream.json',
      'soak.json',
      'socketio.json',
      'stages.json',
      'stomp.json',
      'subscribe.json',
      'topics.json',
    ]);
  });

  it.each(files)('%s validates and points at the JSON Schema', async (file) => {
    // stomp.json keeps its passcode out of the file ({env.STOMP_PASSCODE}), as a user would export it.
    vi.stubEnv('STOMP_PASSCODE', 'guest');
    const path = join(dir, file);
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(raw.$schema).toBe('../schema/scenario.schema.json');
    const s = await loadScenario(path, { cpus: 2, limits, checkFiles: !withoutFiles.has(file) });
    expect(s.name).toBe(file.replace(/\.json$/, ''));
  });

  it('subscribe.json gives each socket its own identity and waits for the subscribe ack', async () => {
    const s = await loadScenario(join(dir, 'subscribe.json'), { cpus: 2, limits });
    expect(s.identities).toMatchObject({ fields: ['user', 'token'], count: 100, reuse: false });
    expect(s.identities?.rows[7]).toEqual(['user-007', 'token-007']);
    expect(s.target).toMatchObject({
      kind: 'url',
      open: [
        { json: true, ack: { pointer: '/type', equals: 'subscribed' }, reject: { pointer: '/type', equals: 'error' }, timeoutMs: 5000 },
      ],
    });
  });

  it('stages.json shapes the open sockets and the publish rate over 8m30s', async () => {
    const s = await loadScenario(join(dir, 'stages.json'), { cpus: 2, limits });
    expect(s.connections).toBe(1000);
    expect(s.durationMs).toBe(510_000);
    expect(s.stages?.map((x) => x.target)).toEqual([1000, 1000, 200, 600, 600]);
    expect(s.publish?.stages?.map((x) => x.target)).toEqual([5, 50, 50, 10]);
  });

  it('fanout.json is the main job', async () => {
    const s = await loadScenario(join(dir, 'fanout.json'), { cpus: 8, limits });
    expect(s).toMatchObject({
      target: { kind: 'embedded' },
      connections: 2000,
      connectRate: 1000,
      maxPendingHandshakes: 200,
      durationMs: 30_000,
      workers: 2,
    });
    expect(s.publish).toMatchObject({ rate: 10, ids: ['1', '2', '3', '4', '5', '6', '7', '8', '9'] });
    expect(s.thresholds).toMatchObject({ 'fanout.p99': '< 250ms', 'fanout.lost': '== 0', 'connections.failed': '== 0' });
  });

  it('idle-timeout.json holds four silent-to-chatty cohorts without publishing', async () => {
    const s = await loadScenario(join(dir, 'idle-timeout.json'), { cpus: 2, limits });
    expect(s.publish).toBeNull();
    expect(s.cohorts.map((c) => [c.name, c.pingIntervalMs, c.heartbeat?.intervalMs ?? null])).toEqual([
      ['silent', null, null],
      ['ping-1s', 1000, null],
      ['ping-20s', 20_000, null],
      ['heartbeat', null, 20_000],
    ]);
    expect(s.cohorts.reduce((n, c) => n + c.count, 0)).toBe(s.connections);
  });

  it('soak.json runs 8h with backoff reconnects and a 10s report interval', async () => {
    const s = await loadScenario(join(dir, 'soak.json'), { cpus: 2, limits });
    expect(s.durationMs).toBe(8 * 3_600_000);
    expect(s.report.intervalMs).toBe(10_000);
    expect(s.cohorts.every((c) => c.reconnect.policy === 'backoff')).toBe(true);
    expect(s.publish?.rate).toBeGreaterThan(0);
  });

  it('match-nested.json reads the sequence number at a JSON pointer', async () => {
    const s = await loadScenario(join(dir, 'match-nested.json'), { cpus: 2, limits });
    expect(s.publish).toMatchObject({ match: '/data/seq', matchBy: 'pointer', binary: 'utf8-json' });
  });

  it('topics.json puts the sockets in three topics by share and names the topic of each publish', async () => {
    const s = await loadScenario(join(dir, 'topics.json'), { cpus: 2, limits });
    expect(s.topics).toEqual({ names: ['news', 'sport', 'weather'], counts: [150, 90, 60], assign: 'ranges' });
    expect(s.publish?.topics).toEqual(['news', 'news', 'sport', 'weather']);
  });

  it('fanout-wss.json reports its missing CA when files are checked', async () => {
    const err = await loadScenario(join(dir, 'fanout-wss.json'), { cpus: 2 }).catch((e: unknown) => e as Error);
    expect(String(err)).toContain('tls.ca: file not found');
  });
});
