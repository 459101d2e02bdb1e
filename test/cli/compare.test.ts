import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, wsload } from '../helpers/cli.js';
import type { Comparison } from '../../src/report/compare.js';
import { writeFixturePair } from '../helpers/fake-report.js';



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
