import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReportFormatError } from '../../src/errors.js';
import { readReport, readTimeline } from '../../src/report/read.js';
import { reportJsonSchemaText } from '../../src/report/report-schema.js';
import { fakeReport, fakeTimeline, fixturePair, writeReport } from '../helpers/fake-report.js';

const FIXTURES = new URL('../fixtures/reports/', import.meta.url).pathname;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wsload-read-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function readError(file: string): Promise<ReportFormatError> {
  const err = await readReport(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ReportFormatError);
  const e = err as ReportFormatError;
  expect(e.code).toBe('WSLOAD_ERR_REPORT_FORMAT');
  expect(e.exitCode).toBe(2);
  expect(e.message).not.toContain('\n');
  return e;
}

function writeJson(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

describe('readReport', () => {
  it('reads the committed fixtures, which are what fake-report builds', async () => {
    const { before, after } = fixturePair();
    expect(await readReport(join(FIXTURES, 'before.json'))).toEqual({ ...before, files: { timeline: 'before.ndjson', hlog: null } });
    expect(await readReport(join(FIXTURES, 'after.json'))).toEqual(after);
  });

  it('names the file when it does not exist', async () => {
    const file = join(dir, 'nope.json');
    expect((await readError(file)).message).toBe(`${file}: cannot read report: no such file`);
  });

  it('names the file when it is not JSON', async () => {
    const file = writeJson('bad.json', '{"formatVersion": 1,');
    expect((await readError(file)).message).toMatch(new RegExp(`^${file}: not valid JSON \\(`));
  });

  it('rejects a JSON file that is not a wsload report', async () => {
    const file = writeJson('other.json', { name: 'x', version: '1.0.0' });
    expect((await readError(file)).message).toBe(`${file}: tool: expected "wsload", got nothing (not a wsload report)`);
  });

  it('rejects an unknown formatVersion with the version it reads', async () => {
    const file = writeJson('v2.json', { ...fakeReport(), formatVersion: 2 });
    expect((await readError(file)).message).toBe(
      `${file}: formatVersion: this wsload reads report format 1, got 2; use the wsload version that wrote it`,
    );
  });

  const DELETE = Symbol('delete');
  /** A copy of `value` with the value at `path` replaced (or deleted). */
  function withValueAt(value: unknown, path: readonly (string | number)[], v: unknown): unknown {
    const copy = JSON.parse(JSON.stringify(value)) as unknown;
    let cur = copy as Record<string | number, unknown>;
    for (const seg of path.slice(0, -1)) cur = cur[seg] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    if (v === DELETE) delete cur[last];
    else cur[last] = v;
    return copy;
  }

  it.each([
    ['a latency of the wrong type', ['fanout', 'latencyMs', 'p99'], 'fast', 'fanout.latencyMs.p99: expected number, got "fast"'],
    ['a missing section', ['disconnects', 'byCohort'], DELETE, 'disconnects.byCohort: expected record, got nothing'],
    ['a negative count', ['fanout', 'lost'], -1, 'fanout.lost: expected a number >= 0, got -1'],
    ['a bad entry in an array', ['client', 'workers', 1, 'crashed'], 3, 'client.workers[1].crashed: expected string, got 3'],
    ['an unknown close cause', ['disconnects', 'byCause', 'vanished'], 1, 'disconnects.byCause.vanished: unknown key'],
    [
      'a cohort key with odd characters',
      ['disconnects', 'byCohort', 'a b'],
      {},
      'disconnects.byCohort["a b"].total: expected number, got nothing',
    ],
  ] as const)('points at the JSON path of %s', async (_name, path, value, expected) => {
    const file = writeJson('shape.json', withValueAt(fakeReport(), path, value));
    const message = (await readError(file)).message;
    expect(message.startsWith(`${file}: ${expected}`), message).toBe(true);
  });

  it('counts the further issues in the one line', async () => {
    let report = withValueAt(fakeReport(), ['fanout', 'lost'], 'x');
    report = withValueAt(report, ['fanout', 'late'], 'y');
    report = withValueAt(report, ['connections', 'opened'], null);
    const message = (await readError(writeJson('many.json', report))).message;
    expect(message).toMatch(/\(and 2 more issues\)$/);
  });

  it('accepts keys it does not know (additive changes keep formatVersion 1)', async () => {
    const file = writeJson('newer.json', { ...fakeReport(), futureField: { a: 1 } });
    const report = await readReport(file);
    expect(report.fanout.delivered).toBe(fakeReport().fanout.delivered);
  });
});

describe('readTimeline', () => {
  it('reads the .ndjson beside the report', async () => {
    const report = fakeReport();
    const timeline = fakeTimeline(report, 5);
    const file = writeReport(dir, 'run', report, timeline);
    expect(await readTimeline(file, await readReport(file))).toEqual(timeline);
  });

  it('returns null when the report names no timeline or the file is gone', async () => {
    const report = fakeReport();
    const file = writeReport(dir, 'run', report, fakeTimeline(report));
    const read = await readReport(file);
    expect(await readTimeline(file, { ...read, files: { timeline: null, hlog: null } })).toBeNull();
    rmSync(join(dir, 'run.ndjson'));
    expect(await readTimeline(file, read)).toBeNull();
  });

  it('keeps the lines before a truncated last line (a killed run) but rejects a bad line in the middle', async () => {
    const report = fakeReport();
    const file = writeReport(dir, 'run', report, fakeTimeline(report, 4));
    appendFileSync(join(dir, 'run.ndjson'), '{"t":"2025-');
    const read = await readReport(file);
    expect(await readTimeline(file, read)).toHaveLength(4);
    appendFileSync(join(dir, 'run.ndjson'), '\n{"t":"x"}\n');
    await expect(readTimeline(file, read)).rejects.toThrow(/run\.ndjson: line 5: not valid JSON/);
  });
});

describe('schema/report.schema.json', () => {
  it('is the committed output of `npm run schema:report`', () => {
    const committed = readFileSync(new URL('../../schema/report.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(reportJsonSchemaText());
  });

  it('describes every top-level field of a report', () => {
    const schema = JSON.parse(reportJsonSchemaText()) as { properties: Record<string, unknown>; required: string[] };
    // `merged` is optional: only merged reports carry it; `intervals` only reports written since it existed.
    // `shards` only in reports of runs spread over processes; `stream` only in runs of a server's own stream;
    // `clock` only in reports written since it existed; `observe` only in runs that observed an endpoint.
    expect(Object.keys(schema.properties).sort()).toEqual(
      [...Object.keys(fakeReport({ blocks: 2 })), 'clock', 'merged', 'observe', 'shards', 'stream'].sort(),
    );
    expect(schema.required.sort()).toEqual(Object.keys(fakeReport()).sort());
  });
});
