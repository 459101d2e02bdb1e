import { afterEach, describe, expect, it } from 'vitest';
import { startTarget, type RunningTarget } from '../../dist/target/server.js';
import { parseReport } from '../../dist/report/read.js';
import { renderSummary } from '../../dist/render/summary.js';
import { renderReportHtml } from '../../dist/render/html.js';
import { runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { expectExactBooks } from '../helpers/books.js';

let target: RunningTarget | null = null;
afterEach(async () => {
  await target?.close();
  target = null;
});

describe('client.memory: the report says whether the client memory stayed flat', () => {
  it('carries the RSS slope after the warm-up with its interval, and a short run gets no call', async () => {
    const t = await startTarget();
    target = t;
    const scenario = scenarioFrom({ target: { url: t.wsUrl }, connections: 40, connectRate: 1000, duration: '4s', publish: { rate: 5 } });
    const report = await runQuietly(scenario, { tickMs: 100 });
    expectExactBooks(report);
    // As a user reads it: from the written JSON, through the report schema.
    const read = parseReport(JSON.parse(JSON.stringify(report)), 'run.json');
    const m = read.client.memory;
    expect(m).toBeDefined();
    if (!m) return;
    // The warm-up (a quarter of the 4 s hold) is left out; one sample per 100 ms tick after it.
    expect(m.fromS).toBeGreaterThanOrEqual(1);
    expect(m.toS).toBeLessThanOrEqual(Math.ceil((Date.parse(read.endedAt) - Date.parse(read.startedAt)) / 1000));
    expect(m.samples).toBeGreaterThanOrEqual(15);
    expect(m.ci[0]).toBeLessThanOrEqual(m.rssSlopeMbPerHour);
    expect(m.ci[1]).toBeGreaterThanOrEqual(m.rssSlopeMbPerHour);
    expect(m.startMb).toBeGreaterThan(10);
    expect(m.startMb).toBeLessThanOrEqual(read.client.peakRssMb + 1);
    // Four seconds say nothing about an overnight trend: no flat call, and why.
    expect(m.flat).toBeUndefined();
    expect(m.note).toMatch(/too short to judge/);
    expect(renderSummary(read)).toMatch(/memory not judged: RSS [+−]?\d/);
    expect(renderReportHtml(read)).toContain('client memory after the warm-up');
  });
});
