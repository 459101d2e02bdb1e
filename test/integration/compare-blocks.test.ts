/**
 * Every latency family judged by blocks on real runs (issue 19 item 4): a server stream's
 * staleness by blocks of time, handshakes by blocks of the ramp, publish latency by blocks of time,
 * each with a known injected change detected and its reverse negated.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { compare } from '../../dist/report/compare.js';
import { decodeHistogram } from '../../dist/metrics/histogram.js';
import { startServiceTarget, type ServiceTarget } from '../helpers/service-target.js';
import { startDelayedTarget, startPublishTarget, type TestTarget } from '../helpers/servers.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import type { Report } from '../../dist/run/report.js';

const track = closeAfterEach();
let targets: TestTarget[] = [];
afterEach(async () => {
  await Promise.all(targets.map((t) => t.close()));
  targets = [];
});

const rowOf = (c: ReturnType<typeof compare>, m: string) => c.rows.find((r) => r.metric === m);
const blocksWithSamples = (encoded: readonly string[] | undefined): number =>
  (encoded ?? []).filter((e) => e !== '' && decodeHistogram(e).totalCount > 0).length;

/**
 * Pushes `count` stream messages 100 ms apart once `sockets` are connected (bounded), on the wall
 * clock: 40 sleeps of 100 ms, each late on a loaded machine (two runs share this thread), added up
 * to more than the 0.9 s between the last push and the end of a 5 s hold.
 */
async function driveStream(service: ServiceTarget, sockets: number, count: number): Promise<void> {
  const end = Date.now() + 20_000;
  while (service.accepted() < sockets && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  const startAt = Date.now() + 200;
  for (let seq = 1; seq <= count; seq++) {
    await new Promise((r) => setTimeout(r, Math.max(0, startAt + (seq - 1) * 100 - Date.now())));
    service.push('ticks', { seq });
  }
}

async function streamRun(service: ServiceTarget): Promise<Report> {
  const scenario = scenarioFrom({
    target: { url: service.wsUrl },
    connections: 10,
    // The last push is due 4.1 s after every socket was accepted: 1.9 s before the hold ends.
    duration: '6s',
    workers: 1,
    publish: { source: 'server', timestamp: '/data/ts', sequence: '/data/seq' },
    report: { interval: '500ms' },
  });
  const [report] = await Promise.all([runQuietly(scenario), driveStream(service, 10, 40)]);
  return report;
}

describe('latency families judged by blocks on real runs', () => {
  it('judges stream staleness by blocks of time: a service stamping 400 ms older reads worse, the reverse better', async () => {
    const stale = (data: Record<string, unknown>): string =>
      JSON.stringify({ type: 'event', data: { ...data, ts: (data.ts as number) - 400 } });
    const [fresh, old] = await Promise.all([
      streamRun(track(await startServiceTarget({ requireSubscribe: false }))),
      streamRun(track(await startServiceTarget({ requireSubscribe: false, pushText: stale }))),
    ]);
    expect(fresh.stream?.messages).toBe(400);
    expect(blocksWithSamples(fresh.intervals?.streamStaleness)).toBeGreaterThanOrEqual(6);
    const c = compare(fresh, old);
    expect(rowOf(c, 'stream.staleness.p50')).toMatchObject({ verdict: 'worse', method: 'blocks', gated: true });
    expect(rowOf(compare(old, fresh), 'stream.staleness.p50')?.verdict).toBe('better');
    // 40 server messages cannot judge a p99 (381 needed), however many copies the sockets got.
    expect(rowOf(c, 'stream.staleness.p99')).toMatchObject({
      verdict: 'inconclusive',
      note: expect.stringContaining('too few server messages'),
    });
  });

  it('judges handshakes by blocks of the ramp and publish latency by blocks of time: a slower publish API reads worse', async () => {
    const run = async (target: TestTarget): Promise<Report> => {
      targets.push(target);
      // 400 sockets over a 1 s ramp: 10 ramp blocks of 100 ms; 10 publishes/s for 5 s in 500 ms blocks.
      return runQuietly(
        scenarioFrom({
          target: { url: target.wsUrl },
          connections: 400,
          connectRate: 400,
          duration: '5s',
          workers: 1,
          publish: { rate: 10 },
          report: { interval: '500ms' },
        }),
      );
    };
    const [plain, slow] = await Promise.all([run(await startPublishTarget()), run(await startDelayedTarget(300))]);
    expect(plain.intervals?.handshake?.blockMs).toBe(100);
    expect(blocksWithSamples(plain.intervals?.handshake?.blocks)).toBeGreaterThanOrEqual(8);
    expect(blocksWithSamples(plain.intervals?.publish)).toBeGreaterThanOrEqual(8);
    const sum = (encoded: readonly string[] | undefined): number =>
      (encoded ?? []).reduce((n, e) => n + (e === '' ? 0 : decodeHistogram(e).totalCount), 0);
    // Every first connect is in its ramp block; every publish's round trip in a block of time.
    expect(sum(plain.intervals?.handshake?.blocks)).toBe(plain.handshake.latencyMs.count);
    expect(sum(plain.intervals?.publish)).toBe(plain.publish.latencyMs.count);
    const c = compare(plain, slow);
    expect(rowOf(c, 'handshake.p99')?.method).toBe('blocks');
    expect(rowOf(c, 'publish.p50')).toMatchObject({ verdict: 'worse', method: 'blocks' });
    expect(rowOf(compare(slow, plain), 'publish.p50')?.verdict).toBe('better');
  });
});
