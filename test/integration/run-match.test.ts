import { describe, expect, it } from 'vitest';
import { startServiceTarget } from '../helpers/service-target.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { expectDeliveredExactly, expectExactBooks } from '../helpers/books.js';
import { runExitCode, verdictLine } from '../../dist/report/verdict.js';

const track = closeAfterEach();
const SOCKETS = 10;
const RATE = 20;

/** A 1 s hold of SOCKETS sockets publishing RATE/s through the service's GET /publish. */
function scenario(wsUrl: string, publishUrl: string, publish: Record<string, unknown>): ReturnType<typeof scenarioFrom> {
  return scenarioFrom({
    target: { url: wsUrl },
    connections: SOCKETS,
    duration: '1s',
    workers: 1,
    publish: { rate: RATE, url: publishUrl, deadline: '2s', ...publish },
  });
}

describe('matching pushes of a real-shaped service', () => {
  it('reads a tagged sequence number nested at a JSON pointer, with the id beside it checked', async () => {
    const target = track(await startServiceTarget({ requireSubscribe: false }));
    const url = `${target.publishUrl}?topic=t&seq={value}&id={id}&auth=publish-secret`;
    const report = await runQuietly(scenario(target.wsUrl, url, { match: { sequence: '/data/seq' }, ids: ['a', 'b'] }));
    expect(report.publish.sent).toBe(RATE);
    expect(target.delivered()).toBe(RATE * SOCKETS);
    expectDeliveredExactly(report, SOCKETS);
    expect(report.fanout.delivered).toBe(RATE * SOCKETS);
    expect(report.fanout.unmatched).toBe(0);
    expect(report.fanout.idMismatch ?? 0).toBe(0);
    expect(report.scenario.publish).toMatchObject({ match: '/data/seq', matchBy: 'pointer' });
  });

  it('counts the same pushes unmatched with the top-level field of before', async () => {
    const target = track(await startServiceTarget({ requireSubscribe: false }));
    const url = `${target.publishUrl}?topic=t&seq={value}&auth=publish-secret`;
    const report = await runQuietly(scenario(target.wsUrl, url, {}));
    expect(target.delivered()).toBe(RATE * SOCKETS);
    expect(report.fanout.delivered).toBe(0);
    expect(report.fanout.unmatched).toBe(RATE * SOCKETS);
    // Every copy owed is lost, and the run says why: nothing arrived it could read.
    expectExactBooks(report);
    expect(report.fanout.lost).toBe(RATE * SOCKETS);
    expect(runExitCode(report)).toBe(1);
    expect(verdictLine(report)).toMatch(
      new RegExp(
        `^FAILED: no delivery arrived although ${RATE} publishes succeeded; ${RATE * SOCKETS} of ${RATE * SOCKETS} deliveries lost \\([^)]+\\)$`,
      ),
    );
  });

  it('reads the sequence number through a regular expression over plain-text pushes', async () => {
    const target = track(
      await startServiceTarget({ requireSubscribe: false, pushText: (d) => `event topic=${String(d.topic)} seq=${String(d.seq)}` }),
    );
    const url = `${target.publishUrl}?topic=t&seq={seq}&auth=publish-secret`;
    const report = await runQuietly(scenario(target.wsUrl, url, { match: { regex: 'seq=(\\d+)' } }));
    expect(target.delivered()).toBe(RATE * SOCKETS);
    expectDeliveredExactly(report, SOCKETS);
    expect(report.fanout.delivered).toBe(RATE * SOCKETS);
    expect(report.fanout.unmatched).toBe(0);
  });

  it('decodes binary frames as UTF-8 JSON by default, and counts them unmatched unread with binary: "unmatched"', async () => {
    const target = track(await startServiceTarget({ requireSubscribe: false, binary: true }));
    const url = `${target.publishUrl}?topic=t&seq={value}&auth=publish-secret`;
    const decoded = await runQuietly(scenario(target.wsUrl, url, { match: { sequence: '/data/seq' } }));
    expectDeliveredExactly(decoded, SOCKETS);
    expect(decoded.fanout.delivered).toBe(RATE * SOCKETS);
    expect(decoded.fanout.unmatched).toBe(0);
    const skipped = await runQuietly(scenario(target.wsUrl, url, { match: { sequence: '/data/seq' }, binary: 'unmatched' }));
    expect(skipped.fanout.delivered).toBe(0);
    expect(skipped.fanout.unmatched).toBe(RATE * SOCKETS);
    expectExactBooks(skipped);
    expect(skipped.fanout.lost).toBe(RATE * SOCKETS);
    expect(target.delivered()).toBe(2 * RATE * SOCKETS);
  });
});
