/** The words for why deliveries were lost, and for a run where nothing arrived in time (report/verdict.ts). */
import { describe, expect, it } from 'vitest';
import { deliveredNothingText, lostReasons, verdictLine } from '../../src/report/verdict.js';
import { fmtCount } from '../../src/render/format.js';
import { fakeReport } from '../helpers/fake-report.js';

describe('lost reasons', () => {
  it('names each reason that applies, with its count', () => {
    const r = fakeReport({ lost: 1465 });
    r.fanout = { ...r.fanout, lostBeforeClose: 1450, lostOpen: 12, late: 3 };
    expect(lostReasons(r)).toBe('1450 owed by sockets that closed without them, 12 never arrived on open sockets, 3 arrived late');
    expect(lostReasons(r, fmtCount)).toBe(
      '1,450 owed by sockets that closed without them, 12 never arrived on open sockets, 3 arrived late',
    );
    expect(verdictLine(r)).toContain(
      `1465 of ${r.fanout.expected} deliveries lost (1450 owed by sockets that closed without them, 12 never arrived on open sockets, 3 arrived late)`,
    );
  });

  it('reads a report of an older version (no reasons) as every loss that was not late on an open socket', () => {
    const r = fakeReport({ lost: 10 });
    r.fanout = { ...r.fanout, late: 4 };
    delete r.fanout.lostBeforeClose;
    delete r.fanout.lostOpen;
    expect(lostReasons(r)).toBe('6 never arrived on open sockets, 4 arrived late');
  });
});

describe('nothing delivered', () => {
  it('says nothing arrived when nothing did', () => {
    const r = fakeReport({ fanoutMs: [], lost: 100, published: 10 });
    expect(deliveredNothingText(r)).toBe('no delivery arrived although 10 publishes succeeded');
  });
});
