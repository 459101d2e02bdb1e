import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, wsload } from '../helpers/cli.js';
import { fmtMs } from '../../src/render/format.js';
import { fixturePair, writeFixturePair } from '../helpers/fake-report.js';

let dir: string;
let files: { before: string; after: string };

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/commands/report.js'))) throw new Error('dist/ is missing: run `npm run build` before the CLI tests');
  dir = mkdtempSync(join(tmpdir(), 'wsload-cli-report-'));
  files = writeFixturePair(dir);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('wsload report', () => {
  it('re-renders the summary of a finished run', async () => {
    const r = await wsload(['report', files.after]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { after } = fixturePair();
    expect(r.stdout).toContain('wsload · fanout-soak');
    // The committed fixture was written before reports kept p75 and p95: they are read off its histogram.
    const l = after.fanout.latencyMs;
    expect(r.stdout).toMatch(
      new RegExp(`│ fan-out +│ ${fmtMs(l.p50)} +│ ${fmtMs(l.p75 ?? NaN)} +│ ${fmtMs(l.p90)} +│ ${fmtMs(l.p95 ?? NaN)} +│ ${fmtMs(l.p99)} `),
    );
    expect(r.stdout).toContain('idle timeout estimate: 60.1 s');
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  it('writes a self-contained HTML file with --html', async () => {
    const out = join(dir, 'before.html');
    const r = await wsload(['report', files.before, '--html', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`wrote ${out}\n`);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg class="chart line-chart"');
    expect(html).toContain('Deliveries per second');
    // Nothing to fetch: no scripts, stylesheets or images by URL.
    expect(html).not.toMatch(/<script|<link|src=|href=/i);
  });

  it('prints the .hgrm distribution of a histogram with --hgrm', async () => {
    const r = await wsload(['report', files.after, '--hgrm', 'fanout']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0].trim().split(/\s+/)).toEqual(['Value', 'Percentile', 'TotalCount', '1/(1-Percentile)']);
    expect(r.stdout).toMatch(new RegExp(`Total count\\s+=\\s+${fixturePair().after.fanout.latencyMs.count}\\]`));
    const cohort = await wsload(['report', files.after, '--hgrm', 'idleAtClose:quiet']);
    expect(cohort.code).toBe(0);
    expect(cohort.stdout).toMatch(/Total count\s+=\s+100\]/);
  });

  it('rejects an unknown --hgrm name with one line listing the valid ones (exit 2)', async () => {
    const r = await wsload(['report', files.after, '--hgrm', 'latency']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^wsload: unknown histogram "latency"; valid names: fanout, completion, handshake, publish, idleAtClose, ageAtClose, .*idleAtClose:quiet/,
    );
  });

  it('names the file and JSON path of a broken report (exit 2)', async () => {
    const missing = await wsload(['report', join(dir, 'missing.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`wsload: ${join(dir, 'missing.json')}: cannot read report: no such file\n`);
    const bad = JSON.parse(readFileSync(files.after, 'utf8')) as { fanout: { delivered: unknown } };
    bad.fanout.delivered = 'lots';
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(bad));
    const r = await wsload(['report', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`wsload: ${file}: fanout.delivered: expected number, got "lots"\n`);
  });
});
