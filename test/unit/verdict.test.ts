import { describe, expect, it } from 'vitest';
import { runExitCode, verdictLine } from '../../src/report/verdict.js';
import { renderRunJunit } from '../../src/render/junit.js';
import { renderSummary } from '../../src/render/summary.js';
import { verdictBanner } from '../../src/render/html-verdict.js';
import { EXIT } from '../../src/errors.js';
import { fakeReport, latencies } from '../helpers/fake-report.js';

const closes = (n: number, cause: 'server-close' | 'connection-lost' | 'client-close') =>
  Array.from({ length: n }, () => ({ cause, code: cause === 'server-close' ? 1000 : 1006, idleMs: 10, ageMs: 10 }));

describe('run verdict', () => {
  it('is ok only for a run that held its sockets and delivered', () => {
    const r = fakeReport({ connections: 10, fanoutMs: latencies(100), published: 10 });
    expect(runExitCode(r)).toBe(0);
    expect(verdictLine(r)).toBe('ok');
  });

  it('fails a run in which most sockets closed, whoever closed them', () => {
    const r = fakeReport({ connections: 10, fanoutMs: latencies(100), published: 10, closes: closes(6, 'server-close') });
    expect(runExitCode(r)).toBe(1);
    expect(verdictLine(r)).toBe('FAILED: most sockets dropped: 6 closes before the end for 10 sockets (6 server-close)');
    const flood = fakeReport({ connections: 10, fanoutMs: latencies(100), published: 10, closes: closes(10, 'client-close') });
    expect(verdictLine(flood)).toContain('most sockets dropped: 10 closes before the end for 10 sockets (10 client-close)');
    // Half is not most.
    expect(
      runExitCode(fakeReport({ connections: 10, fanoutMs: latencies(100), published: 10, closes: closes(5, 'connection-lost') })),
    ).toBe(0);
  });

  it('fails a run that delivered nothing while publishes succeeded', () => {
    const r = fakeReport({ connections: 10, fanoutMs: [], published: 10 });
    expect(r.publish.sent).toBeGreaterThan(0);
    expect(runExitCode(r)).toBe(1);
    expect(verdictLine(r)).toContain(`no delivery arrived although ${r.publish.sent} publishes succeeded`);
  });

  it('lets an interrupt win over thresholds, and thresholds over failures', () => {
    const noData = { metric: 'fanout.p99', expression: '< 250ms', actual: 0, pass: false, noData: true };
    const r = fakeReport({ connections: 10, fanoutMs: [], published: 10, closes: closes(10, 'server-close'), thresholds: [noData] });
    expect(runExitCode(r)).toBe(3);
    expect(verdictLine(r)).toContain('threshold failed: fanout.p99 < 250ms (no data)');
    r.interrupted = true;
    r.interruptReason = 'SIGTERM';
    expect(runExitCode(r)).toBe(143);
  });

  it('calls a run where no socket connected by its own name and exit code, not a threshold miss', () => {
    const noData = { metric: 'fanout.p99', expression: '< 250ms', actual: 0, pass: false, noData: true };
    const failedCount = { metric: 'connections.failed', expression: '== 0', actual: 200, pass: false };
    const r = fakeReport({ connections: 200, failures: { refused: 150, timeout: 50 }, fanoutMs: [], thresholds: [noData, failedCount] });
    r.phases.holdMs = 0;
    expect(EXIT.noConnection).toBe(5);
    expect(runExitCode(r)).toBe(EXIT.noConnection);
    expect(verdictLine(r)).toBe(
      `no socket connected to ${r.target.url} after 200 attempts: 150 connection refused (nothing listening), 50 handshake timed out; thresholds not judged`,
    );
    // The summary's first red line says it; the thresholds are "not judged", not FAIL.
    const summary = renderSummary(r);
    expect(summary.split('\n').find((l) => l.startsWith('!!'))).toMatch(
      /^!! NO SOCKET CONNECTED to \S+ after 200 attempts: 150 connection refused/,
    );
    expect(summary).not.toContain('SATURATED');
    expect(summary).toContain('not judged: no socket connected');
    expect(summary).not.toContain('thresholds FAILED');
    // JUnit: the run case fails with its own type, the thresholds are skipped.
    const xml = renderRunJunit(r, { reportPath: null });
    expect(xml).toContain('type="no-socket-connected"');
    expect(xml).toContain('<property name="exitCode" value="5"/>');
    expect(xml.match(/<skipped message="not judged: no socket connected"\/>/g)).toHaveLength(2);
    expect(xml).not.toContain('type="threshold"');
    // HTML banner.
    const banner = verdictBanner(r);
    expect(banner).toContain('data-exit-code="5"');
    expect(banner).toContain('NO SOCKET CONNECTED');
    expect(banner).not.toContain('THRESHOLDS FAILED');
    // An interrupt still wins.
    r.interrupted = true;
    r.interruptReason = 'SIGINT';
    expect(runExitCode(r)).toBe(130);
  });

  it('names the sockets that never connected when only some did', () => {
    const r = fakeReport({ connections: 100, failures: { 'http-503': 30 } });
    expect(runExitCode(r)).toBe(1);
    expect(verdictLine(r)).toBe('FAILED: 30 connection attempts failed, 30 of 100 sockets never connected: 30 HTTP 503 on upgrade');
  });

  it('puts deliveries missed while reconnecting beside lost, in an ok line and a failed one', () => {
    const r = fakeReport({ connections: 10, fanoutMs: latencies(100), published: 10, closes: closes(4, 'connection-lost') });
    r.reconnects.missedPublishes = 5103;
    expect(runExitCode(r)).toBe(0);
    expect(verdictLine(r)).toBe('ok (lost 0, missed while reconnecting 5,103 (closes before the end: 40% of sockets))');
    expect(verdictBanner(r)).toContain('lost 0, missed while reconnecting 5,103');
    const failed = { ...r, thresholds: [{ metric: 'fanout.missed', expression: '< 0.01%', actual: 83.6, pass: false }] };
    expect(runExitCode(failed)).toBe(3);
    expect(verdictLine(failed)).toBe(
      'FAILED: threshold failed: fanout.missed < 0.01% (got 83.6%); lost 0, missed while reconnecting 5,103 (closes before the end: 40% of sockets)',
    );
  });
});
