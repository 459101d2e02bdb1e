import { describe, expect, it } from 'vitest';
import { estimateIdleTimeout, type CohortDrops } from '../../src/metrics/idle-timeout.js';
import { createHistogram, recordMs } from '../../src/metrics/histogram.js';

function cohort(name: string, idleMs: number[], extra: Partial<CohortDrops> = {}): CohortDrops {
  const h = createHistogram();
  for (const ms of idleMs) recordMs(h, ms);
  const screening = { samples: idleMs.length, closeFrame: 0, clientSide: 0, inDropEvent: 0, receivingTraffic: 0 };
  return {
    name,
    samples: h,
    screening,
    connectionLost: idleMs.length,
    serverClose: 0,
    pingIntervalMs: null,
    heartbeatIntervalMs: null,
    sockets: 100,
    ...extra,
  };
}

describe('estimateIdleTimeout', () => {
  it('reads the timeout off a silent cohort cut at one idle time and names the surviving ping cohort', () => {
    const silent = cohort(
      'silent',
      Array.from({ length: 50 }, (_, i) => 3000 + (i % 10) * 3),
    );
    const pinging = cohort('ping-1s', [], { pingIntervalMs: 1000 });
    const v = estimateIdleTimeout([silent, pinging]);
    expect(v.estimate?.cohort).toBe('silent');
    expect(v.estimate?.estimateMs).toBeGreaterThan(2990);
    expect(v.estimate?.estimateMs).toBeLessThan(3040);
    expect(v.estimate?.samples).toBe(50);
    expect(v.survivingCohorts).toEqual(['ping-1s']);
    expect(v.recommendation).toBe(
      "sockets idle for 3.01s were cut (1006, no close frame); cohort ping-1s survived: keep client pings under 3.01s or raise the gateway's idle timeout",
    );
  });

  it('gives no estimate when drops are spread out, and says why', () => {
    const v = estimateIdleTimeout([cohort('silent', [500, 4000, 9000, 15000, 30000])]);
    expect(v.estimate).toBeNull();
    expect(v.note).toMatch(/spread from .* to .*, not one timeout/);
    expect(v.recommendation).toBeNull();
  });

  it('gives no estimate from too few drops', () => {
    const v = estimateIdleTimeout([cohort('silent', [3000, 3001])]);
    expect(v.estimate).toBeNull();
    expect(v.note).toBe('cohort silent: only 2 drops (need 3)');
  });

  it('says so when nothing was dropped', () => {
    const v = estimateIdleTimeout([cohort('default', [])]);
    expect(v.estimate).toBeNull();
    expect(v.note).toBe('no socket was dropped during the run');
    expect(v.survivingCohorts).toEqual(['default']);
  });

  it('names the reasons of the one rule for every cluster: active sockets taken, idle sockets surviving, nothing to show the cut was selective', () => {
    const screening = { samples: 0, closeFrame: 0, clientSide: 0, receivingTraffic: 0, tookActive: 60, idleSurvived: 8, unconfirmed: 20 };
    const v = estimateIdleTimeout([cohort('default', [], { screening, connectionLost: 88 })]);
    expect(v.estimate).toBeNull();
    expect(v.note).toBe(
      'cohort default: no close qualifies as an idle timeout: 60 were cut together with sockets active within their idle time: a restart or a mass drop, not a timeout ' +
        '(see disconnects.events), 8 were cut while sockets idle longer than them stayed open: a timeout would have cut those too, 20 were cut with no socket active ' +
        'within their idle time left open to show the cut was selective, and not one by one as each socket went quiet: a restart looks the same (a cohort that pings ' +
        'more often than the timeout tells them apart)',
    );
  });

  it('gives no estimate when every drop was screened out, naming each reason with its count (a report of an older version)', () => {
    const screening = { samples: 0, closeFrame: 40, clientSide: 3, inDropEvent: 30, receivingTraffic: 12 };
    const v = estimateIdleTimeout([cohort('default', [], { screening, connectionLost: 42, serverClose: 40 })]);
    expect(v.estimate).toBeNull();
    expect(v.recommendation).toBeNull();
    expect(v.note).toBe(
      'cohort default: no close qualifies as an idle timeout: 30 came in drop events that hit sockets at once whatever their idle time, ' +
        'or whose sockets went quiet within 50 ms of each other so a timeout cannot be told from a mass drop ' +
        '(see disconnects.events; a slower connectRate spreads the cuts), 40 had server close frames, 3 were closed by the client itself ' +
        '(protocol error or ping flood), 12 were idle no longer than twice the interval at which they receive publishes or pongs',
    );
  });
});
