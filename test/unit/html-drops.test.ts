import { describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../src/render/html.js';
import { fakeReport } from '../helpers/fake-report.js';

describe('HTML report: drop events and thresholds without data', () => {
  it('tables every drop event with its recovery and shows "no data" for a threshold without samples', () => {
    const r = fakeReport({ thresholds: [{ metric: 'fanout.p99', expression: '< 250ms', actual: 0, pass: false, noData: true }] });
    r.disconnects.events = [
      {
        startMs: 2_000,
        startedAt: '2026-01-01T00:00:02.000Z',
        endMs: 2_040,
        count: 30,
        byCause: { 'server-close': 30 },
        byCode: { '1011': 30 },
        openBefore: 30,
        lowestOpen: 0,
        recoveryMs: 300,
      },
      {
        startMs: 9_000,
        startedAt: '2026-01-01T00:00:09.000Z',
        endMs: 9_010,
        count: 20,
        byCause: { 'connection-lost': 20 },
        byCode: { '1006': 20 },
        openBefore: 30,
        lowestOpen: 10,
        recoveryMs: null,
      },
    ];
    const html = renderReportHtml(r);
    expect(html).toContain('<h2>Drop events</h2>');
    expect(html).toContain(
      '<td>2026-01-01T00:00:02.000Z</td><td>+2.00 s</td><td>40.0 ms</td><td>30</td><td>server-close: 30</td><td>1011: 30</td><td>30 → 0</td><td>300 ms</td>',
    );
    expect(html).toContain('<td>30 → 10</td>');
    expect(html).toContain('<td>not back</td>');
    expect(html).toMatch(/<td>fanout\.<wbr>p99<\/td><td>&lt; 250ms<\/td><td>no data<\/td>/);
    expect(renderReportHtml(fakeReport())).not.toContain('Drop events');
  });

  it('shows an idle timeout`s cut as such: "idle timeout" in the table, "drop" for the others, "–" for reports of older versions', () => {
    const r = fakeReport();
    const event = {
      startedAt: '2026-01-01T00:00:02.000Z',
      count: 20,
      byCause: { 'connection-lost': 20 },
      byCode: { '1006': 20 },
      openBefore: 30,
      lowestOpen: 10,
      recoveryMs: null,
    };
    r.disconnects.events = [
      { ...event, startMs: 2_000, endMs: 2_040, idleTimeoutCut: true },
      { ...event, startMs: 5_000, endMs: 5_040, idleTimeoutCut: false },
      { ...event, startMs: 8_000, endMs: 8_040 },
    ];
    const rows = [...renderReportHtml(r).matchAll(/<td>not back<\/td><td>([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(rows).toEqual(['idle timeout', 'drop', '–']);
  });
});
