import { describe, expect, it } from 'vitest';
import { compare } from '../../src/report/compare.js';
import type { Report } from '../../src/run/report.js';
import { fakeReport } from '../helpers/fake-report.js';

/** A report that observed a gateway: its open-connections gauge at `open` and an idle-timeout counter's rate. */
function observing(open: { last: number; max: number; min: number }, startedAt = '2025-01-01T10:00:00.000Z'): Report {
  const r = fakeReport({ startedAt });
  r.observe = [
    {
      name: 'gateway',
      url: 'http://127.0.0.1:8405/metrics',
      scrapes: 12,
      failures: { timeout: 0, status: 0, unparsable: 0, tooLarge: 0, connection: 0 },
      series: [
        { name: 'cx_active', selector: 'envoy_http_downstream_cx_active', kind: 'gauge', first: 0, ...open, samples: 12, absent: 0 },
        {
          name: 'cx_idle_timeout',
          selector: 'envoy_http_downstream_cx_idle_timeout',
          kind: 'counter',
          first: 0,
          last: 0,
          min: 0,
          max: 2,
          samples: 11,
          absent: 0,
          increase: 10,
        },
      ],
    },
  ];
  return r;
}

const rowsOf = (c: ReturnType<typeof compare>) => c.rows.filter((r) => r.metric.startsWith('observe.'));
const row = (c: ReturnType<typeof compare>, metric: string) => {
  const found = c.rows.find((r) => r.metric === metric);
  if (!found) throw new Error(`no row ${metric}`);
  return found;
};

describe('compare: observed values (last, max, min)', () => {
  it('shows every observed series` last, max and min, and one run per side is "not judged: one sample per run", never a call on noise', () => {
    const c = compare(observing({ last: 100, max: 120, min: 90 }), observing({ last: 200, max: 120, min: 10 }));
    expect(rowsOf(c).map((r) => r.metric)).toEqual([
      'observe.gateway.cx_active.last',
      'observe.gateway.cx_active.max',
      'observe.gateway.cx_active.min',
      'observe.gateway.cx_idle_timeout.last',
      'observe.gateway.cx_idle_timeout.max',
      'observe.gateway.cx_idle_timeout.min',
    ]);
    const last = row(c, 'observe.gateway.cx_active.last');
    expect([last.before, last.after, last.change]).toEqual([100, 200, 100]);
    // A doubling and an exact tie alike: one reading per run has no spread to tell either from noise.
    for (const r of rowsOf(c)) {
      expect(r.verdict, r.metric).toBe('inconclusive');
      expect(r.note, r.metric).toBe('not judged: one sample per run');
      expect(r.gated).toBe(false);
    }
    expect(c.regressions.filter((m) => m.startsWith('observe.'))).toEqual([]);
    expect(c.gate.metrics.some((m) => m.startsWith('observe.'))).toBe(false);
  });

  it('judges with the spread between runs when each side has several: same within 10 %, a plain change shown as one, a wide spread inconclusive', () => {
    const side = (values: number[]): Report[] =>
      values.map((v, i) => observing({ last: v, max: v, min: v }, `2025-01-01T1${i}:00:00.000Z`));
    const same = row(compare(side([100, 101, 99]), side([100, 102, 98])), 'observe.gateway.cx_active.max');
    expect(same.verdict).toBe('same');
    expect(same.runs).toEqual({ before: [100, 101, 99], after: [100, 102, 98] });
    expect(same.note).toMatch(/within ± 10 \(10 % of the smaller side\)/);

    const changed = row(compare(side([100, 101, 99]), side([200, 202, 198])), 'observe.gateway.cx_active.max');
    expect(changed.verdict).toBe('inconclusive');
    expect(changed.note).toMatch(/^changed: 95 % interval of the change/);

    const noisy = row(compare(side([100, 60, 140]), side([110, 50, 170])), 'observe.gateway.cx_active.max');
    expect(noisy.verdict).toBe('inconclusive');
    expect(noisy.note).toMatch(/reaches beyond/);

    // One run on one side only: no spread for that side.
    expect(row(compare(side([100, 101, 99]), side([100])), 'observe.gateway.cx_active.max').note).toBe(
      'not judged: one run after, no spread between runs to judge by',
    );
  });

  it('keeps older reports and runs that observed nothing comparable: no rows, or "not judged" where a side lacks the series', () => {
    expect(rowsOf(compare(fakeReport(), fakeReport()))).toEqual([]);
    const c = compare(fakeReport(), observing({ last: 100, max: 120, min: 90 }));
    const r = row(c, 'observe.gateway.cx_active.last');
    expect([r.before, r.after, r.verdict]).toEqual([null, 100, 'inconclusive']);
    expect(r.note).toMatch(/^not judged: a run before has no value for it/);
  });
});

describe('compare --gate on observed rows', () => {
  const side = (values: number[]): Report[] => values.map((v, i) => observing({ last: v, max: v, min: v }, `2025-01-01T1${i}:00:00.000Z`));
  const gate = ['observe.gateway.cx_active.max'];

  it('gates a named observed row: same within the noise rules passes; one run per side, a change or a wide spread is undecided', () => {
    const same = compare(side([100, 101, 99]), side([100, 102, 98]), { gate });
    expect(row(same, gate[0])).toMatchObject({ gated: true, verdict: 'same' });
    expect(same.gate).toMatchObject({ metrics: gate, worse: [], undecided: [], outcome: 'pass' });
    // Not judged, never a call: the undecided exit, like any gated row that could not be judged.
    for (const [b, a] of [
      [[100], [200]],
      [
        [100, 101, 99],
        [200, 202, 198],
      ],
      [
        [100, 60, 140],
        [110, 50, 170],
      ],
    ]) {
      const c = compare(side(b), side(a), { gate });
      expect(c.gate, `${b} → ${a}`).toMatchObject({ worse: [], undecided: gate, outcome: 'undecided' });
    }
  });

  it('gates a slope row or an observed row neither report carries (undecided), and refuses a malformed observe name', () => {
    const c = compare(side([100]), side([100]), { gate: ['observe.service.rss.slope', 'observe.gateway.nope.last'] });
    expect(c.gate).toMatchObject({ undecided: ['observe.service.rss.slope', 'observe.gateway.nope.last'], outcome: 'undecided' });
    expect(() => compare(side([100]), side([100]), { gate: ['observe.gateway.cx_active.p99'] })).toThrow(
      /compare: gate: no compared metric "observe\.gateway\.cx_active\.p99"/,
    );
  });
});
