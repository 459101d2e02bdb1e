/**
 * How decisive and how safe the idle-timeout estimate is (issue 20 item 3), measured on real parts:
 * RUNS runs (default 5) of each case, and the rates printed at the end. Not part of the suite (it
 * takes minutes); run it with
 *
 *   npm run build && RUNS=5 npx vitest run -c vitest.experiments.config.ts
 *
 * Cases with a known truth:
 * - detect: nginx and HAProxy with a 4 s idle timeout in front of the built-in target (in its own
 *   process), 60 silent sockets opened at 1,000/s and 40 pinging every 1.5 s: the gateway cuts the
 *   60 together. Called when the estimate is within 5 % of 4 s.
 * - reset: the 8 oldest of 1,000 idle sockets (1,000/s) destroyed by /admin/drop about 3.9 s in:
 *   no timeout exists, any estimate is a false call.
 * - mass drop: the 80 oldest of 60 silent and 40 pinging sockets destroyed 3 s in: a false call too.
 */
import { expect, it } from 'vitest';
import { startEmbeddedTarget } from '../../src/target/embedded.js';
import { startTarget } from '../../src/target/server.js';
import { missing } from '../helpers/real-parts.js';
import { startHaproxy, startNginx } from '../helpers/gateways.js';
import { runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import type { Report } from '../../dist/run/report.js';

const RUNS = Number(process.env.RUNS ?? 5);
const TIMEOUT_MS = 4000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const COHORTS = [
  { name: 'silent', count: 60 },
  { name: 'ping', count: 40, pingInterval: '1500ms' },
];

async function waitFor(cond: () => boolean, limitMs: number): Promise<void> {
  const end = Date.now() + limitMs;
  while (!cond() && Date.now() < end) await sleep(20);
}

async function throughGateway(kind: 'nginx' | 'haproxy'): Promise<Report> {
  const target = await startEmbeddedTarget();
  const u = new URL(target.wsUrl);
  const gateway = await (kind === 'nginx' ? startNginx : startHaproxy)({
    upstream: { host: u.hostname, port: Number(u.port) },
    idleTimeoutMs: TIMEOUT_MS,
  });
  try {
    return await runQuietly(
      scenarioFrom({
        target: { url: gateway.wsUrl },
        connections: 100,
        connectRate: 1000,
        duration: '7s',
        workers: 2,
        publish: null,
        cohorts: COHORTS,
      }),
    );
  } finally {
    await gateway.stop();
    await target.stop();
  }
}

async function withDrop(written: Record<string, unknown>, count: number, afterOpenMs: number): Promise<Report> {
  const t = await startTarget();
  try {
    const sockets = written.connections as number;
    const run = runQuietly(scenarioFrom({ target: { url: t.wsUrl }, connectRate: 1000, workers: 2, publish: null, ...written }));
    await waitFor(() => t.clients() === sockets, 30_000);
    await sleep(afterOpenMs);
    await fetch(`${t.httpUrl}/admin/drop?mode=destroy&count=${count}`);
    return await run;
  } finally {
    await t.close();
  }
}

it.skipIf(missing('nginx', 'haproxy'))(
  'idle-timeout estimate: detection and false-call rates',
  async () => {
    const lines: string[] = [];
    const tally = { detect: 0, detectRuns: 0, falseCalls: 0, falseRuns: 0 };
    for (const kind of ['nginx', 'haproxy'] as const) {
      for (let i = 0; i < RUNS; i++) {
        const d = (await throughGateway(kind)).disconnects;
        const est = d.idleTimeout?.estimateMs ?? null;
        const called = est !== null && Math.abs(est - TIMEOUT_MS) <= TIMEOUT_MS * 0.05;
        tally.detectRuns++;
        if (called) tally.detect++;
        lines.push(
          `${kind} 4 s: estimate ${est ?? 'none'} ms, cut marked ${(d.events ?? []).map((e) => e.idleTimeoutCut).join('/')}, silent ${JSON.stringify(d.idleTimeoutScreening?.silent)}${est === null ? `, note: ${d.idleTimeoutNote}` : ''}`,
        );
      }
    }
    for (let i = 0; i < RUNS; i++) {
      const d = (await withDrop({ connections: 1000, duration: '6s' }, 8, 2900)).disconnects;
      tally.falseRuns++;
      if (d.idleTimeout) tally.falseCalls++;
      lines.push(`reset 8 of 1,000: estimate ${d.idleTimeout?.estimateMs ?? 'none'}, ${JSON.stringify(d.idleTimeoutScreening?.default)}`);
    }
    for (let i = 0; i < RUNS; i++) {
      const d = (await withDrop({ connections: 100, duration: '5s', cohorts: COHORTS }, 80, 3000)).disconnects;
      tally.falseRuns++;
      if (d.idleTimeout) tally.falseCalls++;
      lines.push(
        `mass drop of 80 (silent and pinging): estimate ${d.idleTimeout?.estimateMs ?? 'none'}, ${JSON.stringify(d.idleTimeoutScreening)}`,
      );
    }
    lines.push(`detected within 5 %: ${tally.detect} of ${tally.detectRuns}; false calls: ${tally.falseCalls} of ${tally.falseRuns}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    expect(tally.falseCalls).toBe(0);
  },
  3_600_000,
);
