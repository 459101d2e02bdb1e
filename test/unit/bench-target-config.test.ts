import { describe, expect, it } from 'vitest';
// @ts-expect-error bench/ is plain JavaScript without declarations
import { readBenchConfig } from '../../bench/config.js';

interface TargetConfig {
  runs: Set<string>;
  target: { sockets: number; processes: number; publishes: number };
}

describe('bench target run settings', () => {
  it('is chosen with BENCH_RUNS=target and defaults to 15,000 sockets, 3 processes, 20 publishes', () => {
    const c = readBenchConfig({ BENCH_RUNS: 'target' }) as TargetConfig;
    expect([...c.runs]).toEqual(['target']);
    expect(c.target).toEqual({ sockets: 15_000, processes: 3, publishes: 20 });
    expect((readBenchConfig({}) as TargetConfig).runs.has('target')).toBe(false);
  });

  it('reads BENCH_TARGET_* and names a bad one', () => {
    const c = readBenchConfig({
      BENCH_RUNS: 'target',
      BENCH_TARGET_SOCKETS: '600',
      BENCH_TARGET_PROCESSES: '2',
      BENCH_TARGET_PUBLISHES: '5',
    }) as TargetConfig;
    expect(c.target).toEqual({ sockets: 600, processes: 2, publishes: 5 });
    expect(() => readBenchConfig({ BENCH_TARGET_PROCESSES: '1' })).toThrow(/BENCH_TARGET_PROCESSES: expected a number from 2 to 64/);
  });
});
