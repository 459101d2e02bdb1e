/**
 * Observe in a run spread over local shards (`--shards 2`): the coordinator scrapes each endpoint
 * once per interval — not every shard — and the one report carries the endpoint's series, with
 * the scrapes the endpoint itself counted. An embedded target is observed as "target" as in one
 * process, its open-sockets gauge seeing every shard's sockets.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../../dist/run/report.js';
import { expectExactBooks } from '../helpers/books.js';
import { wsload } from '../helpers/cli.js';
import { startEndpointServer } from '../helpers/observed-endpoints.js';
import { tempDir } from '../helpers/run-helpers.js';

const dir = tempDir('wsload-observe-shards-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('observe with --shards 2', () => {
  it('scrapes from the coordinator once per interval, not once per shard; one report with the series', async () => {
    const server = await startEndpointServer();
    try {
      const scenario = join(dir, 'shards.json');
      writeFileSync(
        scenario,
        JSON.stringify({
          name: 'observe-shards',
          connections: 100,
          connectRate: 1000,
          duration: '5s',
          workers: 2,
          publish: { rate: 5 },
          report: { interval: '1s' },
        }),
      );
      const out = join(dir, 'report.json');
      const r = await wsload(['run', scenario, '--shards', '2', '--observe', `good=${server.url}/good`, '--out', out], {
        cwd: dir,
        timeoutMs: 120_000,
      });
      expect(r.code, r.stderr.slice(-1500)).toBe(0);
      const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
      expect(report.shards).toHaveLength(2);
      expectExactBooks(report);
      const good = report.observe?.find((e) => e.name === 'good');
      expect(good, JSON.stringify(report.observe)).toBeDefined();
      const hits = server.hits.get('/good') ?? 0;
      // Every request the endpoint saw is one scrape the report counts: no shard scraped on its own.
      // Less one at most: a scrape still in flight when the run ends is aborted and not counted
      // (observe-scraper.ts), though the endpoint saw its request; whether one is depends on where
      // the end falls against the 1 s scrape grid, which nothing orders.
      expect(hits - (good?.scrapes ?? 0), `${hits} requests, ${good?.scrapes} scrapes`).toBeGreaterThanOrEqual(0);
      expect(hits - (good?.scrapes ?? 0), `${hits} requests, ${good?.scrapes} scrapes`).toBeLessThanOrEqual(1);
      // One per 1 s interval over a ~5 s hold (plus the ramp and the end), never two per interval.
      expect(hits).toBeGreaterThanOrEqual(4);
      expect(hits).toBeLessThanOrEqual(Math.ceil((report.phases.holdMs + 3000) / 1000) + 1);
      expect(good?.series.length).toBeGreaterThan(0);
      // The embedded target observed once, seeing both shards' sockets.
      const target = report.observe?.find((e) => e.name === 'target');
      expect(target?.series.find((s) => s.name === 'wsload_target_open_sockets')?.max).toBe(100);
    } finally {
      await server.close();
    }
  }, 150_000);
});
