import { describe, expect, it } from 'vitest';
// prettier-ignore
// @ts-expect-error bench/ is plain JavaScript without declarations
import { connectRateFromFds, cpuPercentBetween, parseRssKb, parseStatTicks, readProcSample, rssMbAt, rssMbBefore, rssSeriesMb } from '../../bench/proc-stats.js';
// @ts-expect-error bench/ is plain JavaScript without declarations
import { cpuWindow, runLine, summaryLine } from '../../bench/lines.js';
// @ts-expect-error bench/ is plain JavaScript without declarations
import { readBenchConfig } from '../../bench/config.js';

interface Sample {
  t: number;
  cpuTicks: number;
  rssKb: number;
  fds?: number | null;
}

describe('bench /proc parsing', () => {
  it('reads utime+stime after the command name, even one holding spaces and parentheses', () => {
    // Fields 14 and 15 (utime 700, stime 42) of a process named "node (x) y".
    const stat = '1234 (node (x) y) S 1 1234 1234 0 -1 4194560 500 0 0 0 700 42 0 0 20 0 11 0 100 1000000 2000';
    expect(parseStatTicks(stat)).toBe(742);
    expect(parseStatTicks('garbage')).toBeNull();
  });

  it('reads VmRSS in kB', () => {
    expect(parseRssKb('Name:\tnode\nVmPeak:\t  999 kB\nVmRSS:\t  123456 kB\n')).toBe(123456);
    expect(parseRssKb('Name:\tnode\n')).toBeNull();
  });

  it('samples a live process (this one) and returns null for one that does not exist', () => {
    const s = readProcSample(process.pid) as Sample | null;
    expect(s).not.toBeNull();
    expect(s!.rssKb * 1024).toBeGreaterThan(process.memoryUsage().rss / 4);
    expect(readProcSample(2 ** 30)).toBeNull();
  });
});

describe('bench CPU and RSS from samples', () => {
  // 100 ticks/s; the process burns half a core from t=1000 to t=3000, then a full core to t=5000.
  const samples: Sample[] = [
    { t: 0, cpuTicks: 0, rssKb: 100 * 1024 },
    { t: 1000, cpuTicks: 0, rssKb: 100 * 1024 },
    { t: 3000, cpuTicks: 100, rssKb: 150 * 1024 },
    { t: 5000, cpuTicks: 300, rssKb: 160 * 1024 },
  ];

  it('gives percent of one core over a window, interpolating between samples', () => {
    expect(cpuPercentBetween(samples, 1000, 3000, 100)).toBeCloseTo(50);
    expect(cpuPercentBetween(samples, 3000, 5000, 100)).toBeCloseTo(100);
    expect(cpuPercentBetween(samples, 2000, 4000, 100)).toBeCloseTo(75);
    expect(cpuPercentBetween(samples, 4000, 4000, 100)).toBe(0);
  });

  it('gives RSS at or after, and at or before, a time, and a series', () => {
    expect(rssMbAt(samples, 1500)).toBe(150);
    expect(rssMbBefore(samples, 4999)).toBe(150);
    expect(rssSeriesMb(samples, 0, 5000, 2500)).toEqual([100, 100, 160]);
  });

  it('derives the connect rate from the fd count rising, interpolated between samples', () => {
    // 30 fds at start, then 1000 sockets opened at 2000/s from t=1000 (fds 30 → 1030 by t=1500).
    const fdSamples: Sample[] = [];
    for (let t = 0; t <= 3000; t += 250) {
      const opened = Math.max(0, Math.min(1000, ((t - 1000) / 1000) * 2000));
      fdSamples.push({ t, cpuTicks: 0, rssKb: 0, fds: 30 + opened });
    }
    expect(connectRateFromFds(fdSamples, 1000)).toBeCloseTo(2000, -1);
    expect(
      connectRateFromFds(
        fdSamples.map((x) => ({ ...x, fds: null })),
        1000,
      ),
    ).toBeNull();
    // Never reached 95%: no rate rather than a wrong one.
    expect(connectRateFromFds(fdSamples, 5000)).toBeNull();
  });

  it('leaves the first 2 s and last 0.5 s of a long hold out of the CPU window only', () => {
    expect(cpuWindow(10_000, 30_000)).toEqual([12_000, 29_500]);
    expect(cpuWindow(10_000, 13_000)).toEqual([10_000, 13_000]);
  });
});

describe('bench lines and summary', () => {
  const measure = (tool: string, run: string, o: { cpuTicksPerSec: number; rssMb: number; rampMs: number; delivered: number }) => {
    const samples: Sample[] = [];
    for (let t = 0; t <= 22_000; t += 1000) samples.push({ t, cpuTicks: (t / 1000) * o.cpuTicksPerSec, rssKb: o.rssMb * 1024 });
    return {
      tool,
      run,
      workers: 1,
      sockets: 10_000,
      publishRate: 5,
      published: 100,
      publishSkipped: 0,
      opened: 10_000,
      failed: 0,
      rampMs: o.rampMs,
      holdStartT: 2000,
      holdEndT: 22_000,
      held: 10_000,
      delivered: o.delivered,
      lost: 0,
      fanoutP50Ms: 5,
      fanoutP99Ms: 20,
      lagMaxMs: 10,
      saturated: false,
      client: samples,
      target: samples.map((s) => ({ ...s, cpuTicks: s.cpuTicks / 2 })),
    };
  };

  it('derives connect rate, deliveries/s and CPU per 10k deliveries/s', () => {
    // 20 ticks/s = 20% of a core; 1,000,000 deliveries over a 20 s hold = 50k/s.
    const line = runLine(measure('baseline', 'rate-5', { cpuTicksPerSec: 20, rssMb: 118, rampMs: 2000, delivered: 1_000_000 }), 100);
    expect(line.connectRatePerSec).toBe(5000);
    expect(line.deliveriesPerSec).toBe(50_000);
    expect(line.cpuPct).toBeCloseTo(20);
    expect(line.cpuPer10kDeliveriesPerSec).toBeCloseTo(4);
    expect(line.rssMb).toEqual({ afterRamp: 118, end: 118 });
    expect(line.targetCpuPct).toBeCloseTo(10);
  });

  it('checks the ratios wsload/baseline against the targets', () => {
    const lines = [
      runLine(measure('baseline', 'rate-5', { cpuTicksPerSec: 20, rssMb: 100, rampMs: 2000, delivered: 1_000_000 }), 100),
      runLine(measure('wsload', 'rate-5', { cpuTicksPerSec: 26, rssMb: 115, rampMs: 2100, delivered: 1_000_000 }), 100),
      runLine(measure('baseline', 'rate-8', { cpuTicksPerSec: 30, rssMb: 100, rampMs: 2000, delivered: 1_600_000 }), 100),
      runLine(measure('wsload', 'rate-8', { cpuTicksPerSec: 33, rssMb: 115, rampMs: 2100, delivered: 1_600_000 }), 100),
    ];
    const s = summaryLine(lines);
    expect(s.ratios.rss).toBeCloseTo(1.15);
    expect(s.ratios.connectRate).toBeCloseTo(0.95);
    // At the busiest pair (rate-8): 33 / 30.
    expect(s.ratios.cpuPerDelivery).toBeCloseTo(1.1);
    expect(s.pass).toMatchObject({ rss: true, connectRate: true, cpuPerDelivery: true });
    // Marginal: baseline (30-20)/3 per 10k, wsload (33-26)/3 per 10k.
    expect(s.marginalCpuPer10kDeliveriesPerSec.ratio).toBeCloseTo(0.7);
    expect(s.notes).toEqual([]);

    const fat = summaryLine([
      lines[0],
      runLine(measure('wsload', 'rate-5', { cpuTicksPerSec: 26, rssMb: 130, rampMs: 3000, delivered: 1_000_000 }), 100),
    ]);
    expect(fat.pass.rss).toBe(false);
    expect(fat.pass.connectRate).toBe(false);
  });

  it('names saturated clients and lost deliveries in the notes', () => {
    const b = runLine(measure('baseline', 'rate-5', { cpuTicksPerSec: 20, rssMb: 100, rampMs: 2000, delivered: 1_000_000 }), 100);
    const w = {
      ...runLine(measure('wsload', 'rate-5', { cpuTicksPerSec: 20, rssMb: 100, rampMs: 2000, delivered: 1_000_000 }), 100),
      saturated: true,
      lost: 7,
    };
    const notes: string[] = summaryLine([b, w]).notes;
    expect(notes.some((n) => n.includes('wsload workers 1 rate-5') && n.includes('saturated'))).toBe(true);
    expect(notes.some((n) => n.includes('7 deliveries lost'))).toBe(true);
  });
});

describe('bench settings', () => {
  it("defaults to the issues' figures: 10k sockets, ~50k and ~80k deliveries/s", () => {
    const c = readBenchConfig({});
    expect(c.sockets).toBe(10_000);
    expect(c.holdSeconds).toBe(20);
    expect(c.publishRates).toEqual([5, 8]);
    expect([...c.runs]).toEqual(['ratios', 'compare', 'workers2', 'soak', 'soak-memory']);
    expect(c.soakSeconds).toBe(120);
    expect(c.soakSockets).toBe(5000);
    expect(c.soakMetrics).toBe(true);
    expect(readBenchConfig({ BENCH_SOAK_METRICS: '0' }).soakMetrics).toBe(false);
    expect(() => readBenchConfig({ BENCH_SOAK_METRICS: '2' })).toThrow('BENCH_SOAK_METRICS: expected a number from 0 to 1, got "2"');
  });

  it('derives publish rates from the socket count and enables the large run with local addresses', () => {
    const c = readBenchConfig({ BENCH_SOCKETS: '2000', BENCH_LARGE: '1', BENCH_LOCAL_ADDRESSES: '4' });
    expect(c.publishRates).toEqual([25, 40]);
    expect(c.runs.has('large')).toBe(true);
    expect(c.localAddresses).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4']);
  });

  it('names the variable of a bad value', () => {
    expect(() => readBenchConfig({ BENCH_SOCKETS: 'many' })).toThrow(/BENCH_SOCKETS/);
    expect(() => readBenchConfig({ BENCH_RUNS: 'compare,sprint' })).toThrow(/BENCH_RUNS: unknown run "sprint"/);
  });
});
