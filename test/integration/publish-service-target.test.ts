/**
 * Publishing to the issue-12 service target (test/helpers/service-target.ts) the ways a real
 * service takes it: a POST with a Bearer token and a JSON body, and chat-style messages on a
 * publisher WebSocket. Subscribers need no subscribe here (requireSubscribe: false) and pushes are
 * flattened to {"value": …}, so only the publish path differs from the demo.
 */
import { describe, expect, it } from 'vitest';
import { startServiceTarget } from '../helpers/service-target.js';
import { expectEveryPublishDelivered } from '../helpers/service-checks.js';
import { closeAfterEach, runQuietly, scenarioFrom } from '../helpers/run-helpers.js';
import { expectExactBooks } from '../helpers/books.js';
import { runExitCode, verdictLine } from '../../dist/report/verdict.js';

const track = closeAfterEach();
const flat = (data: Record<string, unknown>): string => JSON.stringify({ value: data.value });

describe('publishing to the service target', () => {
  it('POST /publish with a Bearer header and a JSON body: every publish reaches every socket', async () => {
    const service = track(await startServiceTarget({ requireSubscribe: false, pushText: flat }));
    const publish = {
      rate: 10,
      url: service.publishUrl,
      headers: { Authorization: 'Bearer publish-secret' },
      body: { topic: 'news', seq: '{seq}', value: '{value}' },
      status: 200,
    };
    const report = await runQuietly(scenarioFrom({ target: { url: service.wsUrl }, connections: 3, duration: '1s', workers: 1, publish }));
    expectEveryPublishDelivered(report, service, 10);
    expect(report.fanout.delivered).toBe(30);
  });

  it('a wrong token: every publish fails as http-401, nothing is lost', async () => {
    const service = track(await startServiceTarget({ requireSubscribe: false, pushText: flat }));
    const publish = {
      rate: 10,
      url: service.publishUrl,
      headers: { Authorization: 'Bearer wrong' },
      body: { topic: 'news', value: '{value}' },
      deadline: '1s',
    };
    const report = await runQuietly(
      scenarioFrom({ target: { url: service.wsUrl }, connections: 2, duration: '500ms', workers: 1, publish }),
    );
    expect(report.publish.failures).toEqual({ 'http-401': 5 });
    expect(report.fanout.lost).toBe(0);
    expect(service.publishes()).toBe(0);
    expectExactBooks(report);
    expect(runExitCode(report)).toBe(1);
    expect(verdictLine(report)).toMatch(new RegExp(`^FAILED: 5 of 5 publishes to ${service.publishUrl} failed: 5 × `));
  });

  it('chat-style publish messages on a publisher socket reach every subscriber', async () => {
    const service = track(await startServiceTarget({ requireSubscribe: false, pushText: flat }));
    const publish = {
      via: 'websocket',
      rate: 10,
      socket: { url: service.wsUrl },
      body: { type: 'publish', topic: 'news', value: '{value}' },
    };
    const report = await runQuietly(scenarioFrom({ target: { url: service.wsUrl }, connections: 3, duration: '1s', workers: 1, publish }));
    expectEveryPublishDelivered(report, service, 10);
    expect(report.fanout.delivered).toBe(30);
  });
});
