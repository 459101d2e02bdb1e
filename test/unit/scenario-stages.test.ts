import { describe, expect, it } from 'vitest';
import type { Issue } from '../../src/errors.js';
import { validation } from '../helpers/validation.js';

const stages = [
  { duration: '1m', target: 1000 },
  { duration: '5m', target: 1000 },
  { duration: '30s', target: 200 },
  { duration: '0s', target: 600 },
  { duration: '2m', target: 600 },
];
const base = { name: 't', stages };

const { ok, issues } = validation({ cpus: 4 });

const lines = (list: Issue[]): string[] => list.map((i) => `${i.path}: ${i.message}`);

describe('stages: the normalized scenario', () => {
  it('takes connections from the peak and the hold from the sum of the stages', () => {
    const s = ok(base);
    expect(s.connections).toBe(1000);
    expect(s.durationMs).toBe(510_000);
    expect(s.stages).toEqual([
      { durationMs: 60_000, target: 1000 },
      { durationMs: 300_000, target: 1000 },
      { durationMs: 30_000, target: 200 },
      { durationMs: 0, target: 600 },
      { durationMs: 120_000, target: 600 },
    ]);
    expect(s.cohorts[0].count).toBe(1000);
    // Planned length 8m30s (the stages, no separate ramp): 5 s report intervals, as for any run that long.
    expect(s.report.intervalMs).toBe(5_000);
  });

  it('accepts connections equal to the peak', () => {
    expect(ok({ ...base, connections: 1000 }).connections).toBe(1000);
  });

  it('leaves a scenario without stages as it was (no stages key)', () => {
    const s = ok({ name: 't', connections: 10, duration: '30s', publish: { rate: 5 } });
    expect('stages' in s).toBe(false);
    expect(s.publish && 'stages' in s.publish).toBe(false);
  });

  it('normalizes publish.stages', () => {
    const s = ok({
      name: 't',
      connections: 10,
      duration: '30s',
      publish: {
        rate: 5,
        stages: [
          { duration: '10s', target: 50 },
          { duration: '0s', target: 0 },
        ],
      },
    });
    expect(s.publish?.stages).toEqual([
      { durationMs: 10_000, target: 50 },
      { durationMs: 0, target: 0 },
    ]);
  });
});

describe('stages: every mistake at its path', () => {
  it('duration and connectRate with stages are errors naming stages', () => {
    expect(lines(issues({ ...base, duration: '1m', connectRate: 10 }))).toEqual([
      'duration: not allowed with stages: the run lasts the sum of the stage durations; remove duration (or stages)',
      'connectRate: not allowed with stages: the stages say when sockets open and close; remove connectRate (or stages)',
    ]);
  });

  it('connections other than the peak', () => {
    expect(lines(issues({ ...base, connections: 500 }))).toEqual([
      "connections: expected the stages' peak target (1000) or no connections key, got 500",
    ]);
  });

  it('--connections and --duration with stages are reported under the flag', () => {
    expect(lines(issues(base, { overrides: { connections: '10', duration: '1m' } }))).toEqual([
      "--connections: expected the stages' peak target (1000) or no connections key, got 10",
      '--duration: not allowed with stages: the run lasts the sum of the stage durations; remove duration (or stages)',
    ]);
  });

  it('a stage that is not a stage', () => {
    expect(
      lines(
        issues({
          name: 't',
          stages: [{ duration: 'soon', target: 10 }, { duration: '1s', target: -1 }, { duration: '1s', target: 1, x: 1 }, 5],
        }),
      ),
    ).toEqual([
      'stages[0].duration: expected a duration like "500ms", "30s", "10m" or "1h30m", got "soon"',
      'stages[1].target: expected an integer from 0 to 1000000, got -1',
      expect.stringMatching(/^stages\[2\]\.x: /),
      'stages[3]: expected an object like {"duration": "1m", "target": 100}, got 5',
    ]);
  });

  it('an empty list, all targets 0, no time at all', () => {
    expect(lines(issues({ name: 't', stages: [] }))).toEqual([
      'stages: expected a non-empty array of stages like {"duration": "1m", "target": 100}, got []',
    ]);
    expect(lines(issues({ name: 't', stages: [{ duration: '10s', target: 0 }] }))).toEqual([
      'stages: expected at least one stage with a target ≥ 1 (the peak is the number of sockets), got every target 0',
    ]);
    expect(lines(issues({ name: 't', stages: [{ duration: '0s', target: 5 }] }))).toEqual([
      'stages: expected stages lasting longer than 0s in all, got only "0s" stages',
    ]);
  });

  it('cohort counts must sum to the peak', () => {
    expect(lines(issues({ name: 't', stages: [{ duration: '1s', target: 10 }], cohorts: [{ name: 'a', count: 4 }] }))).toEqual([
      'cohorts: expected counts summing to connections (10), got 4',
    ]);
  });

  it('publish.stages longer than the hold, and bad targets', () => {
    expect(lines(issues({ name: 't', connections: 1, duration: '10s', publish: { stages: [{ duration: '20s', target: 5 }] } }))).toEqual([
      'publish.stages: expected stages lasting at most the hold (10s, duration), got 20s',
    ]);
    expect(
      lines(issues({ name: 't', stages: [{ duration: '10s', target: 1 }], publish: { stages: [{ duration: '11s', target: 5 }] } })),
    ).toEqual(['publish.stages: expected stages lasting at most the hold (10s, the sum of stages), got 11s']);
    expect(
      lines(
        issues({
          name: 't',
          connections: 1,
          duration: '10s',
          publish: { stages: [{ duration: '1s', target: 20_000 }, { duration: '1s' }] },
        }),
      ),
    ).toEqual([
      'publish.stages[0].target: expected publishes per second, a number ≥ 0 and ≤ 10000, got 20000',
      'publish.stages[1].target: required; expected publishes per second, a number ≥ 0 and ≤ 10000',
    ]);
  });

  it('--rate with publish.stages is one line naming both', () => {
    expect(
      lines(
        issues(
          { name: 't', connections: 1, duration: '10s', publish: { stages: [{ duration: '1s', target: 5 }] } },
          { overrides: { rate: '10' } },
        ),
      ),
    ).toEqual(['--rate: cannot replace publish.rate while publish.stages shapes the rate; remove --rate or publish.stages']);
  });
});
