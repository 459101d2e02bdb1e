import { describe, expect, it } from 'vitest';
import { PeakOpenMerger } from '../../src/metrics/peak-open.js';

describe('exact peak of open sockets over several processes', () => {
  it("is the highest count open at once, not the sum of each process's own peak", () => {
    const m = new PeakOpenMerger();
    // Process A: 3 sockets open 0–10 ms, closed at 10. Process B: 3 open at 20, closed at 30.
    m.add([0, 1, 1, 1, 2, 1, 10, -1, 10, -1, 10, -1]);
    m.add([20, 1, 21, 1, 22, 1, 30, -1, 30, -1, 30, -1]);
    expect(m.peak()).toBe(3);
  });

  it('merges logs that arrive in any order, tick by tick', () => {
    const m = new PeakOpenMerger();
    m.add([5, 1, 6, 1]);
    m.add([1, 1, 7, -1]);
    m.add([2, 1, 3, 1]);
    // Times 1,2,3,5,6 open → 5 at 6; 7 closes one.
    expect(m.peak()).toBe(5);
  });

  it('counts a close before an open at the same instant', () => {
    const m = new PeakOpenMerger();
    m.add([0, 1, 5, 1]);
    m.add([5, -1]);
    expect(m.peak()).toBe(1);
  });

  it('counts the sockets open at a time from the logs, whatever order they arrived in', () => {
    const m = new PeakOpenMerger();
    m.add([1, 1, 2, 1, 9, -1]);
    m.add([3, 1, 4, -1, 10, -1]);
    expect(m.openAt(0)).toBe(0);
    expect(m.openAt(3)).toBe(3);
    expect(m.openAt(8)).toBe(2);
    expect(m.openAt(9)).toBe(1);
    expect(m.openAt(20)).toBe(0);
  });
});
