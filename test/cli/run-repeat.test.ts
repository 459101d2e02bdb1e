/**
 * `wsload run --repeat N`: the same scenario N times, a fresh embedded target each time, every
 * report written (numbered beside --out) and the spread of the key figures printed; and a run in
 * which no socket ever connected is not called a saturated client.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wsload } from '../helpers/cli.js';
import { tempDir } from '../helpers/run-helpers.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import type { Report } from '../../dist/run/report.js';

const readJson = (file: string): Report => JSON.parse(readFileSync(file, 'utf8')) as Report;

describe('wsload run --repeat', () => {
  it('runs the scenario N times on a fresh embedded target, writes every report and prints the spread', async () => {
    const dir = tempDir('wsload-repeat-');
    const file = join(dir, 'fanout.json');
    writeFileSync(
      file,
      JSON.stringify({ name: 'fanout', target: 'embedded', connections: 30, duration: '2s', workers: 1, publish: { rate: 5 } }),
    );
    const out = join(dir, 'r.json');
    const r = await wsload(['run', file, '--repeat', '3', '--out', out, '--junit', join(dir, 'j.xml')], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    // --junit is numbered like the reports: one file per run, naming its own report.
    for (let i = 1; i <= 3; i++) expect(readFileSync(join(dir, `j-${i}.xml`), 'utf8')).toContain(`value="${join(dir, `r-${i}.json`)}"`);
    const reports = [1, 2, 3].map((i) => readJson(join(dir, `r-${i}.json`)));
    expect(existsSync(out)).toBe(false);
    for (const [i, rep] of reports.entries()) {
      expect(existsSync(join(dir, `r-${i + 1}.ndjson`)), `r-${i + 1}.ndjson`).toBe(true);
      expectDeliveredExactly(rep);
    }
    // A fresh target each time: its own port, and every run a publish count of its own from 1.
    expect(new Set(reports.map((x) => x.target.url)).size).toBe(3);
    expect(r.stderr).toContain('wsload: run 1 of 3\n');
    expect(r.stderr).toContain('wsload: run 3 of 3\n');
    expect(r.stdout).toContain('Spread over 3 runs of one set-up');
    const p50 = reports.map((x) => x.fanout.latencyMs.p50);
    const line = r.stdout.split('\n').find((l) => l.startsWith('│ fanout.p50 '));
    const cells = line
      ?.split('│')
      .slice(1, -1)
      .map((c) => c.trim());
    expect(cells?.[0]).toBe('fanout.p50');
    const fmt = (ms: number): string => (ms < 10 ? `${ms.toFixed(2)} ms` : ms < 100 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`);
    expect(cells?.slice(1, 4)).toEqual([fmt(Math.min(...p50)), fmt([...p50].sort((a, b) => a - b)[1]), fmt(Math.max(...p50))]);
    expect(cells?.slice(5, 8)).toEqual(p50.map(fmt));
    // The reports compare as one side of several runs.
    const c = await wsload(['compare', join(dir, 'r-1.json'), join(dir, 'r-2.json'), '--vs', join(dir, 'r-3.json'), '--json']);
    expect(c.code).toBe(0);
    expect(JSON.parse(c.stdout).runs.before).toHaveLength(2);
  }, 150_000);

  it('refuses a bad --repeat with exit 2 naming it', async () => {
    const dir = tempDir('wsload-repeat-');
    const file = join(dir, 's.json');
    writeFileSync(file, JSON.stringify({ name: 's', connections: 10, duration: '1s' }));
    const r = await wsload(['run', file, '--repeat', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('wsload: --repeat: expected an integer from 1 to 1000, got "0"\n');
  });
});

describe('a run where no socket ever connected', () => {
  it('is not called a saturated client (no hold: nothing to judge the loops by)', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const dir = tempDir('wsload-nosock-');
    const file = join(dir, 's.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'nosock',
        target: { url: `ws://127.0.0.1:${port}/ws` },
        connections: 30,
        duration: '2s',
        workers: 1,
        publish: { rate: 5 },
      }),
    );
    const out = join(dir, 'r.json');
    const r = await wsload(['run', file, '--out', out, '--quiet']);
    // Its own failure: exit 5 and its own line, nothing about saturation or thresholds.
    expect(r.code).toBe(5);
    expect(r.stderr).toBe(
      `wsload: no socket connected to ws://127.0.0.1:${port}/ws after 30 attempts: 30 connection refused (nothing listening)\n`,
    );
    const rep = readJson(out);
    expect(rep.phases.holdMs).toBe(0);
    expect(rep.client).toMatchObject({ saturated: false, saturationReasons: [], saturationCause: null });
    expect(rep.warnings.filter((w) => w.includes('saturated'))).toEqual([]);
  });
});
