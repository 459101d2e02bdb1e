import { describe, expect, it } from 'vitest';
import { createHistogram, encodeHistogram, recordMs } from '../../src/metrics/histogram.js';
import { mergeReports } from '../../src/report/merge.js';
import type { DropEvent, IdleTimeoutScreening, Report } from '../../src/run/report.js';
import { fakeReport, type FakeClose } from '../helpers/fake-report.js';

const lost = (n: number, idleMs: number): FakeClose[] =>
  Array.from({ length: n }, (_, i) => ({ cause: 'connection-lost', code: 1006, idleMs: idleMs + i, ageMs: idleMs + i }));

function event(startMs: number, startedAt: string, count: number): DropEvent {
  return {
    startMs,
    startedAt,
    endMs: startMs + 40,
    count,
    byCause: { 'connection-lost': count },
    byCode: { '1006': count },
    openBefore: 100,
    lowestOpen: 0,
    recoveryMs: 900,
  };
}

/** A report whose closes were screened: `samples` of them were idle-timeout samples at `idleMs`. */
function screened(
  startedAt: string,
  samples: number,
  idleMs: number,
  screening: Partial<IdleTimeoutScreening>,
  events: DropEvent[],
): Report {
  const r = fakeReport({ connections: 100, startedAt, closes: lost(samples + (screening.inDropEvent ?? 0), idleMs) });
  const h = createHistogram();
  for (let i = 0; i < samples; i++) recordMs(h, idleMs + i);
  if (samples > 0) r.histograms['idleTimeoutSamples:default'] = encodeHistogram(h);
  r.disconnects.idleTimeoutScreening = {
    default: { samples, closeFrame: 0, clientSide: 0, inDropEvent: 0, receivingTraffic: 0, ...screening },
  };
  r.disconnects.events = events;
  return r;
}

describe('merging drop events and the idle-timeout screening', () => {
  it('lists every machine`s events on the merged clock and estimates from the screened samples only', () => {
    const a = screened('2026-01-01T00:00:00.000Z', 2, 30_000, { inDropEvent: 50 }, [event(5_000, '2026-01-01T00:00:05.000Z', 50)]);
    const b = screened('2026-01-01T00:00:02.000Z', 2, 30_000, { closeFrame: 7 }, [event(1_000, '2026-01-01T00:00:03.000Z', 20)]);
    const m = mergeReports([a, b]);
    expect(m.disconnects.events?.map((e) => [e.startMs, e.startedAt, e.count])).toEqual([
      [3_000, '2026-01-01T00:00:03.000Z', 20],
      [5_000, '2026-01-01T00:00:05.000Z', 50],
    ]);
    expect(m.disconnects.idleTimeoutScreening).toEqual({
      default: { samples: 4, closeFrame: 7, clientSide: 0, inDropEvent: 50, receivingTraffic: 0 },
    });
    // 2 + 2 samples reach the minimum of 3 only together; the 50 mass-dropped closes never count.
    expect(m.disconnects.idleTimeout).toMatchObject({ cohort: 'default', samples: 4 });
    expect(m.warnings.join('\n')).not.toContain('idleTimeoutSamples');
  });

  it('gives no estimate when the merged runs had only mass drops, and says why with the summed counts', () => {
    const a = screened('2026-01-01T00:00:00.000Z', 0, 30_000, { inDropEvent: 50 }, [event(5_000, '2026-01-01T00:00:05.000Z', 50)]);
    const b = screened('2026-01-01T00:00:00.000Z', 0, 30_000, { inDropEvent: 30 }, [event(5_000, '2026-01-01T00:00:05.000Z', 30)]);
    const m = mergeReports([a, b]);
    expect(m.disconnects.idleTimeout).toBeNull();
    expect(m.disconnects.idleTimeoutNote).toMatch(/^cohort default: no close qualifies as an idle timeout: 80 came in drop events/);
  });

  it('keeps reports from before drop events readable: no events field, every close an estimate sample', () => {
    const old = fakeReport({ connections: 100, closes: lost(5, 30_000) });
    expect(old.disconnects.events).toBeUndefined();
    const m = mergeReports([old, fakeReport({ connections: 100, closes: lost(5, 30_000) })]);
    expect(m.disconnects.events).toBeUndefined();
    expect(m.disconnects.idleTimeoutScreening).toBeUndefined();
    expect(m.disconnects.idleTimeout).toMatchObject({ samples: 10 });
  });
});
