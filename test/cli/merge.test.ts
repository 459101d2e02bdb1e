import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, wsload } from '../helpers/cli.js';
import { decodeHistogram } from '../../src/metrics/histogram.js';
import { readReport } from '../../src/report/read.js';
import { fixturePair, writeFixturePair } from '../helpers/fake-report.js';

let dir: string;
let files: { before: string; after: string };

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/commands/merge.js'))) throw new Error('dist/ is missing: run `npm run build` before the CLI tests');
  dir = mkdtempSync(join(tmpdir(), 'wsload-cli-merge-'));
  files = writeFixturePair(dir);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('wsload merge', () => {
  it('writes one report with the totals of all runs and prints its summary', async () => {
    const out = join(dir, 'out', 'merged.json');
    const r = await wsload(['merge', files.before, files.after, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`wrote ${out} (2 reports merged)\n`);
    expect(r.stdout).toContain('Connections');
    const merged = await readReport(out);
    const { before, after } = fixturePair();
    expect(merged.connections.target).toBe(400);
    expect(merged.fanout.delivered).toBe(before.fanout.delivered + after.fanout.delivered);
    expect(merged.fanout.lost).toBe(50);
    expect(merged.fanout.latencyMs.count).toBe(before.fanout.latencyMs.count + after.fanout.latencyMs.count);
    expect(decodeHistogram(merged.histograms.fanout).totalCount).toBe(merged.fanout.delivered);
    expect(merged.disconnects.byCause).toEqual({ 'client-close': 360, 'connection-lost': 40 });
    // Written through a temp file renamed into place: nothing else is left in the directory.
    expect(readdirSync(join(dir, 'out'))).toEqual(['merged.json']);
  });

  it('needs --out and at least two reports (exit 2)', async () => {
    const noOut = await wsload(['merge', files.before, files.after]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain("required option '--out <file>' not specified");
    const one = await wsload(['merge', files.before, '--out', join(dir, 'one.json')]);
    expect(one.code).toBe(2);
    expect(one.stderr).toBe('wsload: merge needs two or more reports, got 1\n');
    expect(existsSync(join(dir, 'one.json'))).toBe(false);
  });

  it('writes nothing when an input is not a report', async () => {
    const out = join(dir, 'never.json');
    const r = await wsload(['merge', files.before, join(dir, 'before.ndjson'), '--out', out]);
    expect(r.code).toBe(2);
    // The timeline beside a report is named for what it is, with the file to pass instead.
    expect(r.stderr).toMatch(
      /^wsload: .*before\.ndjson: is a timeline \(\.ndjson: one JSON line per interval\), not a report; pass the report \.json beside it instead \(.*before\.json\)/,
    );
    expect(existsSync(out)).toBe(false);
  });
});
