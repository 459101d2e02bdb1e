import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { listenTarget } from '../../src/target/listen-target.js';
import type { RunningTarget } from '../../src/target/server.js';
import { startNginx, type RunningGateway } from '../helpers/gateways.js';
import { missing } from '../helpers/real-parts.js';
import { runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import { runExitCode, verdictLine } from '../../dist/report/verdict.js';

const SOCKETS = 40;
const DROP = 10;
/** Publishes at which the target destroys the DROP oldest upstream sockets before pushing. */
const DROP_AT = new Set([5, 12]);

let target: RunningTarget | null = null;
let gateway: RunningGateway | null = null;
afterEach(async () => {
  await gateway?.stop();
  await target?.close();
  gateway = null;
  target = null;
});

/**
 * The built-in target's protocol with one fault: at the publishes in DROP_AT it destroys the
 * DROP oldest sockets (what /admin/drop?mode=destroy does) and only then pushes. Dropping at the
 * publish itself, rather than at a random moment, makes "a socket was down while a publish went
 * out" certain instead of a race against a reconnect that takes a few milliseconds.
 */
async function startDroppingAtPublishTarget(): Promise<RunningTarget & { dropped(): number }> {
  const open: WebSocket[] = [];
  let dropped = 0;
  const running = await listenTarget({
    hooks: {
      connection: (ws) => {
        open.push(ws);
        ws.once('close', () => open.splice(open.indexOf(ws), 1));
      },
      publish: (ctx) => {
        if (DROP_AT.has(ctx.seq)) {
          for (const ws of open.slice(0, DROP)) {
            ws.terminate();
            dropped++;
          }
        }
        const { delivered } = ctx.deliver();
        return { status: 200, body: `sent to ${delivered}` };
      },
    },
  });
  return { ...running, dropped: () => dropped };
}

describe('reconnect: immediate, through a real nginx while publishing', () => {
  it.skipIf(missing('nginx'))('counts reconnects, time down and missed publishes, and keeps missed publishes out of lost', async () => {
    const dropping = await startDroppingAtPublishTarget();
    target = dropping;
    // The gateway's idle timeout is far above the publish interval: only the target's drops end sockets.
    gateway = await startNginx({ upstream: { host: dropping.host, port: dropping.port }, idleTimeoutMs: 2_000 });
    const scenario = scenarioFrom({
      target: { url: gateway.wsUrl },
      connections: SOCKETS,
      connectRate: 400,
      duration: '4s',
      workers: 2,
      publish: { rate: 5, deadline: '2s' },
      reconnect: { policy: 'immediate' },
    });
    const report = await runQuietly(scenario);
    const logs = `\n--- nginx logs ---\n${await gateway.logs()}`;

    expect(dropping.dropped(), logs).toBe(DROP * DROP_AT.size);
    expect(report.fanout.published).toBeGreaterThanOrEqual(Math.max(...DROP_AT));
    expect(report.publish.failed).toBe(0);

    // Each dropped socket was cut (1006 through the gateway) and came back once.
    const drops = DROP * DROP_AT.size;
    expect(report.disconnects.total).toBe(drops);
    expect(report.disconnects.byCause).toEqual({ 'connection-lost': drops });
    expect(report.disconnects.byCode).toEqual({ '1006': drops });
    expect(report.reconnects.total).toBe(drops);
    expect(report.connections.opened).toBe(SOCKETS + drops);
    expect(report.connections.failed).toBe(0);
    expect(report.reconnects.downMs).toBeGreaterThan(0);
    // A reconnect on loopback takes milliseconds, not seconds.
    expect(report.reconnects.downMs / drops).toBeLessThan(1000);

    // Every dropped socket missed at least the publish it was dropped at; none of that is "lost".
    expect(report.reconnects.missedPublishes).toBeGreaterThanOrEqual(drops);
    expectDeliveredExactly(report);
    expect(report.fanout.incomplete).toBe(0);
    // Every (socket, publish) pair is accounted for exactly once: delivered, or missed while down.
    expect(report.fanout.delivered + report.reconnects.missedPublishes).toBe(report.fanout.published * SOCKETS);
    // 20 drops of 40 sockets, all back, nothing lost: not "most sockets dropped", the run is ok,
    // and the line says what the dropped sockets missed while they reconnected.
    expect(verdictLine(report)).toBe(
      `ok (lost 0, missed while reconnecting ${report.reconnects.missedPublishes.toLocaleString('en-US')} (closes before the end: 50% of sockets))`,
    );
    expect(runExitCode(report)).toBe(0);

    // The per-cohort breakdown (one default cohort) says the same.
    const cohorts = Object.values(report.reconnects.byCohort);
    expect(cohorts).toHaveLength(1);
    expect(cohorts[0].total).toBe(drops);
    expect(cohorts[0].missedPublishes).toBe(report.reconnects.missedPublishes);
    expect(cohorts[0].downMs).toBe(report.reconnects.downMs);
  });
});
