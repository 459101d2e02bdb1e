import { describe, expect, it } from 'vitest';
import { TickBus, type Snapshot, type TickSubscriber } from '../../src/driver/tick-bus.js';

function recorder(name: string, log: string[]): TickSubscriber {
  return {
    onSnapshot: (s, at) => log.push(`${name} snapshot ${s.workerId} @${at}`),
    onWorkerGone: (id, reason, at) => log.push(`${name} gone ${id} ${reason} @${at}`),
    onTick: (at) => log.push(`${name} tick @${at}`),
    onEnd: (at) => log.push(`${name} end @${at}`),
  };
}

const snapshot = { type: 'tick', workerId: 3 } as unknown as Snapshot;

describe('TickBus', () => {
  it('hands every tick to every subscriber in the order they subscribed; hooks are optional', () => {
    const log: string[] = [];
    const bus = new TickBus();
    bus.subscribe(recorder('aggregate', log));
    bus.subscribe({});
    bus.subscribe(recorder('timeline', log));
    bus.snapshot(snapshot, 1);
    bus.workerGone(3, 'exited with code 1', 2);
    bus.tick(3);
    expect(log).toEqual([
      'aggregate snapshot 3 @1',
      'timeline snapshot 3 @1',
      'aggregate gone 3 exited with code 1 @2',
      'timeline gone 3 exited with code 1 @2',
      'aggregate tick @3',
      'timeline tick @3',
    ]);
  });

  it('ends once and stops its own tick: the last lines are made exactly once', async () => {
    const log: string[] = [];
    const bus = new TickBus();
    bus.subscribe(recorder('timeline', log));
    bus.start(5);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(log.filter((l) => l.includes('tick')).length).toBeGreaterThan(0);
    bus.end(100);
    bus.end(101);
    const after = log.length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(log.length).toBe(after);
    expect(log.filter((l) => l.includes('end'))).toEqual(['timeline end @100']);
    // A tick that was never started after the end stays stopped.
    bus.start(5);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(log.length).toBe(after);
  });
});
