import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error bench/ is plain JavaScript without declarations
import { runBaseline } from '../../bench/run-baseline.js';
// @ts-expect-error bench/ is plain JavaScript without declarations
import { runWsload } from '../../bench/run-wsload.js';
// @ts-expect-error bench/ is plain JavaScript without declarations
import { runLine, soakLine } from '../../bench/lines.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import type { Report } from '../../dist/run/report.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let tmpDir = '';

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/target/child.js'))) throw new Error('dist/ is missing: run npm run build first');
  tmpDir = mkdtempSync(join(tmpdir(), 'wsload-bench-test-'));
});

afterAll(() => {
  rmSync(tmpDir, { recursive: true, force: true });
});

// Small on purpose: these check that each tool's run is measured and counted, not how fast it is.
const spec = { sockets: 20, connectRate: 1000, maxPending: 20, holdSeconds: 1.5, publishRate: 4, localAddresses: [] as string[] };

describe('bench runs against a fresh built-in target', () => {
  it('the baseline client holds every socket and counts every delivery (every publish × 20 sockets)', async () => {
    const m = await runBaseline({ ...spec, run: 'test' }, { root: ROOT });
    expect(m.opened).toBe(20);
    expect(m.held).toBe(20);
    // 4/s over 1.5 s: 6 publishes (7 when the one due at the very end of the hold still leaves).
    expect(m.published).toBeGreaterThanOrEqual(6);
    expect(m.published).toBeLessThanOrEqual(7);
    expect(m.delivered).toBe(m.published * 20);
    expect(m.lost).toBe(0);
    expect(m.fanoutP50Ms).toBeGreaterThan(0);
    expect(m.client.length).toBeGreaterThan(2);
    const line = runLine(m, 100);
    expect(line.deliveriesPerSec).toBeGreaterThan(60);
    expect(line.rssMb.end).toBeGreaterThan(10);
  });

  it('wsload (workers 1) is measured from its report and /proc the same way', async () => {
    const m = await runWsload({ ...spec, run: 'test', workers: 1 }, { root: ROOT, tmpDir });
    expect(m.opened).toBe(20);
    expect(m.held).toBe(20);
    expect(m.published).toBeGreaterThanOrEqual(6);
    expect(m.published).toBeLessThanOrEqual(7);
    expect(m.delivered).toBe(m.published * 20);
    expect(m.lost).toBe(0);
    expectDeliveredExactly(m.report as Report, 20);
    expect(m.holdEndT - m.holdStartT).toBeGreaterThanOrEqual(1400);
    const line = runLine(m, 100);
    expect(line.connectRatePerSec).toBeGreaterThan(0);
    expect(line.rssMb.afterRamp).toBeGreaterThan(10);
  });

  it('destroys sockets at the target during a churn run and wsload reconnects them', async () => {
    const m = await runWsload(
      { ...spec, run: 'churn', holdSeconds: 3, workers: 1, reconnect: 'immediate', churn: { everyMs: 500, count: 5 } },
      { root: ROOT, tmpDir },
    );
    expect(m.churn.dropped).toBeGreaterThanOrEqual(10);
    expect(m.report.reconnects.total).toBeGreaterThanOrEqual(m.churn.dropped - 5);
    expect(m.report.disconnects.byCause['connection-lost']).toBe(m.churn.dropped);
    // The churn costs no delivery: missed while down is not lost, and the books stay exact.
    expectDeliveredExactly(m.report as Report);
  });

  it("the soak set-up serves --metrics, scraped every second; the last scrape has the report's deliveries", async () => {
    const m = await runWsload({ ...spec, run: 'scraped', holdSeconds: 3, workers: 1, metrics: true }, { root: ROOT, tmpDir });
    expect(m.metrics?.scrapes).toBeGreaterThanOrEqual(2);
    expect(m.delivered).toBeGreaterThan(0);
    // wsload waited for the bench's next scrape once the values were final.
    expect(m.metrics?.lastDeliveries).toBe(m.delivered);
    const line = soakLine(m, 100);
    expect(line.metricsEndpoint).toMatchObject({ deliveriesAtLastScrape: m.delivered, reportDelivered: m.delivered });
    expect(line.cpuPctStartEnd.start).toBeGreaterThanOrEqual(0);
    expect(line.cpuPctStartEnd.end).toBeGreaterThanOrEqual(0);
  });
});
