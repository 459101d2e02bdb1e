import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, wsload } from '../helpers/cli.js';
import type { Comparison } from '../../src/report/compare.js';
import { writeFixturePair } from '../helpers/fake-report.js';
import { startDelayedTarget, startPublishTarget, type TestTarget } from '../helpers/servers.js';
import { compare as compareReports } from '../../dist/report/compare.js';
import { readReport } from '../../dist/report/read.js';
import type { Report } from '../../dist/run/report.js';



let dir: string;
let files: { before: string; after: string };

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/commands/compare.js'))) throw new Error('dist/ is missing: run `npm run build` before the CLI tests');
  dir = mkdtempSync(join(tmpdir(), 'wsload-cli-compare-'));
  files = writeFixturePair(dir);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('wsload compare', () => {
  it('prints a verdict per metric and exits 0 without --fail-on-regression', async () => {
    const r = await wsload(['compare', files.before, files.after]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/│ fanout\.lost +│ [^│]+│ [^│]+│ \+[^│]+│ WORSE +│/);
    expect(r.stdout).toMatch(/│ fanout\.p50 +│ [^│]+│ [^│]+│ [^│]+│ same +│/);
    // 60 publishes do not resolve a p99, however slow the after run's tail looks.
    expect(r.stdout).toMatch(/│ fanout\.p99 +│ [^│]+│ [^│]+│ \+[^│]+│ inconclusive │ too few/);
    expect(r.stdout).toContain('4 regressions: fanout.delivered');
    expect(r.stdout).toContain('used the old per-delivery intervals');
  });

  it('exits 1 with --fail-on-regression when a verdict is worse, and 0 when none is', async () => {
    const worse = await wsload(['compare', files.before, files.after, '--fail-on-regression']);
    expect(worse.code).toBe(1);
    expect(worse.stderr).toBe('wsload: regression: fanout.delivered, fanout.lost, disconnects.byCause.connection-lost, disconnects.idleTimeout\n');
    const better = await wsload(['compare', files.after, files.before, '--fail-on-regression']);
    expect(better.code).toBe(0);
    expect(better.stdout).toContain('no regressions');
    const same = await wsload(['compare', files.before, files.before, '--fail-on-regression']);
    expect(same.code).toBe(0);
  });

  it('prints the comparison as JSON with --json', async () => {
    const r = await wsload(['compare', files.before, files.after, '--json']);
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout) as Comparison;
    expect(c.regressions).toContain('fanout.lost');
    expect(c.rows.find((row) => row.metric === 'fanout.lost')).toMatchObject({ before: 0, after: 50, verdict: 'worse', method: null });
    expect(c.rows.find((row) => row.metric === 'fanout.p99')).toMatchObject({ verdict: 'inconclusive', method: 'per-delivery', interval: null });
    expect(c.rows.find((row) => row.metric === 'fanout.p50')).toMatchObject({ verdict: 'same', method: 'per-delivery' });
    expect(c.notes).toHaveLength(2);
  });

  it('writes an HTML comparison with both percentile curves with --html', async () => {
    const out = join(dir, 'compare.html');
    const r = await wsload(['compare', files.before, files.after, '--html', out]);
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('Fan-out latency by percentile: before vs after');
    expect(html.match(/<path class="series"/g)?.length).toBeGreaterThanOrEqual(4);
  });

  it('exits 2 naming the file when a report cannot be read', async () => {
    const r = await wsload(['compare', files.before, join(dir, 'nope.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`wsload: ${join(dir, 'nope.json')}: cannot read report: no such file\n`);
  });
});

/** One `wsload run` (200 sockets, 20 publishes/s, 8 s, 500 ms blocks) against `target`; the report. */
async function runAgainst(target: TestTarget, name: string): Promise<Report> {
  const scenario = join(dir, `${name}.scenario.json`);
  const out = join(dir, `${name}.json`);
  writeFileSync(
    scenario,
    JSON.stringify({ name: 'repeat', target: { url: target.wsUrl }, connections: 200, connectRate: 2000, duration: '8s', workers: 1, publish: { rate: 20 }, report: { interval: '500ms' } }),
  );
  try {
    const r = await wsload(['run', scenario, '--quiet', '--out', out], { timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`wsload run ${name} exited ${r.code}: ${r.stderr}`);
  } finally {
    await target.close();
  }
  return readReport(out);
}

const LATENCY = /^(fanout|completion|handshake)\./;
const DELAY_MS = 50;
const judged = (c: ReturnType<typeof compareReports>) => c.rows.filter((r) => LATENCY.test(r.metric) && (r.verdict === 'better' || r.verdict === 'worse')).map((r) => `${r.metric} ${r.verdict}`);

describe('wsload compare on repeated real runs', () => {
  it('calls no latency change between runs of one set-up, calls a 50 ms slower target worse on p50 and p90 (never better), and reverses', async () => {
    // One after another, each against a fresh target, as a user repeats a run.
    const same = [];
    for (let i = 1; i <= 3; i++) same.push(await runAgainst(await startPublishTarget(), `same-${i}`));
    const slow = await runAgainst(await startDelayedTarget(DELAY_MS), 'delayed');
    for (const r of [...same, slow]) {
      expect(r.fanout.published).toBeGreaterThanOrEqual(140);
      expect(r.intervals?.fanout.filter((e) => e !== '').length).toBeGreaterThanOrEqual(10);
    }
    for (const [a, b] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ]) {
      expect(judged(compareReports(same[a], same[b])), `same-${a + 1} vs same-${b + 1}`).toEqual([]);
    }
    for (const [i, base] of same.entries()) {
      const forward = compareReports(base, slow);
      const backward = compareReports(slow, base);
      const v = (c: typeof forward, m: string) => c.rows.find((r) => r.metric === m);
      for (const p of ['p50', 'p90'] as const) {
        // A saturated client, or one whose own delay changed by as much as half the injected delay,
        // measures itself: compare then declines to judge. Otherwise the delay must read "worse".
        const clientShift = Math.abs(slow.client.eventLoopLagMs.p99 - base.client.eventLoopLagMs.p99) + Math.abs(slow.publish.scheduleLagMs[p] - base.publish.scheduleLagMs[p]);
        const clear = !base.client.saturated && !slow.client.saturated && clientShift < DELAY_MS / 2;
        expect(clear ? ['worse'] : ['worse', 'inconclusive'], `same-${i + 1} vs delayed: fanout.${p}`).toContain(v(forward, `fanout.${p}`)?.verdict);
      }
      expect(forward.rows.filter((r) => LATENCY.test(r.metric) && r.verdict === 'better')).toEqual([]);
      const flip = { better: 'worse', worse: 'better', same: 'same', inconclusive: 'inconclusive' } as const;
      for (const r of forward.rows) expect(v(backward, r.metric)?.verdict, r.metric).toBe(flip[r.verdict]);
    }
    // The exit code follows: --fail-on-regression fails on the slower run, not on the reverse.
    const cli = await wsload(['compare', join(dir, 'same-1.json'), join(dir, 'delayed.json'), '--fail-on-regression', '--json']);
    const c = JSON.parse(cli.stdout) as Comparison;
    expect(cli.code).toBe(c.regressions.length > 0 ? 1 : 0);
    expect(c.rows.find((r) => r.metric === 'fanout.p50')?.method).toBe('blocks');
    const back = await wsload(['compare', join(dir, 'delayed.json'), join(dir, 'same-1.json'), '--fail-on-regression']);
    expect(back.code).toBe(0);
  }, 150_000);
});
