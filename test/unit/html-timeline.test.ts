import { describe, expect, it } from 'vitest';
import { deliveriesPerSecond, rateSpans, timelineCharts, timelineSpans } from '../../src/render/html-timeline.js';
import { clockTicks } from '../../src/render/time-axis.js';
import { decimate, timelineChart, type TimePoint, type TimeStack } from '../../src/render/timeline-chart.js';
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

/** WCAG contrast of a #rrggbb or #rgb colour against white. */
function contrastOnWhite(hex: string): number {
  const full = hex.length === 4 ? `#${[...hex.slice(1)].map((d) => d + d).join('')}` : hex;
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(full.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05);
}

const bars = (values: number[], partialLast = false): TimeStack['bars'] =>
  values.map((value, i) => ({ from: i * 10_000, to: (i + 1) * 10_000, value, partial: partialLast && i === values.length - 1 }));

function stackChart(stacks: TimeStack[]): string {
  return timelineChart({
    title: 'Widgets',
    startEpochMs: null,
    endMs: 30_000,
    yFormat: String,
    stacks,
    width: 600,
    height: 200,
    xTicks: 5,
  });
}

describe('stacked bars with nothing above 0', () => {
  it('are drawn as a visible line along 0 with each value on hover, dashed over the partial interval', () => {
    const svg = stackChart([{ name: 'widgets', color: '#2a9d8f', bars: bars([0, 0, 0], true) }]);
    const series = [...svg.matchAll(/<path class="series( partial-series)?" d="([^"]*)"[^>]* stroke="([^"]*)" stroke-width="2"/g)];
    expect(series.map((m) => m[3])).toEqual(['#2a9d8f', '#2a9d8f']);
    // Along y = 0: every point of both parts at the plot's bottom (200 - 30 units).
    for (const m of series) expect(m[2].match(/,[\d.]+/g)?.every((y) => y === ',170')).toBe(true);
    expect(series[1][1]).toBe(' partial-series');
    const hovers = [...svg.matchAll(/<circle [^>]*><title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(hovers).toEqual(['widgets at 0s: 0', 'widgets at 10s: 0', 'widgets at 20s: 0', 'widgets at 30s: 0']);
    expect(svg).not.toContain('class="bars');
  });

  it('are bars as before when any stack has a bar above 0 in the plotted range', () => {
    const svg = stackChart([
      { name: 'widgets', color: '#2a9d8f', bars: bars([0, 0, 0]) },
      { name: 'gadgets', color: '#c0392b', bars: bars([0, 2, 0]) },
    ]);
    expect(svg).not.toContain('class="series');
    expect(svg).toContain('<path class="bars"');
    // A bar past the plotted range does not count: the plot would show nothing.
    const outside = stackChart([{ name: 'widgets', color: '#2a9d8f', bars: bars([0, 0, 0, 5]) }]);
    expect(outside).toContain('<path class="series"');
  });

  it('a run without a close draws its closes chart as a line that reads on white', () => {
    const lines = [line(10_000, { durationMs: 10_000 }), line(20_000, { durationMs: 10_000 })];
    const html = timelineCharts(
      { intervalMs: 10_000, startedAt: new Date(0).toISOString(), events: [], publishes: true, peakRssMb: null, lagP99Ms: null },
      lines,
    ).join('');
    const svg = html.split('<svg ').find((x) => x.includes('<title>Closes per interval, by cause</title>')) ?? '';
    const stroke = /<path class="series" [^>]*stroke="(#[0-9a-f]{3,6})"/.exec(svg)?.[1] ?? '';
    expect(stroke).not.toBe('');
    // WCAG's 3:1 for graphics; #ddd was 1.4:1.
    expect(contrastOnWhite(stroke)).toBeGreaterThanOrEqual(3);
    expect([...svg.matchAll(/<circle [^>]*><title>closes at [^<]*: 0<\/title>/g)]).toHaveLength(3);
  });
});
