import { afterEach, describe, expect, it } from 'vitest';
import { startTarget, type RunningTarget } from '../../src/target/server.js';
import { runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { runExitCode, verdictLine } from '../../dist/report/verdict.js';
import { waitFor } from '../helpers/wait.js';

const SOCKETS = 30;
const CLOSED = 10;
const DESTROYED = 8;
const RESET = 5;

let target: RunningTarget | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

async function drop(t: RunningTarget, mode: 'close' | 'destroy' | 'reset', count: number): Promise<number> {
  const res = await fetch(`${t.httpUrl}/admin/drop?mode=${mode}&count=${count}`);
  expect(res.status).toBe(200);
  return Number(await res.text());
}

describe('disconnect causes against the built-in target dropping sockets itself', () => {
  it('tells a close frame (1001), a silent TCP close (1006) and a reset (1006, ECONNRESET) apart in one run', async () => {
    const t = await startTarget();
    target = t;
    const scenario = scenarioFrom({
      target: { url: t.wsUrl },
      connections: SOCKETS,
      connectRate: 1000,
      duration: '2500ms',
      workers: 2,
      publish: null,
    });
    const run = runQuietly(scenario);
    await waitFor(() => t.clients() === SOCKETS, 5000);
    expect(await drop(t, 'close', CLOSED)).toBe(CLOSED);
    await new Promise((r) => setTimeout(r, 300));
    expect(await drop(t, 'destroy', DESTROYED)).toBe(DESTROYED);
    await new Promise((r) => setTimeout(r, 300));
    expect(await drop(t, 'reset', RESET)).toBe(RESET);
    const report = await run;

    const lost = DESTROYED + RESET;
    const d = report.disconnects;
    expect(d.total).toBe(CLOSED + lost);
    expect(d.byCause).toEqual({ 'server-close': CLOSED, 'connection-lost': lost });
    expect(d.byCode).toEqual({ '1001': CLOSED, '1006': lost });
    expect(report.closes.byCode).toEqual(d.byCode);
    // Only the reset shows an errno; a FIN and a close frame are not errors.
    expect(d.byError).toEqual({ ECONNRESET: RESET });
    expect(d.idleAtCloseMs.count).toBe(CLOSED + lost);
    expect(d.ageAtCloseMs.count).toBe(CLOSED + lost);
    // Dropped while the sockets had been open (and silent) for a while.
    expect(d.ageAtCloseMs.min).toBeGreaterThan(0);
    const { total, byCode, byCause, byError, idleAtCloseMs, sentIdleAtCloseMs, ageAtCloseMs } = d;
    expect(d.byCohort.default).toEqual({ total, byCode, byCause, byError, idleAtCloseMs, sentIdleAtCloseMs, ageAtCloseMs });
    // The end-of-run closes by wsload itself are not disconnects; the rest were still open then.
    expect(report.connections.openAtEnd).toBe(SOCKETS - CLOSED - lost);
    expect(report.disconnects.survivingCohorts).toEqual([]);
    expect(report.reconnects.total).toBe(0);
    // 23 of 30 sockets dropped: the run fails, and says by what.
    expect(runExitCode(report)).toBe(1);
    const verdict = verdictLine(report);
    expect(verdict).toMatch(new RegExp(`^FAILED: most sockets dropped: ${CLOSED + lost} closes before the end for ${SOCKETS} sockets \\(`));
    expect(verdict).toContain(`${CLOSED} server-close`);
    expect(verdict).toContain(`${lost} connection-lost`);
  });
});
