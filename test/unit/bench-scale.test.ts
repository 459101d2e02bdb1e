import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
// @ts-expect-error bench/ is plain JavaScript without declarations
import { readBenchConfig } from '../../bench/config.js';
// @ts-expect-error bench/ is plain JavaScript without declarations
import { descendants, startTreeSampler } from '../../bench/process-tree.js';

interface ScaleConfig {
  runs: Set<string>;
  scale: { sockets: number; refSockets: number; rate: number; holdSeconds: number; connectRate: number; maxPending: number; addresses: number };
}
interface GroupSample {
  rssKb: number;
  processes: number;
}
interface TreeSampler {
  groups: Map<string, GroupSample[]>;
  stop(): void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('bench scale run', () => {
  it('is chosen with BENCH_RUNS=scale, 100,000 sockets over 6 source addresses against a 10,000-socket reference', () => {
    const c = readBenchConfig({ BENCH_RUNS: 'scale' }) as ScaleConfig;
    expect([...c.runs]).toEqual(['scale']);
    expect(c.scale).toEqual({ sockets: 100_000, refSockets: 10_000, rate: 0.2, holdSeconds: 60, connectRate: 4000, maxPending: 200, addresses: 6 });
    expect((readBenchConfig({}) as ScaleConfig).runs.has('scale')).toBe(false);
    expect(() => readBenchConfig({ BENCH_SCALE_REF_SOCKETS: '20000' })).toThrow(/BENCH_SCALE_REF_SOCKETS/);
  });

  it('samples a process and the processes below it, grouped by a classifier of pid and command line', async () => {
    // A parent that starts a grandchild of the test: both must be found and summed.
    const script = "const { spawn } = require('node:child_process'); spawn(process.execPath, ['-e', 'setTimeout(() => {}, 3000)', 'grandchild'], { stdio: 'ignore' }); setTimeout(() => {}, 3000);";
    const parent = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    try {
      await sleep(600);
      const pids = descendants(parent.pid) as number[];
      expect(pids[0]).toBe(parent.pid);
      expect(pids.length).toBeGreaterThanOrEqual(2);
      const sampler = startTreeSampler(parent.pid, (pid: number, cmd: string) => (pid !== parent.pid && cmd.includes('grandchild') ? 'grandchild' : 'parent'), 100) as TreeSampler;
      await sleep(300);
      sampler.stop();
      const last = (g: string): GroupSample | undefined => sampler.groups.get(g)?.at(-1);
      expect(last('parent')?.processes).toBe(1);
      expect(last('grandchild')?.processes).toBe(1);
      expect(last('grandchild')?.rssKb).toBeGreaterThan(1000);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
