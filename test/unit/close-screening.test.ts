/**
 * The idle-timeout screening's one rule (issue 20 item 3), cluster by cluster, on closes and idle
 * profiles shaped like the runs in test/integration/gateway-idle-timeout.test.ts and
 * idle-timeout-controls.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { IdleScreening, activityIdleMs } from '../../src/metrics/close-screening.js';
import { IdleProfileBuilder, idleBucket, idleBucketEndMs, openIdleBelow } from '../../src/run/idle-profile.js';
import type { CloseRecord } from '../../src/run/protocol.js';

const T0 = 500_000;

function cut(atMs: number, idleMs: number, cohort = 0, sentIdleMs = idleMs): CloseRecord {
  return { atMs: T0 + atMs, cohort, cause: 'connection-lost', code: 1006, idleMs, sentIdleMs };
}

/** One worker's profile at run time `atMs`: sockets open with the given idle times. */
function profile(s: IdleScreening, worker: number, atMs: number, idle: number[]): void {
  const b = new IdleProfileBuilder();
  for (const ms of idle) b.add(ms);
  s.profile(worker, b.build(T0 + atMs));
}

function screening(receiveIntervalMs: (number | null)[] = [null]): IdleScreening {
  return new IdleScreening(receiveIntervalMs.map((r, i) => ({ name: `c${i}`, receiveIntervalMs: r })));
}

/** 60 silent sockets that went quiet within 60 ms, cut 4 s later within 52 ms (the nginx case). */
function silentCut(): CloseRecord[] {
  return Array.from({ length: 60 }, (_, i) => cut(4000 + Math.floor(i * 0.86), 4000 + (i % 7) - 3));
}

describe('IdleScreening', () => {
  it('takes a simultaneous cut of idle sockets as an idle timeout when sockets active within it survived (the control group)', () => {
    const s = screening([null, 1500]);
    // Two workers; 40 pinging sockets (cohort 1) idle under 1.5 s, the silent ones growing idle.
    for (let t = 0; t <= 7000; t += 200) {
      profile(s, 0, t, [...Array.from({ length: 30 }, () => Math.min(t, 4000)), ...Array.from({ length: 20 }, () => (t % 1500) + 1)]);
      profile(s, 1, t + 50, [
        ...Array.from({ length: 30 }, () => Math.min(t, 4000)),
        ...Array.from({ length: 20 }, () => ((t + 50) % 1500) + 1),
      ]);
    }
    const verdicts: boolean[] = [];
    s.onVerdict = (_, v) => verdicts.push(v);
    for (const c of silentCut()) s.add(c);
    s.advance(T0 + 7000);
    expect(s.counts[0]).toMatchObject({ samples: 60, tookActive: 0, idleSurvived: 0, unconfirmed: 0 });
    expect(verdicts).toEqual(Array.from({ length: 60 }, () => true));
    expect(s.samples[0].totalCount).toBe(60);
  });

  it('cannot tell the same cut from a restart without survivors active within it: unconfirmed', () => {
    const s = screening();
    for (let t = 0; t <= 7000; t += 200)
      profile(
        s,
        0,
        t,
        Array.from({ length: 60 }, () => Math.min(t, 4000)),
      );
    for (const c of silentCut()) s.add(c);
    s.finish();
    expect(s.counts[0]).toMatchObject({ samples: 0, unconfirmed: 60 });
  });

  it('refutes a cut when sockets as idle as its victims stayed open: a reset of 8 among 1,000 idle sockets', () => {
    const s = screening();
    // 1,000 sockets opened over 1 s; at 3.94 s the 8 oldest are destroyed; the others live on, idle.
    for (let t = 0; t <= 6000; t += 200)
      profile(
        s,
        0,
        t,
        Array.from({ length: 1000 }, (_, i) => Math.max(0, t - i)),
      );
    for (let i = 0; i < 8; i++) s.add(cut(3940 + (i % 2), 3940 - i));
    // Judged only once the survivors' idle times are known up to twice the tolerance past the cut.
    s.advance(T0 + 5500);
    expect(s.counts[0].idleSurvived ?? 0).toBe(0);
    s.advance(T0 + 6000);
    expect(s.counts[0]).toMatchObject({ samples: 0, idleSurvived: 8 });
  });

  it('takes no socket the worker had not yet seen closed for a survivor: only one still open a profile later', () => {
    const s = screening([null, 1500]);
    // A busy worker's tick at 4.8 s still lists the 60 cut sockets (idle 4.8 s); at 5 s they are gone.
    for (let t = 0; t <= 7000; t += 200) {
      const silent = t < 4000 || t === 4800 ? Array.from({ length: 60 }, () => Math.min(t, 4800)) : [];
      profile(s, 0, t, [...silent, ...Array.from({ length: 40 }, () => (t % 1500) + 1)]);
    }
    for (const c of silentCut()) s.add(c);
    s.advance(T0 + 7000);
    expect(s.counts[0]).toMatchObject({ samples: 60, idleSurvived: 0 });
  });

  it('waits for twice a long timeout`s tolerance and a profile interval before judging: survivors seen 12 s after a 60 s cut still refute it', () => {
    const s = screening();
    const close = cut(100_000, 60_000);
    profile(s, 0, 99_000, [59_000, 59_000, 100, 100, 100]);
    s.add(close);
    profile(s, 0, 101_000, [61_000, 100, 100, 100]);
    s.advance(T0 + 110_000);
    expect(s.verdictOf(close)).toBeUndefined();
    // The most idle socket still open half a second later: it survived 72.1 s idle, past 60 s + 2 × 10 %.
    profile(s, 0, 112_000, [72_000, 100, 100, 100]);
    profile(s, 0, 112_500, [72_600, 100, 100, 100]);
    s.advance(T0 + 113_000);
    expect(s.verdictOf(close)).toBe(false);
    expect(s.counts[0]).toMatchObject({ samples: 0, idleSurvived: 1 });
  });

  it('rejects a cut that also took sockets active within its idle time, though active ones survived', () => {
    const s = screening([null, 1500]);
    for (let t = 0; t <= 5000; t += 200)
      profile(s, 0, t, [...Array.from({ length: 60 }, () => Math.min(t, 3000)), ...Array.from({ length: 40 }, () => (t % 1500) + 1)]);
    // 60 silent (idle 3 s) and 20 pinging (idle under 1.5 s) destroyed at once.
    for (let i = 0; i < 60; i++) s.add(cut(3000 + (i % 3), 3000 - (i % 60)));
    for (let i = 0; i < 20; i++) s.add(cut(3001, 300 + i * 50, 1));
    s.finish();
    expect(s.counts[0]).toMatchObject({ samples: 0, tookActive: 60 });
    // The pinging sockets were never candidates (their pongs come every 1.5 s), but the cut took them.
    expect(s.counts[1]).toMatchObject({ samples: 0, receivingTraffic: 20 });
  });

  it('does not count sockets closed since the profile as controls', () => {
    const s = screening();
    // At 3.4 s ten sockets were active; all ten closed at 3.5 s, before 60 idle ones were cut at 4 s.
    profile(s, 0, 3400, [...Array.from({ length: 60 }, () => 3400), ...Array.from({ length: 10 }, () => 100)]);
    for (let i = 0; i < 10; i++) s.add({ ...cut(3500, 200), cause: 'server-close', code: 1001 });
    for (const c of silentCut()) s.add(c);
    s.finish();
    expect(s.counts[0]).toMatchObject({ samples: 0, closeFrame: 10, unconfirmed: 60 });
  });

  it('takes cuts that followed each socket`s idle clock, controls or not (a slow ramp)', () => {
    const s = screening();
    // Sockets opened 25 ms apart, each cut 2 s after it went quiet.
    for (let i = 0; i < 20; i++) s.add(cut(2000 + i * 25, 2000 + (i % 3)));
    s.finish();
    expect(s.counts[0]).toMatchObject({ samples: 20, unconfirmed: 0 });
  });

  it('judges a mass drop of 150,000 sockets as one cluster (no argument-count limit on the way)', () => {
    const s = screening();
    for (let i = 0; i < 150_000; i++) s.add(cut(5000 + (i % 30), 1000 + (i % 4000)));
    s.finish();
    expect(s.counts[0]).toMatchObject({ samples: 0, tookActive: 150_000 });
  });

  it('reads idle in the gateway`s view: since the last frame either way (a ping sent counts)', () => {
    expect(activityIdleMs(cut(0, 5000, 0, 1200))).toBe(1200);
    expect(activityIdleMs(cut(0, 900, 0, 5000))).toBe(900);
  });
});

describe('idle profiles', () => {
  it('count only sockets certainly idle for less than a bound', () => {
    const b = new IdleProfileBuilder();
    for (const ms of [0, 10, 100, 999, 1000, 1500, 4000]) b.add(ms);
    const p = b.build(1);
    expect(p.maxMs).toBe(4000);
    expect(openIdleBelow(p, 1000)).toBe(3);
    expect(openIdleBelow(p, 1e9)).toBe(7);
    expect(openIdleBelow(p, 0)).toBe(0);
    // Every value lands below its bucket's end.
    for (const ms of [0, 0.1, 1, 7, 1234.5, 86_400_000]) expect(ms).toBeLessThan(idleBucketEndMs(idleBucket(ms)));
  });
});
