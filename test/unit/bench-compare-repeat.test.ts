import { describe, expect, it } from 'vitest';
// @ts-expect-error bench/ is plain JavaScript without declarations
import { readBenchConfig } from '../../bench/config.js';
// @ts-expect-error bench/ is plain JavaScript without declarations
import { crossSides, disjointSides } from '../../bench/compare-repeat.js';

type Sides = [number[], number[]][];

describe('bench compare-repeat settings', () => {
  it("defaults to issue 19's experiment: 200 sockets at 10/s, 20 s runs 10 ms slower as 3-vs-3, 5 s runs 100 ms slower, 9 plain runs of each", () => {
    const c = readBenchConfig({ BENCH_RUNS: 'compare-repeat' }) as { repeat: Record<string, number> };
    expect(c.repeat).toEqual({
      runs: 9,
      delayed: 6,
      shortDelayed: 4,
      sockets: 200,
      rate: 10,
      seconds: 20,
      shortSeconds: 5,
      delayMs: 10,
      shortDelayMs: 100,
      side: 3,
      sidePairs: 40,
    });
    // 9 plain runs of each length: 36 + 36 single pairs and more than 30 pairs of disjoint 3-run sides.
    expect((disjointSides(9, 3, 40) as Sides).length).toBe(40);
    expect(() => readBenchConfig({ BENCH_REPEAT_SIDE: '0' })).toThrow(/BENCH_REPEAT_SIDE: expected a number from 1 to 20/);
  });

  it('draws sides of disjoint runs, and plain sides against delayed ones, each pair once and the same every time', () => {
    const d = disjointSides(6, 3, 100) as Sides;
    // Splits of 6 runs into two sides of 3: C(6,3) / 2 = 10.
    expect(d).toHaveLength(10);
    for (const [a, b] of d) expect(a.filter((x) => b.includes(x))).toEqual([]);
    expect(new Set(d.map((p) => JSON.stringify(p))).size).toBe(10);
    const x = crossSides(9, 6, 3, 40) as Sides;
    expect(x).toHaveLength(40);
    expect(new Set(x.map((p) => JSON.stringify(p))).size).toBe(40);
    expect(crossSides(9, 6, 3, 40)).toEqual(x);
    // Every plain and every delayed run appears somewhere.
    expect(new Set(x.flatMap(([a]) => a)).size).toBe(9);
    expect(new Set(x.flatMap(([, b]) => b)).size).toBe(6);
  });
});
