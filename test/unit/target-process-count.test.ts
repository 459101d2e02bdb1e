import { describe, expect, it } from 'vitest';
import { MAX_TARGET_PROCESSES, socketsPerTargetProcess, spreadOverProcesses, targetProcessesFor } from '../../src/target/process-count.js';

describe('target process count', () => {
  it('holds (limit - 256) × 0.9 sockets per process', () => {
    expect(socketsPerTargetProcess(20_000)).toBe(17_769);
    expect(socketsPerTargetProcess(800)).toBe(489);
    expect(socketsPerTargetProcess(100)).toBe(1);
    expect(socketsPerTargetProcess(null)).toBeNull();
  });

  it('uses one process while it is enough, then as many as the sockets need', () => {
    expect(targetProcessesFor(17_769, 20_000)).toBe(1);
    expect(targetProcessesFor(17_770, 20_000)).toBe(2);
    expect(targetProcessesFor(100_000, 20_000)).toBe(6);
    expect(targetProcessesFor(500, 800)).toBe(2);
    expect(targetProcessesFor(500, 300)).toBe(13);
    expect(targetProcessesFor(1_000_000, null)).toBe(1);
    expect(targetProcessesFor(10_000_000, 1000)).toBe(MAX_TARGET_PROCESSES);
  });

  it('spreads a drop count in proportion to each process, capped at what it holds', () => {
    expect(spreadOverProcesses(30, [30, 30, 30])).toEqual([10, 10, 10]);
    expect(spreadOverProcesses(10, [30, 30, 30])).toEqual([4, 3, 3]);
    expect(spreadOverProcesses(5, [0, 10, 30])).toEqual([0, 1, 4]);
    expect(spreadOverProcesses(100, [3, 4, 5])).toEqual([3, 4, 5]);
    expect(spreadOverProcesses(0, [3, 4])).toEqual([0, 0]);
    expect(spreadOverProcesses(2, [0, 0])).toEqual([0, 0]);
    for (let n = 0; n <= 40; n++) {
      const out = spreadOverProcesses(n, [7, 1, 13, 0, 9]);
      expect(out.reduce((a, b) => a + b, 0)).toBe(Math.min(n, 30));
      out.forEach((k, i) => expect(k).toBeLessThanOrEqual([7, 1, 13, 0, 9][i]));
    }
  });
});
