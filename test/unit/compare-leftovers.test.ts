/** The newer delivery counters in compare and the summary, and compare rows with no samples in either run. */
import { describe, expect, it } from 'vitest';
import { compare } from '../../src/report/compare.js';
import { renderCompareTable } from '../../src/render/compare-table.js';
import { renderSummary } from '../../src/render/summary.js';
import type { Report } from '../../src/run/report.js';
import { fakeReport } from '../helpers/fake-report.js';

function withCounters(r: Report, c: { foreign?: number; idMismatch?: number; queued?: number }): Report {
  return {
    ...r,
    fanout: { ...r.fanout, foreign: c.foreign ?? 0, idMismatch: c.idMismatch ?? 0 },
    publish: { ...r.publish, queued: c.queued ?? 0 },
  };
}

/** A run with no publishing: every fan-out and completion row has no samples. */
function idleRun(): Report {
  const r = fakeReport({ fanoutMs: [], published: 0 });
  r.scenario.publish = null;
  r.publish = { ...r.publish, sent: 0 };
  return r;
}

describe('compare: foreign, idMismatch and queued', () => {
  it('adds their rows when either run has any, and leaves them out when both have none', () => {
    const before = fakeReport();
    const plain = compare(before, fakeReport()).rows.map((r) => r.metric);
    expect(plain).not.toContain('fanout.foreign');
    expect(plain).not.toContain('fanout.idMismatch');
    expect(plain).not.toContain('publish.queued');
    const c = compare(before, withCounters(fakeReport(), { foreign: 40, idMismatch: 3, queued: 12 }));
    const row = (m: string): (typeof c.rows)[number] | undefined => c.rows.find((r) => r.metric === m);
    expect(row('fanout.idMismatch')).toMatchObject({ before: 0, after: 3, verdict: 'worse' });
    expect(row('publish.queued')).toMatchObject({ before: 0, after: 12, verdict: 'worse' });
    // Another run's pushes say the target was shared, not that it changed.
    expect(row('fanout.foreign')).toMatchObject({ before: 0, after: 40, verdict: 'same', direction: 'neutral' });
    expect(row('fanout.foreign')?.note).toContain('another run');
    expect(c.regressions).toContain('fanout.idMismatch');
    expect(c.regressions).not.toContain('fanout.foreign');
    const text = renderCompareTable(c);
    expect(text).toMatch(/│ fanout\.foreign +│ 0 +│ 40 +│/);
    expect(text).toMatch(/│ fanout\.idMismatch +│ 0 +│ 3 +│/);
    expect(text).toMatch(/│ publish\.queued +│ 0 +│ 12 +│/);
  });
});

describe('renderCompareTable: rows with no samples in either run', () => {
  it('omits them and names them in one line', () => {
    const c = compare(idleRun(), idleRun());
    const empty = c.rows.filter((r) => r.note === 'no samples').map((r) => r.metric);
    expect(empty).toEqual([
      'fanout.p50',
      'fanout.p75',
      'fanout.p90',
      'fanout.p95',
      'fanout.p99',
      'fanout.p999',
      'fanout.max',
      'completion.p99',
      'publish.p50',
      'publish.p99',
    ]);
    const text = renderCompareTable(c);
    expect(text).not.toMatch(/│ no samples/);
    for (const m of empty) expect(text).not.toMatch(new RegExp(`│ ${m.replace('.', '\\.')} `));
    // One sentence, wrapped at 100 columns like every line of the table's output.
    const at = text.indexOf('no samples in either run, not shown: ');
    expect(at).toBeGreaterThan(0);
    expect(text.slice(at).split('\nno regressions')[0].replace(/\n +/g, ' ')).toBe(
      `no samples in either run, not shown: ${empty.join(', ')}`,
    );
    expect(text).toMatch(/│ connections\.firstOpened /);
    // Not a "no samples" row: no idle-timeout closes in either run is a finding.
    expect(text).toMatch(/│ disconnects\.idleTimeout +│ – +│ – +│/);
  });

  it('keeps a row with samples on one side only', () => {
    const c = compare(idleRun(), fakeReport());
    const text = renderCompareTable(c);
    expect(text).toMatch(/│ fanout\.p50 +│ – +│/);
    expect(text).not.toContain('not shown');
  });
});

describe('renderSummary: foreign and idMismatch', () => {
  it('names them when non-zero and not otherwise', () => {
    expect(renderSummary(fakeReport())).not.toMatch(/another run|another id/);
    const text = renderSummary(withCounters(fakeReport(), { foreign: 40, idMismatch: 3 }));
    expect(text).toContain('40 messages of another run against the same target');
    expect(text).toContain('3 messages carried another id than their publish sent');
  });

  it("names another run's messages in a run that publishes nothing itself", () => {
    const text = renderSummary(withCounters(idleRun(), { foreign: 25 }));
    expect(text).toContain('no publishing in this scenario');
    expect(text).toContain('25 messages of another run against the same target');
  });
});
