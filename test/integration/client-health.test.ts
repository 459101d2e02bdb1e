import { describe, expect, it } from 'vitest';
import { startPublishTarget } from '../helpers/servers.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';

const track = closeAfterEach();

describe('client health during the hold', () => {
  it('reports worker and main-thread lag of the hold, loop utilization, and handling time per turn beside fan-out latency', async () => {
    const target = track(await startPublishTarget());
    const scenario = scenarioFrom({ target: { url: target.wsUrl }, connections: 200, duration: '1500ms', workers: 1, publish: { rate: 10 } });
    const report = await runQuietly(scenario);
    expect(report.fanout.lost).toBe(0);
    expect(report.client.workers[0].utilization).toBeGreaterThan(0);
    expect(report.client.mainThreadLagMs).toBeDefined();
    // Turns that handled messages, each timed; fewer than deliveries (a burst shares turns).
    const turn = report.client.turnMs!;
    expect(turn.count).toBeGreaterThan(0);
    expect(turn.count).toBeLessThan(report.fanout.delivered);
    expect(report.histograms.clientTurn).toBeDefined();
    expect(report.client.saturated).toBe(report.client.saturationReasons!.length > 0);
  });
});
