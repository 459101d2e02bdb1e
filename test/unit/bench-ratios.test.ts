/**
 * The bench's ratio check (issue 22): wsload against the raw client, judged against the goal plus
 * the noise measured by running each tool twice. A ratio past goal + noise fails, one past the
 * goal within the noise is not called a pass, and runs that did less work are left out.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error bench/ is plain JavaScript without declarations
import { RATIO_GOALS, RATIO_NOISE_FLOOR, ratioSummary } from '../../bench/ratios.js';
// @ts-expect-error bench/ is plain JavaScript without declarations
import { readBenchConfig } from '../../bench/config.js';

/** A run line as bench/ratios.js's ratioFigures makes it. */
interface Line {
  tool: 'baseline' | 'wsload';
  run: string;
  sockets: number;
  held: number;
  publishRate: number;
  deliveriesPerSec: number;
  lost: number;
  cpuPct: number;
  cpuPer10kDeliveriesPerSec: number | null;
  rssMb: { afterRamp: number; peak: number; end: number };
  targetCpuPct: number;
  rampMs: number;
  fanoutP50Ms: number;
  saturated: boolean;
  loadAvg1m: { start: number; end: number };
}

function line(tool: 'baseline' | 'wsload', cpu: number, rss: number, extra: Partial<Line> = {}): Line {
  return {
    tool,
    run: 'ratios-default',
    sockets: 1000,
    held: 1000,
    publishRate: 3,
    deliveriesPerSec: 3000,
    lost: 0,
    cpuPct: cpu * 0.3,
    cpuPer10kDeliveriesPerSec: cpu,
    rssMb: { afterRamp: rss, peak: rss + 10, end: rss + 5 },
    targetCpuPct: 10,
    rampMs: 500,
    fanoutP50Ms: 2,
    saturated: false,
    loadAvg1m: { start: 1, end: 1.2 },
    ...extra,
  };
}

describe('bench ratios', () => {
  it('passes within the goals and fails a ratio past goal + noise, naming it', () => {
    const ok = ratioSummary('default', [
      line('baseline', 10, 100),
      line('wsload', 10.2, 110),
      line('wsload', 10.4, 112),
      line('baseline', 10.1, 101),
    ]);
    expect(ok.pass).toBe(true);
    expect(ok.judged).toBe(true);
    expect(ok.metrics.cpuPerDelivery.verdict).toBe('meets goal');
    expect(ok.metrics.cpuPerDelivery.ratio).toBeCloseTo(10.3 / 10.05, 3);
    expect(ok.loadAvg1m).toEqual({ min: 1, max: 1.2 });

    const bad = ratioSummary('default', [
      line('baseline', 10, 100),
      line('wsload', 13, 110),
      line('wsload', 13.2, 111),
      line('baseline', 10.2, 101),
    ]);
    expect(bad.pass).toBe(false);
    expect(bad.metrics.cpuPerDelivery.verdict).toBe('FAIL');
    // Two runs that agree within 2% are judged against the noise floor measured on this machine (15%).
    expect(bad.failures.join()).toMatch(/^cpuPerDelivery 1\.297 > goal 1\.05 \+ noise 15%/);
    expect(RATIO_NOISE_FLOOR.cpuPerDelivery).toBe(0.15);
  });

  it('calls a ratio over its goal but within the noise neither a pass nor a failure', () => {
    // The baseline twice: 10 and 13, a 26% spread (past the 15% floor); wsload 1.2× its mean.
    const s = ratioSummary('default', [
      line('baseline', 10, 100),
      line('wsload', 13.7, 100),
      line('wsload', 13.8, 100),
      line('baseline', 13, 100),
    ]);
    expect(s.metrics.cpuPerDelivery.verdict).toBe('over goal within noise');
    expect(s.metrics.cpuPerDelivery.noise).toBeCloseTo(3 / 11.5, 3);
    // Within the floor: 1.15× on runs that agree is not a failure either.
    const f = ratioSummary('default', [
      line('baseline', 10, 100),
      line('wsload', 11.5, 100),
      line('wsload', 11.5, 100),
      line('baseline', 10, 100),
    ]);
    expect(f.metrics.cpuPerDelivery.verdict).toBe('over goal within noise');
    expect(s.pass).toBe(true);
  });

  it('leaves out runs that lost deliveries or held fewer sockets, and says when nothing is left to judge', () => {
    const s = ratioSummary('high', [
      line('baseline', 10, 100, { lost: 5 }),
      line('wsload', 10, 100),
      line('wsload', 10, 100),
      line('baseline', 10, 100, { held: 900 }),
    ]);
    expect(s.judged).toBe(false);
    expect(s.metrics.cpuPerDelivery.verdict).toBe('not judged');
    expect(s.unjudged[0]).toMatch(/no complete run of the baseline/);
    expect(s.notes.join()).toMatch(/5 deliveries lost.*held 900 of 1000/);
  });

  it('has issue 22 goals and runs each tool at least twice, at the default rate and at a high rate on several target processes', () => {
    expect(RATIO_GOALS).toEqual({ cpuPerDelivery: 1.05, rssAfterRamp: 1.2, rssPeak: 1.2, rssEnd: 1.2 });
    const c = readBenchConfig({}) as unknown as {
      runs: Set<string>;
      ratios: { rounds: number; setups: { name: string; targetProcesses: number }[] };
    };
    expect(c.runs.has('ratios')).toBe(true);
    expect(c.ratios.rounds).toBeGreaterThanOrEqual(2);
    expect(c.ratios.setups.map((s) => s.name)).toEqual(['default', 'high']);
    expect(c.ratios.setups[1].targetProcesses).toBeGreaterThan(1);
    expect(() => readBenchConfig({ BENCH_RATIO_ROUNDS: '1' })).toThrow(/BENCH_RATIO_ROUNDS: expected a number from 2 to 20/);
  });
});
