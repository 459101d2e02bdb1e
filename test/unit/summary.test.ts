import { describe, expect, it } from 'vitest';
import { renderSummary } from '../../src/render/summary.js';
import { fmtMs } from '../../src/render/format.js';
import type { Report } from '../../src/run/report.js';
import { fakeReport, fixturePair, latencies } from '../helpers/fake-report.js';
import { censoredFanout } from '../../src/report/censored.js';

const ANSI = /\u001b\[[0-9;]*m/;

/** The cells of the table row whose first cell is `first`. */
function rowOf(text: string, first: string): string[] {
  const line = text.split('\n').find((l) => l.startsWith(`│ ${first} `));
  if (!line) throw new Error(`no table row "${first}" in:\n${text}`);
  return line
    .split('│')
    .slice(1, -1)
    .map((c) => c.trim());
}

/** The cells under `header` row: a table whose head row starts with `firstHeader`. */
function tableValues(text: string, firstHeader: string): Record<string, string> {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`│ ${firstHeader} `));
  if (i < 0) throw new Error(`no table headed "${firstHeader}"`);
  const cells = (l: string): string[] =>
    l
      .split('│')
      .slice(1, -1)
      .map((c) => c.trim());
  const head = cells(lines[i]);
  const values = cells(lines[i + 2]);
  return Object.fromEntries(head.map((h, j) => [h, values[j]]));
}

function crowded(): Report {
  return fakeReport({
    name: 'a-scenario-with-a-rather-long-name-to-see-what-wrapping-does',
    connections: 5000,
    failures: { refused: 30, timeout: 12, 'too-many-open-files': 3, 'http-503': 2 },
    fanoutMs: latencies(50_000, { seed: 3, tailMs: 900, tailShare: 0.02 }),
    lost: 123,
    duplicated: 4,
    outOfOrder: 2,
    publishFailed: 7,
    publishSkipped: 11,
    cohorts: { quiet: 2000, 'ping-25s': 2000, 'heartbeat-text-10s': 1000 },
    closes: [
      ...Array.from({ length: 30 }, (_, i) => ({
        cohort: 'quiet',
        cause: 'connection-lost' as const,
        code: 1006,
        idleMs: 60_000 + i,
        ageMs: 90_000,
        error: 'ECONNRESET',
      })),
      { cohort: 'ping-25s', cause: 'server-close', code: 1001, idleMs: 5_000, ageMs: 100_000 },
      { cohort: 'heartbeat-text-10s', cause: 'protocol-error', code: 1002, idleMs: 1_000, ageMs: 10_000 },
    ],
    idleTimeout: { estimateMs: 60_015, spreadMs: 28, samples: 30, cohort: 'quiet' },
    recommendation:
      'sockets of cohort quiet were dropped after about 60 s without traffic (nginx proxy_read_timeout?): ping at least every 30 s',
    reconnects: 30,
    lagMs: { max: 480, p99: 120 },
    saturated: true,
    tlsInsecure: true,
    interrupted: 'SIGINT',
    thresholds: [
      { metric: 'fanout.p99', expression: '< 250ms', actual: 312.5, pass: false },
      { metric: 'fanout.lost', expression: '< 0.1%', actual: 0.25, pass: false },
      { metric: 'connections.failed', expression: '== 0', actual: 47, pass: false },
      { metric: 'handshake.p50', expression: '< 1s', actual: 3.2, pass: true },
    ],
    warnings: [
      'the kernel ephemeral port range (28,232 ports) is smaller than the 5,000 connections × 1 source address would need if all went to one gateway address',
    ],
  });
}

describe('renderSummary', () => {
  it('prints the fan-out counts and latency percentiles of the report', () => {
    const { after } = fixturePair();
    const text = renderSummary(after, { color: false });
    const counts = tableValues(text, 'published');
    expect(counts).toMatchObject({
      published: after.fanout.published.toLocaleString('en-US'),
      expected: after.fanout.expected.toLocaleString('en-US'),
      delivered: after.fanout.delivered.toLocaleString('en-US'),
      lost: `50 (${+((100 * 50) / after.fanout.expected).toFixed(2)}%)`,
    });
    const l = after.fanout.latencyMs;
    // The shown percentiles, declared once (p50, p75, p90, p95, p99, p99.9), then max and samples.
    expect(text).toMatch(/│ latency +│ p50 +│ p75 +│ p90 +│ p95 +│ p99 +│ p99\.9 +│ max +│ samples │/);
    expect(rowOf(text, 'fan-out')).toEqual([
      'fan-out',
      fmtMs(l.p50),
      fmtMs(l.p75 ?? NaN),
      fmtMs(l.p90),
      fmtMs(l.p95 ?? NaN),
      fmtMs(l.p99),
      fmtMs(l.p999),
      fmtMs(l.max),
      l.count.toLocaleString('en-US'),
    ]);
    expect(l.p75).toBeGreaterThanOrEqual(l.p50);
    expect(l.p95).toBeGreaterThanOrEqual(l.p90);
    expect(l.p99).toBeGreaterThanOrEqual(l.p95 ?? Infinity);
    expect(rowOf(text, 'completion')[5]).toBe(fmtMs(after.fanout.completionMs.p99));
  });

  it('prints connections, handshake, closes by code, disconnects per cohort, the idle-timeout estimate and recommendation', () => {
    const { after } = fixturePair();
    const text = renderSummary(after);
    expect(tableValues(text, 'target')).toEqual({
      target: '200',
      opened: '200',
      failed: '0',
      'peak open': '200',
      'open at end': '0',
      'handshake p50': fmtMs(after.handshake.latencyMs.p50),
      'handshake p99': fmtMs(after.handshake.latencyMs.p99),
    });
    expect(text).toContain('closes by code: 1000: 160, 1006: 40');
    expect(rowOf(text, 'quiet').slice(0, 6)).toEqual(['quiet', '100', '40', '0', '0', '60']);
    expect(rowOf(text, 'ping').slice(0, 6)).toEqual(['ping', '100', '0', '0', '0', '100']);
    expect(rowOf(text, 'all').slice(0, 3)).toEqual(['all', '200', '40']);
    expect(text).toContain('idle timeout estimate: 60.1 s ± 90.0 ms (cohort quiet, 40 connection-lost closes)');
    expect(text).toContain('recommendation: cohort quiet was cut after ~60 s idle');
    expect(text).toMatch(/fanout\.p99 +│ < 50ms +│ \d+\.\d ms +│ FAIL/);
  });

  it('shows fan-out over every expected delivery beside the received-only figures when some were lost', () => {
    const r = fakeReport({ fanoutMs: latencies(950, { seed: 3 }), lost: 50, connections: 10 });
    const c = censoredFanout(r);
    if (!c) throw new Error('a publishing report has a censored fan-out');
    r.fanout.censored = c;
    const text = renderSummary(r);
    // 5% lost, counted at the 5 s deadline: p99 is a lower bound there; p50 is a received delivery's.
    expect(rowOf(text, 'all expected')).toEqual([
      'all expected',
      fmtMs(c.latencyMs.p50),
      fmtMs(c.latencyMs.p75 ?? NaN),
      fmtMs(c.latencyMs.p90),
      fmtMs(c.latencyMs.p95 ?? NaN),
      `≥${fmtMs(c.latencyMs.p99)}`,
      `≥${fmtMs(c.latencyMs.p999)}`,
      `≥${fmtMs(c.latencyMs.max)}`,
      '1,000',
    ]);
    expect(c.latencyMs.p99).toBeGreaterThanOrEqual(5000);
    expect(text).toContain('  all expected: received deliveries with 50 lost (at the 5.00 s deadline); ≥ marks a lower bound');
    expect(renderSummary(fakeReport())).not.toContain('all expected');
  });

  it('is plain text without colour and coloured with it', () => {
    const r = crowded();
    expect(renderSummary(r, { color: false })).not.toMatch(ANSI);
    expect(renderSummary(r)).not.toMatch(ANSI);
    expect(renderSummary(r, { color: true })).toMatch(ANSI);
  });

  it('fits in 100 columns even when crowded', () => {
    for (const r of [crowded(), fixturePair().after]) {
      const long = renderSummary(r)
        .split('\n')
        .filter((l) => [...l].length > 100);
      expect(long).toEqual([]);
    }
  });

  it('shouts about interruption, saturation, insecure TLS and crashed workers', () => {
    const r = crowded();
    r.client.workers[1].crashed = 'RangeError: Maximum call stack size exceeded';
    const text = renderSummary(r);
    expect(text).toContain('!! INTERRUPTED (SIGINT)');
    expect(text).toContain('!! CLIENT SATURATED');
    expect(text).toContain('!! TLS VERIFICATION DISABLED');
    expect(text).toContain('!! WORKER 1 CRASHED');
    const quiet = renderSummary(fakeReport());
    expect(quiet).not.toContain('!!');
  });

  it('says how many publishes an interrupt aborted, so published × sockets need not equal expected', () => {
    const r = fakeReport();
    expect(renderSummary(r)).not.toContain('aborted:');
    r.publish.aborted = 1;
    expect(renderSummary(r)).toContain('aborted: 1 still unanswered when the run stopped (not in published)');
  });

  it('lists failures by reason, publish errors, threshold results and warnings', () => {
    const text = renderSummary(crowded());
    expect(text).toContain('failed by reason: refused: 30, timeout: 12, too-many-open-files: 3, http-503: 2');
    expect(tableValues(text, 'sent')).toMatchObject({ failed: '7', skipped: '11' });
    expect(text).toContain('failed by reason: http-503: 7');
    expect(rowOf(text, 'fanout.p99')).toEqual(['fanout.p99', '< 250ms', '313 ms', 'FAIL']);
    expect(rowOf(text, 'fanout.lost')).toEqual(['fanout.lost', '< 0.1%', '0.25%', 'FAIL']);
    expect(rowOf(text, 'connections.failed')).toEqual(['connections.failed', '== 0', '47', 'FAIL']);
    expect(rowOf(text, 'handshake.p50')).toEqual(['handshake.p50', '< 1s', '3.20 ms', 'pass']);
    expect(text).toContain('3 of 4 thresholds FAILED');
    expect(text).toContain('reconnects: 30 (down 3.00 s in total');
    expect(text).toContain('event-loop lag p99 120 ms, max 480 ms');
    expect(text).toMatch(/Warnings\n {2}- the kernel ephemeral port range/);
  });

  it('says so when the scenario publishes nothing', () => {
    const r = fakeReport({ fanoutMs: [], published: 0 });
    r.scenario.publish = null;
    r.publish = { ...r.publish, sent: 0 };
    const text = renderSummary(r);
    expect(text).toContain('no publishing in this scenario');
    expect(text).not.toContain('Publish (HTTP)');
  });

  it('lists drop events in 100 columns and shows a threshold without samples as "no data"', () => {
    const r = crowded();
    const event = (i: number): NonNullable<typeof r.disconnects.events>[number] => ({
      startMs: 3_723_456 + i * 60_000,
      startedAt: '2026-01-01T01:02:03.456Z',
      endMs: 3_723_456 + i * 60_000 + 1_250,
      count: 12_345,
      byCause: { 'connection-lost': 10_000, 'server-close': 2_000, 'protocol-error': 345 },
      byCode: { '1006': 10_000, '1011': 1_000, '4000': 1_000, '1002': 345 },
      openBefore: 18_000,
      lowestOpen: 5_655,
      recoveryMs: i === 0 ? null : 12_500,
      idleTimeoutCut: i === 1,
    });
    r.disconnects.events = Array.from({ length: 12 }, (_, i) => event(i));
    r.thresholds.push({ metric: 'completion.p99', expression: '< 1s', actual: 0, pass: false, noData: true });
    const text = renderSummary(r);
    expect(text.split('\n').filter((l) => [...l].length > 100)).toEqual([]);
    expect(text).toContain('drop events (closes together: a restart, a rollout, a mass drop, an idle-timeout cut): 12');
    // The second event was an idle timeout's cut: marked, and the mark explained.
    expect(text.split('\n').filter((l) => l.includes('01:02:03.456*'))).toHaveLength(1);
    expect(text).toContain('* an idle-timeout cut: only idle sockets closed; sockets active within the timeout stayed open');
    expect(text).toContain('… and 2 more in disconnects.events');
    expect(text).toContain('not back');
    expect(text).toContain('12.5 s');
    expect(rowOf(text, 'completion.p99')).toEqual(['completion.p99', '< 1s', 'no data', 'FAIL']);
  });
});

describe('renderSummary: unmatched messages', () => {
  it('names the match rule the messages did not fit', () => {
    const base = fakeReport();
    const publish = base.scenario.publish;
    if (publish === null) throw new Error('fake report publishes');
    const withRule = (rule: Partial<typeof publish>, unmatched: number): string => {
      const r = structuredClone(base);
      r.scenario.publish = { ...publish, ...rule };
      r.fanout.unmatched = unmatched;
      return renderSummary(r, { color: false });
    };
    expect(withRule({ match: 'value' }, 0)).not.toContain('no recognisable sequence number');
    // A report written before match rules had no matchBy: a top-level field.
    expect(withRule({ match: 'value' }, 12)).toContain(
      '12 messages carried no recognisable sequence number (publish.match: top-level field "value")',
    );
    expect(withRule({ match: '/data/seq', matchBy: 'pointer' }, 3)).toContain('(publish.match: JSON pointer "/data/seq")');
    // A long line wraps: whitespace is collapsed before checking.
    const regex = withRule({ match: 'seq=(\\d+)', matchBy: 'regex', binary: 'unmatched' }, 3).replace(/\s+/g, ' ');
    expect(regex).toContain('(publish.match: regex "seq=(\\\\d+)"; binary frames unread (publish.binary))');
  });
});
