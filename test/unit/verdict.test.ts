import { describe, expect, it } from 'vitest';
import { runExitCode, verdictLine } from '../../src/report/verdict.js';
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
    expect(runExitCode(fakeReport({ connections: 10, fanoutMs: latencies(100), published: 10, closes: closes(5, 'connection-lost') }))).toBe(0);
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
});
