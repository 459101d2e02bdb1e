/** The worker's server-stream accounting: sequence judgements with a fixed window, staleness, and reading the fields. */
import { describe, expect, it } from 'vitest';
import { createHistogram, percentiles } from '../../src/metrics/histogram.js';
import { SEQ_WINDOW, StreamTracker } from '../../src/worker/stream-tracker.js';
import { StreamReader } from '../../src/worker/stream-reader.js';

function tracker(sockets = 1): { t: StreamTracker; h: ReturnType<typeof createHistogram> } {
  const h = createHistogram();
  return { t: new StreamTracker(sockets, h, 0), h };
}

function feed(t: StreamTracker, k: number, seqs: number[]): void {
  for (const seq of seqs) t.receive(k, NaN, seq, 0);
}

describe('StreamTracker', () => {
  it('tells gaps, duplicates and late arrivals apart per socket', () => {
    const { t } = tracker(2);
    feed(t, 0, [1, 2, 3, 4, 5, 8, 8, 7, 9, 10, 15, 10, 11]);
    feed(t, 1, [100, 101, 102]);
    expect(t.counters).toMatchObject({ messages: 16, gaps: 2, missing: 4, duplicated: 2, outOfOrder: 2 });
  });

  it('a reconnected socket starts a new baseline: a jump across the reconnect is no gap, an older number no loss', () => {
    const { t } = tracker();
    feed(t, 0, [1, 2, 3]);
    t.reset(0);
    feed(t, 0, [50, 49, 51]);
    // 49 is below the new connection's first number: late, but it was never counted missing.
    expect(t.counters).toMatchObject({ gaps: 0, missing: 0, outOfOrder: 1, duplicated: 0 });
  });

  it(`beyond the ${SEQ_WINDOW} numbers below the newest, a repeat is counted out of order (cannot be told from a late one)`, () => {
    const { t } = tracker();
    feed(t, 0, [1, 2, 40, 2]);
    expect(t.counters).toMatchObject({ gaps: 1, missing: 37, duplicated: 0, outOfOrder: 1 });
    feed(t, 0, [40 - SEQ_WINDOW + 1]);
    // Inside the window and skipped by the jump: late, and no longer missing.
    expect(t.counters).toMatchObject({ outOfOrder: 2, missing: 36 });
  });

  it('records staleness against the wall clock; a timestamp ahead of the receipt counts negative: within 10 ms as 0, further ahead as unknown', () => {
    const h = createHistogram();
    const t = new StreamTracker(1, h, 1_000_000);
    t.receive(0, 1_000_000 + 100 - 40, -1, 100); // stamped 40 ms before receipt
    t.receive(0, 1_000_000 + 100 + 4, -1, 100); // stamped 4 ms after receipt: within the clocks' accuracy
    t.receive(0, 1_000_000 + 100 + 250, -1, 100); // stamped 250 ms after receipt: staleness unknown
    expect(t.counters).toMatchObject({ messages: 3, negative: 2, ahead: 1, aheadMaxMs: 250 });
    const p = percentiles(h);
    expect(p.count).toBe(2);
    expect(p.min).toBe(0);
    expect(p.max).toBeCloseTo(40, 0);
  });

  it('counts a timestamp too far in the past for the histogram at 365 days instead of losing it', () => {
    const h = createHistogram();
    const t = new StreamTracker(1, h, 1_700_000_000_000);
    t.receive(0, -1e15, -1, 100);
    t.receive(0, 1_700_000_000_000 + 100 - 5, -1, 100);
    expect(t.counters).toMatchObject({ messages: 2, staleCapped: 1 });
    expect(h.totalCount).toBe(2);
    expect(percentiles(h).max).toBeGreaterThanOrEqual(365 * 86_400_000);
  });
});

describe('StreamReader', () => {
  const read = (r: StreamReader, text: string): [boolean, number, number] => {
    const ok = r.read(Buffer.from(text));
    return [ok, r.timestampMs, r.sequence];
  };

  it('reads nested integers by the byte scan, floats and strings by parsing', () => {
    const r = new StreamReader('/data/ts', 'ms', '/data/seq');
    expect(read(r, '{"type":"event","data":{"seq":7,"ts":1732640000123}}')).toEqual([true, 1732640000123, 7]);
    expect(read(r, '{"data":{"seq":"8","ts":1732640000123.5}}')).toEqual([true, 1732640000123.5, 8]);
    expect(read(r, '{"data":{"seq":"x","ts":1}}')[0]).toBe(false);
    expect(read(r, '{"data":{"seq":1.5,"ts":1}}')[0]).toBe(false);
    expect(read(r, '{"data":{"seq":3}}')[0]).toBe(false);
    expect(read(r, 'not json')[0]).toBe(false);
  });

  it.each([
    ['s', '{"ts":1732640000.25}', 1732640000250],
    ['s', '{"ts":1732640000}', 1732640000000],
    ['us', '{"ts":1732640000123456}', 1732640000123.456],
    ['ns', '{"ts":"1732640000123456789"}', 1732640000123.4568],
    ['iso', '{"ts":"2026-11-26T17:00:00.250Z"}', Date.parse('2026-11-26T17:00:00.250Z')],
  ] as const)('unit %s: %s', (unit, text, ms) => {
    const r = new StreamReader('/ts', unit, null);
    const [ok, ts, seq] = read(r, text);
    expect(ok).toBe(true);
    expect(ts).toBeCloseTo(ms, 2);
    expect(seq).toBe(-1);
  });

  it('reads both fields of one object in one scan, in either order, and falls back whenever that scan is unsure', () => {
    const r = new StreamReader('/d/ts', 'ms', '/d/seq');
    expect(read(r, '{"d":{"ts":1700000000000,"x":[1,{"y":2}],"seq":4}}')).toEqual([true, 1700000000000, 4]);
    expect(read(r, '{"d":{"seq":"5","ts":"1700000000001"}}')).toEqual([true, 1700000000001, 5]);
    expect(read(r, '{"d":{"seq":6,"ts":1700000000000.5}}')).toEqual([true, 1700000000000.5, 6]);
    expect(read(r, '{"d":{"seq":7}}')[0]).toBe(false);
    expect(read(r, '{"d":{"ts":1,"seq":-7}}')[0]).toBe(false);
    const iso = new StreamReader('/d/at', 'iso', '/d/n');
    expect(read(iso, '{"d":{"n":1,"at":"2026-11-26T17:00:00Z"}}')).toEqual([true, Date.parse('2026-11-26T17:00:00Z'), 1]);
    // An array parent has no sibling: read field by field.
    const arr = new StreamReader('/d/0', 'ms', '/d/1');
    expect(read(arr, '{"d":[1700000000000,9]}')).toEqual([true, 1700000000000, 9]);
  });

  it('an ISO unit refuses a number, a numeric unit a non-numeric string', () => {
    expect(read(new StreamReader('/ts', 'iso', null), '{"ts":1732640000}')[0]).toBe(false);
    expect(read(new StreamReader('/ts', 'ms', null), '{"ts":"yesterday"}')[0]).toBe(false);
  });
});
