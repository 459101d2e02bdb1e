import { describe, expect, it } from 'vitest';
import { escapeXmlAttr, escapeXmlText } from '../../src/render/junit-xml.js';
import { renderCompareJunit, renderRunJunit, thresholdCaseName } from '../../src/render/junit.js';
import { thresholdValueText } from '../../src/report/thresholds.js';
import { verdictLine } from '../../src/report/verdict.js';
import { compare } from '../../src/report/compare.js';
import { fakeReport, fixturePair, latencies } from '../helpers/fake-report.js';
import { fmtMs } from '../../src/render/format.js';
import { findAll, parseXml, type XmlElement } from '../helpers/xml.js';

function suiteOf(xml: string): XmlElement {
  const root = parseXml(xml);
  expect(root.name).toBe('testsuites');
  const suites = findAll(root, 'testsuite');
  expect(suites).toHaveLength(1);
  return suites[0];
}

function caseNamed(suite: XmlElement, name: string): XmlElement {
  const c = findAll(suite, 'testcase').find((t) => t.attrs.name === name);
  if (!c)
    throw new Error(
      `no testcase "${name}" in ${findAll(suite, 'testcase')
        .map((t) => t.attrs.name)
        .join(', ')}`,
    );
  return c;
}

const properties = (suite: XmlElement): Record<string, string> =>
  Object.fromEntries(findAll(suite, 'property').map((p) => [p.attrs.name, p.attrs.value]));

describe('JUnit XML escaping', () => {
  it('escapes markup characters in text and attributes, and keeps newlines in attributes', () => {
    expect(escapeXmlText('a < b && c > "d"')).toBe('a &lt; b &amp;&amp; c &gt; "d"');
    expect(escapeXmlAttr(`<'&">\n\t`)).toBe('&lt;&apos;&amp;&quot;&gt;&#10;&#9;');
  });

  it('replaces characters XML 1.0 cannot carry (NUL, ESC, a lone surrogate) so the file still parses', () => {
    const text = escapeXmlText('a\u0000b\u001bc\ud800d');
    expect(text).toBe('a\ufffdb\ufffdc\ufffdd');
    expect(() => parseXml(`<x a="${escapeXmlAttr('\u0001')}">${text}</x>`)).not.toThrow();
  });
});

describe('renderRunJunit', () => {
  it('has one case for the run and one per threshold, named by the expression as written, with counts that add up', () => {
    const report = fakeReport({
      thresholds: [
        { metric: 'fanout.p99', expression: '< 250ms', actual: 312.5, pass: false },
        { metric: 'fanout.lost', expression: '< 0.1%', actual: 0.25, pass: false },
        { metric: 'handshake.p50', expression: '< 1s', actual: 3.2, pass: true },
      ],
    });
    const suite = suiteOf(renderRunJunit(report, { reportPath: 'reports/r.json' }));
    const cases = findAll(suite, 'testcase');
    expect(cases.map((c) => c.attrs.name)).toEqual([
      'run without failures (connections, deliveries, publishes, workers)',
      'fanout.p99 < 250ms',
      'fanout.lost < 0.1%',
      'handshake.p50 < 1s',
    ]);
    expect(suite.attrs).toMatchObject({ tests: '4', failures: '2', errors: '0', skipped: '0' });
    expect(caseNamed(suite, 'run without failures (connections, deliveries, publishes, workers)').children.map((c) => c.name)).toEqual([
      'system-out',
    ]);
    const p99 = findAll(caseNamed(suite, 'fanout.p99 < 250ms'), 'failure')[0];
    // In the limit's unit, with the digits the table's rounding (313 ms) leaves out.
    expect(p99.attrs).toEqual({ message: 'observed 312.5 ms, limit < 250ms', type: 'threshold' });
    expect(findAll(caseNamed(suite, 'fanout.lost < 0.1%'), 'failure')[0].attrs.message).toBe('observed 0.25%, limit < 0.1%');
    expect(findAll(caseNamed(suite, 'handshake.p50 < 1s'), 'failure')).toEqual([]);
    expect(properties(suite)).toMatchObject({
      scenario: 'fake',
      target: 'ws://127.0.0.1:4000/ws',
      report: 'reports/r.json',
      exitCode: '3',
    });
  });

  it('says "no data" for a threshold that failed for want of samples', () => {
    const report = fakeReport({ thresholds: [{ metric: 'completion.p99', expression: '< 1s', actual: 0, pass: false, noData: true }] });
    const failure = findAll(caseNamed(suiteOf(renderRunJunit(report, { reportPath: null })), 'completion.p99 < 1s'), 'failure')[0];
    expect(failure.attrs.message).toBe('no data: completion.p99 had no samples (a threshold needs data), limit < 1s');
  });

  it("fails the run case with the run's own failures (what makes exit code 1) and passes it otherwise", () => {
    const failing = fakeReport({ failures: { refused: 3 }, lost: 7 });
    const suite = suiteOf(renderRunJunit(failing, { reportPath: null }));
    expect(suite.attrs).toMatchObject({ tests: '1', failures: '1', errors: '0' });
    const failure = findAll(findAll(suite, 'testcase')[0], 'failure')[0];
    expect(failure.attrs.type).toBe('run-failures');
    expect(failure.attrs.message).toContain('3 connection attempts failed, 3 of 100 sockets never connected: 3 connection refused');
    expect(failure.attrs.message).toContain(`7 of ${failing.fanout.expected} deliveries lost`);
    expect(failure.text).toContain('connections: 100 target, 97 opened, 3 failed');
    expect(properties(suite)).toMatchObject({ report: '(not written)', exitCode: '1' });

    const ok = suiteOf(renderRunJunit(fakeReport(), { reportPath: 'r.json' }));
    expect(ok.attrs).toMatchObject({ tests: '1', failures: '0', errors: '0' });
  });

  it('marks an interrupted run as an error of the run case, naming the signal', () => {
    const suite = suiteOf(renderRunJunit(fakeReport({ interrupted: 'SIGINT' }), { reportPath: 'r.json' }));
    expect(suite.attrs).toMatchObject({ tests: '1', failures: '0', errors: '1' });
    const error = findAll(suite, 'error')[0];
    expect(error.attrs.type).toBe('interrupted');
    expect(error.attrs.message).toMatch(/^interrupted \(SIGINT\)/);
    expect(properties(suite).exitCode).toBe('130');
  });

  it('stays well-formed and reads back exactly with <, &, quotes and control characters in names, URL and paths', () => {
    const nasty = `a<b>&"c'\u0007`;
    const report = fakeReport({
      name: nasty,
      url: `ws://h/ws?a=1&b="<2>"`,
      thresholds: [{ metric: 'fanout.p99', expression: '<= 5ms', actual: 9, pass: false }],
    });
    const suite = suiteOf(renderRunJunit(report, { reportPath: `/tmp/x&<y>".json` }));
    expect(suite.attrs.name).toBe('wsload run a<b>&"c\'\ufffd');
    expect(properties(suite)).toMatchObject({ target: 'ws://h/ws?a=1&b="<2>"', report: '/tmp/x&<y>".json' });
    expect(caseNamed(suite, 'fanout.p99 <= 5ms').attrs.classname).toBe('wsload.a<b>&"c\'\ufffd.thresholds');
    expect(findAll(suite, 'system-out')[0].text).toContain('wsload · a<b>&"c\'');
  });

  it('writes the suite timestamp in the JUnit schema form (no zone) and the run time in seconds', () => {
    const report = fakeReport({ startedAt: '2026-11-26T01:02:03.456Z', durationMs: 30_000 });
    const suite = suiteOf(renderRunJunit(report, { reportPath: null }));
    expect(suite.attrs.timestamp).toBe('2026-11-26T01:02:03');
    expect(Number(suite.attrs.time)).toBeCloseTo((Date.parse(report.endedAt) - Date.parse(report.startedAt)) / 1000, 3);
  });

  it('names a threshold case by metric and expression as written', () => {
    expect(thresholdCaseName({ metric: 'connections.failed', expression: ' == 0 ', actual: 0, pass: true })).toBe(
      'connections.failed == 0',
    );
  });
});

describe('renderCompareJunit', () => {
  it('has one case per compared metric: worse fails, a gated row not judged is an error, other inconclusive rows are skipped, same and better pass', () => {
    const { before, after } = fixturePair();
    const cmp = compare(before, after);
    const suite = suiteOf(renderCompareJunit(cmp, { beforePath: 'b.json', afterPath: 'a.json' }));
    const cases = findAll(suite, 'testcase');
    expect(cases.map((c) => c.attrs.name)).toEqual(cmp.rows.map((r) => r.metric));
    const worse = cmp.rows.filter((r) => r.verdict === 'worse').map((r) => r.metric);
    expect(worse.length).toBeGreaterThan(0);
    expect(cases.filter((c) => findAll(c, 'failure').length > 0).map((c) => c.attrs.name)).toEqual(worse);
    expect(suite.attrs.failures).toBe(String(worse.length));
    const undecided = cmp.rows.filter((r) => r.verdict === 'inconclusive' && r.gated).map((r) => r.metric);
    expect(undecided).toEqual(cmp.gate.undecided);
    expect(undecided.length).toBeGreaterThan(0);
    expect(cases.filter((c) => findAll(c, 'error').length > 0).map((c) => c.attrs.name)).toEqual(undecided);
    expect(findAll(caseNamed(suite, undecided[0]), 'error')[0].attrs).toMatchObject({
      type: 'undecided',
      message: expect.stringMatching(/^could not decide: before /),
    });
    expect(suite.attrs.skipped).toBe(String(cmp.rows.filter((r) => r.verdict === 'inconclusive' && !r.gated).length));
    expect(findAll(caseNamed(suite, 'fanout.lost'), 'failure')[0].attrs.message).toMatch(/^worse: before \d+, after \d+, change \+\d+/);
    expect(findAll(caseNamed(suite, 'fanout.lost.any'), 'failure')[0].attrs).toMatchObject({
      type: 'policy',
      message: expect.stringMatching(/^worse \(policy\): /),
    });
    expect(properties(suite)).toMatchObject({
      before: 'b.json',
      after: 'a.json',
      regressions: cmp.regressions.join(', '),
      gate: 'regression',
    });
  });

  it("carries each run's value with several runs per side", () => {
    const a = fakeReport({ blocks: 10, startedAt: '2025-01-01T10:00:00.000Z' });
    const b = fakeReport({ blocks: 10, startedAt: '2025-01-01T11:00:00.000Z', fanoutMs: latencies(2000, { seed: 3, baseMs: 6 }) });
    const cmp = compare([a, a], [b, b]);
    const suite = suiteOf(renderCompareJunit(cmp, { beforePath: ['b1.json', 'b2.json'], afterPath: ['a1.json', 'a2.json'] }));
    expect(properties(suite)).toMatchObject({
      before: 'b1.json, b2.json',
      after: 'a1.json, a2.json',
      afterStartedAt: '2025-01-01T11:00:00.000Z, 2025-01-01T11:00:00.000Z',
    });
    const out = findAll(caseNamed(suite, 'fanout.p50'), 'system-out')[0];
    expect(out.text).toBe(
      `before runs: ${fmtMs(a.fanout.latencyMs.p50)}, ${fmtMs(a.fanout.latencyMs.p50)}\nafter runs: ${fmtMs(b.fanout.latencyMs.p50)}, ${fmtMs(b.fanout.latencyMs.p50)}`,
    );
  });
});

describe('threshold values with their unit (verdict line and JUnit)', () => {
  it('says a latency in the unit the threshold was written in, a percentage with %, a count plain', () => {
    const t = (metric: string, expression: string, actual: number) => ({ metric, expression, actual });
    expect(thresholdValueText(t('fanout.p99', '< 250ms', 380.927))).toBe('380.9 ms');
    expect(thresholdValueText(t('fanout.p99', '< 250', 380.927))).toBe('380.9 ms');
    expect(thresholdValueText(t('fanout.p99', '< 0.3s', 380.927))).toBe('0.3809 s');
    expect(thresholdValueText(t('fanout.p99', '< 2s', 1380.927))).toBe('1.381 s');
    expect(thresholdValueText(t('handshake.p50', '< 500us', 0.4123))).toBe('412.3 µs');
    expect(thresholdValueText(t('fanout.p50', '< 1ms', 0.41234))).toBe('0.4123 ms');
    expect(thresholdValueText(t('fanout.lost', '< 0.1%', 0.25))).toBe('0.25%');
    expect(thresholdValueText(t('fanout.lost', '== 0', 1450))).toBe('1450');
    expect(thresholdValueText(t('connections.failed', '< 3', 3))).toBe('3');
  });

  it('says a run threshold as the verdict line does, where the summary table rounds', () => {
    const report = fakeReport({ thresholds: [{ metric: 'fanout.p99', expression: '< 380.5ms', actual: 380.927, pass: false }] });
    expect(verdictLine(report)).toContain('fanout.p99 < 380.5ms (got 380.9 ms)');
    const failure = findAll(caseNamed(suiteOf(renderRunJunit(report, { reportPath: null })), 'fanout.p99 < 380.5ms'), 'failure')[0];
    expect(failure.attrs.message).toBe('observed 380.9 ms, limit < 380.5ms');
  });
});
