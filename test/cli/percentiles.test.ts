/** What a user sees of percentiles (issue 23 item 4): thresholds on p75, p95, p99.9, pNN.N, the table's columns, the refusals. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wsload } from '../helpers/cli.js';
import { scenarioFiles } from '../helpers/scenario-files.js';
import { fmtMs } from '../../dist/render/format.js';
import type { Report } from '../../dist/run/report.js';

const files = scenarioFiles('percentiles', {
  target: 'embedded',
  connections: 20,
  workers: 1,
  connectRate: 200,
  duration: '2s',
  publish: { rate: 10 },
});

describe('percentiles in thresholds and the summary', () => {
  it('a run judges p75, p95, p99.9 and p97.5 thresholds on its latencies and shows p75 and p95 in its table', async () => {
    const scenario = files.write('judged', {
      thresholds: {
        'fanout.p95': '< 60s',
        'fanout.p99.9': '< 60s',
        'completion.p75': '< 60s',
        'handshake.p97.5': '< 60s',
        'publish.p95': '< 0.001ms',
      },
    });
    const out = join(files.dir, 'judged.json');
    const r = await wsload(['run', scenario, '--out', out]);
    expect(r.code, r.stderr).toBe(3);
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(report.thresholds.map((t) => [t.metric, t.pass])).toEqual([
      ['fanout.p95', true],
      ['fanout.p99.9', true],
      ['completion.p75', true],
      ['handshake.p97.5', true],
      ['publish.p95', false],
    ]);
    const l = report.fanout.latencyMs;
    expect(report.thresholds[0].actual).toBe(l.p95);
    expect(report.thresholds[1].actual).toBe(l.p999);
    expect(r.stderr).toMatch(/threshold failed: publish\.p95 < 0\.001ms \(got [\d.]+ ms\)/);
    expect(r.stdout).toMatch(/│ latency +│ p50 +│ p75 +│ p90 +│ p95 +│ p99 +│ p99\.9 +│ max +│ samples │/);
    const cell = (ms: number | undefined): string => `${fmtMs(ms ?? NaN).replace('.', '\\.')} +│`;
    expect(r.stdout).toMatch(
      new RegExp(`│ fan-out +│ ${cell(l.p50)} ${cell(l.p75)} ${cell(l.p90)} ${cell(l.p95)} ${cell(l.p99)} ${cell(l.p999)}`),
    );
  });

  it("refuses p0, p100 and more than 3 decimals before the run, one line at the threshold's JSON path, exit 2", async () => {
    const scenario = files.write('refused', {
      thresholds: { 'fanout.p100': '< 1s', 'handshake.p0': '< 1s', 'completion.p99.9999': '< 1s', 'client.eventLoopLag.p95': '< 1s' },
    });
    const r = await wsload(['run', scenario, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `wsload: ${scenario}: thresholds["fanout.p100"]: "fanout.p100": "p100" is no percentile (the largest value is "max"); expected a percentile below 100, like p99.9`,
      `wsload: ${scenario}: thresholds["handshake.p0"]: "handshake.p0": "p0" is no percentile (the minimum is "min"); expected p1 … p99.999, like p95`,
      `wsload: ${scenario}: thresholds["completion.p99.9999"]: "completion.p99.9999": "p99.9999" has more than 3 decimals; expected a percentile like p99.999 at the finest`,
      `wsload: ${scenario}: thresholds["client.eventLoopLag.p95"]: unknown metric "client.eventLoopLag.p95": "p95" is not an aggregation of client.eventLoopLag; supported aggregations for client.eventLoopLag are: max, p99`,
    ]);
  });
});
