import { afterEach, describe, expect, it } from 'vitest';
import { listenTarget } from '../../src/target/listen-target.js';
import type { RunningTarget } from '../../src/target/server.js';
import { runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { runExitCode, verdictLine } from '../../dist/report/verdict.js';

let target: RunningTarget | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

/** The built-in target, except that upgrades after the first `answered` are held unanswered. */
function startTargetAnsweringOnly(answered: number): Promise<RunningTarget> {
  let upgrades = 0;
  return listenTarget({ hooks: { upgrade: () => ++upgrades > answered } });
}

describe('handshakes wsload abandons itself when a run ends are not failures', () => {
  it('a run interrupted while every handshake is pending reports no failed connections', async () => {
    target = await startTargetAnsweringOnly(0);
    const scenario = scenarioFrom({
      target: { url: target.wsUrl },
      connections: 20,
      connectRate: 1000,
      handshakeTimeout: '10s',
      duration: '30s',
      workers: 2,
      publish: null,
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort('SIGINT'), 1000);
    const report = await runQuietly(scenario, { signal: controller.signal });
    expect(report.interrupted).toBe(true);
    expect(report.connections.opened).toBe(0);
    // Nothing failed: the target never got the chance to answer before wsload stopped waiting.
    expect(report.connections.failed).toBe(0);
    expect(report.connections.failures).toEqual({});
    // What the user reads: interrupted, and nothing else wrong.
    expect(runExitCode(report)).toBe(130);
    expect(verdictLine(report)).toBe('interrupted (SIGINT)');
  });

  it('reconnects still pending when the hold ends count as time down, not as failed connections', async () => {
    const sockets = 20;
    const dropped = 5;
    const t = await startTargetAnsweringOnly(sockets);
    target = t;
    const scenario = scenarioFrom({
      target: { url: t.wsUrl },
      connections: sockets,
      connectRate: 1000,
      handshakeTimeout: '10s',
      duration: '2500ms',
      workers: 2,
      publish: null,
      reconnect: { policy: 'immediate' },
    });
    const run = runQuietly(scenario);
    const deadline = Date.now() + 5000;
    while (t.clients() < sockets && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const droppedAt = Date.now();
    const res = await fetch(`${t.httpUrl}/admin/drop?mode=destroy&count=${dropped}`);
    expect(Number(await res.text())).toBe(dropped);
    const report = await run;
    const downFor = Date.now() - droppedAt;

    expect(report.connections.opened).toBe(sockets);
    expect(report.connections.failed).toBe(0);
    expect(report.disconnects.total).toBe(dropped);
    expect(report.reconnects.total).toBe(0);
    // Each dropped socket was down from its drop until the run closed it.
    expect(report.reconnects.downMs).toBeGreaterThanOrEqual(dropped * 1500);
    expect(report.reconnects.downMs).toBeLessThanOrEqual(dropped * downFor);
    // 5 of 20 dropped, nothing failed: the run is ok.
    expect(verdictLine(report)).toBe('ok');
    expect(runExitCode(report)).toBe(0);
  });
});
