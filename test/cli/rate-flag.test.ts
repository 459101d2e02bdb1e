/** `wsload run --rate N` publishes at N per second whatever publish.rate says; a bad value is one line naming the flag. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, wsload } from '../helpers/cli.js';
import { startPublishTarget } from '../helpers/servers.js';
import { closeAfterEach } from '../helpers/run-helpers.js';

let dir: string;
const track = closeAfterEach();

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'wsload-rate-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run --rate', () => {
  it('replaces publish.rate for the run and in the report', async () => {
    const target = track(await startPublishTarget());
    const file = join(dir, 'rate.json');
    writeFileSync(
      file,
      JSON.stringify({ name: 'rate', target: { url: target.wsUrl }, connections: 2, workers: 1, duration: '1s', publish: { rate: 2 } }),
    );
    const out = join(dir, 'rate-report.json');
    const r = await wsload(['run', file, '--rate', '20', '--quiet', '--out', out], { cwd: dir, timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { scenario: { publish: { rate: number } }; publish: { sent: number } };
    expect(report.scenario.publish.rate).toBe(20);
    expect(report.publish.sent).toBe(20);
    expect(target.publishes()).toBe(20);
  });

  it('refuses a rate that is not a positive number before starting: exit 2, one line', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ name: 'bad', connections: 2, duration: '1s', publish: { rate: 2 } }));
    const r = await wsload(['run', file, '--rate', 'fast'], { cwd: dir, timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`wsload: ${file}: --rate: expected publishes per second, a number > 0 like 10 or 0.5, got "fast"\n`);
  });

  it('validate shows the overridden rate and how publishes are made', async () => {
    const post = join(import.meta.dirname, '../../scenarios/post-publish.json');
    const chat = join(import.meta.dirname, '../../scenarios/chat-publish.json');
    const r = await wsload(['validate', post, '--rate', '50'], { cwd: dir, timeoutMs: 20_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('publish 50/s by POST)');
    const c = await wsload(['validate', chat], { cwd: dir, timeoutMs: 20_000 });
    expect(c.stdout).toContain('publish 20/s on a publisher socket)');
  });
});
