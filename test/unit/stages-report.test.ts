/** Reports with stages read, merge, compare and summarize next to reports without them. */
import { describe, expect, it } from 'vitest';
import { fakeReport } from '../helpers/fake-report.js';
import { mergeReports } from '../../src/report/merge.js';
import { compare } from '../../src/report/compare.js';
import { parseReport } from '../../src/report/read.js';
import { renderSummary } from '../../src/render/summary.js';
import { renderReportHtml } from '../../src/render/html.js';
import { COUNTERS } from '../../src/run/registry.js';
import type { Report } from '../../src/run/report.js';

/** A report of a staged run: 20 first opens, 5 ramp-down closes of which 3 came back. */
function staged(): Report {
  const r = fakeReport();
  r.scenario = {
    ...r.scenario,
    stages: [
      { durationMs: 1000, target: 20 },
      { durationMs: 0, target: 15 },
      { durationMs: 1000, target: 18 },
    ],
  };
  const first = r.connections.opened;
  r.connections = { ...r.connections, firstOpened: first, opened: first + 3, rampDownCloses: 5, reopened: 3 };
  return JSON.parse(JSON.stringify(r)) as Report;
}

const reconnected = COUNTERS.find((c) => c.path === 'connections.reconnected')!;

describe('reports with stages', () => {
  it('read back; a report without them still reads, with no stage fields', () => {
    const with_ = parseReport(JSON.parse(JSON.stringify(staged())), 'staged.json');
    expect(with_.scenario.stages).toHaveLength(3);
    expect(with_.connections.rampDownCloses).toBe(5);
    const without = parseReport(JSON.parse(JSON.stringify(fakeReport())), 'plain.json');
    expect(without.scenario.stages).toBeUndefined();
    expect(without.connections.rampDownCloses).toBeUndefined();
  });

  it('re-opens are not counted as reconnects', () => {
    const r = staged();
    expect(r.connections.opened - (r.connections.firstOpened ?? 0)).toBe(3);
    expect(reconnected.get(r)).toBe(0);
  });

  it('merge adds the stage counters exactly, and leaves them out when no run had stages', () => {
    const merged = mergeReports([staged(), staged()]);
    expect(merged.connections.rampDownCloses).toBe(10);
    expect(merged.connections.reopened).toBe(6);
    const mixed = mergeReports([staged(), fakeReport()]);
    expect(mixed.connections.rampDownCloses).toBe(5);
    const plain = mergeReports([fakeReport(), fakeReport()]);
    expect('rampDownCloses' in plain.connections).toBe(false);
    expect('reopened' in plain.connections).toBe(false);
  });

  it('compare runs with and without stages', () => {
    expect(compare(fakeReport(), staged()).warnings).toContain(
      'connection stages differ: none vs 0→20 in 1s, step to 15, 15→18 in 1s; rates are compared, but the load differed',
    );
    expect(compare(staged(), staged()).warnings.filter((w) => w.includes('stages'))).toEqual([]);
    expect(compare(fakeReport(), fakeReport()).warnings.filter((w) => w.includes('stages'))).toEqual([]);
  });

  it('the summary names the shape and the ramp-down closes', () => {
    const text = renderSummary(staged()).replace(/\s+/g, ' ');
    expect(text).toContain('stages: 0→20 in 1s, step to 15, 15→18 in 1s · 5 ramp-down closes by wsload (not disconnects)');
    expect(text).toContain('+ 3 re-opened by the stages');
    expect(renderSummary(fakeReport())).not.toContain('stages:');
  });

  it('the HTML report names the shape', () => {
    expect(renderReportHtml(staged())).toContain('(stages: 0→20 in 1s, step to 15, 15→18 in 1s)');
    expect(renderReportHtml(fakeReport())).not.toContain('(stages:');
  });
});
