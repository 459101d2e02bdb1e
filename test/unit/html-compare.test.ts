import { describe, expect, it } from 'vitest';
import { compare, type ComparisonRow } from '../../src/report/compare.js';
import { changedOverlays, rowChanged } from '../../src/render/html-compare.js';
import { renderCompareHtml } from '../../src/render/html.js';
import { fakeReport, fixturePair, latencies } from '../helpers/fake-report.js';
import { fmtMs } from '../../src/render/format.js';

const row = (p: Partial<ComparisonRow>): ComparisonRow => ({
  metric: 'handshake.p99',
  description: '',
  unit: 'ms',
  direction: 'lower-is-better',
  before: 5,
  after: 5,
  change: 0,
  changePct: 0,
  verdict: 'inconclusive',
  note: 'too few samples',
  method: 'per-sample',
  interval: null,
  tolerance: null,
  basis: 'statistical',
  gated: false,
  pValue: null,
  adjustedP: null,
  rate: null,
  runs: null,
  receivedOnly: null,
  ...p,
});

describe('HTML compare: what counts as changed', () => {
  it('draws a latency only when judged worse/better or when it moved by more than 10% and 1 ms', () => {
    expect(rowChanged(row({}))).toBe(false);
    expect(rowChanged(row({ after: 5.4, change: 0.4 }))).toBe(false);
    expect(rowChanged(row({ after: 7.55 * 40, change: 290 }))).toBe(true);
    expect(rowChanged(row({ verdict: 'worse', after: 5.2, change: 0.2 }))).toBe(true);
    expect(rowChanged(row({ before: null, after: null }))).toBe(false);
    expect(rowChanged(row({ before: null }))).toBe(true);
    expect(rowChanged(row({ unit: 'count', metric: 'reconnects.total', before: 0, after: 3, change: 3, verdict: 'worse' }))).toBe(true);
  });

  it('overlays open sockets and closes for an idle-timeout change, not fan-out', () => {
    const { before, after } = fixturePair();
    const rows = compare(before, after).rows.map((r) =>
      r.metric.startsWith('fanout.') || r.metric.startsWith('completion.')
        ? { ...r, before: 1, after: 1, change: 0, verdict: 'same' as const }
        : r,
    );
    const overlays = changedOverlays(rows, before, after);
    expect(overlays).toContain('open');
    expect(overlays).toContain('closes');
    expect(overlays).not.toContain('fanout');
    expect(overlays).not.toContain('reconnects');
  });

  it('leaves out the delivery rows of two runs that published nothing, and says so', () => {
    const quiet = (): ReturnType<typeof fakeReport> => {
      const r = fakeReport({ fanoutMs: [], published: 0 });
      r.scenario.publish = null;
      return r;
    };
    const [before, after] = [quiet(), quiet()];
    const html = renderCompareHtml(before, after, compare(before, after));
    expect(html).not.toContain('<td>fanout.<wbr>delivered</td>');
    expect(html).not.toContain('<td>fanout.<wbr>p99</td>');
    expect(html).toContain('Omitted, 0 in both runs (neither published): fanout.delivered, fanout.lost');
    expect(html).toContain('<td>connections.<wbr>firstOpened</td>');
  });

  it("shows every run of each side with its figures, the gate's outcome and which verdicts are gated or policy", () => {
    const a = fakeReport({ blocks: 10, startedAt: '2025-01-01T10:00:00.000Z' });
    const b = fakeReport({ blocks: 10, startedAt: '2025-01-01T11:00:00.000Z' });
    const slow = fakeReport({
      blocks: 10,
      startedAt: '2025-01-01T12:00:00.000Z',
      fanoutMs: latencies(2000, { seed: 4, baseMs: 12 }),
      lost: 3,
    });
    const c = compare([a, b], [slow]);
    const html = renderCompareHtml([a, b], [slow], c);
    expect(html).toContain('<h2>The runs (2 before, 1 after)</h2>');
    expect(html).toContain('<th>before 1</th><th>before 2</th><th>after</th>');
    expect(html).toContain(
      `<td>${fmtMs(a.fanout.latencyMs.p50)} / ${fmtMs(a.fanout.latencyMs.p90)} / ${fmtMs(a.fanout.latencyMs.p99)}</td>`,
    );
    expect(html).toContain('<td>fanout.<wbr>p50 *</td>');
    expect(html).toMatch(/<td>fanout\.<wbr>lost\.<wbr>any \*<\/td>.*<span class="worse">WORSE<\/span>.*policy: no delivery lost/);
    expect(html).toContain(`runs: ${fmtMs(a.fanout.latencyMs.p50)}, ${fmtMs(b.fanout.latencyMs.p50)} → `);
    expect(html).toContain('<li>gate: worse on ');
  });
});
