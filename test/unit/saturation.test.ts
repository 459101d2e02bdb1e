import { describe, expect, it } from 'vitest';
import { judgeSaturation } from '../../src/report/saturation.js';
import { cpuBetween, readProcStat } from '../../src/driver/host-cpu.js';
import type { PercentileSet } from '../../src/run/report.js';

const set = (p50: number, p99: number, count = 1000): PercentileSet => ({
  count,
  min: 0,
  mean: p50,
  p50,
  p90: p99,
  p99,
  p999: p99,
  max: p99,
});
const worker = (p99Ms: number, utilization = 0.2, maxMs = p99Ms) => ({
  workerId: 0,
  crashed: null,
  lag: { maxMs, p99Ms, meanMs: p99Ms / 4, utilization, intervalMaxMs: 0 },
});
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
    const v = judgeSaturation({
      workers: [worker(2)],
      mainLag: { ...idleMain, p99Ms: 80, maxMs: 120 },
      turn: set(0.4, 0.9),
      fanout: set(100, 150),
    });
    expect(v.saturated).toBe(true);
    expect(v.reasons[0]).toContain('main-thread (publisher) event-loop lag p99 80.0 ms');
  });

  it('calls a worker busy more than 90% of the hold saturated, and keeps the lag limits', () => {
    expect(judgeSaturation({ workers: [worker(5, 0.95)], mainLag: null, turn: set(1, 2), fanout: set(100, 200) }).reasons).toEqual([
      'worker 0 was busy 95% of the hold',
    ]);
    expect(judgeSaturation({ workers: [worker(60)], mainLag: null, turn: set(1, 2), fanout: set(500, 900) }).saturated).toBe(true);
    expect(judgeSaturation({ workers: [worker(5, 0.2, 600)], mainLag: null, turn: set(1, 2), fanout: set(500, 900) }).saturated).toBe(true);
  });

  it('judges nothing without a hold: a run where no socket connected is not "busy 100% of the hold"', () => {
    // What such a run measured: the worker's utilization read over the few ms between hold and drain.
    const v = judgeSaturation({ workers: [worker(34, 1)], mainLag: null, turn: set(0, 0, 0), fanout: set(0, 0, 0), holdMs: 0 });
    expect(v).toEqual({ saturated: false, reasons: [], clientMs: 0, cause: null, advice: null });
  });

  it('judges nothing when no socket opened, even over a hold: failing handshakes say nothing about keeping up with deliveries', () => {
    const v = judgeSaturation({
      workers: [worker(80, 0.97)],
      mainLag: null,
      turn: set(0, 0, 0),
      fanout: set(0, 0, 0),
      holdMs: 3000,
      opened: 0,
    });
    expect(v).toEqual({ saturated: false, reasons: [], clientMs: 0, cause: null, advice: null });
    expect(
      judgeSaturation({ workers: [worker(80, 0.97)], mainLag: null, turn: set(0, 0, 0), fanout: set(0, 0, 0), holdMs: 3000, opened: 1 })
        .saturated,
    ).toBe(true);
  });

  it('tells a busy machine (other processes, wsload mostly idle) from wsload itself being the bottleneck, with advice for each', () => {
    const busyMachine = { cores: 2, holdMs: 5000, machineBusy: 1, wsload: 0.07, otherProcesses: 0.93 };
    const lagged = judgeSaturation({
      workers: [worker(60, 0.06)],
      mainLag: idleMain,
      turn: set(1, 2),
      fanout: set(20, 80),
      holdMs: 5000,
      cpu: busyMachine,
    });
    expect(lagged).toMatchObject({ saturated: true, cause: 'machine' });
    expect(lagged.advice).toBe(
      "this machine was busy: other processes used 93% of its 2 cores during the hold (wsload 7%), and wsload's loops (busiest 6% of the hold, a wait for a core included) mostly waited: " +
        "latency figures include the machine's scheduling delay; run on a quieter machine (or move the target off it), and compare only with runs made under the same load",
    );
    // Loops "busy" 90% of the wall clock while the process got 0.14 of a core: they waited for one (measured at load average 18).
    expect(
      judgeSaturation({
        workers: [worker(60, 0.95)],
        mainLag: idleMain,
        turn: set(1, 2),
        fanout: set(20, 80),
        holdMs: 5000,
        cpu: busyMachine,
      }).cause,
    ).toBe('machine');
    // The same loop with the CPU to show for it: wsload is the bottleneck, whatever else ran.
    const working = { cores: 2, holdMs: 5000, machineBusy: 1, wsload: 0.55, otherProcesses: 0.45 };
    const own = judgeSaturation({
      workers: [worker(60, 0.95)],
      mainLag: idleMain,
      turn: set(1, 2),
      fanout: set(20, 80),
      holdMs: 5000,
      cpu: working,
    });
    expect(own).toMatchObject({ saturated: true, cause: 'wsload' });
    expect(own.advice).toContain('use more workers or shards, or fewer sockets per process');
    // A quiet machine: the lag is wsload's own.
    const quiet = { cores: 2, holdMs: 5000, machineBusy: 0.3, wsload: 0.25, otherProcesses: 0.05 };
    expect(
      judgeSaturation({ workers: [worker(60, 0.3)], mainLag: idleMain, turn: set(1, 2), fanout: set(20, 80), holdMs: 5000, cpu: quiet })
        .cause,
    ).toBe('wsload');
    // No CPU figures (not Linux, a spread run): the cause is not guessed.
    expect(
      judgeSaturation({ workers: [worker(60, 0.3)], mainLag: idleMain, turn: set(1, 2), fanout: set(20, 80), holdMs: 5000, cpu: null })
        .cause,
    ).toBe('unknown');
    expect(
      judgeSaturation({
        workers: [worker(2)],
        mainLag: idleMain,
        turn: set(0.4, 0.9),
        fanout: set(3.7, 6),
        holdMs: 5000,
        cpu: busyMachine,
      }),
    ).toMatchObject({ saturated: false, cause: null, advice: null });
  });
});

describe('host CPU during the hold', () => {
  it('reads /proc/stat and splits the busy share between wsload and other processes', () => {
    expect(readProcStat('cpu  100 5 50 800 20 1 4 0 0 0\ncpu0 50 2 25 400 10 0 2 0 0 0\n')).toEqual({ busy: 160, total: 980 });
    expect(readProcStat('nothing here')).toBeNull();
    // 2 cores for 1 s: 200 ticks, 150 busy; wsload used 0.5 s of CPU = 25% of the machine.
    const a = { atMs: 0, busy: 1000, total: 5000, processUs: 2_000_000 };
    const b = { atMs: 1000, busy: 1150, total: 5200, processUs: 2_500_000 };
    expect(cpuBetween(a, b, 2)).toEqual({ cores: 2, holdMs: 1000, machineBusy: 0.75, wsload: 0.25, otherProcesses: 0.5 });
    expect(cpuBetween(a, a, 2)).toBeNull();
  });
});
