import { describe, expect, it } from 'vitest';
import { deliveriesPerSecond, rateSpans, timelineSpans } from '../../src/render/html-timeline.js';
import { clockTicks } from '../../src/render/time-axis.js';
import { decimate, type TimePoint } from '../../src/render/timeline-chart.js';
import type { TimelineLine } from '../../src/run/report.js';

function line(elapsedMs: number, extra: Partial<TimelineLine> = {}): TimelineLine {
  return {
    t: new Date(elapsedMs).toISOString(),
    elapsedMs,
    open: 10,
    connects: 0,
    connectFailures: 0,
    closes: 0,
    closesByCause: {},
    published: 1,
    deliveries: 1000,
    lost: 0,
    fanoutMs: { p50: 1, p99: 2, max: 3, count: 1000 },
    rssMb: 100,
    eventLoopLagMs: 1,
    ...extra,
  };
}

describe('timeline spans', () => {
  it('takes the partial flag and real length from new lines, and rates over that length', () => {
    const spans = timelineSpans(
      [line(1000, { durationMs: 1000 }), line(2000, { durationMs: 1000 }), line(2200, { durationMs: 200, partial: true, deliveries: 100 })],
      1000,
    );
    expect(spans.map((s) => [s.from, s.to, s.partial])).toEqual([
      [0, 1000, false],
      [1000, 2000, false],
      [2000, 2200, true],
    ]);
    // 100 deliveries in 200 ms is 500/s, not 100/s (a count per interval would read as a drop).
    expect(deliveriesPerSecond(spans[2])).toBe(500);
    // 200 ms of a 1 s interval is too short to be a rate: not drawn.
    expect(rateSpans(spans, 1000).length).toBe(2);
    expect(
      rateSpans(timelineSpans([line(1000, { durationMs: 1000 }), line(1600, { durationMs: 600, partial: true })], 1000), 1000).length,
    ).toBe(2);
  });

  it('infers a partial last interval in lines written before wsload marked it', () => {
    const spans = timelineSpans([line(10_000), line(20_000), line(22_209)], 10_000);
    expect(spans.map((s) => s.partial)).toEqual([false, false, true]);
    expect(spans[2].durationMs).toBe(2_209);
    expect(timelineSpans([line(10_000), line(20_000)], 10_000).some((s) => s.partial)).toBe(false);
  });
});

describe('chart helpers', () => {
  it('decimates long lines to a bounded number of points and keeps spikes', () => {
    const points: TimePoint[] = Array.from({ length: 2880 }, (_, i) => [i * 10_000, i === 1234 ? 500 : 5] as const);
    const out = decimate(points, 300);
    expect(out.length).toBeLessThanOrEqual(600);
    expect(Math.max(...out.map((p) => p[1]))).toBe(500);
    expect(out.every((p, i) => i === 0 || p[0] >= out[i - 1][0])).toBe(true);
    expect(decimate(points.slice(0, 100), 300)).toHaveLength(100);
  });

  it('puts wall-clock ticks at round UTC times', () => {
    const start = Date.parse('2026-11-26T14:32:05.732Z');
    expect(clockTicks(start, 32_000, 10).map((t) => t.label)).toEqual([
      '14:32:10',
      '14:32:15',
      '14:32:20',
      '14:32:25',
      '14:32:30',
      '14:32:35',
    ]);
    expect(clockTicks(start, 8 * 3_600_000, 10).map((t) => t.label)).toEqual([
      '15:00',
      '16:00',
      '17:00',
      '18:00',
      '19:00',
      '20:00',
      '21:00',
      '22:00',
    ]);
    expect(clockTicks(start, 32_000, 10)[0].at).toBe(4_268);
  });
});
