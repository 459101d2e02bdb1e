/**
 * The books a user reads after a run: every delivery wsload said was owed is either delivered or
 * lost, overall and per topic (and per shard where a report carries per-shard books). One check,
 * used by every test that exercises a fault, so a fault that breaks the books fails the test that
 * caused it and not some later reader of the report.
 */
import { expect } from 'vitest';
import type { Report } from '../../dist/run/report.js';

/** Books of one scope: expected = delivered + lost, late ⊆ lost, no negative count. */
function expectScope(scope: string, b: { expected: number; delivered: number; lost: number; late?: number }): void {
  const what = `${scope}: expected ${b.expected}, delivered ${b.delivered}, lost ${b.lost}`;
  expect(b.delivered, what).toBeGreaterThanOrEqual(0);
  expect(b.lost, what).toBeGreaterThanOrEqual(0);
  expect(b.delivered + b.lost, `${what}: expected must equal delivered + lost`).toBe(b.expected);
  if (b.late !== undefined) expect(b.late, `${what}, late ${b.late}: late deliveries are part of lost`).toBeLessThanOrEqual(b.lost);
}

/** expected = delivered + lost exactly, overall, per topic (their sums too) and per shard where present. */
export function expectExactBooks(report: Report): void {
  const f = report.fanout;
  expectScope('fanout', f);
  const topics = Object.entries(f.byTopic ?? {});
  for (const [name, t] of topics) expectScope(`fanout.byTopic.${name}`, t);
  if (topics.length > 0) {
    const sum = (k: 'expected' | 'delivered' | 'lost'): number => topics.reduce((s, [, t]) => s + t[k], 0);
    expect({ expected: sum('expected'), delivered: sum('delivered'), lost: sum('lost') }, 'per-topic books add up to the run').toEqual({
      expected: f.expected,
      delivered: f.delivered,
      lost: f.lost,
    });
  }
  for (const shard of report.shards ?? []) {
    const books = (shard as { fanout?: { expected: number; delivered: number; lost: number } }).fanout;
    if (books !== undefined) expectScope(`shards[${shard.index}] (${shard.name})`, books);
  }
}

/** Exact books and nothing owed went missing: every expected delivery arrived, none lost or misrouted. */
export function expectDeliveredExactly(report: Report): void {
  expectExactBooks(report);
  const f = report.fanout;
  expect(f.expected, 'something was owed').toBeGreaterThan(0);
  expect(f.lost, 'lost').toBe(0);
  expect(f.misrouted ?? 0, 'misrouted').toBe(0);
  expect(f.delivered).toBe(f.expected);
}
