import { describe, expect, it } from 'vitest';
import { DropDetector, eventThreshold } from '../../src/metrics/drop-events.js';
import { IdleScreening, followsIdleClock, receiveIntervalMs } from '../../src/metrics/close-screening.js';
import { IdleProfileBuilder } from '../../src/run/idle-profile.js';
import type { CloseRecord } from '../../src/run/protocol.js';
import type { CloseCause, DropEvent } from '../../src/run/report.js';

const START = 1_000_000;
const EPOCH = Date.parse('2026-01-01T00:00:00.000Z');

function close(atMs: number, idleMs: number, cause: CloseCause = 'connection-lost', code = 1006, cohort = 0): CloseRecord {
  return { atMs: START + atMs, cohort, cause, code, idleMs, sentIdleMs: idleMs };
}

/** An idle profile of one worker at run time `atMs`: `active` open sockets idle 200 ms. */
function activeSockets(screening: IdleScreening, atMs: number, active: number): void {
  const b = new IdleProfileBuilder();
  for (let i = 0; i < active; i++) b.add(200);
  screening.profile(0, b.build(START + atMs));
}

function detector(connections: number, receiveMs: number | null = null): { d: DropDetector; screening: IdleScreening; live: DropEvent[] } {
  const screening = new IdleScreening([{ name: 'default', receiveIntervalMs: receiveMs }]);
  const live: DropEvent[] = [];
  const d = new DropDetector({
    runStartMs: START,
    runStartEpochMs: EPOCH,
    connections,
    screening,
    settleMs: 500,
    onEvent: (e) => live.push(e),
  });
  return { d, screening, live };
}

/** Open-count samples every 100 ms from `fromMs` to `toMs` (run time), open = f(t). */
function sample(d: DropDetector, fromMs: number, toMs: number, open: (t: number) => number): void {
  for (let t = fromMs; t <= toMs; t += 100) {
    d.sampleOpen(START + t, open(t));
    d.advance(START + t);
  }
}

describe('DropDetector', () => {
  it('reports a mass drop as one event with its causes, codes, depth and recovery time', () => {
    const { d, screening, live } = detector(100);
    sample(d, 0, 1900, () => 100);
    // 100 sockets destroyed within 30 ms at 2 s; reconnects bring them back by 3.5 s.
    d.add(Array.from({ length: 100 }, (_, i) => close(2000 + (i % 30), 1500 + i * 3)));
    sample(d, 2000, 6000, (t) => (t < 2100 ? 100 : t < 3500 ? 0 : 100));
    const events = d.finish(START + 6000);
    expect(events).toEqual([
      {
        startMs: 2000,
        startedAt: '2026-01-01T00:00:02.000Z',
        endMs: 2029,
        count: 100,
        byCause: { 'connection-lost': 100 },
        byCode: { '1006': 100 },
        openBefore: 100,
        lowestOpen: 0,
        recoveryMs: 1500,
        idleTimeoutCut: false,
      },
    ]);
    expect(live).toEqual(events);
    // The sockets' idle times differed by 300 ms while they closed within 30 ms, and no socket
    // active within that time survived: nothing tells this from a restart.
    expect(screening.counts[0]).toEqual({
      samples: 0,
      closeFrame: 0,
      clientSide: 0,
      receivingTraffic: 0,
      tookActive: 0,
      idleSurvived: 0,
      unconfirmed: 100,
    });
  });

  it('keeps closes spread out in time out of events, and judges each by the same rule: samples while active sockets survive them', () => {
    const { d, screening } = detector(100);
    // 80 sockets active (idle 200 ms) all along; one close every 1.5 s after 60 s of quiet.
    for (let t = 0; t <= 40_000; t += 1000) activeSockets(screening, t, 80);
    sample(d, 0, 100, () => 100);
    d.add(Array.from({ length: 20 }, (_, i) => close(1000 + i * 1500, 60_000 + i)));
    expect(d.finish(START + 40_000)).toEqual([]);
    expect(screening.counts[0]).toMatchObject({ samples: 20, unconfirmed: 0 });
    expect(screening.samples[0].totalCount).toBe(20);
  });

  it('takes no lone close as a sample when nothing shows the cut was selective', () => {
    const { d, screening } = detector(100);
    d.add(Array.from({ length: 4 }, (_, i) => close(1000 + i * 1500, 60_000 + i)));
    expect(d.finish(START + 40_000)).toEqual([]);
    expect(screening.counts[0]).toMatchObject({ samples: 0, unconfirmed: 4 });
  });

  it('takes an event as idle timeouts when its closes followed each socket`s idle clock', () => {
    const { d, screening } = detector(40);
    // Sockets opened 10 ms apart and cut 2 s later: closes spread over 200 ms, idle times within 4 ms.
    d.add(Array.from({ length: 20 }, (_, i) => close(2000 + i * 10, 2000 + (i % 5))));
    const events = d.finish(START + 5000);
    expect(events).toHaveLength(1);
    expect(events[0].count).toBe(20);
    // No sample of the open count before it, and none showed a recovery: not back.
    expect(events[0].recoveryMs).toBeNull();
    expect(events[0].idleTimeoutCut).toBe(true);
    expect(screening.counts[0]).toMatchObject({ samples: 20, tookActive: 0, unconfirmed: 0 });
  });

  it('counts close frames, client-side closes and drops of sockets receiving traffic apart from samples', () => {
    const { d, screening } = detector(1000, 100);
    d.add([
      close(1000, 5000, 'server-close', 1011),
      close(3000, 5000, 'client-close', 1006),
      close(5000, 5000, 'protocol-error', 1002),
      close(7000, 150),
      close(9000, 5000),
    ]);
    expect(d.finish(START + 10_000)).toEqual([]);
    // The last close, alone and with no sign of sockets active around it, cannot be told from a reset.
    expect(screening.counts[0]).toEqual({
      samples: 0,
      closeFrame: 1,
      clientSide: 2,
      receivingTraffic: 1,
      tookActive: 0,
      idleSurvived: 0,
      unconfirmed: 1,
    });
  });

  it('splits bursts more than 1 s apart into separate events and needs max(5, 1%) closes within 1 s', () => {
    expect(eventThreshold(10)).toBe(5);
    expect(eventThreshold(10_000)).toBe(100);
    const { d } = detector(10);
    d.add([
      ...Array.from({ length: 6 }, (_, i) => close(1000 + i, 10, 'server-close', 4000)),
      ...Array.from({ length: 4 }, (_, i) => close(3000 + i * 100, 10, 'server-close', 4000)),
      ...Array.from({ length: 5 }, (_, i) => close(6000 + i * 200, 10, 'server-close', 1011)),
    ]);
    const events = d.finish(START + 8000);
    expect(events.map((e) => [e.startMs, e.endMs, e.count, e.byCode])).toEqual([
      [1000, 1005, 6, { '4000': 6 }],
      [6000, 6800, 5, { '1011': 5 }],
    ]);
  });

  it('emits an event live once it has ended and recovered, before the run ends', () => {
    const { d, live } = detector(50);
    sample(d, 0, 900, () => 50);
    d.add(Array.from({ length: 50 }, (_, i) => close(1000 + i, 500)));
    sample(d, 1000, 4000, (t) => (t < 1200 ? 0 : 50));
    expect(live).toHaveLength(1);
    expect(live[0].recoveryMs).toBe(200);
  });

  it('does not let a steady trickle of closes start, stretch or join a burst', () => {
    const { d } = detector(1000);
    // One close every 500 ms for a minute, and 100 sockets destroyed within 40 ms at 30 s.
    const trickle = Array.from({ length: 120 }, (_, i) => close(250 + i * 500, 20_000));
    const burst = Array.from({ length: 100 }, (_, i) => close(30_010 + (i % 40), 5_000 + i * 10));
    d.add([...trickle, ...burst]);
    const events = d.finish(START + 70_000);
    expect(events).toHaveLength(1);
    expect(events[0].startMs).toBe(30_010);
    // The trickle's closes within the next second may still count; none after it.
    expect(events[0].endMs).toBeLessThanOrEqual(31_100);
    expect(events[0].count).toBeGreaterThanOrEqual(100);
    expect(events[0].count).toBeLessThanOrEqual(103);
  });

  it('keeps memory bounded: open-count history and window do not grow with run length', () => {
    const { d } = detector(100);
    sample(d, 0, 8 * 3600_000, () => 100);
    const history = (d as unknown as { sampleTimes: number[] }).sampleTimes.length;
    expect(history).toBeLessThanOrEqual(601);
  });
});

describe('close screening helpers', () => {
  it('takes the shorter of the publish and ping intervals as the receive interval', () => {
    expect(receiveIntervalMs(10, null)).toBe(100);
    expect(receiveIntervalMs(null, 500)).toBe(500);
    expect(receiveIntervalMs(1, 500)).toBe(500);
    expect(receiveIntervalMs(null, null)).toBeNull();
  });

  it('tells closes that followed idle clocks from closes that came all at once', () => {
    const timeout = Array.from({ length: 10 }, (_, i) => close(i * 20, 2000 + (i % 2)));
    // Quiet within ~40 ms of each other: a restart 2 s after a fast ramp looks the same.
    const fastRamp = Array.from({ length: 10 }, (_, i) => close(i * 4, 2000 + (i % 2)));
    const restart = Array.from({ length: 10 }, (_, i) => close(i % 3, 1000 + i * 10));
    const bothTight = Array.from({ length: 10 }, (_, i) => close(i, 2000));
    expect(followsIdleClock(timeout)).toBe(true);
    expect(followsIdleClock(restart)).toBe(false);
    expect(followsIdleClock(bothTight)).toBe(false);
    expect(followsIdleClock(fastRamp)).toBe(false);
  });
});

describe('DropDetector memory', () => {
  it('holds at most MAX_EVENTS events waiting for a recovery that never comes, handing the oldest out with recovery unknown', () => {
    const { d, live } = detector(100);
    // Every 3 s, 20 sockets cut within 30 ms, and open never comes back to where it was before a
    // cut (half as many after each, then none: reconnects losing the race): 1,100 events, none recovered.
    const EVENTS = 1100;
    const openAfter = (e: number): number => Math.floor(1_000_000 * 0.5 ** e);
    for (let e = 0; e < EVENTS; e++) {
      const at = 1000 + e * 3000;
      d.add(Array.from({ length: 20 }, (_, i) => close(at + i, 500 + i * 7, 'connection-lost', 1006)));
      for (let t = at - 1000; t < at + 2000; t += 500) {
        d.sampleOpen(START + t, t < at ? openAfter(e) : openAfter(e + 1));
        d.advance(START + t);
      }
    }
    // Before the end: the 100 oldest were handed out already (the waiting list is full at 1,000).
    expect(live.length).toBeGreaterThanOrEqual(EVENTS - 1000 - 1);
    expect(live.length).toBeLessThanOrEqual(EVENTS - 1000 + 1);
    expect(live.every((e) => e.recoveryMs === null && e.byCode['1006'] === 20)).toBe(true);
    const events = d.finish(START + EVENTS * 3000 + 5000);
    expect(events.length).toBe(1000);
  });
});
