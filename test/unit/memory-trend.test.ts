import { describe, expect, it } from 'vitest';
import { fitSlope, MAX_RSS_SAMPLES, memoryTrend, RssSeries } from '../../src/metrics/memory-trend.js';
import { seededRandom } from '../../src/report/bootstrap.js';
import { validation } from '../helpers/validation.js';

const MIN = 60_000;
const HOUR = 3_600_000;
/** An RSS series sampled every `everyMs` over `hours`: `level(t)` plus GC sawtooth and noise. */
function series(hours: number, level: (tMs: number) => number, everyMs = 1000, seed = 1): RssSeries {
  const random = seededRandom(seed);
  const s = new RssSeries();
  for (let t = 0; t <= hours * HOUR; t += everyMs) {
    const saw = (((t / 1000) % 37) / 37) * 12; // heap grows 12 MB and is collected every 37 s
    s.sample(t, level(t) + saw + (random() - 0.5) * 4);
  }
  return s;
}

describe('client.memory: the RSS slope and the flat judgement', () => {
  it('calls a flat 2 h soak flat, its slope near 0 with an interval around it', () => {
    const m = memoryTrend(
      series(2, () => 200),
      10_000,
      2 * HOUR,
    );
    expect(m?.flat).toBe(true);
    expect(Math.abs(m?.rssSlopeMbPerHour ?? 99)).toBeLessThan(1);
    expect(m?.ci[0]).toBeLessThan(m?.rssSlopeMbPerHour ?? 0);
    expect(m?.ci[1]).toBeGreaterThan(m?.rssSlopeMbPerHour ?? 0);
    expect(m?.fromS).toBeGreaterThanOrEqual(60 * 60); // the later half of the hold is judged
    expect(m?.toleranceMbPerHour).toBe(10);
  });

  it('calls a 20 MB/h leak growing, and reads its slope', () => {
    // 190 MB, the +51 MB step at 610 s (in the half left out), then +20 MB/h.
    const m = memoryTrend(
      series(2, (t) => (t < 610_000 ? 190 : 241 + (20 * (t - 610_000)) / HOUR)),
      10_000,
      2 * HOUR,
    );
    expect(m?.flat).toBe(false);
    expect(m?.rssSlopeMbPerHour).toBeGreaterThan(17);
    expect(m?.rssSlopeMbPerHour).toBeLessThan(23);
    expect(m?.ci[0]).toBeGreaterThan(m?.toleranceMbPerHour ?? Infinity);
  });

  it('calls a slowly curving RSS (settling to its working size) over 2 h, where the per-sample rule had too few independent samples', () => {
    // Like the 2 h soak of 2026-12-07 00:12 (RSS every 15 s): +12 MB/h at 15 min bending towards flat (τ = 40 min), a slow wave, ±0.5 MB.
    const random = seededRandom(3);
    const s = new RssSeries();
    for (let t = 0; t <= 2 * HOUR; t += 15_000) {
      s.sample(t, 200 + 14 * (1 - Math.exp(-t / (40 * MIN))) + 2 * Math.sin(t / (9 * MIN)) + (random() - 0.5));
    }
    const m = memoryTrend(s, 10_000, 2 * HOUR);
    expect(m?.note).toBeUndefined();
    expect(m?.flat).toBe(true);
    // The same series on the old rule (per-sample fit, AR(1)-widened, effective samples ≥ 10) got no call.
    const { atMs, mb } = s.points();
    const keep = atMs.map((t, i) => [t, mb[i]] as const).filter(([t]) => t >= 15 * MIN);
    expect(
      fitSlope(
        keep.map(([t]) => t / HOUR),
        keep.map(([, v]) => v),
      ).effective,
    ).toBeLessThan(10);
  });

  it('takes a tolerance the caller sets', () => {
    const m = memoryTrend(
      series(2, (t) => 200 + (6 * t) / HOUR),
      0,
      2 * HOUR,
      { toleranceMbPerHour: 2 },
    );
    expect(m?.toleranceMbPerHour).toBe(2);
    expect(m?.flat).toBe(false);
  });

  it('gives the slope but no verdict on a short run, and nothing before the half ends', () => {
    const short = memoryTrend(
      series(0.25, (t) => 150 + t / MIN),
      5_000,
      0.25 * HOUR,
    );
    expect(short?.flat).toBeUndefined();
    expect(short?.note).toMatch(/too short/);
    expect(short?.reason).toBe('too-short');
    expect(short?.minWindowS).toBe(1200);
    expect(short?.rssSlopeMbPerHour).toBeGreaterThan(50);
    expect(memoryTrend(new RssSeries(), 0, 1000)).toBeNull();
  });

  it('makes no call when the interval straddles the tolerance (a slope of exactly the tolerance, noisy)', () => {
    const random = seededRandom(9);
    const s = new RssSeries();
    // 25 min judged, samples every 20 s, slope 10 MB/h (the tolerance) under ±15 MB of noise.
    for (let t = 0; t <= 50 * MIN; t += 20_000) s.sample(t, 100 + (10 * t) / HOUR + (random() - 0.5) * 30);
    const m = memoryTrend(s, 0, 50 * MIN);
    expect(m?.flat).toBeUndefined();
    expect(m?.note).toMatch(/inconclusive/);
    expect(m?.reason).toBe('inconclusive');
  });

  it('widens the standard error for correlated samples (a slow wave is not evidence)', () => {
    const x = Array.from({ length: 400 }, (_, i) => i);
    const wave = x.map((i) => 10 * Math.sin(i / 40));
    const white = x.map((i) => 10 * Math.sin(i * 2.39996)); // same spread, no correlation
    expect(fitSlope(x, wave).se).toBeGreaterThan(3 * fitSlope(x, white).se);
  });

  it('keeps at most MAX_RSS_SAMPLES over any run length, spread over the whole run', () => {
    const s = series(8, () => 300, 1000);
    const { atMs } = s.points();
    expect(atMs.length).toBeLessThanOrEqual(MAX_RSS_SAMPLES);
    expect(atMs.length).toBeGreaterThan(MAX_RSS_SAMPLES / 2);
    expect(atMs[0]).toBe(0);
    expect(atMs[atMs.length - 1]).toBeGreaterThan(7.9 * HOUR);
  });

  it('takes its tolerance and shortest judged half from the scenario (report.memory, --memory-flat), with a one-line error at the path', () => {
    const v = validation({ cpus: 2, interfaces: null });
    const base = { name: 't', connections: 1, duration: '1s', publish: null };
    const s = v.ok({ ...base, report: { memory: { flat: '30MB/h', minWindow: '5m' } } });
    expect(s.report.memory).toEqual({ toleranceMbPerHour: 30, minWindowMs: 5 * MIN });
    expect(v.ok({ ...base, report: { memory: { flat: '512KB/min' } } }).report.memory).toEqual({ toleranceMbPerHour: 30 });
    expect(v.ok(base).report.memory).toBeUndefined();
    expect(v.ok(base, { overrides: { memoryFlat: '20MB/h' } }).report.memory).toEqual({ toleranceMbPerHour: 20 });
    const growth = 'expected a growth of memory per hour greater than 0 like "20MB/h" or "500KB/min"';
    expect(v.lines({ ...base, report: { memory: { flat: '10/h' } } })).toEqual([`report.memory.flat: ${growth}, got "10/h"`]);
    expect(v.lines({ ...base, report: { memory: { flat: '0MB/h' } } })).toEqual([`report.memory.flat: ${growth}, got "0MB/h"`]);
    expect(v.lines({ ...base, report: { memory: { minWindow: '0s' } } })).toEqual([
      expect.stringMatching(/^report\.memory\.minWindow: expected a duration .*greater than 0, got "0s"$/),
    ]);
    expect(v.lines({ ...base, report: { memory: { tolerance: '1MB/h' } } })).toEqual([
      expect.stringMatching(/^report\.memory(\.tolerance)?: /),
    ]);
    expect(v.lines(base, { overrides: { memoryFlat: 'lots' } })).toEqual([`--memory-flat: ${growth}, got "lots"`]);
    // The rule then judges with them, and the report says the tolerance was set.
    const m = memoryTrend(
      series(0.5, (t) => 200 + (24 * t) / HOUR),
      0,
      0.5 * HOUR,
      s.report.memory,
    );
    expect(m).toMatchObject({ toleranceMbPerHour: 30, toleranceSet: true, minWindowS: 300, flat: true });
  });
});
