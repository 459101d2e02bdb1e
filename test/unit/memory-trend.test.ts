import { describe, expect, it } from 'vitest';
import { fitSlope, MAX_RSS_SAMPLES, memoryTrend, RssSeries } from '../../src/metrics/memory-trend.js';
import { seededRandom } from '../../src/report/bootstrap.js';

const MIN = 60_000;
const HOUR = 3_600_000;
/** An RSS series sampled every `everyMs` over `hours`: `level(t)` plus GC sawtooth and noise. */
function series(hours: number, level: (tMs: number) => number, everyMs = 1000, seed = 1): RssSeries {
  const random = seededRandom(seed);
  const s = new RssSeries();
  for (let t = 0; t <= hours * HOUR; t += everyMs) {
    const saw = ((t / 1000) % 37) / 37 * 12; // heap grows 12 MB and is collected every 37 s
    s.sample(t, level(t) + saw + (random() - 0.5) * 4);
  }
  return s;
}

describe('client.memory: the RSS slope and the flat judgement', () => {
  it('calls a flat 2 h soak flat, its slope near 0 with an interval around it', () => {
    const m = memoryTrend(series(2, () => 200), 10_000, 2 * HOUR);
    expect(m?.flat).toBe(true);
    expect(Math.abs(m?.rssSlopeMbPerHour ?? 99)).toBeLessThan(1);
    expect(m?.ci[0]).toBeLessThan(m?.rssSlopeMbPerHour ?? 0);
    expect(m?.ci[1]).toBeGreaterThan(m?.rssSlopeMbPerHour ?? 0);
    expect(m?.fromS).toBeGreaterThanOrEqual(15 * 60); // warm-up: a quarter of the hold, at most 15 min
  });

  it("calls issue 27's creep (+11 MB/h after the step) growing, and reads its slope", () => {
    // 190 MB, the +51 MB step at 610 s (inside the warm-up), then +11 MB/h.
    const m = memoryTrend(series(2, (t) => (t < 610_000 ? 190 : 241 + (11 * (t - 610_000)) / HOUR)), 10_000, 2 * HOUR);
    expect(m?.flat).toBe(false);
    expect(m?.rssSlopeMbPerHour).toBeGreaterThan(9);
    expect(m?.rssSlopeMbPerHour).toBeLessThan(13);
    expect(m?.ci[0]).toBeGreaterThan(m?.toleranceMbPerHour ?? Infinity);
  });

  it('gives the slope but no verdict on a short run, and nothing before the warm-up ends', () => {
    const short = memoryTrend(series(0.25, (t) => 150 + t / MIN), 5_000, 0.25 * HOUR);
    expect(short?.flat).toBeUndefined();
    expect(short?.note).toMatch(/too short/);
    expect(short?.rssSlopeMbPerHour).toBeGreaterThan(50);
    expect(memoryTrend(new RssSeries(), 0, 1000)).toBeNull();
  });

  it('makes no call when the interval straddles the tolerance (a slope of exactly the tolerance, noisy)', () => {
    const random = seededRandom(9);
    const s = new RssSeries();
    // 30 min after the warm-up, samples every 20 s, slope 5 MB/h under ±15 MB of noise.
    for (let t = 0; t <= 50 * MIN; t += 20_000) s.sample(t, 100 + (5 * t) / HOUR + (random() - 0.5) * 30);
    const m = memoryTrend(s, 0, 50 * MIN);
    expect(m?.flat).toBeUndefined();
    expect(m?.note).toMatch(/inconclusive/);
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
});
