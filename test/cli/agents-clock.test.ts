/**
 * Remote-agent clocks, end to end. A relay on loopback (test/helpers/clock-relay.ts) gives a
 * local `wsload agent` another machine's clock, shifted by a known amount, or a congested one-way
 * path: the coordinator must estimate the offset over the control channel as for a remote agent.
 * A shifted clock must leave fan-out latency true within the stated bound (an estimator that returns
 * 0, or applies the offset with the wrong sign, is off by the whole shift: latency 3 s too high, or
 * every receipt 3 s before its publish). Skewed probes give an offset that is wrong by ~1 s yet
 * within its stated ±1 s: the receipts that then come before their scheduled time are counted and
 * fail the run with the reason, never silently dropped.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, type CliResult } from '../helpers/cli.js';
import { AGENTS_SCENARIO, readReportJson as read, startAgent, startCoordinator, whyRun as why } from '../helpers/agents.js';
import { scenarioFiles } from '../helpers/scenario-files.js';

const scenario = (name: string, extra: Record<string, unknown> = {}): string => files.write(name, extra);
import { expectDeliveredExactly, expectExactBooks } from '../helpers/books.js';
import { startControlRelay, type ControlRelay } from '../helpers/clock-relay.js';
import type { Report } from '../../src/run/report.js';

const TOKEN = 'clock-relay-9d2b';
const files = scenarioFiles('agent-clock', AGENTS_SCENARIO);
const dir = files.dir;
const relays: ControlRelay[] = [];

beforeAll(() => {
  assertBuilt();
});
afterAll(async () => {
  for (const r of relays.splice(0)) await r.close();
});

/** Runs the scenario with one agent through a relay made with `relayed`; resolves with the exit and the report. */
async function runRelayed(name: string, relayed: Omit<Parameters<typeof startControlRelay>[0], 'coordinator'>, extra: Record<string, unknown> = {}): Promise<{ r: CliResult; out: string; report: Report }> {
  const out = join(dir, `${name}-report.json`);
  const c = await startCoordinator(scenario(name, extra), 1, ['--token', TOKEN, '--out', out], { cwd: dir });
  const relay = await startControlRelay({ coordinator: `ws://127.0.0.1:${c.port}`, ...relayed });
  relays.push(relay);
  const agent = startAgent(relay.url, 'remote', TOKEN);
  const r = await c.cli.exited;
  const a = await agent.exited;
  expect(a.code, `${a.stderr}\n---\n${r.stderr.slice(-1500)}`).toBe(0);
  expect(relay.counts.probes, 'the coordinator estimated the clock over the channel').toBeGreaterThanOrEqual(8);
  return { r, out, report: read(out) };
}

describe('an agent whose clock is shifted by a known amount', () => {
  it.each([3_000, -3_000])('estimates an offset of %i ms within its stated uncertainty, and fan-out latency stays true', async (shiftMs) => {
    const { r, out, report } = await runRelayed(`shift${shiftMs > 0 ? 'ahead' : 'behind'}`, { shiftMs }, { thresholds: { 'fanout.p99': '< 5s' } });
    expect(r.code, why(r, out)).toBe(0);
    const shard = report.shards![0];
    // Estimated as another machine's: a bound above 0, and the true shift within it.
    expect(shard.clockUncertaintyMs, why(r, out)).toBeGreaterThan(0);
    expect(shard.clockUncertaintyMs).toBeLessThan(250);
    expect(Math.abs(shard.clockOffsetMs - shiftMs), why(r, out)).toBeLessThanOrEqual(shard.clockUncertaintyMs + 0.001);
    expect(report.clock?.uncertaintyMs).toBe(shard.clockUncertaintyMs);
    // Every receipt timed right: none before its publish, and latency a loopback's, not the shift's.
    expect(report.fanout.early).toBe(0);
    expectDeliveredExactly(report);
    expect(report.fanout.latencyMs.p50, why(r, out)).toBeLessThan(1_000);
    expect(report.fanout.latencyMs.max, why(r, out)).toBeLessThan(Math.abs(shiftMs));
    // The latency threshold was judged with the bound: it passed cleanly, and says with what bound.
    expect(report.thresholds).toEqual([expect.objectContaining({ metric: 'fanout.p99', pass: true, clockUncertaintyMs: shard.clockUncertaintyMs })]);
    expect(r.stdout).toMatch(/fan-out latency ±[\d.]+ [µm]?s \(clock offset uncertainty of remote\)/);
    expect(r.stderr).toContain('wsload: ok');
  }, 90_000);
});

describe('clock probes over a path slow one way', () => {
  it('counts the receipts that come before their scheduled time and fails the run saying why', async () => {
    // Everything the coordinator sends reaches the agent 1.2 s late (a probe times out at 2 s): its
    // probes make the agent's clock look ~0.6 s ahead (within the ±~0.6 s the round trip allows), so
    // publish records convert ~0.6 s later than they were scheduled, and receipts of a loopback
    // push come before them.
    const { r, out, report } = await runRelayed('skewed-probes', { otherBoot: true, delayToAgentMs: 1_200 });
    expect(r.code, why(r, out)).toBe(1);
    const shard = report.shards![0];
    expect(shard.clockOffsetMs, why(r, out)).toBeGreaterThan(300);
    // The bound the probes state is honest (the true offset is 0)...
    expect(Math.abs(shard.clockOffsetMs)).toBeLessThanOrEqual(shard.clockUncertaintyMs + 0.001);
    // ...yet receipts came before their publish: counted, delivered, recorded at 0 ms, and a failure.
    expect(report.fanout.early, why(r, out)).toBeGreaterThan(0);
    expect(report.fanout.earlyMaxMs).toBeGreaterThan(100);
    expect(shard.fanout!.early).toBe(report.fanout.early);
    expect(report.fanout.latencyMs.count).toBe(report.fanout.delivered);
    expectExactBooks(report);
    expect(r.stderr).toMatch(
      new RegExp(`wsload: FAILED: .*${report.fanout.early} deliveries on shard remote arrived before their publish's scheduled time, up to [\\d.]+ ms early \\(the ±[\\d.]+ ms clock uncertainty allows 1 ms\\)`),
    );
    // The summary says it under the fan-out table (wrapped to the terminal's width).
    expect(r.stdout).toMatch(/deliveries came before their scheduled time, up to [\d.]+ ms early \(the clock offset in use\s+was\s+wrong:\s+latency\s+is\s+not\s+a\s+measurement\)/);
  }, 90_000);
});
