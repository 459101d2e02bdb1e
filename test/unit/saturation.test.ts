import { describe, expect, it } from 'vitest';
import { judgeSaturation } from '../../src/report/saturation.js';
import type { PercentileSet } from '../../src/run/report.js';

const set = (p50: number, p99: number, count = 1000): PercentileSet => ({ count, min: 0, mean: p50, p50, p90: p99, p99, p999: p99, max: p99 });
const worker = (p99Ms: number, utilization = 0.2, maxMs = p99Ms) => ({ workerId: 0, crashed: null, lag: { maxMs, p99Ms, meanMs: p99Ms / 4, utilization, intervalMaxMs: 0 } });
const idleMain = { maxMs: 1, p99Ms: 1, p90Ms: 0.5, p50Ms: 0.2, meanMs: 0.2, utilization: 0.1 };

describe('judgeSaturation', () => {
  it('calls 2,000 sockets on one worker saturated when its own handling is most of fan-out latency', () => {
    // Measured: fan-out p50 3.7 ms at 200 sockets, 12.4 ms at 2,000 with lag p99 ~2 ms: saturated was false.
    const v = judgeSaturation({ workers: [worker(2)], mainLag: idleMain, turn: set(9, 11), fanout: set(12.4, 16) });
    expect(v.saturated).toBe(true);
    expect(v.reasons.join()).toContain('message handling p99 11.0 ms per loop turn');
    expect(v.clientMs).toBeCloseTo(13, 5);
  });

  it('does not blame the client when its time is a small part of fan-out latency', () => {
    expect(judgeSaturation({ workers: [worker(2)], mainLag: idleMain, turn: set(0.4, 0.9), fanout: set(3.7, 6) }).saturated).toBe(false);
    // A slow target: 40 ms of client time against a 400 ms fan-out p99 is not the bottleneck.
    expect(judgeSaturation({ workers: [worker(35)], mainLag: idleMain, turn: set(2, 5), fanout: set(300, 400) }).saturated).toBe(false);
  });

  it('sees the main thread, which runs the publish schedule', () => {
    const v = judgeSaturation({ workers: [worker(2)], mainLag: { ...idleMain, p99Ms: 80, maxMs: 120 }, turn: set(0.4, 0.9), fanout: set(100, 150) });
    expect(v.saturated).toBe(true);
    expect(v.reasons[0]).toContain('main-thread (publisher) event-loop lag p99 80.0 ms');
  });

  it('calls a worker busy more than 90% of the hold saturated, and keeps the lag limits', () => {
    expect(judgeSaturation({ workers: [worker(5, 0.95)], mainLag: null, turn: set(1, 2), fanout: set(100, 200) }).reasons).toEqual(['worker 0 was busy 95% of the hold']);
    expect(judgeSaturation({ workers: [worker(60)], mainLag: null, turn: set(1, 2), fanout: set(500, 900) }).saturated).toBe(true);
    expect(judgeSaturation({ workers: [worker(5, 0.2, 600)], mainLag: null, turn: set(1, 2), fanout: set(500, 900) }).saturated).toBe(true);
  });
});
