/**
 * An agent's `stats` carry its sockets open now and their peak, read from the publish ring its
 * worker threads count in. The coordinator drops an agent whose stats say more open than the peak
 * (src/coordinator/agent-checks.ts), so that pair must never be read that way: a worker raises the
 * open count and then the peak, and a read between the two steps used to give open = peak + 1 (a
 * local shard dropped mid-ramp on a loaded machine: "stats of 2 sockets open above their peak 1").
 */
import { describe, expect, it } from 'vitest';
import { createRing, openCounts, socketOpened } from '../../src/run/publish-ring.js';

describe('the open count and its peak', () => {
  it('never reads more open than the peak between the two steps of an open', () => {
    const ring = createRing(64);
    socketOpened(ring);
    expect(openCounts(ring)).toEqual({ open: 1, peak: 1 });
    // The first step of socketOpened, as a worker thread preempted right after it leaves it: OPEN
    // (header slot 1, src/run/publish-ring.ts) one higher, PEAK not raised yet.
    Atomics.add(ring.header, 1, 1);
    expect(openCounts(ring)).toEqual({ open: 2, peak: 2 });
    // Its second step (and any later open) raises the peak as before.
    socketOpened(ring);
    expect(openCounts(ring)).toEqual({ open: 3, peak: 3 });
  });
});
