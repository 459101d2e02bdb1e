import { describe, expect, it } from 'vitest';
import { startPublishTarget } from '../helpers/servers.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import { verdictLine } from '../../dist/report/verdict.js';

const track = closeAfterEach();

function blockFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Busy on purpose: the main thread (publisher and driver) is stalled across the hold's end.
  }
}

describe('publishes in a hold', () => {
  it('are exactly duration × rate, even when the main thread stalls across the end of the hold', async () => {
    // Before: the publisher caught up on everything due by the time its timer ran, so a stall
    // over the hold's end added publishes past it (150 vs 151, a whole publish of deliveries).
    const target = track(await startPublishTarget());
    const scenario = scenarioFrom({ target: { url: target.wsUrl }, connections: 5, duration: '1s', workers: 1, publish: { rate: 40 } });
    let blocked = false;
    const report = await runQuietly(scenario, {
      onProgress: (p) => {
        if (p.phase !== 'hold' || blocked) return;
        blocked = true;
        blockFor(1100);
      },
    });
    expect(blocked).toBe(true);
    expect(report.publish.sent).toBe(40);
    expect(target.publishes()).toBe(40);
    expect(report.fanout.delivered).toBe(40 * 5);
    expectDeliveredExactly(report, 5);
    // Nothing failed and nothing is blamed on the target. (Whether the stall shows as main-thread
    // lag depends on where the progress tick fell against the hold's end: client-health asserts lag.)
    expect(verdictLine(report)).toBe('ok');
  });
});
