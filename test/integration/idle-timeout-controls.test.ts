/**
 * The idle-timeout estimator's one rule (issue 20 item 3) against the built-in target's
 * /admin/drop, which ends its oldest sockets at a moment of the test's choosing: a timeout would
 * have cut every socket as idle as the victims (refuted by the survivors), and it would not have
 * taken sockets that were active within it. Neither case may give an estimate. The positive case
 * (a real gateway's timeout, with a pinging control group) is in gateway-idle-timeout.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { compare } from '../../dist/report/compare.js';
import { runExitCode } from '../../dist/report/verdict.js';
import type { Report } from '../../dist/run/report.js';
import { waitFor } from '../helpers/wait.js';

const track = closeAfterEach();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `written` against `t`; once every socket is open, waits `afterOpenMs` and drops the oldest `count` by `mode`. */
async function runWithDrop(
  t: RunningTarget,
  written: Record<string, unknown>,
  drop: { count: number; mode: string; afterOpenMs: number } | null,
): Promise<Report> {
  const sockets = written.connections as number;
  const run = runQuietly(scenarioFrom({ target: { url: t.wsUrl }, publish: null, workers: 2, ...written }));
  if (drop) {
    await waitFor(() => t.clients() === sockets, 15_000);
    await sleep(drop.afterOpenMs);
    const res = await fetch(`${t.httpUrl}/admin/drop?mode=${drop.mode}&count=${drop.count}`);
    expect(Number(await res.text())).toBe(drop.count);
  }
  return run;
}

describe('closes that are not an idle timeout give no estimate', () => {
  it('destroying the 8 oldest of 1,000 idle sockets (opened within 8 ms of each other) is no idle-timeout estimate, and compare does not call the row worse', async () => {
    // 1,000 silent sockets opened over 1 s; about 3.9 s after the first opened, the 8 oldest are
    // destroyed (no close frame). Sockets opened a few ms after them, as idle, survived for seconds
    // more: no idle timeout of 3.9 s exists on this path.
    const written = { connections: 1000, connectRate: 1000, duration: '6s' };
    const before = await runWithDrop(track(await startTarget()), written, null);
    const after = await runWithDrop(track(await startTarget()), written, { count: 8, mode: 'destroy', afterOpenMs: 2900 });

    expect(before.disconnects.total).toBe(0);
    expect(before.disconnects.idleTimeout).toBeNull();
    const d = after.disconnects;
    expect(d.byCause).toEqual({ 'connection-lost': 8 });
    expect(d.idleAtCloseMs.min).toBeGreaterThan(3000);
    // Before the rule: "idle timeout 3.94 s, ping more often than every 3.94 s".
    expect(d.idleTimeout, JSON.stringify(d.idleTimeoutScreening)).toBeNull();
    expect(d.recommendation).toBeNull();
    expect(d.idleTimeoutScreening?.default).toMatchObject({ samples: 0, idleSurvived: 8 });
    expect(d.idleTimeoutNote).toContain('8 were cut while sockets idle longer than them stayed open');
    // 8 of 1,000 is no drop event either.
    expect(d.events).toEqual([]);
    const row = compare(before, after).rows.find((r) => r.metric === 'disconnects.idleTimeout');
    expect(row?.verdict).toBe('same');
    expect(compare(before, after).regressions).not.toContain('disconnects.idleTimeout');
  });

  it('spread over 2 local shards, the survivors are seen the same way: the reset of 8 is refuted by the sockets as idle as them', async () => {
    // The shards' workers send their idle profiles through the coordinator: without them the cut
    // would only be "unconfirmed" (no survivors known at all).
    const report = await runWithDrop(
      track(await startTarget()),
      { connections: 1000, connectRate: 1000, duration: '6s', shards: 2 },
      { count: 8, mode: 'destroy', afterOpenMs: 2900 },
    );
    expect(report.shards).toHaveLength(2);
    const d = report.disconnects;
    expect(d.byCause).toEqual({ 'connection-lost': 8 });
    expect(d.idleTimeout).toBeNull();
    expect(d.idleTimeoutScreening?.default).toMatchObject({ samples: 0, idleSurvived: 8 });
  });

  it('a mass drop that takes pinging sockets along with the silent ones is no idle timeout, though pinging sockets survived it', async () => {
    // 60 silent sockets, then 40 pinging every 1.5 s; the 80 oldest (all 60 silent and 20 of the
    // pinging) are destroyed at once, 3 s in. The 20 pinging survivors are no control group: the
    // cut took sockets active within its idle time.
    const report = await runWithDrop(
      track(await startTarget()),
      {
        connections: 100,
        connectRate: 1000,
        duration: '5s',
        cohorts: [
          { name: 'silent', count: 60 },
          { name: 'ping-1500ms', count: 40, pingInterval: '1500ms' },
        ],
      },
      { count: 80, mode: 'destroy', afterOpenMs: 3000 },
    );
    const d = report.disconnects;
    expect(d.byCause).toEqual({ 'connection-lost': 80 });
    expect(d.byCohort.silent.total).toBe(60);
    expect(d.byCohort['ping-1500ms'].total).toBe(20);
    expect(d.idleTimeout, JSON.stringify(d.idleTimeoutScreening)).toBeNull();
    expect(d.recommendation).toBeNull();
    expect(d.idleTimeoutScreening?.silent).toMatchObject({ samples: 0, tookActive: 60 });
    // The pinging sockets' closes were never candidates: their pongs came every 1.5 s.
    expect(d.idleTimeoutScreening?.['ping-1500ms']).toMatchObject({ samples: 0, receivingTraffic: 20 });
    expect(d.idleTimeoutNote).toContain('60 were cut together with sockets active within their idle time');
    // Still a drop event, and not shown as an idle-timeout cut.
    expect(d.events).toHaveLength(1);
    expect(d.events![0]).toMatchObject({ count: 80, idleTimeoutCut: false });
    expect(runExitCode(report)).toBe(1);
  });
});
