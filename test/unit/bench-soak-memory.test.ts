import { describe, expect, it } from 'vitest';
// @ts-expect-error: the bench is plain JavaScript without declarations
import { judgeSoakMemory, SOAK_MEMORY_BOUNDS, soakMemoryConfig } from '../../bench/soak-memory.js';
import { seededRandom } from '../../src/report/bootstrap.js';

interface Sample {
  atMs: number;
  heapMb: number;
  rssMb: number;
}
interface Judged {
  heap: { slope: number; ci: [number, number] };
  rss: { slope: number; ci: [number, number] };
  failures: string[];
}
const judge = judgeSoakMemory as (s: Sample[], cfg: ReturnType<typeof soakMemoryConfig>) => Judged;
const bounds = SOAK_MEMORY_BOUNDS as { heapMbPerMin: number; rssMbPerMin: number };

/** Samples every 2 s over the default 600 s: heap and RSS growing `heapPerMin` / `rssPerMin` MB per minute, with GC-like noise. */
function samples(heapPerMin: number, rssPerMin: number, seed = 3): Sample[] {
  const random = seededRandom(seed);
  const out: Sample[] = [];
  for (let t = 0; t <= 600_000; t += 2000) {
    const min = t / 60_000;
    out.push({ atMs: t, heapMb: 15 + heapPerMin * min + (random() - 0.5) * 0.4, rssMb: 120 + rssPerMin * min + (random() - 0.5) * 6 });
  }
  return out;
}

describe('bench soak-memory: the slope check', () => {
  const cfg = soakMemoryConfig({}) as ReturnType<typeof soakMemoryConfig>;

  it('passes a flat run', () => {
    const j = judge(samples(0, 0), cfg);
    expect(j.failures).toEqual([]);
    expect(j.heap.ci[0]).toBeLessThan(0.05);
  });

  it('fails, naming the slope and its bound, on growth above a bound', () => {
    const j = judge(samples(3 * bounds.heapMbPerMin, 3 * bounds.rssMbPerMin), cfg);
    expect(j.failures).toHaveLength(2);
    expect(j.failures[0]).toMatch(/^heap grows [\d.]+ MB\/min \(95 % [\d.]+ to [\d.]+\), bound 0\.11$/);
    expect(j.failures[1]).toMatch(/^RSS grows/);
  });

  it('rejects a bad setting with the variable named', () => {
    expect(() => soakMemoryConfig({ BENCH_SOAKMEM_SECONDS: '5' })).toThrow(
      'BENCH_SOAKMEM_SECONDS: expected a number from 30 to 86400, got "5"',
    );
  });
});
