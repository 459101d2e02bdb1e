/**
 * The publish ring holds what the rate needs (rate × (deadline + timeout + 5 s) + 64 publishes, a
 * power of two), and so do the per-socket delivery bitmaps it sizes. A gateway that holds a slow
 * consumer's pushes for longer than that and then flushes them (twice each) sends copies of
 * publishes the ring has wrapped past: they must be counted `unjudged`, not unmatched, not
 * delivered, without moving the books, while the copies still in the ring are judged as ever (the
 * first late, the second duplicated). Against the real target core on loopback
 * (test/helpers/holding-target.ts).
 */
import { describe, expect, it } from 'vitest';
import { ringSizeFor } from '../../dist/run/publish-ring.js';
import { renderSummary } from '../../dist/render/summary.js';
import { expectExactBooks } from '../helpers/books.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { startHoldingTarget } from '../helpers/holding-target.js';

const track = closeAfterEach();

const HELD = 2;
const RATE = 25;
/** 25 × (1.5 + 1 + 5) + 64 = 252 publishes: a 256-slot ring, 10.24 s of publishes. */
const DEADLINE_MS = 1500;
const TIMEOUT_MS = 1000;
const RING = 256;
/** Held from publish 10 to 280 (10.8 s), released at 330: 2 s after the last held one's deadline. */
const HOLD_FROM = 10;
const HOLD_TO = 280;
const RELEASE_AT = 330;

describe('receipts after the publish ring has wrapped', () => {
  it('counts copies of publishes older than the ring unjudged and judges the rest, books exact', async () => {
    expect(ringSizeFor(RATE, DEADLINE_MS + TIMEOUT_MS), 'the ring this test wraps').toBe(RING);
    const target = track(await startHoldingTarget({ held: HELD, holdFrom: HOLD_FROM, holdTo: HOLD_TO, releaseAt: RELEASE_AT, copies: 2 }));
    const scenario = scenarioFrom({
      target: { url: target.wsUrl },
      connections: 6,
      connectRate: 2000,
      // Publish 330 comes 13.2 s into the hold; the last released copies' books close by 15 s.
      duration: '15s',
      workers: 1,
      publish: { rate: RATE, deadline: `${DEADLINE_MS}ms`, timeout: `${TIMEOUT_MS}ms` },
    });
    const report = await runQuietly(scenario);
    const f = report.fanout;
    const withheld = target.withheld();
    const why = JSON.stringify({ f: { ...f, latencyMs: undefined, completionMs: undefined }, withheld, released: target.released() });

    expect(withheld, why).toBe(HELD * (HOLD_TO - HOLD_FROM + 1));
    expect(target.released(), why).toBe(2 * withheld);
    // Publishes 10 … 74 at least had left the ring when the release came (its head ≥ 330).
    expect(f.unjudged ?? 0, why).toBeGreaterThanOrEqual(2 * HELD * (RELEASE_AT - RING - HOLD_FROM));
    expect(f.unmatched, why).toBe(0);
    // Every released copy is counted once: a judged first copy late, its re-send duplicated, an unjudged one neither.
    expect(f.late + f.duplicated + (f.unjudged ?? 0), why).toBe(2 * withheld);
    expect(f.late, why).toBeGreaterThan(0);
    // A publish leaving the ring between a socket's two copies of it: its first late, its second unjudged.
    expect(f.duplicated, why).toBeLessThanOrEqual(f.late);
    expect(f.late - f.duplicated, why).toBeLessThanOrEqual(HELD);
    // Every withheld delivery is lost: late when its copy was judged, still owed (lostOpen) when not.
    expect(f.lost, why).toBe(withheld);
    expect(f.lostOpen, why).toBe(withheld - f.late);
    expect(f.lostBeforeClose, why).toBe(0);
    expectExactBooks(report);
    expect(report.warnings.join('\n'), why).toContain(
      `${f.unjudged} copies of this run's publishes arrived after their publish had left the publish ring`,
    );
    expect(renderSummary(report)).toContain('came after their publish had left the publish ring: not judged');
  });
});
