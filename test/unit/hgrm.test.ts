import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { hgrmNames, renderHgrm } from '../../src/render/hgrm.js';
import type { PercentileSet } from '../../src/run/report.js';
import { fakeReport, fixturePair } from '../helpers/fake-report.js';

interface HgrmRow {
  value: number;
  percentile: number;
  totalCount: number;
}

/** Parses HdrHistogram's percentile-distribution text back into rows and its footer. */
function parseHgrm(text: string): { rows: HgrmRow[]; max: number; totalCount: number; mean: number } {
  const lines = text.split('\n');
  expect(lines[0].trim().split(/\s+/)).toEqual(['Value', 'Percentile', 'TotalCount', '1/(1-Percentile)']);
  const rows: HgrmRow[] = [];
  for (const line of lines.slice(1)) {
    const m = /^\s+([\d.]+)\s+([\d.]+)\s+(\d+)(\s+[\d.]+|\s*)$/.exec(line);
    if (m) rows.push({ value: Number(m[1]), percentile: Number(m[2]), totalCount: Number(m[3]) });
  }
  const footer = /#\[Max\s+=\s+([\d.]+), Total count\s+=\s+(\d+)\]/.exec(text);
  const mean = /#\[Mean\s+=\s+([\d.]+),/.exec(text);
  if (!footer || !mean) throw new Error(`no footer in:\n${text}`);
  return { rows, max: Number(footer[1]), totalCount: Number(footer[2]), mean: Number(mean[1]) };
}

/** Value (ms) at percentile p as the .hgrm rows give it: the first row at or above p. */
function valueAt(rows: HgrmRow[], p: number): { at: number; below: number } {
  const i = rows.findIndex((r) => r.percentile >= p - 1e-12);
  return { at: rows[i].value, below: rows[Math.max(0, i - 1)].value };
}

function checkAgainst(set: PercentileSet, text: string): void {
  const parsed = parseHgrm(text);
  expect(parsed.totalCount).toBe(set.count);
  expect(parsed.rows[parsed.rows.length - 1].totalCount).toBe(set.count);
  expect(parsed.mean).toBeCloseTo(set.mean, 2);
  // The footer prints the top of the max's bucket; the report keeps the recorded max.
  expect(parsed.max).toBeGreaterThanOrEqual(set.max);
  expect(parsed.max - set.max).toBeLessThanOrEqual(Math.max(0.001 * set.max, 0.001));
  // p50 and p90 fall exactly on rows of the distribution (5 ticks per half distance).
  expect(valueAt(parsed.rows, 0.5).at).toBe(set.p50);
  expect(valueAt(parsed.rows, 0.9).at).toBe(set.p90);
  // p99 and p99.9 fall between two rows.
  for (const [p, v] of [
    [0.99, set.p99],
    [0.999, set.p999],
  ] as const) {
    const { at, below } = valueAt(parsed.rows, p);
    expect(v).toBeGreaterThanOrEqual(below);
    expect(v).toBeLessThanOrEqual(at);
  }
}

describe('renderHgrm', () => {
  it('prints the fan-out distribution in ms, matching the report percentiles', () => {
    const { after } = fixturePair();
    checkAgainst(after.fanout.latencyMs, renderHgrm(after, 'fanout'));
  });

  it('prints completion, handshake and per-cohort idle-at-close histograms', () => {
    const { after } = fixturePair();
    checkAgainst(after.fanout.completionMs, renderHgrm(after, 'completion'));
    checkAgainst(after.handshake.latencyMs, renderHgrm(after, 'handshake'));
    checkAgainst(after.disconnects.byCohort.quiet.idleAtCloseMs, renderHgrm(after, 'idleAtClose:quiet'));
    expect(parseHgrm(renderHgrm(after, 'idleAtClose:quiet')).rows.some((r) => r.value >= 60_000)).toBe(true);
  });

  it('renders a standard name the report has no histogram for as an empty distribution', () => {
    const r = fakeReport();
    delete r.histograms.publish;
    expect(parseHgrm(renderHgrm(r, 'publish')).totalCount).toBe(0);
  });

  it('rejects an unknown name with one line listing the valid names', () => {
    const r = fixturePair().after;
    let err: unknown;
    try {
      renderHgrm(r, 'fanuot');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    const message = (err as UsageError).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^unknown histogram "fanuot"; valid names: fanout, completion, handshake, publish, idleAtClose, ageAtClose, /);
    expect(message).toContain('idleAtClose:quiet');
    expect(hgrmNames(r).slice(0, 6)).toEqual(['fanout', 'completion', 'handshake', 'publish', 'idleAtClose', 'ageAtClose']);
  });
});
